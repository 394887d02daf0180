package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// ReparseCommand rebuilds a run's snapshot from its stored pages with the
// current config, without the network: for when a site changed its markup
// and the selectors were fixed.
type ReparseCommand struct {
	m       *Main
	config  string
	db, out string
	run     int64
	noRep   bool
}

// ParseFlags reads the reparse flags.
func (c *ReparseCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("reparse", "reparse RUN [--config FILE]")
	fs.StringVar(&c.config, "config", "config.yaml", "config whose extractors read the stored pages")
	storeFlags(fs, &c.db, &c.out)
	fs.BoolVar(&c.noRep, "no-report", false, "store the snapshot without writing its report")
	runs, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(runs) != 1 {
		return &UsageError{Msg: "reparse takes one RUN id (see the runs table, or gmvscope's log)"}
	}
	id, err := strconv.ParseInt(runs[0], 10, 64)
	if err != nil || id < 1 {
		return &UsageError{Msg: fmt.Sprintf("RUN must be a run id, not %q", runs[0])}
	}
	c.run = id
	return nil
}

// Run re-extracts every stored page of the run into a new run and snapshot.
func (c *ReparseCommand) Run(ctx context.Context) error {
	cfg, db, err := loadWithStore(ctx, c.config, c.db, c.out)
	if err != nil {
		return err
	}
	defer db.Close()
	name, _, err := db.RunSource(ctx, c.run)
	if err != nil {
		return err
	}
	src, err := cfg.Source(name)
	if err != nil {
		return err
	}
	newRun, err := db.BeginRun(ctx, src.Name, c.m.Now(), nil)
	if err != nil {
		return err
	}
	var as market.Assembler
	var batch []market.PageResult
	pages, failed, records, rejects := 0, 0, 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := db.CommitBatch(ctx, newRun, batch); err != nil {
			return err
		}
		for _, r := range batch {
			for _, rec := range r.Records {
				as.Add(rec, r.Page.URL)
			}
		}
		batch = batch[:0]
		return nil
	}
	err = db.EachPage(ctx, c.run, func(p market.Page, body []byte) error {
		res := market.PageResult{Page: p}
		pages++
		ex := src.extractors[p.Kind]
		// A page that arrived but was not a good page of its kind (no rows,
		// a field missing) is read again: the fixed config may read it.
		// Walls stay walls, and fetches that failed have nothing to read.
		reread := p.Failure == "" || ((p.Status == 200 || p.Status == 304) && len(body) > 0 && !strings.HasPrefix(p.Failure, "soft block"))
		res.Page.Failure = ""
		switch {
		case !reread:
			res.Page.Failure = p.Failure
			failed++
		case ex == nil:
			res.Page.Failure = "no extractor for page kind " + p.Kind
			failed++
		default:
			u, _ := url.Parse(p.URL)
			text, err := crawl.Decode(body, p.ContentType)
			if err != nil {
				res.Page.Failure = "charset: " + err.Error()
				failed++
				break
			}
			if w := crawl.SoftBlockOf(text, src.softBlocks); w != "" {
				res.Page.Failure = "soft block: " + w
				failed++
				break
			}
			out := ex.Extract(parse.Input{URL: u, Body: text})
			if out.Failure != "" { // not a good page of its kind with the current config
				res.Page.Failure = out.Failure
				failed++
				break
			}
			res.Records, res.Rejects, res.Page.Listing = out.Records, out.Rejects, out.Listing
			records, rejects = records+len(out.Records), rejects+len(out.Rejects)
		}
		batch = append(batch, res)
		if len(batch) >= 500 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		db.FinishRun(ctx, newRun, market.RunFailed, err.Error(), c.m.Now(), "{}", nil)
		return fmt.Errorf("reparse run %d: %w", c.run, err)
	}
	snap := &market.Draft{Source: cfg.Info(src), Merged: &as}
	tally, err := db.Tally(ctx, newRun)
	if err != nil {
		return err
	}
	out := market.Decide(tally, src.stated(), fmt.Sprintf("reparse of run %d with the current config, no network", c.run), "")
	status, reason := out.Status, out.Reason
	if status != market.RunOK {
		reason = fmt.Sprintf("reparse of run %d: %s", c.run, reason)
	}
	if nc, np := as.Len(); nc == 0 && np == 0 {
		status, reason, snap = market.RunFailed, fmt.Sprintf("reparse of run %d: no records extracted", c.run), nil
	}
	stats, err := json.Marshal(map[string]any{"fetched": tally.Done(), "failed": tally.Failed(), "failures": tally.Failures(),
		"records": records, "rejects": rejects, "finish": reason, "coverage": out.Coverage})
	if err != nil {
		return err
	}
	snapID, err := db.FinishRun(ctx, newRun, status, reason, c.m.Now(), string(stats), snap)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "run %d: %d stored pages of run %d re-read: %d records, %d rejects\n", newRun, pages, c.run, records, rejects)
	if snap == nil {
		return fmt.Errorf("reparse run %d: no records extracted: check the source's selectors", c.run)
	}
	fmt.Fprintf(c.m.Stdout, "snapshot %d of %s\n", snapID, src.Name)
	var partial error
	if status == market.RunPartial {
		partial = fmt.Errorf("%w: run %d of %s: %s", ErrPartial, newRun, src.Name, reason)
	}
	if c.noRep {
		return partial
	}
	path, err := c.m.writeReport(ctx, db, cfg.Output, snapID)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	return partial
}
