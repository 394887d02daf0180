package main

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"gmvscope/demo"
	"gmvscope/store"
)

// TestReparse crawls with a broken followers selector (a site "changed its
// markup"), fixes the config, and rebuilds the snapshot from the stored
// pages with the server gone: the result equals the market.
func TestReparse(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 200})
	srv := httptest.NewServer(mk.Handler())
	cfg, db := siteConfig(t, srv.URL)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(good), "followers:    {path: $.followers, kind: count}", "followers:    {path: $.follower_count, kind: count}", 1)
	broken = strings.Replace(broken, "followers:    {selector: td.followers, kind: count}", "followers:    {selector: td.fans, kind: count}", 1)
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
	if err != nil || first.Creators[0].Followers != nil {
		t.Fatalf("the broken crawl should have found no followers: %+v %v", first.Creators[0].Followers, err)
	}
	if snap.RunID != 2 || len(snap.Creators) != 200 || !snap.FirstFetch.Equal(clock) {
		t.Fatalf("reparsed snapshot of run %d: %d creators, first fetch %v", snap.RunID, len(snap.Creators), snap.FirstFetch)
	}
	for _, c := range snap.Creators {
		w, _ := mk.Creator(c.Handle)
		if c.Followers == nil || c.Followers.Num != w.Followers || c.GMV.Num != w.GMVCents {
			t.Errorf("%s: followers %+v, want %d", c.Handle, c.Followers, w.Followers)
		}
	}
}
