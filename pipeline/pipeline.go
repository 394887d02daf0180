// Package pipeline is gmvscope's work as parts that every command and the
// scheduler call: run a source to a stored snapshot (with leases, resume
// and an outcome computed from the store), write a snapshot's report,
// import a vendor export, and re-read a run's stored pages. It wires
// config, crawl, market, store and report together; it parses no flags.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/store"
)

var _ crawl.Store = (*store.DB)(nil)

// ErrLocked means another process is crawling the source: the run did not
// start. errors.As finds a *store.LockedError with the holder.
var ErrLocked = store.ErrLocked

// Errors a run ends with. A partial run stored its snapshot; a failed or
// cancelled one did not, and the last good snapshot is unchanged.
var (
	ErrPartial   = errors.New("partial")
	ErrFailed    = errors.New("failed")
	ErrCancelled = errors.New("cancelled")
)

// Pipeline runs sources to stored snapshots and writes their reports.
type Pipeline struct {
	Config *config.Config
	Store  *store.DB
	Log    *slog.Logger
	Now    func() time.Time // stamps runs, fetches and reports; default time.Now
	Clock  crawl.Clock      // drives the crawl's waits; nil is the real clock
	Getenv func(string) string
	// Owner names this process for run leases (host:pid); Gone says
	// whether a lease's owner is a process that no longer runs.
	Owner string
	Gone  func(owner string) bool
	// Progress, when set, returns what shows a source's crawl as it goes.
	Progress func(src *config.Source) Progress
	// OneAtATime says the process runs one crawl or report at a time (a
	// command, not the daemon, whose jobs overlap in one process's
	// memory): each report then runs under a soft memory limit
	// (ReportMemory).
	OneAtATime bool
}

// Progress shows a crawl as it goes: every page result, the running
// statistics, and the end.
type Progress interface {
	Page(market.PageResult)
	Update(crawl.Stats)
	Finish(Result)
}

// Result is what one source's run produced.
type Result struct {
	Source     string
	RunID      int64
	SnapshotID int64 // 0 when no snapshot was stored
	Resumed    bool
	Status     market.RunStatus
	Reason     string
	Stats      crawl.Stats // pages, failures, records and rejects of the whole run, from the store
	Took       time.Duration
}

// Err returns the run's outcome as an error: nil when ok, ErrPartial,
// ErrFailed or ErrCancelled with the reason.
func (r Result) Err() error {
	switch r.Status {
	case market.RunOK:
		return nil
	case market.RunPartial:
		return fmt.Errorf("%w: run %d of %s: %s; snapshot %d kept, its report says what is missing", ErrPartial, r.RunID, r.Source, r.Reason, r.SnapshotID)
	case market.RunCancelled:
		return fmt.Errorf("run %d of %s %w; the last good snapshot is unchanged", r.RunID, r.Source, ErrCancelled)
	}
	return fmt.Errorf("run %d of %s %w: %s; the last good snapshot is unchanged", r.RunID, r.Source, ErrFailed, r.Reason)
}

