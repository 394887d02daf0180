package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"gmvscope/market"
)

// DensityAbove is the number of creators above which the scatter draws
// density, not points: creators counted in rectangular bins of the
// log-log plane (DensityCols across, DensityRows up), every labelled
// outlier still a point, and the method in the chart's notes. Nothing is
// sampled away; data.csv has every creator.
const (
	DensityAbove = 10000
	DensityCols  = 60
	DensityRows  = 36
)

// densityPieces are the bins' classes by creators, light to dark (a
// sequential blue a colour-blind reader and a greyscale print both read
// by lightness).
var densityPieces = []struct {
	lo, hi int
	color  string
}{{1, 1, "#deebf7"}, {2, 5, "#b3d3e8"}, {6, 20, "#7fb2d5"}, {21, 100, "#4a8fc0"}, {101, 500, "#1f67a3"}, {501, 0, "#0b3d73"}}

// LargeScatter is the number of points above which the scatter draws its
// creators as one compound path (echarts' large mode): an SVG of 20,000
// separate paths is 5 MB and slow to open. The exported SVG then holds one
// <path> whose subpaths ("M") are the points.
const LargeScatter = 5000

// The Okabe–Ito palette: distinguishable with every common colour-vision
// deficiency, in print and in greyscale by lightness.
const (
	okBlue       = "#0072B2"
	okVermillion = "#D55E00"
	okSky        = "#56B4E9"
	okGreen      = "#009E73"
	okOrange     = "#E69F00"
	okPurple     = "#CC79A7"
	okYellow     = "#F0E442"
	okBlack      = "#000000"
	inkColor     = "#1d2330"
	mutedColor   = "#5b6475"
	lineColor    = "#d5d9e0"
)

var palette = []string{okBlue, okVermillion, okGreen, okOrange, okPurple, okSky, okBlack, okYellow}

// Chart is one chart of a report: the echarts option the page draws, the
// text around it (in the page, and inside every exported image), and the
// data it drew as CSV.
type Chart struct {
	ID     string // the element id in the report: chart-scatter
	Name   string // the export name: scatter
	Height int    // pixels in the page

	Title, Subtitle template.HTML
	PlainTitle      string
	Notes           []template.HTML
	Source          template.HTML
	Date            template.HTML
	Alt             string // what the chart shows, for screen readers (aria) and the SVG's <desc>

	Option template.JS // the view option, JSON safe inside <script>
	Meta   template.JS // the text charts.js lays into an exported image
	CSV    []byte      // the data the chart drew, with a BOM
	Drawn  int         // points (scatter) or marks drawn

	view map[string]any
	meta chartMeta
}

// chartMeta is the text inside an exported image, with isolates for a
// right-to-left locale (Locale.Chart).
type chartMeta struct {
	Name       string   `json:"name"`
	Title      string   `json:"title"`
	PlainTitle string   `json:"plainTitle"`
	Subtitle   string   `json:"subtitle"`
	Notes      []string `json:"notes"`
	Source     string   `json:"source"`
	Date       string   `json:"date"`
	Alt        string   `json:"alt"`
	XNameBelow bool     `json:"xNameBelow"`
	YNameTop   bool     `json:"yNameTop"`
}

// chartText is a chart's text, once for the page and once for images.
type chartText struct {
	l *Locale
	c *Chart
}

func (t *chartText) title(key string, args ...any) {
	t.c.Title, t.c.meta.Title, t.c.meta.PlainTitle = t.l.HTML(key, args...), t.l.Lines(key, args...), t.l.T(key, args...)
	t.c.PlainTitle = t.c.meta.PlainTitle
}

func (t *chartText) subtitle(key string, args ...any) {
	t.c.Subtitle, t.c.meta.Subtitle = t.l.HTML(key, args...), t.l.Lines(key, args...)
}

func (t *chartText) note(key string, args ...any) {
	t.c.Notes = append(t.c.Notes, t.l.HTML(key, args...))
	t.c.meta.Notes = append(t.c.meta.Notes, t.l.Lines(key, args...))
}

