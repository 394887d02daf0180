package main

import (
	"context"
	"gmvscope/internal/testkit"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gmvscope/demo"
	"gmvscope/market"
	"gmvscope/store"
)

// siteConfig writes a copy of the bundled config whose demo source points at url.
func siteConfig(t *testing.T, url string) (cfg, db string) {
	t.Helper()
	return writeSiteConfig(t, url, true)
}

// writeSiteConfig writes config.yaml for the sample market at url; with
// chain its leaderboard is read by next links only (no paginate).
func writeSiteConfig(t *testing.T, url string, chain bool) (cfg, db string) {
	t.Helper()
	data, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db = filepath.Join(dir, "gmvscope.db")
	text := strings.Replace(string(data), "base_url: http://127.0.0.1:8089", "base_url: "+url, 1)
	text = strings.Replace(text, "store: output/gmvscope.db", "store: "+db, 1)
	text = strings.Replace(text, "output: output ", "output: "+dir+" ", 1)
	// These tests hold a crawl to what a chain of next links implies (a
	// page that fails cuts off the pages after it): here the listing is
	// read by its next links, as a site without page numbers is read.
	// TestPaginateParallel reads it by page number.
	if chain {
		text = strings.Replace(text, "        paginate: {url: '/leaderboard?page={page}'}\n", "", 1)
	}
	cfg = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, db
}

func runs(t *testing.T, db string) ([]market.Run, int64) {
	t.Helper()
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, err := s.Runs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := s.LatestSnapshot(t.Context(), "demo")
	return rs, latest
}

func TestRunOutcomes(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 300})
	var mode atomic.Value // "ok", "one-broken", "down", "cancel"
	mode.Store("ok")
	var served atomic.Int64
	var cancelRun context.CancelFunc
	broken := "/creator/" + mk.Creators[7].Handle
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		switch mode.Load() {
		case "one-broken":
			if r.URL.Path == broken {
				http.Error(w, "boom", http.StatusInternalServerError)
				return
			}
		case "down":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		case "cancel":
			if n == 40 {
				cancelRun()
			}
		}
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, db := siteConfig(t, srv.URL)
	debug := false // log each page that worked, too
	run := func(ctx context.Context) (int, *testMain) {
		m := newTestMain()
		if debug {
			m.Log = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		return m.Run(ctx, []string{"run", "--config", cfg, "--source", "demo"}), m
	}

	code0, m0 := run(t.Context())
	if code0 != ExitOK {
		t.Fatalf("good run exit %d: %s", code0, m0.errs)
	}
	_, good := runs(t, db)
	if good == 0 {
		t.Fatal("good run stored no snapshot")
	}

	// At the default level a page that worked is not a log line.
	if n := strings.Count(m0.errs.String(), "msg=page "); n != 0 || !strings.Contains(m0.errs.String(), `msg="run finished"`) {
		t.Errorf("good run at info: %d page lines; log:\n%s", n, m0.errs)
	}
	mode.Store("one-broken")
	debug = true
	code, m := run(t.Context())
	debug = false
	if code != ExitPartial {
		t.Fatalf("run with one failing page: exit %d, want %d: %s", code, ExitPartial, m.errs)
	}
	rs, partial := runs(t, db)
	if rs[0].Status != market.RunPartial || partial == good {
		t.Fatalf("partial run: status %s, snapshot %d (good %d)", rs[0].Status, partial, good)
	}
	s, _ := store.Open(t.Context(), db)
	snap, err := s.Snapshot(t.Context(), partial)
	var okPages int
	s.SQL().QueryRow(`SELECT count(*) FROM pages WHERE run_id = ? AND failure = ''`, rs[0].ID).Scan(&okPages)
	s.Close()
	// Not on a terminal, at debug: one structured line per page event.
	logs := m.errs.String()
	if n := strings.Count(logs, "msg=page source=demo"); n != okPages || okPages < 300 {
		t.Errorf("%d page lines logged for %d pages fetched", n, okPages)
	}
	if !strings.Contains(logs, `level=WARN msg="page failed" source=demo url=`+srv.URL+broken+` kind=profile status=500 attempt=3 reason="HTTP 500"`) ||
		strings.Count(logs, `msg="page retry due" source=demo url=`+srv.URL+broken+` `) != 2 {
		t.Errorf("the broken page's retries and failure are not logged as events:\n%s", grepLines(logs, broken))
	}
	if err != nil {
		t.Fatal(err)
	}
	failedPages := 0
	for _, p := range snap.Pages {
		if p.Outcome == "HTTP 500" {
			failedPages += p.Pages
		}
	}
	if failedPages != 1 || len(snap.Creators) != 300 {
		t.Errorf("partial snapshot: %d pages failed with HTTP 500 (want 1), %d creators (want 300 from the leaderboard)", failedPages, len(snap.Creators))
	}

	mode.Store("down")
	if code, m := run(t.Context()); code != ExitError || !strings.Contains(m.errs.String(), "last good snapshot is unchanged") {
		t.Fatalf("run against a site that is down: exit %d: %s", code, m.errs)
	}
	rs, latest := runs(t, db)
	if rs[0].Status != market.RunFailed || latest != partial {
		t.Errorf("failed run: status %s, latest snapshot %d, want %d kept", rs[0].Status, latest, partial)
	}

	mode.Store("cancel")
	served.Store(0)
	ctx, cancel := context.WithCancel(t.Context())
	cancelRun = cancel
	if code, m := run(ctx); code != ExitError || !strings.Contains(m.errs.String(), "cancelled") {
		t.Fatalf("cancelled run: exit %d: %s", code, m.errs)
	}
	rs, latest = runs(t, db)
	if rs[0].Status != market.RunCancelled || latest != partial {
		t.Errorf("cancelled run: status %s, latest snapshot %d, want %d kept", rs[0].Status, latest, partial)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"run", "--no-such-flag"}, {"demo", "extra"}, {"check", "page.html"}} {
		m := newTestMain()
		if code := m.Run(t.Context(), args); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, ExitUsage)
		}
	}
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"check", "--config", "../../config/testdata/bad-kind.yaml"}); code != ExitError ||
		!strings.Contains(m.errs.String(), "bad-kind.yaml:18: sources[0].pages.top.fields.handle.kind") {
		t.Errorf("check of a bad config: exit %d: %s", code, m.errs)
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDemoPartialExits3: demo ends as run does, exit 3 with the reason,
// when pages fail.
func TestDemoPartialExits3(t *testing.T) {
	dir := t.TempDir()
	m := newTestMain()
	code := m.Run(t.Context(), []string{"demo", "--creators", "300", "--chaos", "0.05", "--faults", "404", "--config", "../../config.yaml",
		"--db", filepath.Join(dir, "g.db"), "--out", dir})
	if code != ExitPartial || !strings.Contains(m.errs.String(), "gmvscope: partial: run 1 of demo: ") || !strings.Contains(m.errs.String(), "(HTTP 404: ") {
		t.Fatalf("exit %d: %s", code, lastLines(m.errs.String(), 2))
	}
	if !strings.HasPrefix(m.out.String(), "report: "+filepath.Join(dir, "reports", "1", "index.html")) {
		t.Errorf("stdout %q: the partial run's report is written", m.out)
	}
}
