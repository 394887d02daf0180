package crawl_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gmvscope/crawl"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/parse"
	"gmvscope/store"
)

// TestCrawlRobotsRetriedLater: a robots.txt that answers 503 keeps the
// host's pages waiting in the frontier (never fetched, never allowed) and
// is asked for again after Retry-After, on the injected clock; once it
// answers, its rules apply.
func TestCrawlRobotsRetriedLater(t *testing.T) {
	var mu sync.Mutex
	asked := 0
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/list":      html(row("a") + `<a class="p" href="/private/1">x</a>`),
		"/private/1": html(row("secret")),
		"/robots.txt": func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			asked++
			n := asked
			mu.Unlock()
			if n == 1 {
				w.Header().Set("Retry-After", "120")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		},
	})
	clk := testkit.NewClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	failed, st := crawlSite(t, s, "/list", func(o *crawl.Options) { o.Clock = clk; o.Jitter = func() float64 { return 0 } })
	if failed["/list"] != "" || failed["/private/1"] != "disallowed by robots.txt" {
		t.Errorf("failures %v", failed)
	}
	if s.Hits("/private/1") != 0 || s.Hits("/list") != 1 || s.Hits("/robots.txt") != 2 {
		t.Errorf("hits: list %d, private %d, robots.txt %d", s.Hits("/list"), s.Hits("/private/1"), s.Hits("/robots.txt"))
	}
	if st.Retries != 1 || st.RobotsFetch != 2 || st.RobotsDeny != 1 {
		t.Errorf("retries %d, robots fetches %d, denials %d", st.Retries, st.RobotsFetch, st.RobotsDeny)
	}
	if waited := clk.Now().Sub(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)); waited < 120*time.Second {
		t.Errorf("robots.txt asked again after %s, before its Retry-After of 120s", waited)
	}
}

// TestCrawlRobotsUnavailable: a robots.txt that stays unreachable fails
// the pages with that reason after the attempts, and no page is fetched.
func TestCrawlRobotsUnavailable(t *testing.T) {
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/list":       html(row("a")),
		"/robots.txt": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusInternalServerError) },
	})
	failed, st := crawlSite(t, s, "/list", nil)
	if !strings.HasPrefix(failed["/list"], "robots.txt status 500: site treated as disallowed") {
		t.Errorf("failure %q", failed["/list"])
	}
	if s.Hits("/list") != 0 || s.Hits("/robots.txt") != 3 || st.Retries != 2 {
		t.Errorf("list fetched %d times, robots.txt asked %d times, retries %d; want 0, 3 (one per attempt), 2",
			s.Hits("/list"), s.Hits("/robots.txt"), st.Retries)
	}
}

// TestCrawlRobotsCache: robots.txt is kept in the store; a run within the
// TTL does not ask for it again, a run after it does, and the stored rules
// apply in the run that reads them.
func TestCrawlRobotsCache(t *testing.T) {
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/list":      html(row("a") + `<a class="p" href="/private/1">x</a>`),
		"/private/1": html(row("secret")),
		"/robots.txt": func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		},
	})
	ctx := t.Context()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ex, err := parse.New(spec, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	day0 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		after  time.Duration
		asks   int // robots.txt requests so far
		fetchd int // this run's robots fetches
	}{{0, 1, 1}, {time.Hour, 1, 0}, {23 * time.Hour, 1, 0}, {25 * time.Hour, 2, 1}} {
		now := day0.Add(tc.after)
		o := crawl.Options{UserAgent: "gmvscope-test", Allowed: originsOf(t, base), Robots: true,
			Now: func() time.Time { return now }, Clock: testkit.NewClock(now)}
		run, err := db.BeginRun(ctx, "t", now, []market.Link{{URL: base + "/list", Kind: "page"}})
		if err != nil {
			t.Fatal(err)
		}
		st, err := crawl.New(o, crawl.Extractors{"page": ex}, db).Run(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		if s.Hits("/robots.txt") != tc.asks || st.RobotsFetch != tc.fetchd || st.RobotsDeny != 1 || s.Hits("/private/1") != 0 {
			t.Errorf("run at +%s: robots.txt asked %d times (want %d), this run %d (want %d), denials %d, private fetched %d",
				tc.after, s.Hits("/robots.txt"), tc.asks, st.RobotsFetch, tc.fetchd, st.RobotsDeny, s.Hits("/private/1"))
		}
	}
	f, ok, err := db.Robots(ctx, base)
	if err != nil || !ok || f.Status != 200 || !f.FetchedAt.Equal(day0.Add(25*time.Hour)) || !strings.Contains(string(f.Body), "Disallow: /private/") {
		t.Errorf("stored robots.txt %+v %v %v", f, ok, err)
	}
}