// chartSource is the source line and date every chart carries.
func chartSource(t *chartText, s *market.Snapshot) {
	l := t.l
	name := s.Source.Name
	if s.Source.Sample {
		name = l.T("chart.sample_source", "source", name)
	}
	hosts := sites(s.Source.StartURLs)
	from, to := l.Date(s.FirstFetch), l.Date(s.LastFetch)
	fetched := from
	if from != to {
		fetched = l.T("chart.date_range", "from", from, "to", to)
	}
	args := []any{"source", name, "sites", hosts, "fetched", fetched}
	t.c.Source, t.c.meta.Source = l.HTML("chart.source", args...), l.Lines("chart.source", args...)
	if s.Status == market.RunPartial {
		// An image of a partial run's chart says so wherever it is published.
		t.note("chart.partial", "reason", s.Reason)
	}
	d := []any{"id", l.ID(s.ID), "date", l.Date(s.TakenAt)}
	t.c.Date, t.c.meta.Date = l.HTML("chart.snapshot_date", d...), l.Lines("chart.snapshot_date", d...)
}

// sites are the hosts of a source's start URLs ("fastmoss.com,
// kalodata.com"), or an imported export's file name.
func sites(urls []string) string {
	var hosts []string
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil {
			continue
		}
		h := p.Hostname()
		if p.Scheme == "file" {
			h = path.Base(p.Path)
		}
		if h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return "—"
	}
	return strings.Join(hosts, ", ")
}

type optioner interface {
	Validate()
	JSON() map[string]interface{}
}

// toMap turns a go-echarts chart into its option as a JSON object.
func toMap(c optioner) (map[string]any, error) {
	c.Validate()
	raw, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, fmt.Errorf("chart option: %w", err)
	}
	var obj map[string]any
	return obj, json.Unmarshal(raw, &obj)
}

// finish completes a chart's view option and its JSON: no animation and
// no progressive rendering (a screenshot or export never catches a
// half-drawn chart), the palette, an accessible description (aria), and
// the JSON escaped so scraped names cannot close a <script> (json.Marshal
// escapes <, >, & and U+2028; go-echarts' own templates do not).
func finish(c *Chart, obj map[string]any, l *Locale) error {
	delete(obj, "progressive")
	delete(obj, "title")
	obj["animation"] = false
	obj["color"] = palette
	obj["backgroundColor"] = "transparent"
	obj["textStyle"] = map[string]any{"fontFamily": "inherit", "color": inkColor}
	obj["aria"] = map[string]any{"enabled": true, "label": map[string]any{"description": c.Alt}}
	if series, ok := obj["series"].([]any); ok {
		for _, s := range series {
			if m, ok := s.(map[string]any); ok {
				m["progressive"] = 0
				m["animation"] = false
			}
		}
	}
	if lg, ok := obj["legend"].(map[string]any); ok {
		side := "left"
		if l.RTL {
			side = "right"
		}
		lg["top"] = 0
		lg[side] = 0
		if _, ok := lg["data"]; !ok {
			var names []any
			for _, s := range obj["series"].([]any) {
				if n, ok := s.(map[string]any)["name"].(string); ok && !slices.Contains(names, any(n)) {
					names = append(names, n)
				}
			}
			lg["data"] = names
		}
		lg["itemGap"] = 20
		lg["textStyle"] = map[string]any{"color": inkColor}
	}
	c.view = obj
	c.meta.Alt = c.Alt
	c.meta.Name = c.Name
	opt, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(c.meta)
	if err != nil {
		return err
	}
	c.Option, c.Meta = template.JS(opt), template.JS(meta)
	return nil
}

// csvRows writes a chart's data with a BOM, defusing formula-like text.
func csvRows(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(bom)
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = SafeCell(r[i])
		}
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// niceBound is the 1, 2 or 5 × 10ᵏ at or below v (at or above it when
// up): a log axis ends near the data, not a decade or two past it.
func niceBound(v float64, up bool) float64 {
	if !(v > 0) {
		return v
	}
	p := math.Pow(10, math.Floor(math.Log10(v)+1e-9))
	steps := []float64{1, 2, 5, 10}
	if up {
		for _, s := range steps {
			if s*p >= v*(1-1e-9) {
				return s * p
			}
		}
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i]*p <= v*(1+1e-9) {
			return steps[i] * p
		}
	}
	return p
}

// axisName places an axis's name: below the x axis, centred; above a
// left y axis, starting at the axis and running into the plot (in both
// directions: right-aligned Arabic would run off the chart's left edge).
func axisName(name string, l *Locale, below bool) map[string]any {
	if below {
		return map[string]any{"name": name, "nameLocation": "middle", "nameGap": 28, "nameTextStyle": map[string]any{"color": mutedColor}}
	}
	return map[string]any{"name": name, "nameLocation": "end", "nameGap": 12,
		"nameTextStyle": map[string]any{"color": mutedColor, "align": "left", "padding": []int{0, 0, 0, -8}}}
}

