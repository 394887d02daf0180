package main

import (
	"context"
	"errors"
	"fmt"

	"gmvscope/market"
)

// RunCommand crawls sources and, unless it is the crawl command, writes reports.
type RunCommand struct {
	m       *Main
	report  bool
	config  string
	sources stringList
	resume  bool
}

// ParseFlags reads the run flags.
func (c *RunCommand) ParseFlags(args []string) error {
	name := "crawl"
	if c.report {
		name = "run"
	}
	fs := c.m.newFlags(name, name+" [--config FILE] [--source NAME]...")
	fs.StringVar(&c.config, "config", "config.yaml", "config file")
	fs.Var(&c.sources, "source", "source to crawl (repeatable or comma-separated; default: all)")
	fs.BoolVar(&c.resume, "resume", false, "only resume unfinished runs (an unfinished run is always resumed before a new one starts)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("%s takes no arguments, got %q", name, fs.Args())}
	}
	return nil
}

// Run crawls each source in turn. A failed source does not stop the others;
// the error names every source that failed.
func (c *RunCommand) Run(ctx context.Context) error {
	cfg, err := LoadConfig(c.config)
	if err != nil {
		return err
	}
	names := c.sources
	if len(names) == 0 {
		for _, s := range cfg.Sources {
			if !s.Sample && (s.Enabled == nil || *s.Enabled) {
				names = append(names, s.Name)
			}
		}
		if len(names) == 0 {
			return &UsageError{Msg: "no enabled sources to run: use gmvscope demo for the sample market, or --source NAME"}
		}
	}
	db, err := openStore(ctx, cfg.Store)
	if err != nil {
		return err
	}
	defer db.Close()
	var errs, partial []error
	for _, name := range names {
		src, err := cfg.Source(name)
		if err != nil {
			return &UsageError{Msg: err.Error()}
		}
		if c.report {
			// A report lost to a crash after its snapshot was stored.
			if _, err := c.m.writeMissingReports(ctx, db, cfg.Output, name); err != nil {
				errs = append(errs, err)
			}
		}
		res, err := c.m.crawlSource(ctx, cfg, src, db, c.resume)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if res.Status == market.RunPartial {
			partial = append(partial, fmt.Errorf("%w: run %d of %s: %s; snapshot %d kept, its report says what is missing",
				ErrPartial, res.RunID, name, res.Reason, res.SnapshotID))
		}
		if c.report {
			path, err := c.m.writeReport(ctx, db, cfg.Output, res.SnapshotID)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
		} else {
			fmt.Fprintf(c.m.Stdout, "snapshot %d of %s (%s)\n", res.SnapshotID, name, res.Status)
		}
	}
	if len(errs) > 0 {
		return errors.Join(append(errs, partial...)...)
	}
	return errors.Join(partial...)
}
