package main

import (
	"gmvscope/internal/testkit"
	"os"
	"strings"
	"testing"

	"gmvscope/demo"
	"gmvscope/store"
)

// TestReparse crawls with a broken units selector (a site "changed its
// markup"), fixes the config, and rebuilds the snapshot from the stored
// pages with the server gone: the result equals the market. (A selector
// for a field a good page must show, such as followers, fails the page
// instead: see TestLayoutChangeFails.)
func TestReparse(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 200})
	srv := testkit.Serve(t, mk.Handler())
	cfg, db := siteConfig(t, srv.URL)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(good), "units:        {path: $.units_28d, kind: count, period: 28d}", "units:        {path: $.units_sold, kind: count, period: 28d}", 1)
	broken = strings.Replace(broken, "units:        {selector: td.units, kind: count, period: 28d}", "units:        {selector: td.items, kind: count, period: 28d}", 1)
	if broken == string(good) {
		t.Fatal("could not break the config")
	}
	os.WriteFile(cfg, []byte(broken), 0o644)
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"crawl", "--config", cfg, "--source", "demo"}); code != 0 {
		t.Fatalf("crawl exit %d: %s", code, m.errs)
	}
	srv.Close() // no network from here on
	os.WriteFile(cfg, good, 0o644)
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"reparse", "1", "--config", cfg, "--no-report"}); code != 0 {
		t.Fatalf("reparse exit %d: %s", code, m.errs)
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, err := s.LatestSnapshot(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Snapshot(t.Context(), 1)
	if err != nil || first.Creators[0].Units != nil {
		t.Fatalf("the broken crawl should have found no units: %+v %v", first.Creators[0].Units, err)
	}
	if snap.RunID != 2 || len(snap.Creators) != 200 || !snap.FirstFetch.Equal(clock) {
		t.Fatalf("reparsed snapshot of run %d: %d creators, first fetch %v", snap.RunID, len(snap.Creators), snap.FirstFetch)
	}
	for _, c := range snap.Creators {
		w, _ := mk.Creator(c.Handle)
		if c.Units == nil || c.Units.Num != w.Units || c.Followers.Num != w.Followers || c.GMV.Num != w.GMVCents {
			t.Errorf("%s: units %+v, want %d", c.Handle, c.Units, w.Units)
		}
	}
}
