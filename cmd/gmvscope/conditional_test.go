package main

import (
	"gmvscope/internal/testkit"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"gmvscope/demo"
	"gmvscope/store"
)

// TestConditionalGet crawls the same site twice into one store: the second
// run asks with the stored ETags, every page answers 304, the stored pages
// are reused, and the snapshot is the same. reparse still reads them.
func TestConditionalGet(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 150})
	var mu sync.Mutex
	status := map[int]int{}
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		mk.Handler().ServeHTTP(rec, r)
		mu.Lock()
		status[rec.Code]++
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	cfg, db := siteConfig(t, srv.URL)
	crawl := func() {
		m := newTestMain()
		if code := m.Run(t.Context(), []string{"crawl", "--config", cfg, "--source", "demo"}); code != 0 {
			t.Fatalf("exit %d: %s", code, m.errs)
		}
	}
	crawl()
	first := status[http.StatusOK]
	mu.Lock()
	status = map[int]int{}
	mu.Unlock()
	crawl()
	// Every page answers 304; robots.txt (first's one other 200) is not asked
	// for again: the first run's copy is younger than the TTL.
	if status[http.StatusNotModified] != first-1 || status[http.StatusOK] != 0 {
		t.Errorf("second run: %v, want %d 304s and nothing else", status, first-1)
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _ := s.Snapshot(t.Context(), 1)
	b, _ := s.Snapshot(t.Context(), 2)
	if len(a.Creators) != 150 || len(b.Creators) != 150 || b.Crawl.NotModified != first-1 {
		t.Fatalf("snapshots: %d and %d creators, %d reused", len(a.Creators), len(b.Creators), b.Crawl.NotModified)
	}
	for i := range a.Creators {
		if a.Creators[i].Followers.Num != b.Creators[i].Followers.Num || a.Creators[i].GMV.Num != b.Creators[i].GMV.Num {
			t.Errorf("creator %s differs after 304s", a.Creators[i].Handle)
		}
	}
	var stored int
	s.SQL().QueryRow(`SELECT count(*) FROM pages WHERE run_id = 2 AND body_zst IS NOT NULL`).Scan(&stored)
	if stored != 0 {
		t.Errorf("%d bodies stored again for unchanged pages", stored)
	}
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"reparse", "2", "--config", cfg, "--no-report"}); code != 0 {
		t.Fatalf("reparse of the 304 run: exit %d: %s", code, m.errs)
	}
}
