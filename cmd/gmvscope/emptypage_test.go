package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// crawlThrough runs `gmvscope run` on the demo source behind ch and returns
// the exit code, the store, the report's HTML and the test main.
func crawlThrough(t *testing.T, ch *demo.Chaos, edit func(string) string) (int, *store.DB, string, *testMain) {
	t.Helper()
	srv := testkit.Serve(t, ch)
	cfg, db := siteConfig(t, srv.URL)
	if edit != nil {
		text, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, []byte(edit(string(text))), 0o644)
	}
	m := newTestMain()
	code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"})
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var report string
	if m := regexp.MustCompile(`report: (\S+)`).FindStringSubmatch(m.out.String()); m != nil {
		b, err := os.ReadFile(m[1])
		if err != nil {
			t.Fatal(err)
		}
		report = string(b)
	}
	return code, s, report, m
}

// finalState returns a URL's latest frontier state, reason and attempts.
func finalState(t *testing.T, s *store.DB, run int64, url string) (string, string, int) {
	t.Helper()
	var state, reason string
	var attempts int
	if err := s.SQL().QueryRow(`SELECT state, reason, attempts FROM frontier WHERE run_id = ? AND url LIKE ?`, run, "%"+url).Scan(&state, &reason, &attempts); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return state, reason, attempts
}

// TestEmptyPagesFail serves pages with status 200 but without their data
// (a "verify you are human" page, a login form in place of the page, an
// empty body, garbage bytes, the layout with its rows gone) on leaderboard
// page 3 and on one profile, every time they are asked for: each is a
// failed fetch with its reason after three attempts, never a page with no
// data; the run is partial (exit 3) and says that the 37 leaderboard pages
// after page 3 were never reached, in the log, on stderr and in the report.
func TestEmptyPagesFail(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 2000})
	always := func(f demo.Fault) []demo.Fault { return []demo.Fault{f, f, f} }
	profile := "/creator/" + mk.Creators[10].Handle
	for _, tc := range []struct {
		fault                demo.Fault
		leaderboard, profile string
	}{
		{demo.FaultHuman, "no rows where 1 or more expected", "no script matches script#creator-data"},
		{demo.FaultLoginInline, "no rows where 1 or more expected", "no script matches script#creator-data"},
		{demo.FaultEmpty, "no rows where 1 or more expected", "no script matches script#creator-data"},
		{demo.FaultGarbage, "no rows where 1 or more expected", "no script matches script#creator-data"},
		{demo.FaultNoRows, "no rows where 1 or more expected", "no rows where 1 or more expected"},
		{demo.FaultCaptcha, "soft block: captcha", "soft block: captcha"},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			ch := &demo.Chaos{Market: mk, Plan: map[string][]demo.Fault{"/leaderboard?page=3": always(tc.fault), profile: always(tc.fault)}}
			code, s, report, m := crawlThrough(t, ch, nil)
			if code != ExitPartial {
				t.Fatalf("exit %d, want %d: %s", code, ExitPartial, lastLines(m.errs.String(), 3))
			}
			if st, r, n := finalState(t, s, 1, "/leaderboard?page=3"); st != "failed" || r != tc.leaderboard || n != 3 {
				t.Errorf("leaderboard page 3: %s %q after %d attempts, want failed %q after 3", st, r, n, tc.leaderboard)
			}
			if st, r, n := finalState(t, s, 1, profile); st != "failed" || r != tc.profile || n != 3 {
				t.Errorf("profile: %s %q after %d attempts, want failed %q after 3", st, r, n, tc.profile)
			}
			want := fmt.Sprintf("37 leaderboard pages never reached; 2 pages failed (%s)", failedList(tc.leaderboard, tc.profile))
			var status market.RunStatus
			var reason string
			s.SQL().QueryRow(`SELECT status, reason FROM runs WHERE id = 1`).Scan(&status, &reason)
			if status != market.RunPartial || reason != want {
				t.Errorf("run %s: %q, want partial: %q", status, reason, want)
			}
			if !strings.Contains(m.errs.String(), "gmvscope: partial: run 1 of demo: "+want+"; snapshot 1 kept") {
				t.Errorf("stderr: %s", lastLines(m.errs.String(), 2))
			}
			if !strings.Contains(pageText(report), "Partial run: "+want) {
				t.Errorf("the report does not say what is missing")
			}
			if !regexp.MustCompile(`<tr class="bad"><td><bdi>leaderboard</bdi></td><td class="n">40</td><td class="n">2</td><td class="n">1</td><td class="n">37</td><td class="n">2,000</td><td class="n">100</td>`).MatchString(report) {
				t.Errorf("the report's coverage table does not show 40 pages, 2 read, 1 failed, 37 never reached, 100 of 2,000 rows")
			}
			var creators int
			s.SQL().QueryRow(`SELECT count(*) FROM creators WHERE snapshot_id = 1`).Scan(&creators)
			if creators != 100 {
				t.Errorf("%d creators in the snapshot, want the 100 of pages 1 and 2", creators)
			}
		})
	}
	t.Run("once", func(t *testing.T) {
		mk := demo.New(demo.Config{Creators: 300})
		profile := "/creator/" + mk.Creators[10].Handle
		ch := &demo.Chaos{Market: mk, Plan: map[string][]demo.Fault{"/leaderboard?page=3": {demo.FaultEmpty}, profile: {demo.FaultHuman}}}
		code, s, report, m := crawlThrough(t, ch, nil)
		if code != ExitOK {
			t.Fatalf("a page empty once is retried: exit %d: %s", code, lastLines(m.errs.String(), 3))
		}
		if st, _, n := finalState(t, s, 1, "/leaderboard?page=3"); st != "done" || n != 2 {
			t.Errorf("leaderboard page 3: %s after %d attempts, want done after 2", st, n)
		}
		var creators int
		s.SQL().QueryRow(`SELECT count(*) FROM creators WHERE snapshot_id = 1`).Scan(&creators)
		if creators != 300 || strings.Contains(report, "Partial run") {
			t.Errorf("%d creators; partial banner: %v", creators, strings.Contains(report, "Partial run"))
		}
	})
}

