package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// TestChaos puts a misbehaving server in front of the sample market and
// runs the whole pipeline: every page ends parsed or failed with the right
// reason, every parsed page's values equal the ground truth, nothing goes
// to another host or to a disallowed path, and nothing is silently missing.
func TestChaos(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 300})
	other := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to another host: %s", r.URL)
	}))

	var latin int // a creator whose name windows-1252 can write, with a non-ASCII letter
	for i := 20; i < len(mk.Creators); i++ {
		n := mk.Creators[i].DisplayName
		if _, err := charmap.Windows1252.NewEncoder().String(n); err == nil && strings.ContainsAny(n, "ëé’") {
			latin = i
			break
		}
	}
	if latin == 0 {
		t.Fatal("no creator with a windows-1252 name")
	}
	path := func(i int) string { return "/creator/" + mk.Creators[i].Handle }
	want := map[string]string{ // profile path -> final failure ("" = parsed)
		path(5): "", path(7): "", path(latin): "",
		path(6):  "HTTP 503",
		path(8):  "network error",
		path(9):  "truncated body: shorter than its Content-Length",
		path(10): "soft block: captcha",
		path(11): "redirect outside allowed_hosts",
		path(12): "redirect loop",
		path(13): "body over 64 KB (politeness.max_body_kb)",
		path(14): "body over 64 KB (politeness.max_body_kb)",
		path(15): "", // a slow body that arrives within the timeout
		path(16): "disallowed by robots.txt",
		path(17): "timeout: the body did not arrive within 2s",
		path(18): "", // redirected to a second allowed origin (another port, listed in allowed_hosts), whose robots.txt is 404
		path(19): "redirect to a URL robots.txt disallows",
		path(20): "", // 503 with Retry-After as an HTTP date, then the page
		path(21): "soft block: login wall (redirected to /login)",
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte("<p>0000000000</p>"), 100000))
	zw.Close()

	m := newTestMain()
	clk := m.Clock.(*testkit.Clock)
	start := clk.Now()
	var mu sync.Mutex
	hits := map[string]int{}
	var busyAt time.Time // when path(20) answered 503, on the crawl's clock
	// A second origin on the allowed host: its robots.txt is 404 (allow all).
	second := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits["second "+r.URL.RequestURI()]++
		mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mk.Handler().ServeHTTP(w, r)
	}))
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.RequestURI()]++
		n := hits[r.URL.RequestURI()]
		mu.Unlock()
		p := r.URL.RequestURI()
		switch p {
		case "/robots.txt":
			if n == 1 { // unavailable at first: nothing may be fetched until it answers
				w.Header().Set("Retry-After", "60")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, "User-agent: *\nDisallow: %s\n", path(16))
			return
		case path(15): // slow: the page in five pieces
			rec := httptest.NewRecorder()
			mk.Handler().ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			for i := range 5 {
				w.Write(body[i*len(body)/5 : (i+1)*len(body)/5])
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
			return
		case path(17): // stalled: half a page, then nothing until the client gives up
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html><body><h1>"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		case path(18):
			http.Redirect(w, r, second.URL+path(18), http.StatusFound)
			return
		case path(21): // a session expired: sent to the site's own login form
			http.Redirect(w, r, "/login?next="+path(21), http.StatusFound)
			return
		case "/login?next=" + path(21):
			fmt.Fprint(w, `<html><body><form method="post"><input name="user"><input type="password" name="pass"></form></body></html>`)
			return
		case path(19):
			http.Redirect(w, r, path(16), http.StatusFound)
			return
		case "/leaderboard?page=3": // serves page 2 again, with a link on to page 4
			r2 := r.Clone(r.Context())
			r2.URL.RawQuery = "page=2"
			rec := httptest.NewRecorder()
			mk.Handler().ServeHTTP(rec, r2)
			w.Write(bytes.Replace(rec.Body.Bytes(), []byte("/leaderboard?page=3"), []byte("/leaderboard?page=4"), 1))
			return
		case path(20):
			if n == 1 {
				mu.Lock()
				busyAt = clk.Now()
				mu.Unlock()
				w.Header().Set("Retry-After", busyAt.Add(90*time.Second).UTC().Format(http.TimeFormat))
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		case path(5):
			if n == 1 {
				w.Header().Set("Retry-After", "30")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
		case path(6):
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		case path(7):
			if n == 1 {
				http.Error(w, "oops", http.StatusInternalServerError)
				return
			}
		case path(8):
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		case path(9):
			conn, buf, _ := w.(http.Hijacker).Hijack()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9000\r\n\r\n<html><body>")
			buf.Flush()
			conn.Close()
			return
		case path(10):
			fmt.Fprint(w, `<html><body><div class="g-recaptcha"></div></body></html>`)
			return
		case path(11):
			// Another host: allowed_hosts names 127.0.0.1, so localhost is elsewhere.
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/login", http.StatusFound)
			return
		case path(12):
			http.Redirect(w, r, path(12), http.StatusFound)
			return
		case path(13):
			w.Header().Set("Content-Type", "text/html")
			w.Write(bytes.Repeat([]byte("<p>padding</p>"), 10000))
			return
		case path(14):
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
			return
		case path(latin):
			rec := httptest.NewRecorder()
			mk.Handler().ServeHTTP(rec, r)
			page := strings.Replace(rec.Body.String(), `<meta charset="utf-8">`, `<meta charset="windows-1252">`, 1)
			enc, err := charmap.Windows1252.NewEncoder().String(page)
			if err != nil {
				t.Errorf("encode: %v", err)
			}
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(enc))
			return
		}
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, db := siteConfig(t, srv.URL)
	text, _ := os.ReadFile(cfg)
	edited := strings.Replace(string(text), "      timeout: 10s", "      timeout: 2s\n      max_body_kb: 64", 1)
	// The second origin is another port of the host: allowed only because it is listed with its port.
	edited = strings.Replace(edited, "    allowed_hosts: [127.0.0.1]", "    allowed_hosts: [127.0.0.1, '"+strings.TrimPrefix(second.URL, "http://")+"']", 1)
	os.WriteFile(cfg, []byte(edited), 0o644)

	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitPartial {
		t.Fatalf("exit %d, want %d (partial): %s", code, ExitPartial, m.errs)
	}
	if waited := clk.Now().Sub(start).Seconds(); waited < 30 {
		t.Errorf("the crawl clock moved %vs: Retry-After 30 was not honoured", waited)
	}
	// The retry of the page whose Retry-After was a date is due no earlier than that date.
	retryLine := grepLines(m.errs.String(), `msg="page retry due" source=demo url=`+srv.URL+path(20)+" ")
	_, due, _ := strings.Cut(retryLine, "retry_at=")
	if at, err := time.Parse(time.RFC3339, strings.TrimSpace(due)); err != nil || at.Before(busyAt.Add(89*time.Second)) {
		t.Errorf("503 at %s with Retry-After 90s later as a date: %q", busyAt, retryLine)
	}

	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	final := map[string]string{}
	rows, err := s.SQL().Query(`SELECT url, failure FROM pages WHERE id IN (SELECT max(id) FROM pages WHERE run_id = 1 GROUP BY url)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u, f string
		rows.Scan(&u, &f)
		final[strings.TrimPrefix(u, srv.URL)] = f
	}
	rows.Close()
	var pending int
	s.SQL().QueryRow(`SELECT count(*) FROM frontier WHERE run_id = 1 AND state = 'pending'`).Scan(&pending)
	if pending != 0 {
		t.Errorf("%d URLs left pending: nothing may be silently missing", pending)
	}
	for p, w := range want {
		got, ok := final[p]
		if !ok {
			t.Errorf("%s: no page stored", p)
		} else if !strings.HasPrefix(got, w) || (w == "" && got != "") {
			t.Errorf("%s: %q, want %q", p, got, w)
		}
	}
	mu.Lock()
	disallowed := hits[path(16)]
	mu.Unlock()
	if disallowed != 0 {
		t.Errorf("a disallowed path was fetched %d times", disallowed)
	}
	mu.Lock()
	robots, secondRobots, stalled := hits["/robots.txt"], hits["second /robots.txt"], hits[path(17)]
	mu.Unlock()
	if robots != 2 || secondRobots != 1 {
		t.Errorf("robots.txt asked %d times (503, then the rules), the second origin's %d times; want 2 and 1", robots, secondRobots)
	}
	if stalled != 3 {
		t.Errorf("the stalled page was asked %d times; a timeout is retried, 3 attempts in all", stalled)
	}
	id, err := s.LatestSnapshot(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Status != market.RunPartial || snap.Crawl.Repeated != 1 {
		t.Errorf("status %s, repeated pages %d", snap.Status, snap.Crawl.Repeated)
	}
	// The repeat stopped pagination at page 3: pages 4-6 were never asked for.
	onPage := map[string]int{}
	for i, c := range mk.Creators {
		onPage[c.Handle] = i/demo.PerPage + 1
	}
	got := map[string]market.Creator{}
	for _, c := range snap.Creators {
		got[c.Handle] = c
	}
	for i, w := range mk.Creators {
		c, ok := got[w.Handle]
		page := onPage[w.Handle]
		switch {
		case page >= 3 && ok:
			t.Errorf("%s is on page %d, after the repeated page, yet in the snapshot", w.Handle, page)
		case page >= 3:
		case !ok:
			t.Errorf("%s (page %d) missing", w.Handle, page)
		case final[path(i)] != "":
			// The profile failed: the leaderboard's rounded values stand, or a reject says why.
		case c.Followers == nil || c.Followers.Num != w.Followers || c.GMV.Num != w.GMVCents || c.DisplayName != w.DisplayName:
			t.Errorf("%s: %+v, want followers %d, GMV %d, name %q", w.Handle, c, w.Followers, w.GMVCents, w.DisplayName)
		}
	}
	var repeatReject int
	for _, r := range snap.Rejects {
		if strings.HasPrefix(r.Reason, "page repeats the rows") && strings.HasSuffix(r.URL, "/leaderboard?page=3") {
			repeatReject++
		}
	}
	if repeatReject != 1 {
		t.Errorf("the repeated page was not reported: %+v", snap.Rejects)
	}
}
