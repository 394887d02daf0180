package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
)

// TestSessionFromEnvironment: a site that needs a token and a cookie gets
// them from environment variables named in config, and the secrets appear
// nowhere: not in the store, the report or the logs.
func TestSessionFromEnvironment(t *testing.T) {
	const token, cookie = "Bearer s3cr3t-t0ken-XYZ", "c00kie-v4lue-QRS"
	mk := demo.New(demo.Config{Creators: 100})
	var refused int
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sid")
		if r.URL.Path != "/robots.txt" && (r.Header.Get("Authorization") != token || err != nil || c.Value != cookie) {
			refused++
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, db := siteConfig(t, srv.URL)
	text, _ := os.ReadFile(cfg)
	withSession := strings.Replace(string(text), "    period: 28d            # the leaderboard's GMV covers the last 28 days",
		"    period: 28d\n    session:\n      headers: {Authorization: SHOP_TOKEN}\n      cookies: {sid: SHOP_SID}", 1)
	if withSession == string(text) {
		t.Fatal("could not add a session to the config")
	}
	os.WriteFile(cfg, []byte(withSession), 0o644)

	m := newTestMain()
	m.Getenv = testkit.Env{}.Get
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitError || !strings.Contains(m.errs.String(), "environment variable SHOP_") {
		t.Fatalf("without the variables: exit %d: %s", code, m.errs)
	}
	m = newTestMain()
	m.Getenv = testkit.Env{"SHOP_TOKEN": token, "SHOP_SID": cookie}.Get
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != 0 || refused != 0 {
		t.Fatalf("with the session: exit %d, %d requests refused: %s", code, refused, m.errs)
	}
	var leaks []string
	filepath.Walk(filepath.Dir(db), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "c00kie") {
				leaks = append(leaks, p)
			}
		}
		return nil
	})
	if out := m.out.String() + m.errs.String(); strings.Contains(out, "s3cr3t") || strings.Contains(out, "c00kie") {
		leaks = append(leaks, "output")
	}
	if len(leaks) > 0 {
		t.Errorf("the session's secrets leaked into %v", leaks)
	}
}
