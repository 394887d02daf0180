package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// ReportCommand writes the report of a stored snapshot.
type ReportCommand struct {
	m        *Main
	where    where
	snapshot int64
	source   string
}

// ParseFlags reads the report flags.
func (c *ReportCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("report", "report [--snapshot ID | --source NAME] [--lang TAG] [--config FILE] [--db FILE] [--out DIR]\n\n"+
		"Write a stored snapshot's report (the newest of --source, or of all sources), after any\n"+
		"report a crashed run left unwritten.", "gmvscope report --source demo")
	c.where.add(fs)
	c.where.addLang(fs)
	fs.Int64Var(&c.snapshot, "snapshot", 0, "the snapshot `ID` (default: the newest of --source, or the newest of all)")
	fs.StringVar(&c.source, "source", "", "report the newest snapshot of source `NAME`")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return fs.noArgs(pos)
}

// Run writes the report and prints its path.
func (c *ReportCommand) Run(ctx context.Context) error {
	cfg, p, err := c.m.openStored(ctx, c.where, c.source)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	id := c.snapshot
	if id == 0 {
		var sources []string
		if c.source != "" {
			sources = append(sources, c.source)
		}
		written, err := p.MissingReports(ctx, sources...)
		var ids []int64
		for _, w := range written {
			c.m.printReport(w)
			ids = append(ids, w.Snapshot)
		}
		if err != nil {
			return err
		}
		if id, err = p.Store.LatestSnapshot(ctx, c.source); errors.Is(err, sql.ErrNoRows) {
			what := "any source"
			if c.source != "" {
				what = c.source
			}
			return fmt.Errorf("no snapshot of %s in %s yet (run gmvscope run or demo first)", what, cfg.Store)
		} else if err != nil {
			return err
		}
		if slices.Contains(ids, id) {
			return nil
		}
	}
	path, err := p.Report(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	return nil
}
