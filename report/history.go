package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"gmvscope/market"
)

// Context is what a report shows beyond its own snapshot: what changed
// since the snapshot before (nil for the first), the source's snapshots
// week by week, the top creators' series, and the alerts that fired.
type Context struct {
	Changes *market.Changes
	History []market.Summary                // the source's snapshots, oldest first, this one included
	Series  map[string][]market.SeriesPoint // the top creators across the snapshots
	Alerts  []market.Alert
}

// Week is the report's "what changed" section.
type Week struct {
	Prev      template.HTML // "snapshot 3 of 9 November 2026"
	First     bool          // no snapshot before: nothing to compare
	Notes     []template.HTML
	Figures   []Figure
	Entered   []MoveRow
	Dropped   []MoveRow
	Up, Down  []MoveRow
	Breakouts []MoveRow
}

// MoveRow is one creator between two snapshots.
type MoveRow struct {
	Handle                        string
	URL                           template.URL
	RankPrev, RankNow, RankChange Num
	GMVPrev, GMVNow, GMVChange    Num
	FollowersPrev, FollowersNow   Num
	FollowersChange               Num
}

// AlertRow is one alert as the report shows it.
type AlertRow struct {
	Rule, Handle, Values string
	URL                  template.URL
}

func moveRow(c market.Change, s *market.Snapshot) MoveRow {
	r := MoveRow{Handle: c.Handle, URL: Link(s.URLOf(c.Handle)),
		RankPrev: rankNum(c.RankPrev), RankNow: rankNum(c.RankNow), RankChange: Num{V: float64(c.RankChange()), Form: Count, NA: c.RankPrev == 0 || c.RankNow == 0},
		GMVPrev: Num{V: c.GMVPrev, Form: Money, NA: !c.HasGMVPrev}, GMVNow: Num{V: c.GMVNow, Form: Money, NA: !c.HasGMVNow},
		FollowersPrev: Num{V: c.FollowersPrev, Form: Compact, NA: !c.HasFollowersPrev}, FollowersNow: Num{V: c.FollowersNow, Form: Compact, NA: !c.HasFollowersNow}}
	g, ok := c.GMVChange()
	r.GMVChange = Num{V: g, Form: Share, NA: !ok}
	f, ok := c.FollowersChange()
	r.FollowersChange = Num{V: f, Form: Share, NA: !ok}
	return r
}

func rankNum(r int) Num { return Num{V: float64(r), Form: Count, NA: r == 0} }

// buildWeek makes the "what changed" section.
func buildWeek(s *market.Snapshot, x Context, l *Locale) *Week {
	w := &Week{}
	ch := x.Changes
	if ch == nil {
		w.First = true
		return w
	}
	w.Prev = l.HTML("week.prev", "id", l.ID(ch.Prev.ID), "date", l.Date(ch.Prev.TakenAt))
	for _, c := range ch.Caveats {
		w.Notes = append(w.Notes, l.HTML("week.caveat_"+c.Code, "prev_period", periodLabel(c.PrevPeriod, l), "period", periodLabel(c.CurPeriod, l),
			"id", l.ID(c.PrevID), "before", c.PrevCreators, "now", c.CurCreators))
	}
	corr := l.T("na")
	if ch.Together.N >= 3 {
		corr = l.Num(Num{V: ch.Together.Rho, Form: Fixed2})
	}
	w.Figures = []Figure{
		{Label: l.T("week.entered"), Value: count(ch.Counts.Entered), Note: l.HTML("week.entered_note")},
		{Label: l.T("week.dropped"), Value: count(ch.Counts.Dropped), Note: l.HTML("week.dropped_note")},
		{Label: l.T("week.stayed"), Value: count(ch.Counts.Stayed), Note: l.HTML("week.stayed_note")},
		{Label: l.T("week.breakouts"), Value: count(ch.Counts.Breakouts), Note: l.HTML("week.breakouts_note", "x", l.fixed(market.Breakout, -1), "below", usd(market.BreakoutBelow))},
		{Label: l.T("week.together"), Text: corr, Note: l.HTML("week.together_note", "n", ch.Together.N)},
	}
	rows := func(cs []market.Change, n int) []MoveRow {
		var out []MoveRow
		for i, c := range cs {
			if i == n {
				break
			}
			out = append(out, moveRow(c, s))
		}
		return out
	}
	w.Entered, w.Dropped = rows(ch.Entered, Top), rows(ch.Dropped, Top)
	w.Up, w.Down, w.Breakouts = rows(ch.Up, Outliers), rows(ch.Down, Outliers), rows(ch.Breakouts, Top)
	return w
}

