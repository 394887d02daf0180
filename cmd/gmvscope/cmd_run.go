package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gmvscope/config"
	"gmvscope/internal/suggest"
)

// RunCommand crawls sources and, unless it is the crawl command, writes reports.
type RunCommand struct {
	m       *Main
	report  bool
	where   where
	sources stringList
	resume  bool
}

func (c *RunCommand) name() string {
	if c.report {
		return "run"
	}
	return "crawl"
}

// ParseFlags reads the run flags.
func (c *RunCommand) ParseFlags(args []string) error {
	name := c.name()
	what := "crawl the sources, store their snapshots and write their reports"
	if !c.report {
		what = "crawl the sources and store their snapshots, without reports"
	}
	fs := c.m.newFlags(name, name+" [--source NAME]... [--lang TAG] [--config FILE] [--db FILE] [--out DIR] [--resume]\n\n"+strings.ToUpper(what[:1])+what[1:]+
		". Without --source, every enabled source but the sample one.", "gmvscope "+name+" --source demo --config config.yaml")
	c.where.add(fs)
	c.where.addLang(fs)
	fs.Var(&c.sources, "source", "the source `NAME` to crawl (repeatable or comma-separated; default: every enabled source)")
	fs.BoolVar(&c.resume, "resume", false, "only resume unfinished runs (an unfinished run is always resumed before a new one starts)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return fs.noArgs(pos)
}

// Run crawls each source in turn. Every source name is checked before the
// first crawl; a failed source does not stop the others, and the error
// names every source that failed.
func (c *RunCommand) Run(ctx context.Context) error {
	cfg, err := c.m.loadConfig(c.where)
	if err != nil {
		return err
	}
	srcs, err := pick(cfg, c.sources)
	if err != nil {
		return err
	}
	if c.report {
		if err := checkAssets(); err != nil {
			return err
		}
	}
	p, err := c.m.open(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	var errs, partial []error
	for _, src := range srcs {
		if c.report {
			// A report lost to a crash after its snapshot was stored.
			written, err := p.MissingReports(ctx, src.Name)
			for _, w := range written {
				c.m.printReport(w)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		res, err := p.Crawl(ctx, src, c.resume)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if err := res.Err(); err != nil {
			partial = append(partial, err)
		}
		if !c.report {
			fmt.Fprintf(c.m.Stdout, "snapshot %d of %s (%s)\n", res.SnapshotID, src.Name, res.Status)
			continue
		}
		w, err := p.Publish(ctx, res)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.m.printReport(w)
	}
	return errors.Join(append(errs, partial...)...)
}

// pick returns the named sources, or every enabled one, after checking
// every name: nothing is crawled when one is wrong.
func pick(cfg *config.Config, names []string) ([]*config.Source, error) {
	var out []*config.Source
	if len(names) == 0 {
		for i := range cfg.Sources {
			if cfg.Sources[i].IsEnabled() {
				out = append(out, &cfg.Sources[i])
			}
		}
		if len(out) == 0 {
			return nil, &UsageError{Msg: "no enabled sources to run in " + cfg.File,
				Hint: "Use gmvscope demo for the sample market, or name a source with --source."}
		}
		return out, nil
	}
	var bad []string
	for _, n := range names {
		s, err := cfg.Source(n)
		if err != nil {
			q := fmt.Sprintf("%q", n)
			if c := suggest.Closest(n, cfg.Names()); c != "" {
				q += fmt.Sprintf(" (did you mean %s?)", c)
			}
			bad = append(bad, q)
			continue
		}
		out = append(out, s)
	}
	if len(bad) > 0 {
		return nil, &UsageError{Msg: fmt.Sprintf("no source %s in %s; nothing was crawled", strings.Join(bad, ", "), cfg.File),
			Hint: "Sources: " + strings.Join(cfg.Names(), ", ") + "."}
	}
	return out, nil
}
