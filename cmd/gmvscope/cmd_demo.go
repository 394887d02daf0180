package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"gmvscope/demo"
)

// DemoCommand serves the sample market, crawls it and writes the report.
type DemoCommand struct {
	m        *Main
	where    where
	creators int
	seed     uint64
	week     int
	truth    string
	serve    bool
	chaos    float64
	faults   string
}

// ParseFlags reads the demo flags.
func (c *DemoCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("demo", "demo [--creators N] [--seed S] [--week N] [--chaos RATE] [--truth FILE] [--serve] [--lang TAG] [--config FILE] [--db FILE] [--out DIR]\n\n"+
		"Serve the bundled sample market on 127.0.0.1, crawl it over HTTP into a snapshot and write its report.\n"+
		"The config's demo source is used; without a config, the one built into gmvscope.", "gmvscope demo --creators 20000")
	c.where.add(fs)
	c.where.addLang(fs)
	fs.IntVar(&c.creators, "creators", 2000, "`N` creators in the sample market, 1 to 600000")
	fs.Uint64Var(&c.seed, "seed", 1, "the sample market's `SEED`; the same seed gives the same market")
	fs.IntVar(&c.week, "week", 1, "serve `WEEK` 1, 2, ... of the same market: creators grow or fade, some enter the leaderboard and some drop out")
	fs.StringVar(&c.truth, "truth", "", "also write the market's exact ground truth as JSON to `FILE`")
	fs.BoolVar(&c.serve, "serve", false, "only serve the sample market and print its URL, until interrupted")
	fs.Float64Var(&c.chaos, "chaos", 0, "serve this share (`RATE`, 0 to 1) of requests with seeded faults of every kind: errors, resets, walls, empty pages, bombs")
	fs.StringVar(&c.faults, "faults", "", "with --chaos, only these `FAULTS` (comma-separated: "+faultNames()+")")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.noArgs(pos); err != nil {
		return err
	}
	hint := `Run "gmvscope demo --help" for its flags.`
	if _, err := demo.ParseFaults(c.faults); err != nil {
		return &UsageError{Msg: "--faults: " + err.Error(), Hint: hint}
	}
	if c.week < 1 || c.week > 520 {
		return &UsageError{Msg: "--week must be between 1 and 520", Hint: hint}
	}
	if c.creators < 1 || c.creators > 600000 {
		return &UsageError{Msg: "--creators must be between 1 and 600000", Hint: hint}
	}
	if !(c.chaos >= 0 && c.chaos <= 1) {
		return &UsageError{Msg: "--chaos must be a share between 0 and 1, such as 0.2", Hint: hint}
	}
	return nil
}

// Run serves, crawls and reports.
func (c *DemoCommand) Run(ctx context.Context) error {
	mk := demo.New(demo.Config{Creators: c.creators, Seed: c.seed, Week: c.week})
	if c.truth != "" {
		if err := writeTruth(mk, c.truth); err != nil {
			return err
		}
	}
	var h http.Handler = mk.Handler()
	if c.chaos > 0 {
		faults, _ := demo.ParseFaults(c.faults) // checked by ParseFlags
		h = &demo.Chaos{Market: mk, Seed: c.seed, Rate: c.chaos, Faults: faults}
	}
	if c.serve {
		srv, err := demo.Serve(h)
		if err != nil {
			return err
		}
		defer closeServer(ctx, srv)
		if c.chaos > 0 {
			fmt.Fprintf(c.m.Stdout, "sample market (%d creators, week %d, faults on %g%% of requests) at %s\n", c.creators, c.week, 100*c.chaos, srv.URL)
		} else {
			fmt.Fprintf(c.m.Stdout, "sample market (%d creators, week %d) at %s\n", c.creators, c.week, srv.URL)
		}
		<-ctx.Done()
		return nil
	}
	cfg, err := c.m.loadOrBuiltIn(c.where)
	if err != nil {
		return err
	}
	src, err := cfg.Source("demo")
	if err != nil {
		return fmt.Errorf("%s has no source named demo, the sample market's: %w", cfg.File, err)
	}
	if err := checkAssets(); err != nil {
		return err
	}
	srv, err := demo.Serve(h)
	if err != nil {
		return err
	}
	defer closeServer(ctx, srv)
	if err := src.Rebase(srv.URL); err != nil {
		return err
	}
	p, err := c.m.open(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	written, err := p.MissingReports(ctx, src.Name)
	for _, w := range written {
		c.m.printReport(w)
	}
	if err != nil {
		return err
	}
	res, err := p.Crawl(ctx, src, false)
	if err != nil {
		return err
	}
	w, err := p.Publish(ctx, res)
	if err != nil {
		return err
	}
	c.m.printReport(w)
	return res.Err()
}

func writeTruth(mk *demo.Market, path string) error {
	f, err := os.Create(path)
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
	return nil
}

func closeServer(ctx context.Context, srv *demo.Server) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	srv.Close(sctx)
}

func faultNames() string {
	var names []string
	for _, f := range demo.Faults {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}
