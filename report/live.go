package report

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"gmvscope/market"
)

// LiveModel is the live-commerce section.
type LiveModel struct {
	Figures  []Figure
	Sessions []SessionRow
	Sellers  []SellerRow
	Leads    template.HTML // how many creators are live-led, video-led, mixed
	All      int           // sessions in the snapshot (the table shows the top ones)
	HasChart bool          // the viewers-vs-GMV chart has points
	HasSplit bool          // the channels chart has creators
}

// SessionRow is one live session in the top-sessions table.
type SessionRow struct {
	ID, Creator, Start, Title    string
	Viewers, GMV, Hours, PerHour Num
}

// SellerRow is one creator's GMV by channel.
type SellerRow struct {
	Handle                string
	Live, Video, Showcase Num
	LiveShare             Num
	Lead                  string
}

func liveModel(s *market.Snapshot, a market.LiveAnalysis, l *Locale) *LiveModel {
	if !a.Has() {
		return nil
	}
	m := &LiveModel{HasChart: len(a.Points) > 0, HasSplit: a.Split > 0, All: a.Sessions}
	share := Num{NA: true}
	var shareNote template.HTML
	switch a.ShareFrom {
	case "channels":
		share = Num{V: a.LiveShare, Form: Share}
		shareNote = l.HTML("live.share_channels", "n", a.Split)
	case "sessions":
		share = Num{V: a.LiveShare, Form: Share}
		shareNote = l.HTML("live.share_sessions", "n", a.CreatorsLive)
	default:
		shareNote = l.HTML("live.share_none")
	}
	m.Figures = append(m.Figures, Figure{Label: l.T("live.share"), Value: share, Note: shareNote})
	if a.Sessions > 0 {
		m.Figures = append(m.Figures,
			Figure{Label: l.T("live.sessions"), Value: count(a.Sessions), Note: l.HTML("live.sessions_note", "gmv", a.WithGMV, "creators", a.CreatorsLive, "total", usd(a.GMVUSD))},
			Figure{Label: l.T("live.per_hour"), Value: perHour(a.GMVPerHour, a.Timed), Note: l.HTML("live.per_hour_note", "n", a.Timed,
				"hours", Num{V: a.Hours, Form: Compact}, "median", perHour(a.MedianPerHr, a.Timed))},
			Figure{Label: l.T("live.rho"), Value: rhoNum(a.Spearman), Note: l.HTML("live.rho_note", "n", a.Spearman.N)})
	}
	for _, p := range a.Top {
		row := SessionRow{ID: p.ID, Creator: p.Creator, Start: startText(p.Start, l), Title: p.Title, GMV: usd(p.GMVUSD),
			Viewers: Num{NA: p.Viewers <= 0, V: p.Viewers, Form: Compact}, Hours: Num{NA: true}, PerHour: Num{NA: true}}
		if p.Hours > 0 {
			row.Hours, row.PerHour = Num{V: p.Hours, Form: Fixed2}, usd(p.PerHour)
		}
		m.Sessions = append(m.Sessions, row)
	}
	for _, c := range a.Sellers {
		// A channel the source does not give is n/a, never $0.
		ch := func(v float64, has bool) Num { return Num{V: v, Form: Money, NA: !has} }
		m.Sellers = append(m.Sellers, SellerRow{Handle: c.Handle, Live: ch(c.LiveUSD, c.Has[0]), Video: ch(c.VideoUSD, c.Has[1]),
			Showcase: ch(c.ShowcaseUSD, c.Has[2]), LiveShare: Num{V: c.LiveShare, Form: Share}, Lead: l.T("live.lead." + c.Lead)})
	}
	if a.Split > 0 {
		m.Leads = l.HTML("live.leads", "live", a.LiveLed, "live_gmv", usd(a.LiveLedUSD), "video", a.VideoLed, "video_gmv", usd(a.VideoLedUSD),
			"mixed", a.Mixed, "mixed_gmv", usd(a.MixUSD))
	}
	return m
}