func (p *Pipeline) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func (p *Pipeline) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// Crawl runs src to a stored snapshot: it resumes the source's unfinished
// run when its owner is gone (or, with resumeOnly, refuses to start a new
// one), crawls what is left, and finishes the run from what the store
// holds. A failed or cancelled run writes no snapshot.
func (p *Pipeline) Crawl(ctx context.Context, src *config.Source, resumeOnly bool) (Result, error) {
	res := Result{Source: src.Name}
	if len(src.Start) == 0 {
		return res, fmt.Errorf("source %s has no start URLs: it can only be imported (gmvscope import FILE --source %s)", src.Name, src.Name)
	}
	getenv := p.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	session, err := src.Session.Header(getenv)
	if err != nil {
		return res, err
	}
	began := p.now()
	// One process crawls a source at a time: gmvscope run from cron, the
	// scheduler, or another run. The lock is held until the run ends.
	if err := p.Store.Lock(ctx, src.Name, p.owner(), began, began.Add(LeaseTTL), p.Gone); err != nil {
		return res, err
	}
	defer p.Store.Unlock(context.WithoutCancel(ctx), src.Name, p.owner())
	runID, resumed, err := p.claimRun(ctx, src, resumeOnly)
	if err != nil {
		return res, err
	}
	res.RunID, res.Resumed = runID, resumed
	how := "new"
	if resumed {
		how = "resumed"
	}
	p.log().Info("run started", "source", src.Name, "run", runID, "as", how, "config", p.Config.File)
	stopLease := p.renewLease(ctx, src.Name, runID)
	opts := src.CrawlOptions(p.Config.UserAgent, session)
	opts.Now, opts.Clock = p.Now, p.Clock
	cr := crawl.New(opts, src.Extractors(), p.Store)
	var prog Progress = nopProgress{}
	if p.Progress != nil {
		prog = p.Progress(src)
	}
	cr.Progress, cr.OnResult = prog.Update, prog.Page
	crawling := time.Now() // wall time, for the log: never written into a report
	stats, cerr := cr.Run(ctx, runID)
	crawled := time.Since(crawling)
	// The lease ends before the run does: a renewal during the finishing
	// transaction would only fail, and nobody can take a run over while
	// that transaction holds the store.
	stopLease()
	crashPoint("crawled") // tests kill the process here: every page stored, the run not finished
	res.Stats = stats
	record := runRecord{Stats: stats}
	var tallied time.Duration
	switch {
	case ctx.Err() != nil:
		res.Status, res.Reason = market.RunCancelled, "cancelled: "+context.Cause(ctx).Error()
	case cerr != nil && !errors.Is(cerr, crawl.ErrBudget):
		res.Status, res.Reason = market.RunFailed, cerr.Error()
	default:
		// The outcome is the store's: a run resumed after a crash counts
		// the pages, failures and records of every process before it.
		tallying := time.Now()
		// A crawl that stopped with its frontier empty left no URL
		// pending (a resumed crawl loads every pending one).
		tally, err := p.Store.Tally(ctx, runID, stats.Settled())
		tallied = time.Since(tallying)
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
		out := market.Decide(tally, src.Stated(), finish, budget)
		res.Status, res.Reason = out.Status, out.Reason
		record.fromTally(tally, out)
		res.Stats = record.Stats
	}
	var snap *market.Draft
	if res.Status == market.RunOK || res.Status == market.RunPartial {
		// The store merges the run's records into the snapshot (every
		// process's, for a resumed run) as it writes it.
		snap = &market.Draft{Source: p.Config.Info(src), Records: res.Stats.Records}
		if ok, err := p.Store.Mergeable(ctx, runID); err != nil {
			return res, err
		} else if !ok {
			res.Status, res.Reason, snap = market.RunFailed, "no records extracted: check the source's selectors", nil
		}
	}
	statsJSON, err := json.Marshal(record)
	if err != nil {
		return res, fmt.Errorf("run %d of %s: %w", runID, src.Name, err)
	}
	finishing := time.Now() // wall time, for the log: never written into a report
	res.SnapshotID, err = p.Store.FinishRun(ctx, runID, res.Status, res.Reason, p.now(), string(statsJSON), snap)
	if err != nil {
		return res, err
	}
	p.log().Debug("run stored", "source", src.Name, "run", runID, "snapshot", res.SnapshotID,
		"crawl_ms", crawled.Milliseconds(), "tally_ms", tallied.Milliseconds(), "finish_ms", time.Since(finishing).Milliseconds())
	crashPoint("finished") // tests kill the process here: the snapshot stored, its report not written
	res.Took = p.now().Sub(began)
	prog.Finish(res)
	p.log().Info("run finished", "source", src.Name, "run", runID, "status", res.Status, "reason", res.Reason,
		"snapshot", res.SnapshotID, "pages", res.Stats.Fetched, "failed", res.Stats.Failed, "records", res.Stats.Records,
		"rejects", res.Stats.Rejects, "duration", res.Took.Round(time.Millisecond).String())
	if res.Status == market.RunFailed || res.Status == market.RunCancelled {
		return res, res.Err()
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

func (r *runRecord) fromTally(t market.Tally, o market.Outcome) {
	r.Coverage, r.Pending, r.Retries = o.Coverage, t.Pending(), t.Retries
	r.Fetched, r.Failed, r.Failures = t.Done(), t.Failed(), t.Failures()
	r.Records, r.Rejects = t.Records, t.Rejects
}

type nopProgress struct{}

func (nopProgress) Page(market.PageResult) {}
func (nopProgress) Update(crawl.Stats)     {}
func (nopProgress) Finish(Result)          {}

// CrashHook, when set (by tests only), is called at named points of a run
// so that a test can kill the process exactly there.
var CrashHook func(point string)

func crashPoint(point string) {
	if CrashHook != nil {
		CrashHook(point)
	}
}
