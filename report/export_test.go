package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/templates"
)

// market of n creators: log-normal followers and GMV, loosely related,
// with some zeros (a log axis must never see them) and a few missing.
func synthSnapshot(n int, seed uint64) *market.Snapshot {
	r := rand.New(rand.NewPCG(seed, 7))
	at := testkit.Day
	s := &market.Snapshot{ID: 4, RunID: 4, Status: market.RunOK, TakenAt: at, FirstFetch: at, LastFetch: at.Add(time.Hour),
		Source: market.SourceInfo{Name: "synth", Currency: "USD", Period: "28d", RateUSD: 1, RateAsOf: at,
			StartURLs: []string{"https://shop.example/top"}}}
	for i := range n {
		lf := 3 + 2.5*r.Float64() + r.NormFloat64()*0.3
		f := math.Round(math.Pow(10, lf))
		g := math.Round(math.Pow(10, 1+0.4*lf+r.NormFloat64()*0.8)*100) / 100
		switch i % 97 {
		case 3:
			g = 0
		case 5:
			f = 0
		}
		c := market.Creator{Handle: fmt.Sprintf("c%05d", i), URL: "https://shop.example/c/" + strconv.Itoa(i),
			Followers: &market.Value{Kind: market.KindCount, Num: int64(f)}}
		if i%211 != 7 {
			c.GMV = &market.Value{Kind: market.KindMoney, Num: int64(math.Round(g * 100)), Currency: "USD"}
			c.GMVUSD = g
		}
		s.Creators = append(s.Creators, c)
	}
	// Live sessions for every 5th creator, and GMV by channel for every
	// 10th, from a source of their own so the creators stay as they were.
	lr := rand.New(rand.NewPCG(seed, 11))
	money := func(usd float64) *market.Value {
		return &market.Value{Kind: market.KindMoney, Num: int64(math.Round(usd * 100)), Currency: "USD"}
	}
	for i := range s.Creators {
		c := &s.Creators[i]
		if c.GMV == nil || c.GMVUSD <= 0 {
			continue
		}
		if i%10 == 0 {
			live := lr.Float64()
			c.GMVLive, c.GMVVideo, c.GMVShowcase = money(c.GMVUSD*live), money(c.GMVUSD*(1-live)*0.8), money(c.GMVUSD*(1-live)*0.2)
		}
		if i%5 == 0 {
			secs := int64(1800 + lr.IntN(4)*1800)
			viewers := math.Round(math.Pow(10, 2+2*lr.Float64()))
			s.Lives = append(s.Lives, market.Live{ID: fmt.Sprintf("L%05d", i), Creator: c.Handle, Start: "2026-11-20 19:00",
				Duration: &market.Value{Kind: market.KindDuration, Num: secs}, Viewers: &market.Value{Kind: market.KindCount, Num: int64(viewers)},
				GMV: money(c.GMVUSD / 3), GMVUSD: math.Round(c.GMVUSD/3*100) / 100})
		}
	}
	return s
}

// weeksContext is three snapshots of history for the weeks' charts.
func weeksContext(s *market.Snapshot) Context {
	var x Context
	top := TopHandles(s, 5)
	x.Series = map[string][]market.SeriesPoint{}
	for w := range 3 {
		id := int64(w + 2)
		x.History = append(x.History, market.Summary{ID: id, Source: "synth", Status: market.RunOK,
			TakenAt: testkit.Day.AddDate(0, 0, 7*(w-2)), Creators: 1000 + 10*w, TotalGMVUSD: 1e6 * float64(w+1)})
		for k, h := range top {
			if k == 2 && w == 1 {
				continue // absent that week: a gap
			}
			x.Series[h] = append(x.Series[h], market.SeriesPoint{Snapshot: id, HasGMV: true, GMVUSD: float64(1000 * (k + w + 1))})
		}
	}
	return x
}

