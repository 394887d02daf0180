package main

import (
	"os"
	"strings"
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
	srv := testkit.Serve(t, ch)
	cfg, db := writeSiteConfig(t, srv.URL, false)
	if text, _ := os.ReadFile(cfg); !strings.Contains(string(text), "paginate: {url: '/leaderboard?page={page}'}") {
		t.Fatal("config.yaml's demo source no longer paginates")
	}
	m := newTestMain()
	code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"})
	if code != 3 {
		t.Fatalf("exit %d, want 3 (partial: one page failed): %s", code, m.errs)
	}
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
	snap := loadSnapshot(t, db, "demo")
	if snap.Status != market.RunPartial || len(snap.Creators) != len(mk.Creators)-demo.PerPage {
		t.Errorf("%s with %d creators, want partial with %d (page 3's are missing)", snap.Status, len(snap.Creators), len(mk.Creators)-demo.PerPage)
	}
	if !strings.Contains(m.errs.String(), "1 page failed") || strings.Contains(m.errs.String(), "never reached") {
		t.Errorf("stderr: %s", m.errs)
	}
}
