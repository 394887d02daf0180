package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// crashAt runs gmvscope args in a subprocess that kills itself with
// SIGKILL at the named point of its run.
func crashAt(t *testing.T, point string, args ...string) {
	t.Helper()
	cmd := subprocess(args...)
	cmd.Env = append(cmd.Env, "GMVSCOPE_TEST_CRASH="+point)
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the run was not killed at %s (%v): %s", point, err, out)
	}
}

// TestKillInFinishWindow kills a crawl after its last page is stored and
// before its run is finished. The next crawl has nothing left to fetch:
// it finishes the run from its stored pages, without a request, into a
// snapshot equal to the market.
func TestKillInFinishWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 300})
	site := &killSite{mk: mk, requests: map[string]int{}}
	srv := testkit.Serve(t, site)
	cfg, db := siteConfig(t, srv.URL)
	crashAt(t, "crawled", "crawl", "--config", cfg, "--source", "demo")
	if _, latest, status := storeState(t, db, 1); latest != 0 || status != market.RunRunning {
		t.Fatalf("after the kill: snapshot %d, run %s", latest, status)
	}
	site.reset(0, nil)
	out, err := subprocess("crawl", "--config", cfg, "--source", "demo").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if len(site.requests) != 0 {
		t.Errorf("the resumed run asked for %v: every page was stored", site.requests)
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var status, reason string
	s.SQL().QueryRow(`SELECT status, reason FROM runs WHERE id = 1`).Scan(&status, &reason)
	if status != "ok" || reason != "frontier empty (resumed: every page was already stored)" {
		t.Errorf("run 1 %s: %q", status, reason)
	}
	snap, err := s.Snapshot(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Creators) != len(mk.Creators) {
		t.Fatalf("%d creators, want %d", len(snap.Creators), len(mk.Creators))
	}
	for _, c := range snap.Creators {
		w, _ := mk.Creator(c.Handle)
		if c.Followers.Num != w.Followers || c.GMV.Num != w.GMVCents || c.DisplayName != w.DisplayName {
			t.Errorf("%s: %+v, want %+v", c.Handle, c, w)
		}
	}
}

// TestKillAfterFailure kills a crawl whose run has a failed page, in the
// finish window. The resumed run fails no page of its own, yet it ends
// partial, exit 3, counting the failure the killed process stored, and
// its report says so.
func TestKillAfterFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 300})
	broken := "/creator/" + mk.Creators[2].Handle
	ch := &demo.Chaos{Market: mk, Plan: map[string][]demo.Fault{broken: {demo.FaultNotFound}}}
	srv := testkit.Serve(t, ch)
	cfg, db := siteConfig(t, srv.URL)
	crashAt(t, "crawled", "run", "--config", cfg, "--source", "demo")
	cmd := subprocess("run", "--config", cfg, "--source", "demo")
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != ExitPartial {
		t.Fatalf("resumed run: exit %d, want %d: %s", code, ExitPartial, out)
	}
	want := "1 page failed (HTTP 404: 1)"
	if !strings.Contains(string(out), "gmvscope: partial: run 1 of demo: "+want) {
		t.Errorf("stderr: %s", out)
	}
	html, err := os.ReadFile(filepath.Join(filepath.Dir(db), "reports", "1", "index.html"))
	if err != nil || !strings.Contains(pageText(string(html)), "Partial run: "+want) {
		t.Errorf("the report does not say the run is partial (%v)", err)
	}
}

// TestKillBeforeReport kills `gmvscope run` after its snapshot is stored
// and before its report is written. The next run writes the missing
// report first, then its own; `report` also writes any that are missing.
func TestKillBeforeReport(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 120})
	srv := testkit.Serve(t, mk.Handler())
	cfg, db := siteConfig(t, srv.URL)
	dir := filepath.Dir(db)
	crashAt(t, "finished", "run", "--config", cfg, "--source", "demo")
	if _, latest, status := storeState(t, db, 1); latest != 1 || status != market.RunOK {
		t.Fatalf("after the kill: snapshot %d, run %s", latest, status)
	}
	if _, err := os.Stat(filepath.Join(dir, "reports", "1", "index.html")); !os.IsNotExist(err) {
		t.Fatalf("the report exists although the process was killed before it (%v)", err)
	}
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	want := "report: " + filepath.Join(dir, "reports", "1", "index.html") + " (snapshot 1 had none)\nreport: " + filepath.Join(dir, "reports", "2", "index.html") + "\n"
	if m.out.String() != want {
		t.Errorf("stdout %q, want %q", m.out, want)
	}
	for _, id := range []string{"1", "2"} {
		if _, err := os.Stat(filepath.Join(dir, "reports", id, "index.html")); err != nil {
			t.Errorf("report %s: %v", id, err)
		}
	}
	// A crawl (no reports) leaves snapshot 3 without one; report writes it.
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"crawl", "--config", cfg, "--source", "demo"}); code != ExitOK {
		t.Fatalf("crawl exit %d: %s", code, m.errs)
	}
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"report", "--config", cfg, "--snapshot", "2"}); code != ExitOK {
		t.Fatalf("report exit %d: %s", code, m.errs)
	}
	if strings.Contains(m.out.String(), "had none") {
		t.Errorf("report --snapshot writes that snapshot only: %s", m.out)
	}
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"report", "--config", cfg}); code != ExitOK {
		t.Fatalf("report exit %d: %s", code, m.errs)
	}
	want = "report: " + filepath.Join(dir, "reports", "3", "index.html") + " (snapshot 3 had none)\n"
	if m.out.String() != want {
		t.Errorf("stdout %q, want %q", m.out, want)
	}
}
