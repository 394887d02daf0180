package schedule

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gmvscope/config"
	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/pipeline"
	"gmvscope/store"
)

// TestDaemon runs the daemon on a test clock over the sample market: an
// hourly source is crawled on schedule, each run stores a snapshot and
// writes its report, and /metrics and /healthz say how the last run went
// and when the next is due.
func TestDaemon(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 100})
	srv := testkit.Serve(t, mk.Handler())
	text, err := os.ReadFile("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgText := strings.Replace(string(text), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL+"\n    cron: \"@every 1h\"", 1)
	cfgText = strings.Replace(cfgText, "output: output ", "output: "+dir+" ", 1)
	cfg, err := config.Parse("daemon.yaml", []byte(cfgText), nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	crawlClock := testkit.NewClock(testkit.Day)
	sched := &settled{Clock: testkit.NewClock(testkit.Day)}
	d := &Daemon{Store: db, Clock: sched, New: func(c *config.Config) *pipeline.Pipeline {
		return &pipeline.Pipeline{Config: c, Store: db, Now: crawlClock.Now, Clock: crawlClock, Owner: "test:1"}
	}}
	d.Load(cfg)
	sched.s = d.sched
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, "") }()
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; n < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("%d scheduled runs in 20s of real time", n)
		}
		time.Sleep(20 * time.Millisecond)
		db.SQL().QueryRow(`SELECT count(*) FROM runs WHERE status = 'ok'`).Scan(&n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var bad int
	db.SQL().QueryRow(`SELECT count(*) FROM runs WHERE status != 'ok'`).Scan(&bad)
	if bad != 0 {
		t.Errorf("%d runs did not end ok", bad)
	}
	if _, err := os.Stat(filepath.Join(dir, "reports", "latest", "demo", "index.html")); err != nil {
		t.Errorf("no latest report: %v", err)
	}
	get := func(path string) string {
		rec := httptest.NewRecorder()
		d.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	metrics := get("/metrics")
	for _, want := range []string{`gmvscope_last_run_status{source="demo",status="ok"} 1`, `gmvscope_last_run_status{source="demo",status="failed"} 0`,
		`gmvscope_last_run_pages{outcome="failed",source="demo"} 0`, `gmvscope_next_run_timestamp_seconds{source="demo"}`,
		`gmvscope_last_good_snapshot_timestamp_seconds{source="demo"}`, `gmvscope_last_run_duration_seconds{source="demo"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var health struct {
		Status  string
		Sources []struct {
			Name   string
			Status string
		}
	}
	if err := json.Unmarshal([]byte(get("/healthz")), &health); err != nil || health.Status != "ok" || len(health.Sources) != 1 || health.Sources[0].Status != "ok" {
		t.Errorf("/healthz: %+v %v", health, err)
	}
}