func mergeAxis(obj map[string]any, key string, extra map[string]any) {
	var axis map[string]any
	switch a := obj[key].(type) {
	case []any:
		if len(a) > 0 {
			axis, _ = a[0].(map[string]any)
		}
	case map[string]any:
		axis = a
	}
	if axis == nil {
		axis = map[string]any{}
		obj[key] = []any{axis}
	}
	for k, v := range extra {
		axis[k] = v
	}
}

func splitLine() map[string]any {
	return map[string]any{"lineStyle": map[string]any{"color": "#eceef2"}}
}

func scatterChart(s *market.Snapshot, a market.Analysis, period string, l *Locale) (Chart, error) {
	ch := Chart{ID: "chart-scatter", Name: "scatter", Height: 560}
	t := &chartText{l: l, c: &ch}
	t.title("chart.scatter.title")
	points := a.Points
	density := len(points) > DensityAbove
	if density {
		t.subtitle("chart.scatter.subtitle_density", "period", period)
	} else {
		t.subtitle("chart.scatter.subtitle", "period", period)
	}
	chartSource(t, s)
	outlier := map[string]bool{}
	for _, p := range a.Outliers {
		outlier[p.Handle] = true
	}
	var plain []market.Point // drawn one by one: not in density mode
	var outs []opts.ScatterData
	var rows [][]string
	minF, maxF, minG, maxG := math.Inf(1), 0.0, math.Inf(1), 0.0
	nPlain := 0
	for _, p := range points {
		minF, maxF = math.Min(minF, p.Followers), math.Max(maxF, p.Followers)
		minG, maxG = math.Min(minG, p.GMVUSD), math.Max(maxG, p.GMVUSD)
		if !outlier[p.Handle] {
			nPlain++
			if !density {
				plain = append(plain, p)
			}
		}
	}
	// Above LargeScatter the creators are drawn in large mode, one compound
	// path per series; a path's opacity does not build up where its own
	// points overlap, so they are dealt round several series (every k-th
	// point in each) whose overlaps do, and dense regions stay darker.
	k := 1
	if len(plain) > LargeScatter && !density {
		k = min(8, (len(plain)+2499)/2500)
	}
	chunks := make([][]opts.ScatterData, k)
	var bins []densityBin
	if density {
		// Above DensityAbove: creators counted in bins, drawn as a custom
		// series in place of chunks[0]; the CSV holds the bins.
		bins = densityBins(points, outlier, minF, maxF, minG, maxG)
		for _, b := range bins {
			rows = append(rows, []string{"density", "", full(b.x0), full(b.y0), full(b.x1), full(b.y1), strconv.Itoa(b.n)})
		}
	} else {
		for c := range k {
			for i := c; i < len(plain); i += k {
				p := plain[i]
				chunks[c] = append(chunks[c], opts.ScatterData{Name: l.Iso("@" + p.Handle), Value: []float64{p.Followers, p.GMVUSD}})
				rows = append(rows, []string{"creators", "@" + p.Handle, full(p.Followers), full(p.GMVUSD)})
			}
		}
	}
	for _, p := range a.Outliers {
		outs = append(outs, opts.ScatterData{Name: l.Iso("@" + p.Handle), Value: []float64{p.Followers, p.GMVUSD}})
		rows = append(rows, []string{"outliers", "@" + p.Handle, full(p.Followers), full(p.GMVUSD)})
	}
	ch.Drawn = nPlain + len(outs)
	if density {
		ch.Drawn = len(bins) + len(outs)
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}),
	)
	sName, oName, fName := l.Chart("chart.scatter.creators"), l.Chart("chart.scatter.outliers"), l.Chart("chart.scatter.fit")
	for _, c := range chunks {
		size, alpha := 5.0, 0.45
		if k > 1 {
			size, alpha = 3.5, 0.3
		}
		sc.AddSeries(sName, c, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: float32(size)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: okBlue, Opacity: opts.Float(float32(alpha))}))
	}
	sc.AddSeries(oName, outs, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 9}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: okVermillion, BorderColor: "#fff", BorderWidth: 1}))
	hasFit := a.Fit.N >= 2 && maxF > minF
	if hasFit {
		lo, hi := a.Fit.Predict(minF), a.Fit.Predict(maxF)
		fit := charts.NewLine()
		fit.AddSeries(fName, []opts.LineData{{Value: []float64{minF, lo}}, {Value: []float64{maxF, hi}}},
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none"}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: okBlack, Width: 1.5, Type: "dashed"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: okBlack}))
		sc.Overlap(fit)
		rows = append(rows, []string{"fit", "", full(minF), full(lo)}, []string{"fit", "", full(maxF), full(hi)})
		minG, maxG = math.Min(minG, math.Min(lo, hi)), math.Max(maxG, math.Max(lo, hi))
	}
	t.note("chart.scatter.plotted", "n", len(a.Points), "zero_gmv", a.ZeroGMV, "zero_followers", a.ZeroFollowers,
		"missing_gmv", a.MissingGMV, "missing_followers", a.MissingFollowers)
	if density {
		t.note("chart.scatter.density", "n", nPlain, "cols", DensityCols, "rows", DensityRows, "bins", len(bins), "outliers", len(outs))
	}
	if a.RangeGMV > 0 {
		t.note("chart.scatter.ranges", "n", a.RangeGMV)
	}
	if hasFit {
		t.note("chart.scatter.labelled", "n", len(a.Outliers), "slope", Num{V: a.Fit.Slope, Form: Fixed2},
			"r2", Num{V: a.Fit.R2, Form: Fixed2}, "fit_n", a.Fit.N)
	}
	var names []string
	for i, p := range a.Outliers {
		if i == 3 {
			break
		}
		names = append(names, "@"+p.Handle)
	}
	ch.Alt = l.T("chart.scatter.alt", "n", ch.Drawn, "rho", Num{V: a.Spearman.Rho, Form: Fixed2},
		"slope", Num{V: a.Fit.Slope, Form: Fixed2}, "r2", Num{V: a.Fit.R2, Form: Fixed2}, "names", strings.Join(names, ", "))
	var err error
	yCol, yFmt := "gmv_usd", "money"
	if a.Measure == "views" {
		yCol, yFmt = "views", "compact"
	}
	header := []string{"series", "handle", "followers", yCol}
	if density {
		header = []string{"series", "handle", "followers", yCol, "followers_high", yCol + "_high", "creators"}
		for i, r := range rows {
			for len(r) < len(header) {
				r = append(r, "")
			}
			rows[i] = r
		}
	}
	if ch.CSV, err = csvRows(header, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(sc)
	if err != nil {
		return ch, err
	}
	logLogAxes(obj, l, "chart.axis.followers", yFmt, len(points) > 0, minF, maxF, minG, maxG)
	series := obj["series"].([]any)
	for c := range k {
		sm := series[c].(map[string]any)
		if k > 1 {
			sm["large"], sm["largeThreshold"] = true, 1
		}
		sm["emphasis"] = map[string]any{"focus": "none", "scale": 1.6}
	}
	if density {
		useDensity(obj, sName, bins, l)
	}
	om := series[k].(map[string]any)
	// lineHeight given: without it echarts takes a label's height from the
	// width of "国", which a machine without CJK fonts draws narrow, and the
	// labels it shifts apart still overlap.
	om["label"] = map[string]any{"show": true, "formatter": "{b}", "position": "right", "align": "left", "verticalAlign": "middle", "fontSize": 11, "lineHeight": 14, "color": inkColor,
		"textBorderColor": "#fff", "textBorderWidth": 3}
	om["labelLine"] = map[string]any{"show": true, "length2": 4, "lineStyle": map[string]any{"color": mutedColor, "width": 1}}
	om["labelLayout"] = "fmt:outliers"
	om["z"] = 3
	lg := obj["legend"].(map[string]any)
	legend := []any{map[string]any{"name": sName, "icon": "circle"}, map[string]any{"name": oName, "icon": "circle"}}
	if density {
		legend[0] = densityLegendItem(sName)
	}
	if hasFit {
		// A dash, as the fit line is drawn: not the series' default circle.
		legend = append(legend, map[string]any{"name": fName, "icon": dashIcon,
			"itemStyle": map[string]any{"color": okBlack}})
		series[k+1].(map[string]any)["z"] = 4
	}
	lg["data"] = legend
	ch.meta.XNameBelow, ch.meta.YNameTop = true, true
	return ch, finish(&ch, obj, l)
}

// densityBin is one rectangle of the log-log plane and the creators in it.
type densityBin struct {
	x0, y0, x1, y1 float64
	n              int
}

// densityBins counts points in DensityCols × DensityRows rectangles of
// equal size on the log-log plane over the points' range; only bins that
// hold a creator are returned, in column then row order.
func densityBins(ps []market.Point, skip map[string]bool, minF, maxF, minG, maxG float64) []densityBin {
	lx0, lx1, ly0, ly1 := math.Log10(minF), math.Log10(maxF), math.Log10(minG), math.Log10(maxG)
	if lx1 <= lx0 {
		lx1 = lx0 + 1
	}
	if ly1 <= ly0 {
		ly1 = ly0 + 1
	}
	wx, wy := (lx1-lx0)/DensityCols, (ly1-ly0)/DensityRows
	counts := make([]int, DensityCols*DensityRows)
	cell := func(v, lo, w float64, n int) int { return min(n-1, max(0, int((math.Log10(v)-lo)/w))) }
	for _, p := range ps {
		if !skip[p.Handle] {
			counts[cell(p.Followers, lx0, wx, DensityCols)*DensityRows+cell(p.GMVUSD, ly0, wy, DensityRows)]++
		}
	}
	var out []densityBin
	for i, n := range counts {
		if n == 0 {
			continue
		}
		cx, cy := i/DensityRows, i%DensityRows
		out = append(out, densityBin{x0: math.Pow(10, lx0+float64(cx)*wx), x1: math.Pow(10, lx0+float64(cx+1)*wx),
			y0: math.Pow(10, ly0+float64(cy)*wy), y1: math.Pow(10, ly0+float64(cy+1)*wy), n: n})
	}
	return out
}

// logLogAxes sets a scatter's grid, tooltip and log axes: x named by
// xKey with compact ticks, y GMV in USD (or what yFmt formats), each
// ending at the 1-2-5 bounds around its data when there is data.
func logLogAxes(obj map[string]any, l *Locale, xKey, yFmt string, bounded bool, minX, maxX, minY, maxY float64) {
	obj["grid"] = map[string]any{"top": 64, "left": 8, "right": 24, "bottom": 36, "containLabel": true}
	obj["tooltip"] = map[string]any{"trigger": "item", "formatter": "fmt:xy", "confine": true}
	obj["gmvscope"] = map[string]any{"x": "compact", "y": yFmt, "xName": l.T(xKey), "yName": l.T("chart.axis.gmv_usd")}
	x := axisName(l.Chart(xKey), l, true)
	y := axisName(l.Chart("chart.axis.gmv_usd"), l, false)
	x["type"], y["type"] = "log", "log"
	if bounded {
		x["min"], x["max"] = niceBound(minX, false), niceBound(maxX, true)
		y["min"], y["max"] = niceBound(minY, false), niceBound(maxY, true)
	}
	x["axisLabel"] = map[string]any{"formatter": "fmt:logcompact", "hideOverlap": true}
	y["axisLabel"] = map[string]any{"formatter": "fmt:log" + yFmt, "hideOverlap": true}
	x["splitLine"], y["splitLine"] = splitLine(), splitLine()
	mergeAxis(obj, "xAxis", x)
	mergeAxis(obj, "yAxis", y)
}

// useDensity puts the bins in place of a scatter's first series, with
// their classes under the legend and room for them above the plot.
func useDensity(obj map[string]any, name string, bins []densityBin, l *Locale) {
	obj["series"].([]any)[0] = densitySeries(name, bins)
	obj["visualMap"] = densityLegend(l)
	obj["grid"].(map[string]any)["top"] = 88
}

// densityLegendItem is the density series' legend entry: a swatch.
func densityLegendItem(name string) map[string]any {
	return map[string]any{"name": name, "icon": "rect", "itemStyle": map[string]any{"color": densityPieces[3].color}}
}

// densitySeries draws the bins as rectangles (charts.js "fmt:bins"), each
// coloured by its class of creators through the visualMap.
func densitySeries(name string, bins []densityBin) map[string]any {
	data := make([]any, len(bins))
	for i, b := range bins {
		data[i] = []float64{b.x0, b.y0, b.x1, b.y1, float64(b.n)}
	}
	return map[string]any{"type": "custom", "name": name, "renderItem": "fmt:bins", "data": data,
		"encode": map[string]any{"x": []int{0, 2}, "y": []int{1, 3}, "tooltip": []int{4}}, "z": 1,
		"tooltip": map[string]any{"formatter": "fmt:bin"}}
}

// densityLegend is the bins' classes as a piecewise legend.
func densityLegend(l *Locale) map[string]any {
	var pieces []any
	for _, p := range densityPieces {
		pc := map[string]any{"min": p.lo, "color": p.color}
		label := l.Chart("chart.scatter.bin_range", "lo", count(p.lo), "hi", count(p.hi))
		switch {
		case p.hi == 0:
			label = l.Chart("chart.scatter.bin_over", "lo", count(p.lo))
		case p.lo == p.hi:
			label = l.Chart("chart.scatter.bin_one", "n", count(p.lo))
		}
		if p.hi > 0 {
			pc["max"] = p.hi
		}
		pc["label"] = label
		pieces = append(pieces, pc)
	}
	side := "left"
	if l.RTL {
		side = "right"
	}
	// A row under the legend: six classes fit a phone's width.
	return map[string]any{"type": "piecewise", "dimension": 4, "seriesIndex": 0, "pieces": pieces, "orient": "horizontal",
		side: 0, "top": 30, "itemWidth": 12, "itemHeight": 10, "itemGap": 8, "textStyle": map[string]any{"fontSize": 10, "color": inkColor},
		"hoverLink": false, "selectedMode": false}
}

// tierLabel names a follower tier in the locale: "10K–100K".
func tierLabel(t market.Tier, l *Locale) string {
	c := l.compactRound
	switch {
	case t.Min <= 0:
		return l.T("tier.under", "max", c(t.Max))
	case math.IsInf(t.Max, 1):
		return l.T("tier.over", "min", c(t.Min))
	}
	return l.T("tier.between", "min", c(t.Min), "max", c(t.Max))
}

func tierChart(s *market.Snapshot, a market.Analysis, l *Locale) (Chart, error) {
	ch := Chart{ID: "chart-tiers", Name: "tiers", Height: 400}
	t := &chartText{l: l, c: &ch}
	t.title("chart.tiers.title")
	t.subtitle("chart.tiers.subtitle")
	chartSource(t, s)
	var labels []string
	var cs, gs []opts.BarData
	var rows [][]string
	for _, tr := range a.Tiers {
		name := tierLabel(tr, l)
		labels = append(labels, l.Iso(name))
		cv, gv := tr.CreatorShare*100, tr.GMVShare*100
		cs = append(cs, opts.BarData{Value: cv, Label: &opts.Label{Show: opts.Bool(true), Formatter: l.Num(share(tr.CreatorShare))}})
		gs = append(gs, opts.BarData{Value: gv, Label: &opts.Label{Show: opts.Bool(true), Formatter: l.Num(share(tr.GMVShare))}})
		rows = append(rows, []string{name, strconv.Itoa(tr.Creators), full(cv), full(gv)})
	}
	ch.Drawn = len(cs) + len(gs)
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}),
	)
	cName, gName := l.Chart("chart.tiers.creators"), l.Chart("chart.tiers.gmv")
	bar.SetXAxis(labels).
		AddSeries(cName, cs, charts.WithItemStyleOpts(opts.ItemStyle{Color: okSky}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", FontSize: 11})).
		AddSeries(gName, gs, charts.WithItemStyleOpts(opts.ItemStyle{Color: okVermillion}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", FontSize: 11}))
	t.note("chart.tiers.note")
	var big []string
	for _, tr := range a.Tiers {
		big = append(big, l.T("chart.tiers.alt_tier", "tier", tierLabel(tr, l), "creators", share(tr.CreatorShare), "gmv", share(tr.GMVShare)))
	}
	ch.Alt = l.T("chart.tiers.alt", "tiers", strings.Join(big, "; "))
	var err error
	if ch.CSV, err = csvRows([]string{"tier", "creators", "creators_pct", "gmv_pct"}, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(bar)
	if err != nil {
		return ch, err
	}
	obj["grid"] = map[string]any{"top": 64, "left": 8, "right": 16, "bottom": 48, "containLabel": true}
	obj["tooltip"] = map[string]any{"trigger": "axis", "valueFormatter": "fmt:pct", "confine": true}
	x := axisName(l.Chart("chart.axis.followers"), l, true)
	x["axisLabel"] = map[string]any{"interval": 0, "hideOverlap": false, "fontSize": 11, "lineHeight": 14, "formatter": "fmt:wrapcat"}
	x["nameGap"] = 40 // room for a label wrapped onto two lines
	obj["gmvscope"] = map[string]any{"categories": len(labels)}
	x["axisTick"] = map[string]any{"alignWithLabel": true}
	y := axisName(l.Chart("chart.axis.share_pct"), l, false)
	y["axisLabel"] = map[string]any{"formatter": "fmt:pct"}
	y["splitLine"] = splitLine()
	mergeAxis(obj, "xAxis", x)
	mergeAxis(obj, "yAxis", y)
	ch.meta.XNameBelow, ch.meta.YNameTop = true, true
	return ch, finish(&ch, obj, l)
}

func lorenzChart(s *market.Snapshot, a market.Analysis, l *Locale) (Chart, error) {
	c := a.Concentration
	ch := Chart{ID: "chart-lorenz", Name: "lorenz", Height: 420}
	t := &chartText{l: l, c: &ch}
	t.title("chart.lorenz.title")
	t.subtitle("chart.lorenz.subtitle", "gini", Num{V: c.Gini, Form: Fixed3}, "top10", share(c.Top10))
	chartSource(t, s)
	var curve []opts.LineData
	var rows [][]string
	for i := range c.LorenzX {
		x, y := c.LorenzX[i]*100, c.LorenzY[i]*100
		curve = append(curve, opts.LineData{Value: []float64{x, y}})
		rows = append(rows, []string{"lorenz", full(x), full(y)})
	}
	equal := []opts.LineData{{Value: []float64{0, 0}}, {Value: []float64{100, 100}}}
	rows = append(rows, []string{"equality", "0", "0"}, []string{"equality", "100", "100"})
	ch.Drawn = len(curve)
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}),
	)
	cName, eName := l.Chart("chart.lorenz.curve"), l.Chart("chart.lorenz.equality")
	line.AddSeries(cName, curve, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none"}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: okVermillion, Width: 2.5}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: okVermillion}),
		charts.WithAreaStyleOpts(opts.AreaStyle{Color: "rgba(213,94,0,0.12)"}))
	line.AddSeries(eName, equal, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none"}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: mutedColor, Type: "dashed", Width: 1.5}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: mutedColor}))
	t.note("chart.lorenz.note", "n", c.N)
	lorenzLegend := []any{
		map[string]any{"name": cName, "icon": "path://M0,4h27v2.5h-27z", "itemStyle": map[string]any{"color": okVermillion}},
		map[string]any{"name": eName, "icon": dashIcon, "itemStyle": map[string]any{"color": mutedColor}},
	}
	ch.Alt = l.T("chart.lorenz.alt", "gini", Num{V: c.Gini, Form: Fixed3}, "top1", share(c.Top1), "top10", share(c.Top10), "n", c.N)
	var err error
	if ch.CSV, err = csvRows([]string{"series", "creators_pct", "gmv_pct"}, rows); err != nil {
		return ch, err
	}
	obj, err := toMap(line)
	if err != nil {
		return ch, err
	}
	obj["grid"] = map[string]any{"top": 64, "left": 8, "right": 24, "bottom": 36, "containLabel": true}
	obj["tooltip"] = map[string]any{"trigger": "axis", "valueFormatter": "fmt:pct", "confine": true}
	x := axisName(l.Chart("chart.axis.creators_pct"), l, true)
	y := axisName(l.Chart("chart.axis.gmv_pct"), l, false)
	for _, ax := range []map[string]any{x, y} {
		ax["type"], ax["min"], ax["max"] = "value", 0, 100
		ax["axisLabel"] = map[string]any{"formatter": "fmt:pct"}
		ax["splitLine"] = splitLine()
	}
	mergeAxis(obj, "xAxis", x)
	mergeAxis(obj, "yAxis", y)
	obj["legend"].(map[string]any)["data"] = lorenzLegend
	ch.meta.XNameBelow, ch.meta.YNameTop = true, true
	return ch, finish(&ch, obj, l)
}

// dashIcon is a legend icon drawn as the dashed line it stands for.
const dashIcon = "path://M0,4h7v2h-7zM10,4h7v2h-7zM20,4h7v2h-7z"

// ChartNames are the charts a report can have, in its order: live and
// channels only when the source has live sessions or GMV by channel,
// history and top-sellers only once the source has two snapshots.
var ChartNames = []string{"scatter", "tiers", "lorenz", "live", "channels", "history", "top-sellers"}
