package crawl_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/cascadia"

	"gmvscope/crawl"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/parse"
	"gmvscope/store"
)

func html(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><body>"+body+"</body></html>")
	}
}

func row(handle string) string {
	return `<table><tr class="c"><td class="h">` + handle + `</td><td class="f">1.5K</td></tr></table>`
}

var spec = parse.PageSpec{Type: "css", Entity: "creator", Rows: "tr.c", Key: "handle",
	Fields: map[string]parse.FieldSpec{"handle": {Selector: "td.h", Kind: "text"}, "followers": {Selector: "td.f", Kind: "count"}},
	Follow: []parse.LinkSpec{{Selector: "a.p", Kind: "page"}}}

// crawlSite crawls start (a path on s, reached as localhost) into a fresh
// store and returns each failed page's final failure by path, and the stats.
func crawlSite(t *testing.T, s *testkit.Site, start string, mutate func(*crawl.Options)) (map[string]string, crawl.Stats) {
	t.Helper()
	return crawlSiteSpec(t, s, start, spec, mutate)
}

// crawlSiteSpec is crawlSite with another page spec.
func crawlSiteSpec(t *testing.T, s *testkit.Site, start string, spec parse.PageSpec, mutate func(*crawl.Options)) (map[string]string, crawl.Stats) {
	t.Helper()
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
	o := crawl.Options{UserAgent: "gmvscope-test", Allowed: originsOf(t, base), Concurrency: 4, Robots: true,
		Now: func() time.Time { return time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC) }, Clock: testkit.NewClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))}
	if mutate != nil {
		mutate(&o)
	}
	runID, err := db.BeginRun(ctx, "t", o.Now(), []market.Link{{URL: base + start, Kind: "page"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := crawl.New(o, crawl.Extractors{"page": ex}, db).Run(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT url, failure FROM pages WHERE id IN (SELECT max(id) FROM pages WHERE run_id = ? GROUP BY url) AND failure != ''`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	failed := map[string]string{}
	for rows.Next() {
		var u, f string
		if err := rows.Scan(&u, &f); err != nil {
			t.Fatal(err)
		}
		pu, _ := url.Parse(u)
		failed[pu.Path] = f
	}
	var pending int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM frontier WHERE run_id = ? AND state = 'pending'`, runID).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d frontier entries left pending after a finished crawl", pending)
	}
	return failed, st
}

func notFound(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }

// originsOf returns the exact origins of the URLs.
func originsOf(t *testing.T, raws ...string) []crawl.Origin {
	t.Helper()
	var out []crawl.Origin
	for _, raw := range raws {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, crawl.OriginOf(u))
	}
	return out
}

func TestCrawlStaysOnAllowedHosts(t *testing.T) {
	other := testkit.NewSite(t, map[string]http.HandlerFunc{"/x": html(row("elsewhere"))})
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/list": html(row("a") + `<a class="p" href="/redir">r</a><a class="p" href="` + other.URL + `/x">off</a><a class="p" href="/ok">ok</a>`),
		"/redir": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		},
		"/loop":       func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) },
		"/ok":         html(row("b") + `<a class="p" href="/loop">loop</a>`),
		"/robots.txt": notFound,
	})
	failed, st := crawlSite(t, s, "/list", nil)
	if got := failed["/redir"]; got != "redirect outside allowed_hosts" {
		t.Errorf("/redir failed with %q", got)
	}
	if got := failed["/loop"]; got != "redirect loop" {
		t.Errorf("/loop failed with %q", got)
	}
	if n := other.Hits("/x"); n != 0 {
		t.Errorf("the other host was requested %d times", n)
	}
	if st.OffSite != 1 || st.Fetched != 2 {
		t.Errorf("stats %+v: want 1 off-site link dropped and 2 pages fetched", st)
	}
}

func TestCrawlRobots(t *testing.T) {
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/list":       html(row("a") + `<a class="p" href="/private/1">p</a><a class="p" href="/public/1">q</a>`),
		"/private/1":  html(row("secret")),
		"/public/1":   html(row("b")),
		"/robots.txt": func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n") },
	})
	failed, st := crawlSite(t, s, "/list", nil)
	if failed["/private/1"] != "disallowed by robots.txt" || s.Hits("/private/1") != 0 {
		t.Errorf("disallowed page: failure %q, fetched %d times", failed["/private/1"], s.Hits("/private/1"))
	}
	if st.RobotsDeny != 1 || s.Hits("/public/1") != 1 {
		t.Errorf("robots denials %d, public fetches %d", st.RobotsDeny, s.Hits("/public/1"))
	}
}

