package main

import (
	"context"
	"fmt"

	"gmvscope/config"
)

// PruneCommand drops the bodies of old raw pages.
type PruneCommand struct {
	m     *Main
	where where
	older config.Duration
	set   bool
}

// durationFlag is a flag holding a config.Duration (90d, 36h).
type durationFlag struct {
	d   *config.Duration
	set *bool
}

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.D().String()
}

func (f durationFlag) Set(v string) error {
	if err := f.d.UnmarshalText([]byte(v)); err != nil {
		return err
	}
	*f.set = true
	return nil
}

// ParseFlags reads the prune flags.
func (c *PruneCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("prune", "prune [--older-than AGE] [--config FILE] [--db FILE]\n\n"+
		"Drop the raw bodies of pages fetched before AGE ago (default: the config's schedule.keep_pages). Every\n"+
		"page row, snapshot, record and reject stays; only re-reading those pages (reparse) is no longer possible.",
		"gmvscope prune --older-than 90d")
	c.where.add(fs)
	fs.Var(durationFlag{&c.older, &c.set}, "older-than", "prune pages older than `AGE`, such as 90d or 36h")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return fs.noArgs(pos)
}

// Run prunes.
func (c *PruneCommand) Run(ctx context.Context) error {
	cfg, err := c.m.loadConfig(c.where)
	if err != nil {
		return err
	}
	keep := c.older
	if !c.set {
		keep = cfg.Schedule.KeepPages
	}
	if keep.D() <= 0 {
		return &UsageError{Msg: "nothing to prune: give --older-than, or set schedule.keep_pages in the config", Hint: `Run "gmvscope prune --help" for its flags.`}
	}
	p, err := c.m.open(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	now := c.m.Now()
	n, bytes, err := p.Store.Prune(ctx, now.Add(-keep.D()), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "pruned %d pages (%d bytes) fetched before %s\n", n, bytes, now.Add(-keep.D()).UTC().Format("2006-01-02 15:04 MST"))
	return nil
}
