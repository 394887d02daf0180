package main

import (
	"context"
	"gmvscope/config"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"gmvscope/crawl"
	"gmvscope/demo"
	"gmvscope/market"
	"gmvscope/parse"
	"gmvscope/store"
)

var benchDec, _ = zstd.NewReader(nil)

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
		cfg, err := config.Parse("bench.yaml", []byte(cfgText), nil)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Store = filepath.Join(dir, "g.db")
		m := newTestMain()
		p, err := m.open(b.Context(), cfg, true)
		if err != nil {
			b.Fatal(err)
		}
		src, _ := cfg.Source("demo")
		res, err := p.Crawl(b.Context(), src, false)
		p.Store.Close()
		if err != nil {
			b.Fatal(err)
		}
		pages += res.Stats.Fetched
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}

// crawled is one crawl of the 20,000-creator market, captured once per
// test binary for the component benchmarks below.
type crawled struct {
	cfg     *config.Config
	src     *config.Source
	batches [][]market.PageResult
	bodies  []parse.Input // every fetched page, decompressed
	kinds   []string
}

var (
	crawlOnce sync.Once
	crawlData crawled
	crawlErr  error
)

func capturedCrawl(b *testing.B) crawled {
	b.Helper()
	crawlOnce.Do(func() {
		mk := demo.New(demo.Config{Creators: 20000})
		srv, err := mk.Serve()
		if err != nil {
			crawlErr = err
			return
		}
		defer srv.Close(context.Background())
		text, err := os.ReadFile("../../bench/config.yaml")
		if err != nil {
			crawlErr = err
			return
		}
		cfg, err := config.Parse("bench.yaml", []byte(strings.Replace(string(text), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL, 1)), nil)
		if err != nil {
			crawlErr = err
			return
		}
		src, _ := cfg.Source("demo")
		dir, err := os.MkdirTemp("", "gmvscope-bench-")
		if err != nil {
			crawlErr = err
			return
		}
		defer os.RemoveAll(dir)
		db, err := store.Open(context.Background(), filepath.Join(dir, "g.db"))
		if err != nil {
			crawlErr = err
			return
		}
		defer db.Close()
		ctx := context.Background()
		runID, err := db.BeginRun(ctx, src.Name, clock, src.StartLinks())
		if err != nil {
			crawlErr = err
			return
		}
		cr := crawl.New(src.CrawlOptions(cfg.UserAgent, nil), src.Extractors(), db)
		cr.OnCommit = func(batch []market.PageResult) {
			crawlData.batches = append(crawlData.batches, batch)
		}
		if _, crawlErr = cr.Run(ctx, runID); crawlErr != nil {
			return
		}
		for _, batch := range crawlData.batches {
			for _, r := range batch {
				body, err := benchDec.DecodeAll(r.Page.Compressed, nil)
				if err != nil {
					crawlErr = err
					return
				}
				u, _ := url.Parse(r.Page.URL)
				crawlData.bodies = append(crawlData.bodies, parse.Input{URL: u, Body: body})
				crawlData.kinds = append(crawlData.kinds, r.Page.Kind)
			}
		}
		crawlData.cfg, crawlData.src = cfg, src
	})
	if crawlErr != nil {
		b.Fatal(crawlErr)
	}
	return crawlData
}

// BenchmarkStoreCrawl is the writer's share of a crawl: the 20,400 pages of
// one crawl committed in its batches into a fresh store, then the run
// finished with its snapshot. One op is one whole crawl.
func BenchmarkStoreCrawl(b *testing.B) {
	c := capturedCrawl(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		db, err := store.Open(ctx, filepath.Join(dir, "g.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		runID, err := db.BeginRun(ctx, c.src.Name, clock, c.src.StartLinks())
		if err != nil {
			b.Fatal(err)
		}
		var as market.Assembler
		for _, batch := range c.batches {
			if err := db.CommitBatch(ctx, runID, batch); err != nil {
				b.Fatal(err)
			}
			for _, r := range batch {
				for _, rec := range r.Records {
					as.AddFrom(rec, r.Page.URL, r.Page.Kind)
				}
			}
		}
		snap := &market.Draft{Source: c.cfg.Info(c.src), Merged: &as}
		if _, err := db.FinishRun(ctx, runID, market.RunOK, "", clock, "{}", snap); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkExtractCrawl is the workers' parsing share of a crawl: every
// page of one crawl run through its extractor and compressed for storage.
// One op is one whole crawl.
func BenchmarkExtractCrawl(b *testing.B) {
	c := capturedCrawl(b)
	for b.Loop() {
		for i, in := range c.bodies {
			out := c.src.Extractors()[c.kinds[i]].Extract(in)
			if len(out.Records) == 0 {
				b.Fatalf("%s: no records", in.URL)
			}
			_ = crawl.Compress(in.Body)
		}
	}
}