func TestCrawlRobotsStatus(t *testing.T) {
	for _, tc := range []struct {
		status  int
		allowed bool
	}{{404, true}, {403, true}, {503, false}, {500, false}} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			s := testkit.NewSite(t, map[string]http.HandlerFunc{
				"/list":       html(row("a")),
				"/robots.txt": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tc.status) },
			})
			failed, _ := crawlSite(t, s, "/list", nil)
			if got := failed["/list"] == ""; got != tc.allowed {
				t.Errorf("robots.txt %d: page allowed %v, want %v (failure %q)", tc.status, got, tc.allowed, failed["/list"])
			}
		})
	}
}

func TestCrawlRejectsBadResponses(t *testing.T) {
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/list": html(row("a") + `<a class="p" href="/big">b</a><a class="p" href="/pdf">p</a><a class="p" href="/gone">g</a><a class="p" href="/err">e</a>`),
		"/big":  html(row("big") + strings.Repeat("<p>padding</p>", 10000)),
		"/pdf": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.4")
		},
		"/gone":       notFound,
		"/err":        func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) },
		"/robots.txt": notFound,
	})
	failed, st := crawlSite(t, s, "/list", func(o *crawl.Options) { o.MaxBodySize = 50000 })
	want := map[string]string{"/big": "body over 50000 bytes", "/pdf": "unexpected content type application/pdf", "/gone": "HTTP 404", "/err": "HTTP 500"}
	for p, w := range want {
		if failed[p] != w {
			t.Errorf("%s: failure %q, want %q", p, failed[p], w)
		}
	}
	if st.Failed != 4 || st.Fetched != 1 || st.Records != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestCrawlRetries: 429 with Retry-After in seconds and 503 with an HTTP
