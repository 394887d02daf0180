package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"gmvscope/market"
)

// MaxScatterPoints is the most creators the scatter draws. Above it the
// chart shows every labelled outlier and an even sample of the rest by GMV
// rank, and its note says so; the CSV always has every creator.
const MaxScatterPoints = 20000

type optioner interface {
	Validate()
	JSON() map[string]interface{}
}

// optionJSON turns a go-echarts chart into its option object as JSON that is
// safe inside <script>: json.Marshal escapes <, >, & and U+2028, so scraped
// names cannot close the script (go-echarts' own templates do not escape).
// It also turns off animation and progressive rendering so a screenshot or
// export never catches a half-drawn chart.
func optionJSON(c optioner, patches ...func(obj map[string]any)) (template.JS, error) {
	c.Validate()
	raw, err := json.Marshal(c.JSON())
	if err != nil {
		return "", fmt.Errorf("chart option: %w", err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", err
	}
	delete(obj, "progressive")
	obj["animation"] = false
	if series, ok := obj["series"].([]any); ok {
		for _, s := range series {
			if m, ok := s.(map[string]any); ok {
				m["progressive"] = 0
			}
		}
	}
	for _, p := range patches {
		p(obj)
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return template.JS(out), nil
}

func sourceLine(s *market.Snapshot) string {
	label := s.Source.Name
	if s.Source.Sample {
		label += " (sample data, not real creators)"
	}
	return fmt.Sprintf("Source: %s · fetched %s · gmvscope snapshot %d", label, s.LastFetch.UTC().Format("2006-01-02"), s.ID)
}

func title(t, sub string) charts.GlobalOpts {
	return charts.WithTitleOpts(opts.Title{Title: t, Subtitle: sub, Left: "center",
		TitleStyle: &opts.TextStyle{FontSize: 16}, SubtitleStyle: &opts.TextStyle{FontSize: 12, Color: "#555", LineHeight: 17}})
}

func scatterChart(s *market.Snapshot, a market.Analysis, period string) (Chart, error) {
	ch := Chart{ID: "chart-scatter", Height: 600,
		Title:    "Followers vs GMV",
		Subtitle: fmt.Sprintf("Each dot is a creator; GMV in USD, %s; both axes logarithmic", period)}
	points := a.Points
	if len(points) > MaxScatterPoints {
		points = samplePoints(points, a.Outliers, MaxScatterPoints)
		ch.Notes = append(ch.Notes, fmt.Sprintf("Showing %s of %s creators: every labelled outlier plus an even sample by GMV rank (the CSV has all).", Int(len(points)), Int(len(a.Points))))
	}
	data := make([]opts.ScatterData, 0, len(points))
	minF, maxF := math.Inf(1), 0.0
	for _, p := range points {
		data = append(data, opts.ScatterData{Name: p.Handle, Value: []float64{p.Followers, round2(p.GMVUSD)}})
		minF, maxF = math.Min(minF, p.Followers), math.Max(maxF, p.Followers)
	}
	var out []opts.ScatterData
	for _, p := range a.Outliers {
		out = append(out, opts.ScatterData{Name: p.Handle, Value: []float64{p.Followers, round2(p.GMVUSD)}})
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: ch.ID, Width: "100%", Height: fmt.Sprintf("%dpx", ch.Height)}),
		title(ch.Title, ch.Subtitle+"\n"+sourceLine(s)),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "70", Right: "40", Bottom: "60"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "log", Name: "Followers", NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "log", Name: "GMV (USD)", NameLocation: "middle", NameGap: 50}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
	)
	sc.AddSeries("creators", data, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 5}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#3b6ea5", Opacity: opts.Float(0.55)}))
	sc.AddSeries("largest outliers", out, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 8}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d1495b"}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{b}", FontSize: 11}))
	if a.Fit.N >= 2 && maxF > minF {
		fit := charts.NewLine()
		fit.AddSeries(fmt.Sprintf("fit: GMV ∝ followers^%.2f (R² %.2f)", a.Fit.Slope, a.Fit.R2), []opts.LineData{
			{Value: []float64{minF, round2(a.Fit.Predict(minF))}},
			{Value: []float64{maxF, round2(a.Fit.Predict(maxF))}},
		}, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: "#222", Width: 2, Type: "dashed"}))
		sc.Overlap(fit)
	}
	ch.Notes = append(ch.Notes, fmt.Sprintf("%s creators plotted. Not plotted: %s with zero GMV and %s with zero followers (a log axis cannot show 0), %s with missing GMV, %s with missing followers.",
		Int(len(a.Points)), Int(a.ZeroGMV), Int(a.ZeroFollowers), Int(a.MissingGMV), Int(a.MissingFollowers)))
	if a.RangeGMV > 0 {
		ch.Notes = append(ch.Notes, fmt.Sprintf("%s creators' GMV was published only as a range and is drawn at the range's geometric midpoint.", Int(a.RangeGMV)))
	}
	ch.Notes = append(ch.Notes, fmt.Sprintf("Labelled: the %d creators furthest from the fit line.", len(a.Outliers)))
	positions := labelPositions(a.Outliers)
	var err error
	ch.Option, err = optionJSON(sc, func(obj map[string]any) {
		series, _ := obj["series"].([]any)
		if len(series) < 2 {
			return
		}
		data, _ := series[1].(map[string]any)["data"].([]any)
		for i, d := range data {
			if m, ok := d.(map[string]any); ok && i < len(positions) {
				l := map[string]any{"position": positions[i].Side}
				if positions[i].DY != 0 {
					l["offset"] = []int{0, positions[i].DY}
				}
				m["label"] = l
			}
		}
	})
	return ch, err
}