func alertRows(s *market.Snapshot, alerts []market.Alert, l *Locale) []AlertRow {
	var out []AlertRow
	for _, a := range alerts {
		names := make([]string, 0, len(a.Values))
		for k := range a.Values {
			names = append(names, k)
		}
		sort.Strings(names)
		var vals []string
		for _, k := range names {
			vals = append(vals, l.T("alert.value", "name", k, "value", factText(k, a.Values[k], l)))
		}
		out = append(out, AlertRow{Rule: a.Rule, Handle: a.Handle, URL: Link(s.URLOf(a.Handle)), Values: strings.Join(vals, l.T("list_sep"))})
	}
	return out
}

func factText(name string, v any, l *Locale) string {
	switch x := v.(type) {
	case float64:
		switch name {
		case "gmv", "gmv_prev", "gmv_per_1k":
			return l.Num(usd(x))
		case "gmv_change_pct", "followers_change_pct":
			return l.pct(x, 0)
		case "gmv_rank", "rank_prev", "rank_change", "followers_rank":
			return l.Num(count(int(x)))
		}
		return l.Num(Num{V: x, Form: Compact})
	case int:
		return l.Num(count(x))
	}
	return fmt.Sprint(v)
}

// weekLabels name the snapshots on the weeks axis by their day, short,
// and by their number too where two share a day.
func weekLabels(h []market.Summary, l *Locale) []string {
	seen := map[string]int{}
	for _, m := range h {
		seen[l.ShortDate(m.TakenAt)]++
	}
	var out []string
	for _, m := range h {
		d := l.ShortDate(m.TakenAt)
		if seen[d] > 1 {
			d = l.T("chart.week_label", "date", d, "id", l.ID(m.ID))
		}
		out = append(out, l.Iso(d))
	}
	return out
}

