package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/report"
)

// chromium finds a headless-capable Chromium. On CI (CI=true) a missing
// browser fails the test instead of skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	p, err := report.FindChromium(nil)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH: CI must install Debian's chromium (see .ci/run)")
	}
	t.Skip("no Chromium on PATH; install chromium to run browser tests")
	return ""
}

// tab is a headless Chromium tab with the network off that records every
// request and every console error, warning and exception.
type tab struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	problems []string
}

// viewport is a window size; mobile emulates a phone (touch, a device
// pixel ratio of 3), as Chromium's device toolbar does.
type viewport struct {
	w, h   int64
	mobile bool
}

var (
	desktop = viewport{w: 1280, h: 900}
	phone   = viewport{w: 390, h: 844, mobile: true}
)

func newTab(t *testing.T, vp viewport) *tab {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(int(max(vp.w, 500)), int(vp.h)))
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	tb := &tab{t: t, ctx: ctx}
	// Start the browser, then listen before anything happens in the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			tb.requests = append(tb.requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			tb.problems = append(tb.problems, fmt.Sprintf("exception: %s %s", e.ExceptionDetails.Text, e.ExceptionDetails.URL))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				tb.problems = append(tb.problems, "console "+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				tb.problems = append(tb.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	offline := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: true}}})
		if err != nil {
			// Chromium before about 150 has only the older command (Debian
			// bookworm ships 148); it takes the same conditions for the page.
			type legacy struct {
				Offline            bool    `json:"offline"`
				Latency            float64 `json:"latency"`
				DownloadThroughput float64 `json:"downloadThroughput"`
				UploadThroughput   float64 `json:"uploadThroughput"`
			}
			_, err = cdp.Call(ctx, tg, cdp.Command[legacy, struct{}]{Method: "Network.emulateNetworkConditions"},
				legacy{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		return err
	})
	scale := 1.0
	if vp.mobile {
		scale = 3
	}
	metrics := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: vp.w, Height: vp.h, DeviceScaleFactor: scale, Mobile: vp.mobile})
		return err
	})
	if err := chromedp.Do(ctx, offline, metrics); err != nil {
		t.Fatal(err)
	}
	return tb
}

// open loads a file and waits until every chart has drawn.
func (tb *tab) open(path string) {
	tb.t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := chromedp.Do(tb.ctx, chromedp.Navigate("file://"+abs), chromedp.WaitReady(chromedp.CSS(".plot svg"))); err != nil {
		tb.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression into a T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%.200s: %v", expr, err)
	}
	return v
}

// clean fails the test for any console problem, and for any request
// that is not to a file: every report works offline from its folder.
func (tb *tab) clean() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.requests) == 0 || !strings.HasPrefix(tb.requests[0], "file:") {
		tb.t.Errorf("the request listener saw %v; it should at least see the page's own file: URL", tb.requests)
	}
	for _, u := range tb.requests {
		if !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			tb.t.Errorf("the page made a network request: %s", u)
		}
	}
	for _, p := range tb.problems {
		tb.t.Errorf("browser: %s", p)
	}
}

// drawn returns, per chart id, how many SVG elements its chart drew.
func (tb *tab) drawn() map[string]int {
	return eval[map[string]int](tb, `(function () { var o = {}; document.querySelectorAll("[data-chart]").forEach(function (el) {
		o[el.id] = el.querySelectorAll("svg path, svg text").length; }); return o; })()`)
}

