package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/parse"
	"gmvscope/pipeline"
)

// TestProgressLines: off a terminal, the progress line every five seconds
// keeps its values' types in JSON (a rate is a number) and claims no
// time left it cannot know; the listing's size read from its pages is in it.
func TestProgressLines(t *testing.T) {
	var buf bytes.Buffer
	clk := testkit.NewClock(testkit.Day)
	log, _ := newLogger(&buf, testkit.Env{"GMVSCOPE_LOG_FORMAT": "json"}.Get)
	m := &Main{Stderr: &buf, Now: clk.Now, Log: log}
	src := &config.Source{Name: "demo", Pages: map[string]parse.PageSpec{"leaderboard": {}, "profile": {Follow: []parse.LinkSpec{{Kind: "product"}}}}}
	p := m.progress(src)
	recs := make([]market.Record, 50)
	p.Page(market.PageResult{Page: market.Page{Kind: "leaderboard", Listing: market.Listing{Total: 2000, Page: 1}}, Records: recs})
	clk.Advance(10 * time.Second)
	p.Update(crawl.Stats{Fetched: 25, Queued: 75})
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%q: %v", buf.String(), err)
	}
	if line["msg"] != "crawl progress" || line["pages_per_s"] != 2.5 || line["done"] != 25.0 || line["listings"] != "leaderboard 1 of 40" || line["left"] != nil {
		t.Errorf("progress line %v", line)
	}
}

// TestProgressTerminal: on a terminal a source that follows links gets a
// counter (its size is not known), and the run ends with one summary line.
func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	clk := testkit.NewClock(testkit.Day)
	m := &Main{Stderr: &buf, Now: clk.Now, Terminal: true, Log: slog.New(slog.DiscardHandler)}
	src := &config.Source{Name: "demo", Pages: map[string]parse.PageSpec{"profile": {Follow: []parse.LinkSpec{{Kind: "product"}}}}}
	p := m.progress(src)
	p.Update(crawl.Stats{Fetched: 10, Failed: 1, Queued: 5})
	p.Finish(pipeline.Result{Source: "demo", SnapshotID: 3, Status: market.RunPartial, Took: 1500 * time.Millisecond,
		Stats: crawl.Stats{Fetched: 2538, Failed: 1, Records: 4499, Rejects: 27}})
	out := buf.String()
	if want := "demo: 2,539 pages (1 failed), 4,499 records, 27 rejects in 1.5s; snapshot 3 (partial)\n"; !strings.HasSuffix(out, want) {
		t.Errorf("terminal output ends %q, want %q", out[max(0, len(out)-120):], want)
	}
	if strings.Contains(out, "left") {
		t.Errorf("a counter claims a time left: %q", out)
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
