package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

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
	Prev      string // "snapshot 3 of 2026-11-09"
	First     bool   // no snapshot before: nothing to compare
	Notes     []string
	Figures   []Figure
	Entered   []MoveRow
	Dropped   []MoveRow
	Up, Down  []MoveRow
	Breakouts []MoveRow
}

// MoveRow is one creator between two snapshots.
type MoveRow struct {
	Handle, URL                   string
	RankPrev, RankNow, RankChange Num
	GMVPrev, GMVNow, GMVChange    Num
	FollowersPrev, FollowersNow   Num
	FollowersChange               Num
}

// AlertRow is one alert as the report shows it.
type AlertRow struct {
	Rule, Handle, URL, Values string
}

func moveRow(c market.Change, urls map[string]string) MoveRow {
	r := MoveRow{Handle: c.Handle, URL: urls[c.Handle],
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
func buildWeek(s *market.Snapshot, x Context) *Week {
	w := &Week{}
	ch := x.Changes
	if ch == nil {
		w.First = true
		return w
	}
	urls := map[string]string{}
	for _, c := range s.Creators {
		urls[c.Handle] = c.URL
	}
	w.Prev = fmt.Sprintf("snapshot %d of %s", ch.Prev.ID, ch.Prev.TakenAt.UTC().Format("2006-01-02"))
	w.Notes = ch.Notes
	stayed := 0
	for _, r := range ch.Rows {
		if r.Status == market.Stayed {
			stayed++
		}
	}
	corr := "n/a"
	if ch.Together.N >= 3 {
		corr = Num{V: ch.Together.Rho, Form: Fixed2}.String()
	}
	w.Figures = []Figure{
		{Label: "Entered", Value: count(len(ch.Entered)), Note: "creators in this snapshot, not in the one before"},
		{Label: "Dropped out", Value: count(len(ch.Dropped)), Note: "creators in the one before, not in this one"},
		{Label: "Stayed", Value: count(stayed), Note: "in both"},
		{Label: "Breakouts", Value: count(len(ch.Breakouts)), Note: fmt.Sprintf("GMV ×%g or more from under %s", market.Breakout, USD(market.BreakoutBelow))},
		{Label: "Followers and GMV moved together", Text: corr, Note: fmt.Sprintf("Spearman ρ of follower change and GMV change, n = %s", Int(ch.Together.N))},
	}
	rows := func(cs []market.Change, n int) []MoveRow {
		var out []MoveRow
		for i, c := range cs {
			if i == n {
				break
			}
			out = append(out, moveRow(c, urls))
		}
		return out
	}
	w.Entered, w.Dropped = rows(ch.Entered, Top), rows(ch.Dropped, Top)
	w.Up, w.Down, w.Breakouts = rows(ch.Up, Outliers), rows(ch.Down, Outliers), rows(ch.Breakouts, Top)
	return w
}

func alertRows(s *market.Snapshot, alerts []market.Alert) []AlertRow {
	urls := map[string]string{}
	for _, c := range s.Creators {
		urls[c.Handle] = c.URL
	}
	var out []AlertRow
	for _, a := range alerts {
		names := make([]string, 0, len(a.Values))
		for k := range a.Values {
			names = append(names, k)
		}
		sort.Strings(names)
		vals := ""
		for i, k := range names {
			if i > 0 {
				vals += ", "
			}
			vals += k + " " + factText(k, a.Values[k])
		}
		out = append(out, AlertRow{Rule: a.Rule, Handle: a.Handle, URL: urls[a.Handle], Values: vals})
	}
	return out
}

func factText(name string, v any) string {
	switch x := v.(type) {
	case float64:
		switch name {
		case "gmv", "gmv_prev", "gmv_per_1k":
			return USD(x)
		case "gmv_change_pct", "followers_change_pct":
			return strconv.FormatFloat(x, 'f', 0, 64) + "%"
		}
		return CompactN(x)
	case int:
		return Int(x)
	}
	return fmt.Sprint(v)
}

// historyChart draws the source's market over its snapshots: total GMV
// and creators, week by week.
func historyChart(s *market.Snapshot, h []market.Summary) (Chart, error) {
	ch := Chart{ID: "chart-history", Height: 380, Title: "The market week by week",
		Subtitle: fmt.Sprintf("Total GMV (USD) and creators in each of %s snapshots", Int(len(h)))}
	var xs []string
	var gmv, n []opts.LineData
	for _, m := range h {
		xs = append(xs, fmt.Sprintf("%s #%d", m.TakenAt.UTC().Format("2006-01-02"), m.ID))
		gmv = append(gmv, opts.LineData{Value: round2(m.TotalGMVUSD)})
		n = append(n, opts.LineData{Value: m.Creators})
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: ch.ID, Width: "100%", Height: fmt.Sprintf("%dpx", ch.Height)}),
		title(ch.Title, ch.Subtitle+"\n"+sourceLine(s)),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "70", Right: "60", Bottom: "60"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "GMV (USD)", NameLocation: "middle", NameGap: 55}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
	)
	line.ExtendYAxis(opts.YAxis{Type: "value", Name: "creators", NameLocation: "middle", NameGap: 45, Position: "right"})
	line.SetXAxis(xs).
		AddSeries("total GMV (USD)", gmv, charts.WithLineStyleOpts(opts.LineStyle{Color: "#d1495b", Width: 2}), charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d1495b"})).
		AddSeries("creators", n, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}), charts.WithLineStyleOpts(opts.LineStyle{Color: "#3b6ea5", Type: "dashed"}), charts.WithItemStyleOpts(opts.ItemStyle{Color: "#3b6ea5"}))
	ch.Notes = []string{"Each point is a stored snapshot of the source, partial ones included (marked in the table of snapshots); GMV is the sum over creators with a GMV value."}
	var err error
	ch.Option, err = optionJSON(line)
	return ch, err
}