// TestReportInBrowser opens the demo report in headless Chromium at 1280
// px with the network off: no console errors, no request that is not
// file:, every chart drawn as SVG, the scatter holding one point per
// plottable creator, and no two outlier labels overlapping (their boxes
// as the browser lays them out).
func TestReportInBrowser(t *testing.T) {
	run := sharedDemo(t)
	tb := newTab(t, desktop)
	tb.open(run.report)
	// The scatter's series: the creators (several in large mode), then the outliers.
	scatter := `window.gmvscopeCharts["chart-scatter"].getOption().series.filter(function (s) { return s.type === "scatter"; })`
	points := eval[int](tb, `(function () { var n = 0; `+scatter+`.forEach(function (s) { n += s.data.length; }); return n; })()`)
	outliers := eval[int](tb, `(function () { var s = `+scatter+`; return s[s.length - 1].data.length; })()`)
	want := market.Analyze(*run.snap, 1, report.Outliers, report.Top)
	if points != len(want.Points) || points < 1900 {
		t.Errorf("scatter holds %d points, want %d", points, len(want.Points))
	}
	if outliers != report.Outliers {
		t.Errorf("scatter labels %d outliers, want %d", outliers, report.Outliers)
	}
	for id, n := range tb.drawn() {
		if n < 20 {
			t.Errorf("%s drew %d SVG elements", id, n)
		}
	}
	if n := len(tb.drawn()); n != 5 {
		t.Errorf("%d charts, want 5 (with live and channels)", n)
	}
	var handles []string
	for _, p := range want.Outliers {
		handles = append(handles, "@"+p.Handle)
	}
	hj, _ := json.Marshal(handles)
	type box struct {
		Text                     string
		Left, Top, Right, Bottom float64
	}
	boxes := eval[[]box](tb, `(function (names) { var out = [];
		document.querySelectorAll("#chart-scatter svg text").forEach(function (t) {
			if (names.indexOf(t.textContent) < 0) return;
			var r = t.getBoundingClientRect();
			out.push({Text: t.textContent, Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom}); });
		return out; })(`+string(hj)+`)`)
	// And as echarts itself laid them out: each shown label's rectangle in
	// the chart's coordinates, from the series' own graphic elements.
	echartsBoxes := eval[[]box](tb, `(function () {
		var c = window.gmvscopeCharts["chart-scatter"], m = c.getModel(), out = [];
		var k = c.getOption().series.filter(function (s) { return s.type === "scatter"; }).length - 1;
		var data = m.getSeriesByIndex(k).getData();
		for (var i = 0; i < data.count(); i++) {
			var el = data.getItemGraphicEl(i), t = null;
			// A scatter symbol is a group; its path hosts the label.
			el && el.traverse(function (ch) { if (!t && ch.getTextContent) t = ch.getTextContent(); });
			if (!t || t.ignore || t.invisible) continue;
			var r = t.getBoundingRect().clone();
			r.applyTransform(t.getComputedTransform());
			out.push({Text: data.getName(i), Left: r.x, Top: r.y, Right: r.x + r.width, Bottom: r.y + r.height});
		}
		return out; })()`)
	if len(echartsBoxes) != len(boxes) {
		t.Errorf("echarts shows %d outlier labels, the page %d", len(echartsBoxes), len(boxes))
	}
	boxes = append(boxes, echartsBoxes...)
	if len(echartsBoxes) < report.Outliers-2 {
		t.Errorf("%d of %d outlier labels shown at 1280 px: %v", len(boxes), report.Outliers, boxes)
	}
	overlap := func(set []box) {
		for i, a := range set {
			for _, b := range set[i+1:] {
				if a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom {
					t.Errorf("outlier labels %s and %s overlap: %v %v", a.Text, b.Text, a, b)
				}
			}
		}
	}
	overlap(boxes[:len(boxes)-len(echartsBoxes)])
	overlap(echartsBoxes)
	tb.clean()
}

// TestReportOnPhone opens the two-week demo report on a 390 px phone: the
// page never scrolls sideways (tables scroll in their own box), every
// chart is drawn, and no chart's title, subtitle, notes or source line is
// wider than its chart.
func TestReportOnPhone(t *testing.T) {
	w := sharedWeeks(t)
	for _, page := range []struct{ name, path string }{{"en", w.en}, {"ar", w.ar}} {
		t.Run(page.name, func(t *testing.T) {
			tb := newTab(t, phone)
			tb.open(page.path)
			if sw := eval[int](tb, `document.documentElement.scrollWidth`); sw > int(phone.w) {
				t.Errorf("the page is %d px wide on a %d px phone", sw, phone.w)
			}
			drawn := tb.drawn()
			if len(drawn) != 7 {
				t.Errorf("%d charts drawn, want 7: %v", len(drawn), drawn)
			}
			for id, n := range drawn {
				if n < 20 {
					t.Errorf("%s drew %d SVG elements", id, n)
				}
			}
			wide := eval[[]string](tb, `(function () { var out = [];
				document.querySelectorAll("figure.chart").forEach(function (f) {
					var fr = f.getBoundingClientRect();
					f.querySelectorAll(".chart-title, .chart-sub, .chart-notes, .chart-source, .plot, .plot svg").forEach(function (el) {
						var r = el.getBoundingClientRect();
						if (r.left < fr.left - 0.5 || r.right > fr.right + 0.5 || el.scrollWidth > el.clientWidth + 1)
							out.push(f.id + " " + el.className.baseVal + el.className + " " + r.left + ".." + r.right + " in " + fr.left + ".." + fr.right); }); });
				return out; })()`)
			for _, w := range wide {
				t.Errorf("wider than its chart: %s", w)
			}
			tb.clean()
		})
	}
}