func failedList(a, b string) string {
	if a == b {
		return a + ": 2"
	}
	if a > b {
		a, b = b, a
	}
	return a + ": 1, " + b + ": 1"
}

// TestMissingPagerFails: a leaderboard page whose rows arrived but whose
// next link did not (its pager says "Page 5 of 40") is a failed fetch, not
// the end of the listing; the last page needs no next link.
func TestMissingPagerFails(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 400})
	ch := &demo.Chaos{Market: mk}
	srv := testkit.Serve(t, stripNext(ch, "/leaderboard?page=5"))
	cfg, db := siteConfig(t, srv.URL)
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"crawl", "--config", cfg, "--source", "demo"}); code != ExitPartial {
		t.Fatalf("exit %d: %s", code, lastLines(m.errs.String(), 2))
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, r, _ := finalState(t, s, 1, "/leaderboard?page=5"); st != "failed" || r != "no next link on page 5 of 8" {
		t.Errorf("page 5: %s %q", st, r)
	}
	if st, _, _ := finalState(t, s, 1, "/leaderboard?page=4"); st != "done" {
		t.Errorf("page 4: %s", st)
	}
	var reason string
	s.SQL().QueryRow(`SELECT reason FROM runs WHERE id = 1`).Scan(&reason)
	if !strings.HasPrefix(reason, "3 leaderboard pages never reached; 1 page failed (no next link on page 5 of 8: 1)") {
		t.Errorf("reason %q", reason)
	}
}

// stripNext serves h, with the next link taken off the page at uri.
func stripNext(h http.Handler, uri string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RequestURI() != uri {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(regexp.MustCompile(`<a rel="next"[^>]*>Next</a>`).ReplaceAll(rec.Body.Bytes(), nil))
	})
}