// seriesChart draws the top creators' GMV over the snapshots.
func seriesChart(s *market.Snapshot, h []market.Summary, series map[string][]market.SeriesPoint, order []string) (Chart, error) {
	ch := Chart{ID: "chart-top-series", Height: 400, Title: "Today's top sellers over the weeks",
		Subtitle: fmt.Sprintf("GMV (USD) of this snapshot's %d largest sellers in each snapshot", len(order))}
	var xs []string
	at := map[int64]int{}
	for i, m := range h {
		xs = append(xs, fmt.Sprintf("%s #%d", m.TakenAt.UTC().Format("2006-01-02"), m.ID))
		at[m.ID] = i
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: ch.ID, Width: "100%", Height: fmt.Sprintf("%dpx", ch.Height)}),
		title(ch.Title, ch.Subtitle+"\n"+sourceLine(s)),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "70", Right: "30", Bottom: "70"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "GMV (USD)", NameLocation: "middle", NameGap: 55}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
	)
	line.SetXAxis(xs)
	for _, hnd := range order {
		data := make([]opts.LineData, len(h))
		for i := range data {
			data[i] = opts.LineData{Value: "-"} // absent that week: a gap, not a zero
		}
		for _, p := range series[hnd] {
			if i, ok := at[p.Snapshot]; ok && p.HasGMV {
				data[i] = opts.LineData{Value: round2(p.GMVUSD)}
			}
		}
		line.AddSeries("@"+hnd, data, charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false)}))
	}
	ch.Notes = []string{"A week a creator was not in the snapshot is a gap in its line, never a zero."}
	var err error
	ch.Option, err = optionJSON(line)
	return ch, err
}

// TopHandles returns the n largest sellers of a snapshot, largest first.
func TopHandles(s *market.Snapshot, n int) []string {
	cs := append([]market.Creator(nil), s.Creators...)
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].GMVUSD != cs[j].GMVUSD {
			return cs[i].GMVUSD > cs[j].GMVUSD
		}
		return cs[i].Handle < cs[j].Handle
	})
	var out []string
	for _, c := range cs {
		if len(out) == n {
			break
		}
		if c.GMV != nil {
			out = append(out, c.Handle)
		}
	}
	return out
}

// ChangesHeader is changes.csv's header row.
var ChangesHeader = []string{"handle", "status", "followers_prev", "followers_now", "gmv_prev_usd", "gmv_now_usd", "rank_prev", "rank_now",
	"rank_change", "gmv_change_pct", "followers_change_pct", "snapshot_prev", "snapshot_now"}

// WriteChanges writes one row per creator in either snapshot: empty cells
// where a side is absent or gave no value.
func WriteChanges(w *bytes.Buffer, s *market.Snapshot, ch *market.Changes) error {
	w.WriteString(bom)
	cw := csv.NewWriter(w)
	if err := cw.Write(ChangesHeader); err != nil {
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