// TestReportOnPaper: printed, the report carries the footer's line
// (generated when, from which snapshot, with which echarts) under its lede
// and hides the footer, which at the end of a full page would print on a
// page of its own.
func TestReportOnPaper(t *testing.T) {
	run := sharedDemo(t)
	tb := newTab(t, desktop)
	tb.open(run.report)
	const shown = `(function () { var f = document.querySelector("footer"), p = document.querySelector("header .print-only");
		return [getComputedStyle(f).display, getComputedStyle(p).display, f.textContent.trim(), p.textContent.trim()]; })()`
	screen := eval[[]string](tb, shown)
	if screen[0] == "none" || screen[1] != "none" {
		t.Errorf("on screen: footer display %q, print line %q; want the footer only", screen[0], screen[1])
	}
	print := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})
	if err := chromedp.Do(tb.ctx, print); err != nil {
		t.Fatal(err)
	}
	paper := eval[[]string](tb, shown)
	if paper[0] != "none" || paper[1] == "none" {
		t.Errorf("on paper: footer display %q, print line %q; want the print line only", paper[0], paper[1])
	}
	if paper[3] != paper[2] || !strings.Contains(paper[3], "snapshot 1") {
		t.Errorf("print line %q, footer %q: want the same text, naming the snapshot", paper[3], paper[2])
	}
	tb.clean()
}

// TestArabicReport: the Arabic report opens right to left with every
// chart drawn and no console errors; its numbers are in Arabic-Indic
// digits and its handles stay left to right inside <bdi>.
func TestArabicReport(t *testing.T) {
	w := sharedWeeks(t)
	tb := newTab(t, desktop)
	tb.open(w.ar)
	if dir := eval[string](tb, `document.documentElement.dir + " " + document.documentElement.lang`); dir != "rtl ar" {
		t.Errorf("html dir and lang: %q, want rtl ar", dir)
	}
	if d := eval[string](tb, `getComputedStyle(document.body).direction`); d != "rtl" {
		t.Errorf("body direction %q", d)
	}
	drawn := tb.drawn()
	if len(drawn) != 7 {
		t.Errorf("%d charts drawn, want 7", len(drawn))
	}
	if h := eval[string](tb, `document.querySelector("#above-weight td.who bdi").textContent`); !strings.HasPrefix(h, "@") {
		t.Errorf("a handle in the Arabic report: %q", h)
	}
	if v := eval[string](tb, `document.querySelector(".headline .figure .value").textContent`); !strings.ContainsAny(v, "٠١٢٣٤٥٦٧٨٩") {
		t.Errorf("the creators figure %q is not in Arabic-Indic digits", v)
	}
	if title := eval[string](tb, `document.querySelector("#chart-scatter-title").textContent`); title != "المتابعون مقابل المبيعات" {
		t.Errorf("scatter title %q", title)
	}
	tb.clean()
}

