package main

import (
	"context"
	"fmt"
	"strconv"
)

// ReparseCommand rebuilds a run's snapshot from its stored pages with the
// current config, without the network: for when a site changed its markup
// and the selectors were fixed.
type ReparseCommand struct {
	m     *Main
	where where
	run   int64
	noRep bool
}

// ParseFlags reads the reparse flags.
func (c *ReparseCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("reparse", "reparse RUN [--config FILE] [--db FILE] [--out DIR] [--no-report]\n\n"+
		"Read every stored page of run RUN again with the current config, into a new run and snapshot, without\n"+
		"the network (after fixing a selector). Run ids are in the store's runs table and in the log.", "gmvscope reparse 12")
	c.where.add(fs)
	fs.BoolVar(&c.noRep, "no-report", false, "store the snapshot without writing its report")
	runs, err := fs.parse(args)
	if err != nil {
		return err
	}
	hint := `Run "gmvscope reparse --help" for its flags.`
	if len(runs) != 1 {
		return &UsageError{Msg: "reparse takes one RUN id (see the runs table, or gmvscope's log)", Hint: hint}
	}
	id, err := strconv.ParseInt(runs[0], 10, 64)
	if err != nil || id < 1 {
		return &UsageError{Msg: fmt.Sprintf("RUN must be a run id, not %q", runs[0]), Hint: hint}
	}
	c.run = id
	return nil
}

// Run re-extracts every stored page of the run into a new run and snapshot.
func (c *ReparseCommand) Run(ctx context.Context) error {
	cfg, err := c.m.loadConfig(c.where)
	if err != nil {
		return err
	}
	if !c.noRep {
		if err := checkAssets(); err != nil {
			return err
		}
	}
	p, err := c.m.open(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	res, err := p.Reparse(ctx, c.run)
	fmt.Fprintf(c.m.Stdout, "run %d: the stored pages of run %d re-read: %d records, %d rejects\n", res.RunID, c.run, res.Stats.Records, res.Stats.Rejects)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "snapshot %d of %s\n", res.SnapshotID, res.Source)
	if !c.noRep {
		path, err := p.Report(ctx, res.SnapshotID)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	}
	return res.Err()
}