// date pause the host that long (on the injected clock) and then succeed;
// a page that keeps failing with 500 is failed after three attempts; a 404
// is not retried.
func TestCrawlRetries(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	clk := testkit.NewClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	hit := func(p string) int {
		mu.Lock()
		defer mu.Unlock()
		calls[p]++
		return calls[p]
	}
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/robots.txt": notFound,
		"/list":       html(row("a") + `<a class="p" href="/limited">l</a><a class="p" href="/busy">b</a><a class="p" href="/broken">x</a><a class="p" href="/gone">g</a>`),
		"/limited": func(w http.ResponseWriter, r *http.Request) {
			if hit("/limited") == 1 {
				w.Header().Set("Retry-After", "120")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			html(row("limited"))(w, r)
		},
		"/busy": func(w http.ResponseWriter, r *http.Request) {
			if hit("/busy") == 1 {
				w.Header().Set("Retry-After", clk.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
			html(row("busy"))(w, r)
		},
		"/broken": func(w http.ResponseWriter, r *http.Request) { hit("/broken"); http.Error(w, "boom", 500) },
		"/gone":   func(w http.ResponseWriter, r *http.Request) { hit("/gone"); http.NotFound(w, r) },
	})
	failed, st := crawlSite(t, s, "/list", func(o *crawl.Options) { o.Clock = clk; o.Concurrency = 1 })
	if failed["/limited"] != "" || failed["/busy"] != "" || calls["/limited"] != 2 || calls["/busy"] != 2 {
		t.Errorf("rate-limited pages: failures %q %q, requests %d %d", failed["/limited"], failed["/busy"], calls["/limited"], calls["/busy"])
	}
	if failed["/broken"] != "HTTP 500" || calls["/broken"] != 3 {
		t.Errorf("/broken: %q after %d requests, want HTTP 500 after 3", failed["/broken"], calls["/broken"])
	}
	if failed["/gone"] != "HTTP 404" || calls["/gone"] != 1 {
		t.Errorf("/gone: %q after %d requests, want one HTTP 404", failed["/gone"], calls["/gone"])
	}
	if st.Retries != 4 || st.Fetched != 3 || st.Failed != 2 {
		t.Errorf("stats %+v", st)
	}
	var waited120, waited90 bool
	for _, d := range clk.Slept() {
		waited120 = waited120 || d >= 120*time.Second
		waited90 = waited90 || (d >= 89*time.Second && d <= 91*time.Second)
	}
	if !waited120 || !waited90 {
		t.Errorf("the crawler slept %v: want a 120s Retry-After and a 90s one from an HTTP date", clk.Slept())
	}
}

// TestCrawlRateLimit checks on an injected clock that 21 requests at 5 per
// second from 4 workers share one bucket: each is given its own 200ms slot.
func TestCrawlRateLimit(t *testing.T) {
	links := ""
	routes := map[string]http.HandlerFunc{"/robots.txt": notFound}
	for i := range 20 {
		links += fmt.Sprintf(`<a class="p" href="/p/%d">x</a>`, i)
		routes[fmt.Sprintf("/p/%d", i)] = html(row(fmt.Sprint("c", i)))
	}
	routes["/list"] = html(row("a") + links)
	s := testkit.NewSite(t, routes)
	clk := testkit.StillClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	_, st := crawlSite(t, s, "/list", func(o *crawl.Options) {
		o.RPS, o.Concurrency, o.Clock, o.Jitter = 5, 4, clk, func() float64 { return 0 }
	})
	if st.Fetched != 21 {
		t.Fatalf("fetched %d", st.Fetched)
	}
	slept := clk.Slept()
	slices.Sort(slept)
	if len(slept) != 21 {
		t.Fatalf("%d waits, want one per request", len(slept))
	}
	for i, d := range slept {
		if want := time.Duration(i) * 200 * time.Millisecond; d != want {
			t.Errorf("request %d waits %v, want %v", i, d, want)
		}
	}
}

// TestCrawlValidatesResponses: a truncated body, a gzip bomb, a captcha and a
// source-declared login wall served with 200, and a page in a legacy charset
// declared only in <meta>.
func TestCrawlValidatesResponses(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte("<p>0000000000</p>"), 400000)) // 6.8 MB of HTML in a few KB
	zw.Close()
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/robots.txt": notFound,
		"/list": html(row("a") + `<a class="p" href="/cut">c</a><a class="p" href="/bomb">b</a><a class="p" href="/captcha">k</a>` +
			`<a class="p" href="/login">l</a><a class="p" href="/legacy">g</a><a class="p" href="/pdf">p</a>`),
		"/cut": func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html><body><table><tr class=\"c\"><td class=\"h\">cut")
			buf.Flush()
		},
		"/bomb": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		},
		"/captcha": html(`<div class="g-recaptcha" data-sitekey="x"></div>`),
		"/login":   html(`<form action="/session"><input type="password" name="pw"></form>`),
		"/legacy": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><head><meta charset=\"windows-1252\"></head><body><table><tr class=\"c\"><td class=\"h\">Zo\xeb Caf\xe9</td><td class=\"f\">2K</td></tr></table></body></html>"))
		},
		"/pdf": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(bytes.Repeat([]byte("%PDF"), 1000))
		},
	})
	failed, st := crawlSite(t, s, "/list", func(o *crawl.Options) {
		o.MaxBodySize = 1 << 20
		o.SoftBlocks = []crawl.SoftBlock{{Name: "login wall", Selector: cascadia.MustCompile(`input[type=password]`)}}
	})
	want := map[string]string{
		"/cut":     "truncated body: shorter than its Content-Length",
		"/bomb":    "body over 1024 KB (politeness.max_body_kb)",
		"/captcha": "soft block: captcha",
		"/login":   "soft block: login wall",
		"/pdf":     "unexpected content type application/pdf",
	}
	for p, w := range want {
		if failed[p] != w {
			t.Errorf("%s: %q, want %q", p, failed[p], w)
		}
	}
	if failed["/legacy"] != "" || st.Decoded != 1 {
		t.Errorf("legacy charset page: failure %q, decoded %d", failed["/legacy"], st.Decoded)
	}
}

// TestCrawlPaginationGuard: page 3 serves page 2's rows again with a link on
// to page 4: the repeat is reported and the chain stops there.
func TestCrawlPaginationGuard(t *testing.T) {
	rows := func(a, b string) string { return row(a) + row(b) }
	s := testkit.NewSite(t, map[string]http.HandlerFunc{
		"/robots.txt": notFound,
		"/p1":         html(rows("a", "b") + `<a rel="next" href="/p2">n</a>`),
		"/p2":         html(rows("c", "d") + `<a rel="next" href="/p3">n</a>`),
		"/p3":         html(rows("d", "c") + `<a rel="next" href="/p4">n</a>`),
		"/p4":         html(rows("e", "f")),
	})
	paged := spec
	paged.Next = &parse.LinkSpec{Selector: "a[rel=next]"}
	failed, st := crawlSiteSpec(t, s, "/p1", paged, nil)
	if st.Repeated != 1 || s.Hits("/p4") != 0 || len(failed) != 0 || st.Fetched != 3 {
		t.Errorf("repeated %d, /p4 fetched %d times, failures %v, fetched %d", st.Repeated, s.Hits("/p4"), failed, st.Fetched)
	}
}

