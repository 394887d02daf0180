package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/store"
)

// TestOriginsExact: another port of the allowed host is another origin. A
// link to it is dropped and a redirect to it is refused before a byte is
// sent, with a session's header and cookie configured and a cookie the
// site itself set; a second origin that allowed_hosts lists with its port
// is crawled, but without the session, whose secrets go only to the
// origins they were configured for.
func TestOriginsExact(t *testing.T) {
	const token, sid = "Bearer orig1n-s3cret", "orig1n-c00kie"
	mk := demo.New(demo.Config{Creators: 120})
	var mu sync.Mutex
	var stray []string               // requests to the port nobody allowed
	seen := map[string]http.Header{} // the listed second origin's requests
	strayPort := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stray = append(stray, r.URL.RequestURI())
		mu.Unlock()
		mk.Handler().ServeHTTP(w, r)
	}))
	listed := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.RequestURI()] = r.Header.Clone()
		mu.Unlock()
		mk.Handler().ServeHTTP(w, r)
	}))
	toStray, toListed := "/creator/"+mk.Creators[3].Handle, "/creator/"+mk.Creators[4].Handle
	var refused int
	site := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "site", Value: "set-by-the-site"})
		if r.URL.Path != "/robots.txt" && r.Header.Get("Authorization") != token {
			mu.Lock()
			refused++
			mu.Unlock()
		}
		switch r.URL.RequestURI() {
		case toStray:
			http.Redirect(w, r, strayPort.URL+toStray, http.StatusFound)
			return
		case toListed:
			http.Redirect(w, r, listed.URL+toListed, http.StatusFound)
			return
		case "/leaderboard?page=1":
			rec := httptest.NewRecorder()
			mk.Handler().ServeHTTP(rec, r)
			page := strings.Replace(rec.Body.String(), "</tbody>", `</tbody><tfoot><tr><td class="handle"><a href="`+strayPort.URL+`/creator/elsewhere">@elsewhere</a></td></tr></tfoot>`, 1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page))
			return
		}
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, _ := siteConfig(t, site.URL)
	text, _ := os.ReadFile(cfg)
	edited := strings.Replace(string(text), "    allowed_hosts: [127.0.0.1]", "    allowed_hosts: [127.0.0.1, '"+strings.TrimPrefix(listed.URL, "http://")+"']", 1)
	edited = strings.Replace(edited, "    period: 28d            # the leaderboard's GMV covers the last 28 days",
		"    period: 28d\n    session:\n      headers: {Authorization: SHOP_TOKEN}\n      cookies: {sid: SHOP_SID}", 1)
	os.WriteFile(cfg, []byte(edited), 0o644)

	m := newTestMain()
	m.Getenv = testkit.Env{"SHOP_TOKEN": token, "SHOP_SID": sid}.Get
	code, s := runConfig(t, m, cfg)
	if code != ExitPartial {
		t.Fatalf("exit %d: %s", code, lastLines(m.errs.String(), 2))
	}
	if st, r, _ := finalState(t, s, 1, toStray); st != "failed" || r != "redirect outside allowed_hosts" {
		t.Errorf("the redirect to another port: %s %q", st, r)
	}
	if st, _, _ := finalState(t, s, 1, toListed); st != "done" {
		t.Errorf("the redirect to the listed origin: %s", st)
	}
	var offsite int
	s.SQL().QueryRow(`SELECT count(*) FROM frontier WHERE run_id = 1 AND url LIKE ?`, strayPort.URL+"%").Scan(&offsite)
	mu.Lock()
	defer mu.Unlock()
	if len(stray) > 0 || offsite > 0 {
		t.Errorf("the unlisted port got %d requests %v; the frontier holds %d of its URLs", len(stray), stray, offsite)
	}
	if refused > 0 {
		t.Errorf("%d requests to the site came without the session", refused)
	}
	h, ok := seen[toListed]
	if !ok {
		t.Fatalf("the listed origin was not asked for %s: %v", toListed, seen)
	}
	if h.Get("Authorization") != "" || strings.Contains(h.Get("Cookie"), sid) || strings.Contains(h.Get("Cookie"), "set-by-the-site") {
		t.Errorf("the session or the site's cookie went to another origin: Authorization %q, Cookie %q", h.Get("Authorization"), h.Get("Cookie"))
	}
}

// runConfig runs `gmvscope run` on the demo source with cfg (a siteConfig)
// and opens its store.
func runConfig(t *testing.T, m *testMain, cfg string) (int, *store.DB) {
	t.Helper()
	code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"})
	s, err := store.Open(t.Context(), filepath.Join(filepath.Dir(cfg), "gmvscope.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return code, s
}