// TestChartCSVIsChartData: each chart's CSV is exactly the data its option
// draws, value for value, series by series.
func TestChartCSVIsChartData(t *testing.T) {
	s := synthSnapshot(1500, 1)
	a := market.Analyze(*s, 1, Outliers, Top)
	charts, err := Charts(s, a, weeksContext(s), English())
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != len(ChartNames) {
		t.Fatalf("%d charts, want %v", len(charts), ChartNames)
	}
	for _, c := range charts {
		t.Run(c.Name, func(t *testing.T) {
			if !bytes.HasPrefix(c.CSV, []byte(bom)) {
				t.Error("no BOM")
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.CSV, []byte(bom)))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var opt struct {
				Series []struct {
					Name string
					Data []json.RawMessage
				}
				XAxis []struct{ Data []string }
			}
			if err := json.Unmarshal([]byte(c.Option), &opt); err != nil {
				t.Fatal(err)
			}
			// Every drawn value as text, in drawing order, series by series.
			var drawn []string
			for _, sr := range opt.Series {
				for _, d := range sr.Data {
					var item struct {
						Value any `json:"value"`
					}
					if json.Unmarshal(d, &item) != nil || item.Value == nil {
						var v any
						json.Unmarshal(d, &v)
						item.Value = v
					}
					switch v := item.Value.(type) {
					case []any:
						for _, x := range v {
							drawn = append(drawn, num(x))
						}
					default:
						drawn = append(drawn, num(v))
					}
				}
			}
			var fromCSV []string
			cols := map[string][]int{
				"scatter": {2, 3}, "tiers": {2, 3}, "lorenz": {1, 2}, "history": {3, 4}, "top-sellers": {3}, "live": {3, 4}, "channels": {1, 2, 3},
			}[c.Name]
			switch c.Name {
			case "tiers":
				// Drawn series by series: every tier's creators, then its GMV.
				for _, col := range cols {
					for _, r := range rows[1:] {
						fromCSV = append(fromCSV, canon(r[col]))
					}
				}
			case "history", "channels":
				for _, col := range cols {
					for _, r := range rows[1:] {
						fromCSV = append(fromCSV, canon(r[col]))
					}
				}
			default:
				for _, r := range rows[1:] {
					for _, col := range cols {
						fromCSV = append(fromCSV, canon(r[col]))
					}
				}
			}
			if strings.Join(drawn, " ") != strings.Join(fromCSV, " ") {
				t.Errorf("the CSV is not the data drawn:\ndrawn %.300v\ncsv   %.300v", drawn, fromCSV)
			}
		})
	}
}

// num writes a JSON value as the CSV would: a gap ("-") is empty.
func num(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		if x == "-" {
			return ""
		}
		return x
	}
	return fmt.Sprint(v)
}

