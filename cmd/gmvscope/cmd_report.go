package main

import (
	"context"
	"fmt"
	"slices"
)

// ReportCommand writes the report of a stored snapshot.
type ReportCommand struct {
	m        *Main
	config   string
	snapshot int64
	source   string
	db, out  string
}

// ParseFlags reads the report flags.
func (c *ReportCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("report", "report [--snapshot ID | --source NAME]")
	fs.StringVar(&c.config, "config", "config.yaml", "config file (for the store and output paths)")
	fs.Int64Var(&c.snapshot, "snapshot", 0, "snapshot id (default: the newest of --source, or the newest of all)")
	fs.StringVar(&c.source, "source", "", "report the newest snapshot of this source")
	storeFlags(fs, &c.db, &c.out)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("report takes no arguments, got %q", fs.Args())}
	}
	return nil
}

// Run writes the report and prints its path.
func (c *ReportCommand) Run(ctx context.Context) error {
	cfg, db, err := loadWithStore(ctx, c.config, c.db, c.out)
	if err != nil {
		return err
	}
	defer db.Close()
	id := c.snapshot
	if id == 0 {
		var sources []string
		if c.source != "" {
			sources = append(sources, c.source)
		}
		written, err := c.m.writeMissingReports(ctx, db, cfg.Output, sources...)
		if err != nil {
			return err
		}
		if id, err = db.LatestSnapshot(ctx, c.source); err != nil {
			return fmt.Errorf("no snapshot to report (run gmvscope run or demo first): %w", err)
		}
		if slices.Contains(written, id) {
			return nil
		}
	}
	path, err := c.m.writeReport(ctx, db, cfg.Output, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	return nil
}
