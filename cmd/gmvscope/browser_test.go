package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"gmvscope/market"
	"gmvscope/report"
)

// chromium finds a headless-capable Chromium. On CI (CI=true) a missing
// browser fails the test instead of skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH: CI must install Debian's chromium (see .ci/run)")
	}
	t.Skip("no Chromium on PATH; install chromium to run browser tests")
	return ""
}

// TestReportInBrowser opens the demo report in headless Chromium with the
// network off: no console errors, no request that is not file:, and the
// scatter really holds one point per plottable creator.
func TestReportInBrowser(t *testing.T) {
	exe := chromium(t)
	run := sharedDemo(t)
	abs, err := filepath.Abs(run.report)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 2000))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	// Start the browser, then listen before anything happens in the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var requests, problems []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			problems = append(problems, fmt.Sprintf("exception: %s %s", e.ExceptionDetails.Text, e.ExceptionDetails.URL))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console "+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	offline := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
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
		return chromedp.Void{}, err
	})
	if err := chromedp.Do(ctx, offline, chromedp.Navigate("file://"+abs), chromedp.WaitReady(chromedp.CSS("#chart-scatter canvas"))); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	points := eval(`window.gmvscopeCharts["chart-scatter"].getOption().series[0].data.length`)
	outliers := eval(`window.gmvscopeCharts["chart-scatter"].getOption().series[1].data.length`)
	charts := eval(`document.querySelectorAll("[data-chart] canvas").length`)
	want := market.Analyze(*run.snap, 1, report.Outliers, report.Top)
	if points != len(want.Points) || points < 1900 {
		t.Errorf("scatter holds %d points, want %d", points, len(want.Points))
	}
	if outliers != report.Outliers {
		t.Errorf("scatter labels %d outliers, want %d", outliers, report.Outliers)
	}
	if charts != 3 {
		t.Errorf("%d charts drew a canvas, want 3", charts)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(requests) == 0 || !strings.HasPrefix(requests[0], "file:") {
		t.Errorf("the request listener saw %v; it should at least see the report's own file: URL", requests)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") {
			t.Errorf("report made a network request: %s", u)
		}
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
}
