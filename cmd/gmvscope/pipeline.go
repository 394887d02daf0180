package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/report"
	"gmvscope/store"
)

var _ crawl.Store = (*store.DB)(nil)

// runResult is what one source's run produced.
type runResult struct {
	RunID, SnapshotID int64
	Status            market.RunStatus
	Reason            string
	Stats             crawl.Stats
}

// loadWithStore loads the config, applies --db and --out overrides and
// opens the store; the caller closes it.
func loadWithStore(ctx context.Context, config, db, out string) (*Config, *store.DB, error) {
	cfg, err := LoadConfig(config)
	if err != nil {
		return nil, nil, err
	}
	if db != "" {
		cfg.Store = db
	}
	if out != "" {
		cfg.Output = out
	}
	s, err := openStore(ctx, cfg.Store)
	if err != nil {
		return nil, nil, err
	}
	return cfg, s, nil
}

// storeFlags adds --db and --out, which override the config's store and output.
func storeFlags(fs *flag.FlagSet, db, out *string) {
	fs.StringVar(db, "db", "", "SQLite store (default: the config's store)")
	fs.StringVar(out, "out", "", "output folder (default: the config's output)")
}

// parseWithArgs parses flags that may come before or after positional
// arguments ("import FILE --source x") and returns the positional ones.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return pos, nil
}

// openStore opens the config's store, creating its folder.
func openStore(ctx context.Context, path string) (*store.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	return store.Open(ctx, path)
}

// crawlSource runs the pipeline for one source up to a stored snapshot.
// A failed or cancelled run writes no snapshot, so the last good one stays
// the latest.
func (m *Main) crawlSource(ctx context.Context, cfg *Config, src *SourceSpec, db *store.DB, resumeOnly bool) (runResult, error) {
	var res runResult
	if len(src.Start) == 0 {
		return res, fmt.Errorf("source %s has no start URLs: it can only be imported (gmvscope import FILE --source %s)", src.Name, src.Name)
	}
	session, err := src.Session.header(m.getenv)
	if err != nil {
		return res, err
	}
	runID, resumed, err := m.claimRun(ctx, db, src, resumeOnly)
	if err != nil {
		return res, err
	}
	defer m.renewLease(ctx, db, runID)()
	res.RunID = runID
	pol := src.Politeness
	cr := crawl.New(crawl.Options{
		UserAgent: cfg.UserAgent, Allowed: src.Origins(), SessionOrigins: src.sessionOrigins, RPS: *pol.RPS, Concurrency: pol.Concurrency,
		Robots: *pol.Robots, Timeout: pol.Timeout, MaxBodySize: pol.MaxBodyKB << 10, MaxPages: pol.MaxPages, Now: m.Now, Clock: m.Clock,
		MaxAttempts: pol.MaxAttempts, BackoffBase: pol.Backoff, RetryAfterCap: pol.RetryAfter, RobotsTTL: pol.RobotsTTL, SoftBlocks: src.softBlocks,
		MaxDuration: pol.MaxDuration, MaxErrorRatio: pol.MaxErrors, Header: session, Source: src.Name,
	}, src.extractors, db)
	prog := m.newProgress(src.Name)
	cr.Progress = prog.update
	cr.OnResult = prog.page
	// The snapshot is assembled from each batch as it is committed, in
	// storage order: the same result as reading the run back, without the pass.
	var as market.Assembler
	if resumed {
		// What the run stored before it stopped is part of its snapshot.
		if err := db.EachRecord(ctx, runID, func(r market.Record, url string) error { as.Add(r, url); return nil }); err != nil {
			return res, err
		}
	}
	cr.OnCommit = func(batch []market.PageResult) {
		for _, r := range batch {
			for _, rec := range r.Records {
				as.Add(rec, r.Page.URL)
			}
		}
	}
	stats, cerr := cr.Run(ctx, runID)
	prog.finish(stats)
	crashPoint("crawled") // tests kill the process here: every page stored, the run not finished
	res.Stats = stats

	record := runRecord{Stats: stats}
	switch {
	case ctx.Err() != nil:
		res.Status, res.Reason = market.RunCancelled, "cancelled: "+context.Cause(ctx).Error()
	case cerr != nil && !errors.Is(cerr, crawl.ErrBudget):
		res.Status, res.Reason = market.RunFailed, cerr.Error()
	default:
		// The outcome is the store's: a run resumed after a crash counts
		// the pages, failures and records of every process before it.
		tally, err := db.Tally(ctx, runID)
		if err != nil {
			return res, err
		}
		budget := ""
		if errors.Is(cerr, crawl.ErrBudget) {
			budget = stats.Finish
		}
		finish := stats.Finish
		if resumed && finish == "nothing to fetch" {
			finish = "frontier empty (resumed: every page was already stored)"
		}
		out := market.Decide(tally, src.stated(), finish, budget)
		res.Status, res.Reason = out.Status, out.Reason
		record.Coverage, record.Pending, record.Retries = out.Coverage, tally.Pending(), tally.Retries
		record.Fetched, record.Failed, record.Failures = tally.Done(), tally.Failed(), tally.Failures()
		record.Records, record.Rejects = tally.Records, tally.Rejects
		res.Stats.Fetched, res.Stats.Failed, res.Stats.Records, res.Stats.Rejects = tally.Done(), tally.Failed(), tally.Records, tally.Rejects
	}
	var snap *market.Draft
	if res.Status == market.RunOK || res.Status == market.RunPartial {
		snap = &market.Draft{Source: cfg.Info(src), Merged: &as}
		if nc, np := as.Len(); nc == 0 && np == 0 {
			res.Status, res.Reason, snap = market.RunFailed, "no records extracted: check the source's selectors", nil
		}
	}
	statsJSON, err := json.Marshal(record)
	if err != nil {
		return res, fmt.Errorf("run %d of %s: %w", runID, src.Name, err)
	}
	res.SnapshotID, err = db.FinishRun(ctx, runID, res.Status, res.Reason, m.Now(), string(statsJSON), snap)
	if err != nil {
		return res, err
	}
	crashPoint("finished") // tests kill the process here: the snapshot stored, its report not written
	m.Log.Info("run finished", "source", src.Name, "run", runID, "status", res.Status, "reason", res.Reason,
		"pages", stats.Fetched, "failed", stats.Failed, "records", stats.Records, "rejects", stats.Rejects)
	switch res.Status {
	case market.RunCancelled:
		return res, fmt.Errorf("run %d of %s cancelled; the last good snapshot is unchanged", runID, src.Name)
	case market.RunFailed:
		return res, fmt.Errorf("run %d of %s failed: %s; the last good snapshot is unchanged", runID, src.Name, res.Reason)
	}
	return res, nil
}