func canon(s string) string {
	if s == "" {
		return ""
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// TestSVGWithoutBrowser draws every chart in goja with echarts' SSR: each
// SVG parses, carries its title, source line and notes as text, and the
// scatter holds every plottable creator: above LargeScatter in large
// mode, with zeros in the data that a log axis must never be given.
func TestSVGWithoutBrowser(t *testing.T) {
	r, err := NewSVGRenderer()
	needEcharts(t, err)
	for _, n := range []int{300, LargeScatter + 1500} {
		s := synthSnapshot(n, uint64(n))
		a := market.Analyze(*s, 1, Outliers, Top)
		charts, err := Charts(s, a, weeksContext(s), English())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range charts {
			svg, err := r.Render(c, DefaultSize.W, DefaultSize.H, English())
			if err != nil {
				t.Fatal(err)
			}
			info, err := testkit.ReadSVG([]byte(svg))
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			text := strings.Join(info.Texts, "\n")
			if info.Title != c.PlainTitle || !strings.Contains(text, "Source: synth (shop.example), fetched 16 November 2026") ||
				!strings.Contains(text, "gmvscope snapshot 4 of 16 November 2026") {
				t.Errorf("%s: title %q; texts lack the title, source or date:\n%s", c.Name, info.Title, text)
			}
			if info.Desc != c.Alt {
				t.Errorf("%s: <desc> %q, want the alt text", c.Name, info.Desc)
			}
			if c.Name != "scatter" {
				continue
			}
			got := info.Large
			for _, n := range info.Points {
				got += n
			}
			if got != len(a.Points) || a.ZeroGMV == 0 || a.ZeroFollowers == 0 ||
				(n > LargeScatter) != (info.Large > 0) {
				t.Errorf("%d creators (%d with zero GMV, %d zero followers): the SVG draws %v, want %d", n, a.ZeroGMV, a.ZeroFollowers, info.Points, len(a.Points))
			}
			if !strings.Contains(text, fmt.Sprintf("%s creators with followers and GMV above zero are plotted", Int(len(a.Points)))) {
				t.Errorf("the scatter's image lacks its exclusion note")
			}
		}
	}
}

// TestExportFiles runs Export with and without a browser: the files are
// named by chart, size and language, PNGs are twice the size and not
// blank, and without Chromium the CSV and SVG are written before the error.
func TestExportFiles(t *testing.T) {
	s := synthSnapshot(800, 3)
	a := market.Analyze(*s, 1, Outliers, Top)
	dir := t.TempDir()
	files, err := Export(context.Background(), s, a, Context{}, ExportOptions{Dir: dir, Size: Sizes[2], Lang: "ar"})
	if errors.Is(err, templates.ErrNoEcharts) {
		needEcharts(t, err)
	}
	if err != ErrNoChromium {
		t.Fatalf("without a browser: %v, want ErrNoChromium", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	want := "scatter.ar.csv tiers.ar.csv lorenz.ar.csv live.ar.csv channels.ar.csv scatter-1200x628.ar.svg tiers-1200x628.ar.svg lorenz-1200x628.ar.svg live-1200x628.ar.svg channels-1200x628.ar.svg"
	if strings.Join(names, " ") != want {
		t.Errorf("wrote %v, want %s", names, want)
	}
	exe, err := FindChromium(nil)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	files, err = Export(context.Background(), s, a, Context{}, ExportOptions{Dir: dir, Size: Sizes[3], Formats: []string{"png"}, Chromium: exe})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("wrote %v", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		info, err := testkit.ReadPNG(b)
		if err != nil {
			t.Fatal(err)
		}
		if info.W != 2160 || info.H != 2160 || info.Variance < 200 {
			t.Errorf("%s: %dx%d, variance %.0f; want 2160x2160 and not blank", filepath.Base(f), info.W, info.H, info.Variance)
		}
	}
}

// BenchmarkSVGScatter draws the scatter as SVG in goja: 2,000 creators
// (the sample market) and 20,000 (large mode).
func BenchmarkSVGScatter(b *testing.B) {
	r, err := NewSVGRenderer()
	if err != nil {
		b.Skip(err)
	}
	for _, n := range []int{2000, 20000} {
		s := synthSnapshot(n, uint64(n))
		a := market.Analyze(*s, 1, Outliers, Top)
		c, err := scatterChart(s, a, "last 28 days", English())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := r.Render(c, DefaultSize.W, DefaultSize.H, English()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDensityScatter: above DensityAbove creators the scatter draws
// density, not a sample: the bins' counts and the outliers add up to
// every plottable creator, in the option, the CSV and the SVG drawn in
// goja, and the note says how.
func TestDensityScatter(t *testing.T) {
	s := synthSnapshot(DensityAbove+5000, 5)
	a := market.Analyze(*s, 1, Outliers, Top)
	charts, err := Charts(s, a, Context{}, English())
	if err != nil {
		t.Fatal(err)
	}
	c := charts[0]
	var opt struct {
		Series []struct {
			Type string
			Data []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(c.Option), &opt); err != nil {
		t.Fatal(err)
	}
	if c.Name != "scatter" || opt.Series[0].Type != "custom" {
		t.Fatalf("%s: series 0 is %q, want the custom density series", c.Name, opt.Series[0].Type)
	}
	drawn := 0
	for _, d := range opt.Series[0].Data {
		var v []float64
		json.Unmarshal(d, &v)
		if len(v) != 5 || v[0] >= v[2] || v[1] >= v[3] || v[4] < 1 {
			t.Fatalf("bin %v", v)
		}
		drawn += int(v[4])
	}
	if drawn+len(a.Outliers) != len(a.Points) || len(opt.Series[1].Data) != len(a.Outliers) {
		t.Errorf("bins hold %d and outliers %d, want %d creators in all", drawn, len(a.Outliers), len(a.Points))
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.CSV, []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	inCSV := 0
	for _, r := range rows[1:] {
		if r[0] == "density" {
			n, _ := strconv.Atoi(r[6])
			inCSV += n
		}
	}
	if inCSV != drawn || rows[0][6] != "creators" {
		t.Errorf("the CSV's bins hold %d, the chart's %d", inCSV, drawn)
	}
	if notes := strings.Join(c.meta.Notes, " "); !strings.Contains(notes, "counted in 60 × 36 equal rectangles of the log-log plane") {
		t.Errorf("the method is not in the notes: %s", notes)
	}
	r, err := NewSVGRenderer()
	needEcharts(t, err)
	svg, err := r.Render(c, DefaultSize.W, DefaultSize.H, English())
	if err != nil {
		t.Fatal(err)
	}
	info, err := testkit.ReadSVG([]byte(svg))
	if err != nil {
		t.Fatal(err)
	}
	if info.Points[0] != len(opt.Series[0].Data) || info.Points[1] != len(a.Outliers) || len(svg) > 1<<20 {
		t.Errorf("the SVG draws %v (%d bytes), want %d bins and %d outliers", info.Points, len(svg), len(opt.Series[0].Data), len(a.Outliers))
	}
}

// TestDensityLive: above DensityAbove sessions the live chart draws
// density too, its axes bounded to the sessions' range.
func TestDensityLive(t *testing.T) {
	s := synthSnapshot(10, 1)
	var a market.LiveAnalysis
	for i := range DensityAbove + 500 {
		a.Points = append(a.Points, market.LivePoint{ID: strconv.Itoa(i), Creator: "c", Viewers: float64(10 + i), GMVUSD: float64(100 + 3*i)})
	}
	a.Sessions = len(a.Points)
	c, err := liveChart(s, a, English())
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		Series []struct{ Type string }
		XAxis  []struct{ Min, Max float64 }
		YAxis  []struct{ Min, Max float64 }
	}
	if err := json.Unmarshal([]byte(c.Option), &opt); err != nil {
		t.Fatal(err)
	}
	if opt.Series[0].Type != "custom" || opt.XAxis[0].Min != 10 || opt.XAxis[0].Max != 20000 || opt.YAxis[0].Min != 100 || opt.YAxis[0].Max != 50000 {
		t.Errorf("live density: %+v", opt)
	}
}
