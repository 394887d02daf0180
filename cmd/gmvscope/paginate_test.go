package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// TestPaginateParallel: with paginate, the leaderboard's first page links
// every page at once (parse/testdata/demo/leaderboard-paginate checks the
// links), each page is still in the frontier, and a page that fails costs
// only itself: the 37 pages after it are read, where a chain of next
// links would never reach them.
func TestPaginateParallel(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 2000})
	ch := &demo.Chaos{Market: mk, Plan: map[string][]demo.Fault{"/leaderboard?page=3": {demo.FaultServer, demo.FaultServer, demo.FaultServer}}}
	var inFlight, most atomic.Int64
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/leaderboard" {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		}
		ch.ServeHTTP(w, r)
	}))
	data, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	text := strings.Replace(string(data), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL, 1)
	text = strings.Replace(text, "store: output/gmvscope.db", "store: "+db, 1)
	text = strings.Replace(text, "output: output ", "output: "+dir+" ", 1)
	if !strings.Contains(text, "paginate: {url: '/leaderboard?page={page}'}") {
		t.Fatal("config.yaml's demo source no longer paginates")
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(text), 0o644)
	m := newTestMain()
	code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"})
	if code != 3 {
		t.Fatalf("exit %d, want 3 (partial: one page failed): %s", code, m.errs)
	}
	t.Logf("at most %d leaderboard pages in flight", most.Load()) // timing: shown, not asserted
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var done, failed int
	if err := s.SQL().QueryRow(`SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed') FROM frontier WHERE kind = 'leaderboard'`).
		Scan(&done, &failed); err != nil {
		t.Fatal(err)
	}
	if done != mk.Pages()-1 || failed != 1 {
		t.Errorf("leaderboard pages: %d done and %d failed, want %d and 1", done, failed, mk.Pages()-1)
	}
	id, err := s.LatestSnapshot(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Status != market.RunPartial || len(snap.Creators) != len(mk.Creators)-demo.PerPage {
		t.Errorf("%s with %d creators, want partial with %d (page 3's are missing)", snap.Status, len(snap.Creators), len(mk.Creators)-demo.PerPage)
	}
	if !strings.Contains(m.errs.String(), "1 page failed") || strings.Contains(m.errs.String(), "never reached") {
		t.Errorf("stderr: %s", m.errs)
	}
}