// runRecord is what a run keeps in runs.stats: the last process's crawl
// statistics, with the page counts, coverage and retries of the whole
// run as the store holds them.
type runRecord struct {
	crawl.Stats
	Coverage []market.Coverage `json:"coverage,omitempty"`
	Pending  int               `json:"pending,omitempty"`
}

// crashHook, when set (by tests only), is called at named points of a run
// so that a test can kill the process exactly there.
var crashHook func(point string)

func crashPoint(point string) {
	if crashHook != nil {
		crashHook(point)
	}
}

// stated returns what the source's config says its listings hold, by page kind.
func (s *SourceSpec) stated() map[string]market.Stated {
	out := map[string]market.Stated{}
	for kind, p := range s.Pages {
		if p.Expect.StatedTotal > 0 || p.Expect.StatedPages > 0 {
			out[kind] = market.Stated{Total: p.Expect.StatedTotal, Pages: p.Expect.StatedPages}
		}
	}
	return out
}

// writeReport renders snapshot id into the output folder, records that
// it did, and returns the HTML path.
func (m *Main) writeReport(ctx context.Context, db *store.DB, out string, id int64) (string, error) {
	snap, err := db.Snapshot(ctx, id)
	if err != nil {
		return "", err
	}
	path, err := report.Write(snap, report.Options{Dir: filepath.Join(out, "reports"), Now: m.Now})
	if err != nil {
		return "", err
	}
	return path, db.MarkReported(ctx, id, m.Now())
}

// writeMissingReports writes the report of every snapshot of the sources
// that has none (a process killed after storing a snapshot leaves one),
// printing each path, and returns the snapshots it wrote.
func (m *Main) writeMissingReports(ctx context.Context, db *store.DB, out string, sources ...string) ([]int64, error) {
	ids, err := db.Unreported(ctx, sources...)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		path, err := m.writeReport(ctx, db, out, id)
		if err != nil {
			return ids[:i], fmt.Errorf("write the missing report of snapshot %d: %w", id, err)
		}
		m.Log.Info("wrote a missing report", "snapshot", id, "path", path)
		fmt.Fprintf(m.Stdout, "report: %s (snapshot %d had none)\n", path, id)
	}
	return ids, nil
}