// startText writes a session's start in the locale when it is a time
// gmvscope reads (RFC 3339, "2026-10-20 19:00"), else as the source
// wrote it.
func startText(s string, l *Locale) string {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			// Short, for a table column on a phone: "20 Oct 19:00", in
			// UTC as the column's header says.
			return l.ShortDate(t) + " " + l.digitsOf(t.UTC().Format("15:04"))
		}
	}
	return s
}

func perHour(v float64, n int) Num {
	if n == 0 {
		return Num{NA: true}
	}
	return usd(v)
}

func rhoNum(c market.Correlation) Num {
	if c.N < 3 || math.IsNaN(c.Rho) {
		return Num{NA: true}
	}
	return Num{V: c.Rho, Form: Fixed2}
}

// liveChart is live sessions' viewers against their GMV, log-log.
func liveChart(s *market.Snapshot, a market.LiveAnalysis, l *Locale) (Chart, error) {
	ch := Chart{ID: "chart-live", Name: "live", Height: 480}
	t := &chartText{l: l, c: &ch}
	t.title("chart.live.title")
	t.subtitle("chart.live.subtitle", "period", periodLabel(s.Source.Period, l))
	chartSource(t, s)
	var pts []opts.ScatterData
	var rows [][]string
	minX, maxX, minY, maxY := math.Inf(1), 0.0, math.Inf(1), 0.0
	for _, p := range a.Points {
		minX, maxX, minY, maxY = math.Min(minX, p.Viewers), math.Max(maxX, p.Viewers), math.Min(minY, p.GMVUSD), math.Max(maxY, p.GMVUSD)
	}
	// Above DensityAbove sessions, density as the creators' scatter draws it.
	density := len(a.Points) > DensityAbove
	var bins []densityBin
	if density {
		as := make([]market.Point, len(a.Points))
		for i, p := range a.Points {
			as[i] = market.Point{Followers: p.Viewers, GMVUSD: p.GMVUSD}
		}
		bins = densityBins(as, nil, minX, maxX, minY, maxY)
		for _, b := range bins {
			rows = append(rows, []string{"density", "", "", full(b.x0), full(b.y0), full(b.x1), full(b.y1), strconv.Itoa(b.n)})
		}
		ch.Drawn = len(bins)
	} else {
		for _, p := range a.Points {
			pts = append(pts, opts.ScatterData{Name: l.Iso("@" + p.Creator + " · " + p.ID), Value: []float64{p.Viewers, p.GMVUSD}})
			rows = append(rows, []string{p.ID, "@" + p.Creator, p.Start, full(p.Viewers), full(p.GMVUSD), full(p.Hours)})
		}
		ch.Drawn = len(pts)
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}))
	sc.AddSeries(l.Chart("chart.live.sessions"), pts, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 7}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: okVermillion, Opacity: opts.Float(0.6)}))
	t.note("chart.live.note", "n", len(a.Points), "all", a.Sessions, "rho", rhoNum(a.Spearman))
	if density {
		t.note("chart.live.density", "n", len(a.Points), "cols", DensityCols, "rows", DensityRows, "bins", len(bins))
	}
	ch.Alt = l.T("chart.live.alt", "n", len(a.Points), "rho", rhoNum(a.Spearman))
	var err error
	header := []string{"session", "creator", "start", "viewers", "gmv_usd", "hours"}
	if density {
		header = []string{"series", "session", "creator", "viewers", "gmv_usd", "viewers_high", "gmv_usd_high", "sessions"}
	}
	if ch.CSV, err = csvRows(header, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(sc)
	if err != nil {
		return ch, err
	}
	// Bounded in density mode too: the bins are not points to fit to.
	logLogAxes(obj, l, "chart.axis.viewers", "money", len(a.Points) > 0, minX, maxX, minY, maxY)
	name := l.Chart("chart.live.sessions")
	obj["legend"].(map[string]any)["data"] = []any{map[string]any{"name": name, "icon": "circle"}}
	if density {
		useDensity(obj, name, bins, l)
		obj["gmvscope"].(map[string]any)["binLabel"] = l.T("chart.live.bin_tooltip", "n", "{n}")
		obj["legend"].(map[string]any)["data"] = []any{densityLegendItem(name)}
	}
	ch.meta.XNameBelow, ch.meta.YNameTop = true, true
	return ch, finish(&ch, obj, l)
}