// TestDownloadButtons clicks each of the scatter's download buttons in the
// report opened from its file with the network off: the PNG is 1600×1000
// (800×500 at 2×) and not blank, the SVG parses and holds every point,
// and the CSV is the chart's own data with a BOM.
func TestDownloadButtons(t *testing.T) {
	run := sharedDemo(t)
	tb := newTab(t, desktop)
	dl := t.TempDir()
	err := chromedp.Do(tb.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	tb.open(run.report)
	base := fmt.Sprintf("gmvscope-demo-%d-scatter", run.snap.ID)
	for _, kind := range []string{"csv", "svg", "png"} {
		eval[bool](tb, `(document.querySelector('button[data-for="chart-scatter"][data-download="`+kind+`"]').click(), true)`)
		file := filepath.Join(dl, base+"."+kind)
		var b []byte
		for range 200 {
			if b, err = os.ReadFile(file); err == nil && len(b) > 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("the %s button saved nothing: %v", kind, err)
		}
		a := market.Analyze(*run.snap, 1, report.Outliers, report.Top)
		switch kind {
		case "png":
			checkPNG(t, b, 1600, 1000)
		case "svg":
			checkSVG(t, b, len(a.Points), "Followers vs GMV")
		case "csv":
			if !bytes.HasPrefix(b, []byte("\ufeffseries,handle,followers,gmv_usd\n")) {
				t.Errorf("CSV starts %q", b[:min(len(b), 60)])
			}
			if n := bytes.Count(b, []byte("\n")); n != len(a.Points)+1+2 {
				t.Errorf("CSV has %d lines, want %d points, the header and the fit line's 2", n, len(a.Points))
			}
		}
	}
	tb.clean()
}

// TestEmbedPage loads a chart's embed page as an iframe shows it, in a
// window 390 px wide, then 700: the chart draws, follows the width, and
// needs no network.
func TestEmbedPage(t *testing.T) {
	run := sharedDemo(t)
	tb := newTab(t, viewport{w: 390, h: 560})
	tb.open(filepath.Join(filepath.Dir(run.report), "charts", "tiers.html"))
	width := func(want func(float64) bool) float64 {
		var w float64
		for range 100 {
			if w = eval[float64](tb, `document.querySelector(".plot svg").getBoundingClientRect().width`); want(w) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		return w
	}
	if w := width(func(w float64) bool { return w > 300 }); w < 300 || w > 390 {
		t.Errorf("in a 390 px frame the chart is %.0f px wide", w)
	}
	if sw := eval[int](tb, `document.documentElement.scrollWidth`); sw > 390 {
		t.Errorf("the embed page is %d px wide in a 390 px frame", sw)
	}
	err := chromedp.Do(tb.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 700, Height: 560, DeviceScaleFactor: 1})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if w := width(func(w float64) bool { return w > 600 }); w < 600 || w > 700 {
		t.Errorf("after the frame grew to 700 px the chart is %.0f px wide", w)
	}
	if h := eval[string](tb, `document.querySelector(".chart-source").textContent`); !strings.Contains(h, "Source: demo") {
		t.Errorf("the embed page's source line: %q", h)
	}
	tb.clean()
}

// checkPNG decodes an exported PNG: its size, and enough variation in its
// pixels that it is not blank (a white or one-colour image).
func checkPNG(t *testing.T, b []byte, w, h int) {
	t.Helper()
	info, err := testkit.ReadPNG(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.W != w || info.H != h {
		t.Errorf("PNG is %dx%d, want %dx%d", info.W, info.H, w, h)
	}
	if info.Variance < 200 {
		t.Errorf("PNG pixel variance %.0f: blank or nearly so", info.Variance)
	}
}

// checkSVG parses an exported SVG: it has its title inside, and the
// scatter's points (creators and outliers).
func checkSVG(t *testing.T, b []byte, points int, title string) {
	t.Helper()
	info, err := testkit.ReadSVG(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.Title != title || !strings.Contains(strings.Join(info.Texts, "\n"), title) {
		t.Errorf("SVG <title> %q and texts lack %q", info.Title, title)
	}
	got := info.Large
	for _, n := range info.Points {
		got += n
	}
	if got != points {
		t.Errorf("SVG draws %v points by series, want %d", info.Points, points)
	}
}

// TestTooltipEscapes hovers (showTip) a creator whose handle is markup in a
// report written from it: the tooltip shows the text, followers and GMV
// formatted as the page writes them, and runs nothing.
func TestTooltipEscapes(t *testing.T) {
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	s := &market.Snapshot{ID: 9, RunID: 9, Status: market.RunOK, TakenAt: at, FirstFetch: at, LastFetch: at,
		Source: market.SourceInfo{Name: "shop", Currency: "USD", Period: "28d", RateUSD: 1, RateAsOf: at, StartURLs: []string{"https://shop.example/top"}}}
	const evil = `<img src=x onerror="window.__xss=1">`
	for i := range 40 {
		h := fmt.Sprintf("c%02d", i)
		if i == 0 {
			h = evil
		}
		f := float64(1000 * (i + 1))
		g := int64(100 * (40 - i) * (i%7 + 1))
		s.Creators = append(s.Creators, market.Creator{Handle: h, Followers: &market.Value{Kind: market.KindCount, Num: int64(f)},
			GMV: &market.Value{Kind: market.KindMoney, Num: g * 100, Currency: "USD"}, GMVUSD: float64(g)})
	}
	a := market.Analyze(*s, 1, report.Outliers, report.Top)
	path, err := report.Write(s, a, report.Context{}, report.Options{Dir: t.TempDir(), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	tb := newTab(t, desktop)
	tb.open(path)
	tip := eval[string](tb, `(function () {
		var c = window.gmvscopeCharts["chart-scatter"], series = c.getOption().series;
		for (var si = 0; si < series.length; si++) {
			var d = series[si].data || [];
			for (var di = 0; di < d.length; di++) {
				if (d[di].name && d[di].name.indexOf("<img") >= 0) {
					c.dispatchAction({type: "showTip", seriesIndex: si, dataIndex: di});
					var el = document.querySelector("#chart-scatter > div:last-child");
					return el ? el.textContent : "no tooltip";
				}
			}
		}
		return "no such point";
	})()`)
	if !strings.Contains(tip, evil) || !strings.Contains(tip, "Followers: 1.0K") || !strings.Contains(tip, "GMV (USD): $") {
		t.Errorf("tooltip text %q", tip)
	}
	if xss := eval[bool](tb, `window.__xss === 1`); xss {
		t.Error("a handle in a tooltip ran as HTML")
	}
	tb.clean()
}
