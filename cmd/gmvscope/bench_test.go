package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gmvscope/demo"
)

// BenchmarkCrawlPipeline crawls the 20,000-creator sample market (leaderboard
// and profile pages) through the whole pipeline into a fresh store per
// iteration. bench/crawl.sh compares it with a plain pool, out of process.
func BenchmarkCrawlPipeline(b *testing.B) {
	mk := demo.New(demo.Config{Creators: 20000})
	srv, err := mk.Serve()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close(b.Context())
	text, err := os.ReadFile("../../bench/config.yaml")
	if err != nil {
		b.Fatal(err)
	}
	pages := 0
	for i := 0; b.Loop(); i++ {
		dir := b.TempDir()
		cfgText := strings.Replace(string(text), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL, 1)
		cfg, err := ParseConfig("bench.yaml", []byte(cfgText))
		if err != nil {
			b.Fatal(err)
		}
		db, err := openStore(b.Context(), filepath.Join(dir, "g.db"))
		if err != nil {
			b.Fatal(err)
		}
		m := newTestMain()
		src, _ := cfg.Source("demo")
		res, err := m.crawlSource(b.Context(), cfg, src, db, false)
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		pages += res.Stats.Fetched
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}