// labelPlace is where an outlier's label goes: a side of the point and a
// vertical offset in pixels.
type labelPlace struct {
	Side string
	DY   int
}

// labelPositions picks, for each outlier, the first place (a side, then the
// same sides one and two label heights up or down) whose label box clears
// the labels placed before it, estimating boxes in decades of the log axes
// at the chart's usual size (about 150 px per decade across, 60 px up).
func labelPositions(ps []market.Point) []labelPlace {
	type box struct{ x0, x1, y0, y1 float64 }
	const charW, boxH, gap, linePx = 0.045, 0.26, 0.04, 16 // decades per character and per label height
	var placed []box
	out := make([]labelPlace, len(ps))
	for i, p := range ps {
		x, y := math.Log10(p.Followers), math.Log10(p.GMVUSD)
		w := float64(len(p.Handle))*charW + gap
		boxFor := func(side string, k int) box {
			dy := -float64(k) * boxH // a positive k moves the label down
			switch side {
			case "left":
				return box{x - gap - w, x - gap, y + dy - boxH/2, y + dy + boxH/2}
			case "top":
				return box{x - w/2, x + w/2, y + dy + gap, y + dy + gap + boxH}
			case "bottom":
				return box{x - w/2, x + w/2, y + dy - gap - boxH, y + dy - gap}
			}
			return box{x + gap, x + gap + w, y + dy - boxH/2, y + dy + boxH/2}
		}
		out[i] = labelPlace{Side: "right"}
		found := false
		for _, k := range []int{0, -1, 1, -2, 2} {
			for _, side := range []string{"right", "left", "top", "bottom"} {
				b := boxFor(side, k)
				clear := true
				for _, q := range placed {
					if b.x0 < q.x1 && q.x0 < b.x1 && b.y0 < q.y1 && q.y0 < b.y1 {
						clear = false
						break
					}
				}
				if clear {
					out[i], found = labelPlace{side, k * linePx}, true
					break
				}
			}
			if found {
				break
			}
		}
		placed = append(placed, boxFor(out[i].Side, out[i].DY/linePx))
	}
	return out
}

// samplePoints keeps the outliers and an even stride of the rest.
func samplePoints(all, keep []market.Point, n int) []market.Point {
	kept := map[string]bool{}
	out := append([]market.Point(nil), keep...)
	for _, p := range keep {
		kept[p.Handle] = true
	}
	stride := float64(len(all)) / float64(n-len(keep))
	for f := 0.0; int(f) < len(all) && len(out) < n; f += stride {
		if p := all[int(f)]; !kept[p.Handle] {
			out = append(out, p)
		}
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func tierChart(s *market.Snapshot, a market.Analysis) (Chart, error) {
	ch := Chart{ID: "chart-tiers", Height: 400, Title: "Who sells: follower tiers",
		Subtitle: "Share of creators vs share of GMV in each follower tier"}
	var labels []string
	var cs, gs []opts.BarData
	for _, t := range a.Tiers {
		labels = append(labels, t.Label)
		cs = append(cs, opts.BarData{Value: round2(t.CreatorShare * 100)})
		gs = append(gs, opts.BarData{Value: round2(t.GMVShare * 100)})
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: ch.ID, Width: "100%", Height: fmt.Sprintf("%dpx", ch.Height)}),
		title(ch.Title, ch.Subtitle+"\n"+sourceLine(s)),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "60", Right: "30", Bottom: "60"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "% of total", NameLocation: "middle", NameGap: 40}),
		charts.WithXAxisOpts(opts.XAxis{Name: "Followers", NameLocation: "middle", NameGap: 30}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
	)
	bar.SetXAxis(labels).
		AddSeries("% of creators", cs, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#9bb7d4"}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", Formatter: "{c}%"})).
		AddSeries("% of GMV", gs, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d1495b"}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", Formatter: "{c}%"}))
	ch.Notes = []string{"Creators without a follower count are not in any tier; GMV shares are of the snapshot's total GMV."}
	var err error
	ch.Option, err = optionJSON(bar)
	return ch, err
}

func lorenzChart(s *market.Snapshot, a market.Analysis) (Chart, error) {
	c := a.Concentration
	ch := Chart{ID: "chart-lorenz", Height: 420, Title: "How concentrated is GMV?",
		Subtitle: fmt.Sprintf("Lorenz curve: Gini %.3f; top 10%% of creators hold %s of GMV", c.Gini, Pct(c.Top10))}
	var curve, equal []opts.LineData
	for i := range c.LorenzX {
		curve = append(curve, opts.LineData{Value: []float64{round2(c.LorenzX[i] * 100), round2(c.LorenzY[i] * 100)}})
	}
	equal = []opts.LineData{{Value: []float64{0, 0}}, {Value: []float64{100, 100}}}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: ch.ID, Width: "100%", Height: fmt.Sprintf("%dpx", ch.Height)}),
		title(ch.Title, ch.Subtitle+"\n"+sourceLine(s)),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "60", Right: "30", Bottom: "60"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "% of creators, smallest sellers first", NameLocation: "middle", NameGap: 30, Min: 0, Max: 100}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "% of GMV", NameLocation: "middle", NameGap: 40, Min: 0, Max: 100}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
	)
	line.AddSeries("cumulative GMV", curve, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "#d1495b", Width: 2}),
		charts.WithAreaStyleOpts(opts.AreaStyle{Color: "rgba(209,73,91,0.15)"}))
	line.AddSeries("perfect equality", equal, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "#888", Type: "dashed"}))
	ch.Notes = []string{fmt.Sprintf("All %s creators with a GMV value, including those with zero GMV.", Int(c.N))}
	var err error
	ch.Option, err = optionJSON(line)
	return ch, err
}
