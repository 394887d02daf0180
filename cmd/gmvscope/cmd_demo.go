package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"gmvscope/demo"
	"gmvscope/market"
)

// DemoCommand serves the sample market, crawls it and writes the report.
type DemoCommand struct {
	m        *Main
	config   string
	creators int
	seed     uint64
	db       string
	out      string
	truth    string
	serve    bool
	chaos    float64
}

// ParseFlags reads the demo flags.
func (c *DemoCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("demo", "demo [flags]")
	fs.StringVar(&c.config, "config", "config.yaml", "config file whose source named demo is crawled")
	fs.IntVar(&c.creators, "creators", 2000, "creators in the sample market (up to 600000 for benchmarks)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the sample market; the same seed gives the same market")
	storeFlags(fs, &c.db, &c.out)
	fs.StringVar(&c.truth, "truth", "", "also write the market's exact ground truth as JSON to this file")
	fs.BoolVar(&c.serve, "serve", false, "only serve the sample market and print its URL, until interrupted")
	fs.Float64Var(&c.chaos, "chaos", 0, "serve this share of requests (0 to 1) with seeded faults of every kind: errors, resets, walls, empty pages, bombs")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("demo takes no arguments, got %q", fs.Args())}
	}
	if c.creators < 1 || c.creators > 600000 {
		return &UsageError{Msg: "--creators must be between 1 and 600000"}
	}
	if !(c.chaos >= 0 && c.chaos <= 1) {
		return &UsageError{Msg: "--chaos must be a share between 0 and 1, such as 0.2"}
	}
	return nil
}

// Run serves, crawls and reports.
func (c *DemoCommand) Run(ctx context.Context) error {
	mk := demo.New(demo.Config{Creators: c.creators, Seed: c.seed})
	if c.truth != "" {
		f, err := os.Create(c.truth)
		if err != nil {
			return fmt.Errorf("write truth: %w", err)
		}
		if err := mk.WriteTruth(f); err != nil {
			f.Close()
			return fmt.Errorf("write truth: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write truth: %w", err)
		}
	}
	var h http.Handler = mk.Handler()
	if c.chaos > 0 {
		h = &demo.Chaos{Market: mk, Seed: c.seed, Rate: c.chaos}
	}
	srv, err := demo.Serve(h)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Close(sctx)
	}()
	if c.serve {
		if c.chaos > 0 {
			fmt.Fprintf(c.m.Stdout, "sample market (%d creators, faults on %g%% of requests) at %s\n", c.creators, 100*c.chaos, srv.URL)
		} else {
			fmt.Fprintf(c.m.Stdout, "sample market (%d creators) at %s\n", c.creators, srv.URL)
		}
		<-ctx.Done()
		return nil
	}
	cfg, db, err := loadWithStore(ctx, c.config, c.db, c.out)
	if err != nil {
		return err
	}
	defer db.Close()
	src, err := cfg.Source("demo")
	if err != nil {
		return err
	}
	src.AllowedHosts = nil // the live server's own origin
	if err := src.Rebase(srv.URL); err != nil {
		return err
	}
	if _, err := c.m.writeMissingReports(ctx, db, cfg.Output, src.Name); err != nil {
		return err
	}
	res, err := c.m.crawlSource(ctx, cfg, src, db, false)
	if err != nil && res.SnapshotID == 0 {
		return err
	}
	path, rerr := c.m.writeReport(ctx, db, cfg.Output, res.SnapshotID)
	if rerr != nil {
		return rerr
	}
	fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	if err == nil && res.Status == market.RunPartial {
		err = fmt.Errorf("%w: run %d of %s: %s; the report says what is missing", ErrPartial, res.RunID, src.Name, res.Reason)
	}
	return err
}