// TestCrawlBudgets: a run stops at its error ratio and at its time budget
// (on the injected clock), and says which.
func TestCrawlBudgets(t *testing.T) {
	routes := map[string]http.HandlerFunc{"/robots.txt": notFound}
	links := ""
	for i := range 60 {
		links += fmt.Sprintf(`<a class="p" href="/p/%d">x</a>`, i)
		if i%4 == 0 {
			routes[fmt.Sprintf("/p/%d", i)] = html(row(fmt.Sprint("c", i)))
		}
	}
	routes["/list"] = html(row("a") + links)
	s := testkit.NewSite(t, routes)
	db, _ := store.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	defer db.Close()
	ex, _ := parse.New(spec, parse.Options{})
	run := func(mutate func(*crawl.Options)) crawl.Stats {
		o := crawl.Options{UserAgent: "t", Allowed: originsOf(t, strings.Replace(s.URL, "127.0.0.1", "localhost", 1)), Concurrency: 1, Robots: true,
			Clock: testkit.NewClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)), MaxAttempts: 1}
		mutate(&o)
		id, _ := db.BeginRun(t.Context(), "t", time.Time{}, []market.Link{{URL: strings.Replace(s.URL, "127.0.0.1", "localhost", 1) + "/list", Kind: "page"}})
		st, err := crawl.New(o, crawl.Extractors{"page": ex}, db).Run(t.Context(), id)
		if !errors.Is(err, crawl.ErrBudget) {
			t.Errorf("err %v, want the budget", err)
		}
		return st
	}
	if st := run(func(o *crawl.Options) { o.MaxErrorRatio = 0.5 }); !strings.HasPrefix(st.Finish, "error ratio") || st.Fetched+st.Failed > 30 {
		t.Errorf("error budget: finish %q after %d pages", st.Finish, st.Fetched+st.Failed)
	}
	// At 1 request/s, requests start at t=0..9 and a last one admitted at t=9 waits for its token.
	if st := run(func(o *crawl.Options) { o.RPS, o.MaxDuration = 1, 10*time.Second }); st.Finish != "time budget of 10s reached" || st.Fetched+st.Failed != 11 {
		t.Errorf("time budget: finish %q after %d pages", st.Finish, st.Fetched+st.Failed)
	}
}

// TestCrawlDelay: robots.txt's Crawl-delay slows the host below the
// configured rate (checked on the injected clock, no jitter).
func TestCrawlDelay(t *testing.T) {
	links := ""
	routes := map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "User-agent: *\nCrawl-delay: 3\n") },
	}
	for i := range 5 {
		links += fmt.Sprintf(`<a class="p" href="/p/%d">x</a>`, i)
		routes[fmt.Sprintf("/p/%d", i)] = html(row(fmt.Sprint("c", i)))
	}
	routes["/list"] = html(row("a") + links)
	s := testkit.NewSite(t, routes)
	clk := testkit.StillClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	crawlSite(t, s, "/list", func(o *crawl.Options) {
		o.RPS, o.Concurrency, o.Clock, o.Jitter = 10, 2, clk, func() float64 { return 0 }
	})
	slept := clk.Slept()
	slices.Sort(slept)
	// Six requests one bucket apart: 0, 3s, 6s, ... (the first may be at 0 or 0.1s, before the delay was known).
	if n := len(slept); n < 6 || slept[n-1] < 12*time.Second {
		t.Errorf("waits %v: want requests spaced 3s apart", slept)
	}
}

// TestFailureReasonsGroupByKind: a connection reset is one reason, not
// one per local port, so a report groups every such page together.
func TestFailureReasonsGroupByKind(t *testing.T) {
	reset := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.(*net.TCPConn).SetLinger(0) // close with RST
		conn.Close()
	}
	links := ""
	routes := map[string]http.HandlerFunc{"/robots.txt": notFound}
	for i := range 6 {
		links += fmt.Sprintf(`<a class="p" href="/r/%d">r</a>`, i)
		routes[fmt.Sprintf("/r/%d", i)] = reset
	}
	routes["/list"] = html(row("a") + links)
	s := testkit.NewSite(t, routes)
	failed, st := crawlSite(t, s, "/list", func(o *crawl.Options) { o.MaxAttempts = 1 })
	if len(st.Failures) != 1 || len(failed) != 6 {
		t.Errorf("failures %v: want one reason for the six resets", st.Failures)
	}
	for p, r := range failed {
		if r != "network error: connection reset by peer" {
			t.Errorf("%s: %q", p, r)
		}
	}
}