// historyChart draws the source's market over its snapshots: total GMV
// and creators, week by week.
func historyChart(s *market.Snapshot, h []market.Summary, l *Locale) (Chart, error) {
	ch := Chart{ID: "chart-history", Name: "history", Height: 380}
	t := &chartText{l: l, c: &ch}
	t.title("chart.history.title")
	t.subtitle("chart.history.subtitle", "n", len(h))
	chartSource(t, s)
	var xs []string
	var gmv, n []opts.LineData
	var rows [][]string
	partial := 0
	xs = weekLabels(h, l)
	for _, m := range h {
		gmv = append(gmv, opts.LineData{Value: m.TotalGMVUSD})
		n = append(n, opts.LineData{Value: m.Creators})
		rows = append(rows, []string{strconv.FormatInt(m.ID, 10), m.TakenAt.UTC().Format("2006-01-02T15:04:05Z"), string(m.Status),
			full(m.TotalGMVUSD), strconv.Itoa(m.Creators)})
		if m.Status == market.RunPartial {
			partial++
		}
	}
	ch.Drawn = len(h)
	gName, cName := l.Chart("chart.history.gmv"), l.Chart("chart.history.creators")
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}),
	)
	line.ExtendYAxis(opts.YAxis{Type: "value"})
	line.SetXAxis(xs).
		AddSeries(gName, gmv, charts.WithLineStyleOpts(opts.LineStyle{Color: okVermillion, Width: 2.5}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: okVermillion}), charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 7})).
		AddSeries(cName, n, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, Symbol: "rect", SymbolSize: 6}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: okBlue, Type: "dashed", Width: 1.5}), charts.WithItemStyleOpts(opts.ItemStyle{Color: okBlue}))
	t.note("chart.history.note")
	if partial > 0 {
		t.note("chart.history.partial", "n", partial)
	}
	first, last := h[0], h[len(h)-1]
	ch.Alt = l.T("chart.history.alt", "n", len(h), "from", l.Date(first.TakenAt), "to", l.Date(last.TakenAt),
		"gmv_from", usd(first.TotalGMVUSD), "gmv_to", usd(last.TotalGMVUSD), "creators_from", first.Creators, "creators_to", last.Creators)
	var err error
	if ch.CSV, err = csvRows([]string{"snapshot", "taken_at", "status", "total_gmv_usd", "creators"}, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(line)
	if err != nil {
		return ch, err
	}
	obj["grid"] = map[string]any{"top": 64, "left": 8, "right": 32, "bottom": 16, "containLabel": true}
	obj["tooltip"] = map[string]any{"trigger": "axis", "confine": true}
	mergeAxis(obj, "xAxis", map[string]any{"axisLabel": map[string]any{"hideOverlap": true}, "boundaryGap": false})
	y0 := axisName(l.Chart("chart.axis.gmv_usd"), l, false)
	y0["axisLabel"] = map[string]any{"formatter": "fmt:money"}
	y0["splitLine"] = splitLine()
	y1 := axisName(l.Chart("chart.axis.creators"), l, false)
	y1["axisLabel"] = map[string]any{"formatter": "fmt:compact"}
	y1["splitLine"] = map[string]any{"show": false}
	y1["position"] = "right"
	y1["nameTextStyle"] = map[string]any{"color": mutedColor, "align": "right"}
	obj["yAxis"] = []any{y0, y1}
	series := obj["series"].([]any)
	series[0].(map[string]any)["tooltip"] = map[string]any{"valueFormatter": "fmt:money"}
	series[1].(map[string]any)["tooltip"] = map[string]any{"valueFormatter": "fmt:count"}
	ch.meta.YNameTop = true
	return ch, finish(&ch, obj, l)
}

// seriesChart draws the top creators' GMV over the snapshots.
func seriesChart(s *market.Snapshot, h []market.Summary, series map[string][]market.SeriesPoint, order []string, l *Locale) (Chart, error) {
	ch := Chart{ID: "chart-top-series", Name: "top-sellers", Height: 400}
	t := &chartText{l: l, c: &ch}
	t.title("chart.top.title")
	t.subtitle("chart.top.subtitle", "n", len(order))
	chartSource(t, s)
	var xs []string
	at := map[int64]int{}
	xs = weekLabels(h, l)
	for i, m := range h {
		at[m.ID] = i
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}),
	)
	line.SetXAxis(xs)
	var rows [][]string
	for k, hnd := range order {
		data := make([]opts.LineData, len(h))
		cells := make([]string, len(h))
		for i := range data {
			data[i] = opts.LineData{Value: "-"} // absent that week: a gap, not a zero
		}
		for _, p := range series[hnd] {
			if i, ok := at[p.Snapshot]; ok && p.HasGMV {
				data[i] = opts.LineData{Value: p.GMVUSD}
				cells[i] = full(p.GMVUSD)
				ch.Drawn++
			}
		}
		for i, m := range h {
			rows = append(rows, []string{"@" + hnd, strconv.FormatInt(m.ID, 10), m.TakenAt.UTC().Format("2006-01-02T15:04:05Z"), cells[i]})
		}
		sym := []string{"circle", "rect", "triangle", "diamond", "roundRect"}[k%5]
		line.AddSeries(l.Iso("@"+hnd), data, charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), Symbol: sym, SymbolSize: 7}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: palette[k%len(palette)], Width: 2}), charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[k%len(palette)]}))
	}
	t.note("chart.top.note")
	names := make([]string, len(order))
	for i, h := range order {
		names[i] = "@" + h
	}
	ch.Alt = l.T("chart.top.alt", "n", len(order), "names", strings.Join(names, ", "), "weeks", len(h))
	var err error
	if ch.CSV, err = csvRows([]string{"handle", "snapshot", "taken_at", "gmv_usd"}, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(line)
	if err != nil {
		return ch, err
	}
	obj["grid"] = map[string]any{"top": 64, "left": 8, "right": 32, "bottom": 16, "containLabel": true}
	obj["tooltip"] = map[string]any{"trigger": "axis", "valueFormatter": "fmt:money", "confine": true}
	mergeAxis(obj, "xAxis", map[string]any{"axisLabel": map[string]any{"hideOverlap": true}, "boundaryGap": false})
	y := axisName(l.Chart("chart.axis.gmv_usd"), l, false)
	y["type"] = "value"
	y["axisLabel"] = map[string]any{"formatter": "fmt:money"}
	y["splitLine"] = splitLine()
	mergeAxis(obj, "yAxis", y)
	ch.meta.YNameTop = true
	return ch, finish(&ch, obj, l)
}

