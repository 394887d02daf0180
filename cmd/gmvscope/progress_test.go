package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestETA(t *testing.T) {
	for _, tc := range []struct {
		done, queued int
		elapsed      time.Duration
		rate         float64
		left         time.Duration
		ok           bool
	}{
		{0, 10, time.Minute, 0, 0, false},
		{10, 0, 0, 0, 0, false},
		{100, 50, 50 * time.Second, 2, 25 * time.Second, true},
		{3, 3600, time.Hour, 3.0 / 3600, 1200 * time.Hour, true}, // a polite crawl of a large site
	} {
		rate, left, ok := eta(tc.done, tc.queued, tc.elapsed)
		if rate != tc.rate || left != tc.left || ok != tc.ok {
			t.Errorf("eta(%d, %d, %s) = %v, %s, %v; want %v, %s, %v", tc.done, tc.queued, tc.elapsed, rate, left, ok, tc.rate, tc.left, tc.ok)
		}
	}
}

func TestLogger(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	var buf bytes.Buffer
	log, err := newLogger(&buf, env(map[string]string{"GMVSCOPE_LOG": "warn", "GMVSCOPE_LOG_FORMAT": "json"}))
	if err != nil {
		t.Fatal(err)
	}
	log.Info("page", "url", "https://x.example/a")
	log.Warn("page failed", "url", "https://x.example/b", "reason", "HTTP 500")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "page failed" || line["reason"] != "HTTP 500" {
		t.Errorf("want only the warning, as one JSON line: %q (%v)", buf.String(), err)
	}
	for _, bad := range []map[string]string{{"GMVSCOPE_LOG": "loud"}, {"GMVSCOPE_LOG_FORMAT": "xml"}} {
		if _, err := newLogger(&buf, env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