// channelsChart stacks the top sellers' GMV by channel: live, video,
// product showcase.
func channelsChart(s *market.Snapshot, a market.LiveAnalysis, l *Locale) (Chart, error) {
	ch := Chart{ID: "chart-channels", Name: "channels", Height: 440}
	t := &chartText{l: l, c: &ch}
	sellers := a.Sellers[:min(10, len(a.Sellers))]
	t.title("chart.channels.title")
	t.subtitle("chart.channels.subtitle", "n", len(sellers))
	chartSource(t, s)
	var names []string
	var live, video, show []opts.BarData
	var rows [][]string
	// A channel the source does not give is no bar ("-" to echarts) and
	// an empty cell, never a zero.
	bar := func(v float64, has bool) (opts.BarData, string) {
		if !has {
			return opts.BarData{Value: "-"}, ""
		}
		return opts.BarData{Value: v}, full(v)
	}
	for _, c := range sellers {
		names = append(names, l.Iso("@"+c.Handle))
		lb, lc := bar(c.LiveUSD, c.Has[0])
		vb, vc := bar(c.VideoUSD, c.Has[1])
		sb, sc := bar(c.ShowcaseUSD, c.Has[2])
		live, video, show = append(live, lb), append(video, vb), append(show, sb)
		rows = append(rows, []string{"@" + c.Handle, lc, vc, sc, c.Lead})
	}
	ch.Drawn = 3 * len(sellers)
	bc := charts.NewBar()
	bc.SetGlobalOptions(charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}))
	lName, vName, sName := l.Chart("chart.channels.live"), l.Chart("chart.channels.video"), l.Chart("chart.channels.showcase")
	bc.SetXAxis(names).
		AddSeries(lName, live, charts.WithItemStyleOpts(opts.ItemStyle{Color: okVermillion}), charts.WithBarChartOpts(opts.BarChart{Stack: "gmv"})).
		AddSeries(vName, video, charts.WithItemStyleOpts(opts.ItemStyle{Color: okBlue}), charts.WithBarChartOpts(opts.BarChart{Stack: "gmv"})).
		AddSeries(sName, show, charts.WithItemStyleOpts(opts.ItemStyle{Color: okGreen}), charts.WithBarChartOpts(opts.BarChart{Stack: "gmv"}))
	t.note("chart.channels.note", "n", a.Split)
	var parts []string
	for _, c := range sellers[:min(3, len(sellers))] {
		parts = append(parts, l.T("chart.channels.alt_row", "handle", "@"+c.Handle, "share", Num{V: c.LiveShare, Form: Share}))
	}
	ch.Alt = l.T("chart.channels.alt", "n", len(sellers), "rows", strings.Join(parts, "; "))
	var err error
	if ch.CSV, err = csvRows([]string{"creator", "live_usd", "video_usd", "showcase_usd", "lead"}, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(bc)
	if err != nil {
		return ch, err
	}
	// Horizontal: handles read along the axis, on a phone too.
	obj["xAxis"], obj["yAxis"] = obj["yAxis"], obj["xAxis"]
	obj["grid"] = map[string]any{"top": 64, "left": 8, "right": 24, "bottom": 36, "containLabel": true}
	obj["tooltip"] = map[string]any{"trigger": "axis", "valueFormatter": "fmt:money", "confine": true, "axisPointer": map[string]any{"type": "shadow"}}
	x := axisName(l.Chart("chart.axis.gmv_usd"), l, true)
	x["type"] = "value"
	x["axisLabel"] = map[string]any{"formatter": "fmt:money", "hideOverlap": true}
	x["splitLine"] = splitLine()
	y := map[string]any{"type": "category", "inverse": true, "axisLabel": map[string]any{"fontSize": 11}}
	mergeAxis(obj, "xAxis", x)
	mergeAxis(obj, "yAxis", y)
	ch.meta.XNameBelow = true
	return ch, finish(&ch, obj, l)
}