// TopHandles returns the n largest sellers of a snapshot, largest first,
// ties by handle.
func TopHandles(s *market.Snapshot, n int) []string {
	all := s.Everyone() // in handle order: a stable sort breaks ties by handle
	idx := make([]int, 0, len(all))
	for i := range all {
		if all[i].Is(market.HasGMV) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(all[b].GMVUSD, all[a].GMVUSD) })
	var out []string
	for _, i := range idx[:min(n, len(idx))] {
		out = append(out, all[i].Handle)
	}
	return out
}

// ChangesHeader is changes.csv's header row.
var ChangesHeader = []string{"handle", "status", "followers_prev", "followers_now", "gmv_prev_usd", "gmv_now_usd", "rank_prev", "rank_now",
	"rank_change", "gmv_change_pct", "followers_change_pct", "snapshot_prev", "snapshot_now"}

// WriteChanges writes one row per creator in either snapshot: empty cells
// where a side is absent or gave no value.
func WriteChanges(w io.Writer, s *market.Snapshot, ch *market.Changes) error {
	cw, err := startCSV(w, ChangesHeader)
	if err != nil {
		return err
	}
	f := func(v float64, ok bool, d int) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(v, 'f', d, 64)
	}
	i := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, c := range ch.Rows {
		g, gok := c.GMVChange()
		fl, fok := c.FollowersChange()
		rc := ""
		if c.RankPrev > 0 && c.RankNow > 0 {
			rc = strconv.Itoa(c.RankChange())
		}
		row := []string{SafeCell(c.Handle), c.Status, f(c.FollowersPrev, c.HasFollowersPrev, 0), f(c.FollowersNow, c.HasFollowersNow, 0),
			f(c.GMVPrev, c.HasGMVPrev, 2), f(c.GMVNow, c.HasGMVNow, 2), i(c.RankPrev), i(c.RankNow), rc,
			f(100*g, gok, 1), f(100*fl, fok, 1), strconv.FormatInt(ch.Prev.ID, 10), strconv.FormatInt(s.ID, 10)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// bom is the UTF-8 byte order mark: Excel on Windows reads a CSV without
// it in the machine's legacy code page and garbles "小美 好物".
const bom = "\ufeff"

// WriteAlerts writes alerts.json: every alert with the values that fired it.
func WriteAlerts(w *bytes.Buffer, s *market.Snapshot, alerts []market.Alert) error {
	if alerts == nil {
		alerts = []market.Alert{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Source   string         `json:"source"`
		Snapshot int64          `json:"snapshot"`
		TakenAt  string         `json:"taken_at"`
		Alerts   []market.Alert `json:"alerts"`
	}{s.Source.Name, s.ID, s.TakenAt.UTC().Format("2006-01-02T15:04:05Z"), alerts})
}
