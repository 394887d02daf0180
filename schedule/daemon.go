package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"gmvscope/config"
	"gmvscope/market"
	"gmvscope/pipeline"
	"gmvscope/store"
)

// Daemon runs each source of a config on its cron schedule, writes the
// reports, prunes old pages, and serves /healthz and /metrics. It calls
// the pipeline as every command does; it never shells out.
type Daemon struct {
	// New returns the pipeline to run a job with, on the config in force
	// when the job starts (a reload does not change a running job).
	New   func(cfg *config.Config) *pipeline.Pipeline
	Store *store.DB
	Clock Clock
	Log   *slog.Logger
	// Now runs every scheduled source once at start, then on its schedule.
	Now bool

	mu    sync.Mutex
	cfg   *config.Config
	sched *Scheduler
	state *state
}

// Load puts cfg in force: its sources' schedules, the reports' and the
// pruning's. The first call starts the daemon's state; later ones are
// reloads (SIGHUP), and leave running jobs alone.
func (d *Daemon) Load(cfg *config.Config) {
	d.mu.Lock()
	defer d.mu.Unlock()
	first := d.sched == nil
	if first {
		d.sched = &Scheduler{Clock: d.Clock, Log: d.Log}
		d.state = newState(d.sched.Next, d.clock().Now())
	}
	d.cfg = cfg
	d.sched.Loc = cfg.Schedule.Location()
	var jobs []Job
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.CronSchedule() == nil {
			continue
		}
		name := src.Name
		jobs = append(jobs, Job{Name: name, Schedule: src.CronSchedule(), Jitter: src.Jitter.D(), Now: d.Now,
			Run: func(ctx context.Context, at time.Time) { d.crawl(ctx, name, at) }})
	}
	if c := cfg.Schedule.ReportsCron(); c != nil {
		jobs = append(jobs, Job{Name: "(reports)", Schedule: c, Run: func(ctx context.Context, _ time.Time) { d.reports(ctx) }})
	}
	d.sched.Set(jobs)
	how := "loaded"
	if !first {
		how = "reloaded"
	}
	d.log().Info("schedule "+how, "config", cfg.File, "jobs", len(jobs), "timezone", cfg.Schedule.Location().String())
}

func (d *Daemon) clock() Clock {
	if d.Clock == nil {
		return realClock{}
	}
	return d.Clock
}

func (d *Daemon) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

func (d *Daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Run runs the schedule until ctx ends, then waits for the jobs that are
// running: a crawl cancelled by ctx keeps every page it fetched, marks
// its run cancelled, and the next run resumes it. listen, when set,
// serves /healthz and /metrics there.
func (d *Daemon) Run(ctx context.Context, listen string) error {
	if d.sched == nil {
		return errors.New("schedule: no config loaded")
	}
	if err := d.seed(ctx); err != nil {
		return err
	}
	var srv *http.Server
	if listen != "" {
		ln, err := net.Listen("tcp", config.ListenAddr(listen))
		if err != nil {
			return fmt.Errorf("schedule: listen: %w", err)
		}
		srv = &http.Server{Handler: d.state.handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		d.log().Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	}
	for name, at := range d.sched.Next() {
		d.log().Info("next run", "job", name, "at", Describe(at, d.sched.loc()))
	}
	d.prune(ctx)
	d.sched.Run(ctx)
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
	d.log().Info("schedule stopped")
	return nil
}

// Addr is for tests: the state's HTTP handler.
func (d *Daemon) Handler() http.Handler { return d.state.handler() }

// seed fills the state from the store: each source's last run.
func (d *Daemon) seed(ctx context.Context) error {
	last, err := d.Store.LastRuns(ctx)
	if err != nil {
		return err
	}
	for _, l := range last {
		var stats struct {
			Fetched, Failed, Rejects int
		}
		json.Unmarshal([]byte(l.Stats), &stats)
		d.state.update(l.Source, func(st *SourceState) {
			st.LastRun, st.Status, st.Duration = l.Finished, l.Status, l.Finished.Sub(l.Started).Seconds()
			st.Fetched, st.Failed, st.Rejects, st.LastGood = stats.Fetched, stats.Failed, stats.Rejects, l.LastGood
		})
	}
	return nil
}

// crawl is a source's job: run it to a snapshot, write its report and
// send its alerts, prune old pages, and note how it went.
func (d *Daemon) crawl(ctx context.Context, name string, at time.Time) {
	cfg := d.config()
	src, err := cfg.Source(name)
	if err != nil {
		d.log().Warn("scheduled source is gone from the config", "source", name)
		return
	}
	p := d.New(cfg)
	log := d.log().With("source", name)
	log.Info("scheduled run", "due", at.UTC().Format(time.RFC3339))
	began := d.clock().Now()
	res, err := p.Crawl(ctx, src, false)
	status := string(res.Status)
	switch {
	case errors.Is(err, pipeline.ErrLocked):
		status = "locked"
		log.Warn("not run: another process is crawling it", "err", err)
	case err != nil && res.RunID == 0:
		status = "failed"
		log.Error("run did not start", "err", err)
	case err != nil:
		log.Error("run failed", "run", res.RunID, "err", err)
	}
	if res.SnapshotID > 0 {
		if w, err := p.Publish(ctx, res); err != nil {
			log.Error("report not written", "snapshot", res.SnapshotID, "err", err)
		} else {
			log.Info("report written", "path", w.Path, "alerts", len(w.Alerts))
		}
	}
	d.state.update(name, func(st *SourceState) {
		st.LastRun, st.Status, st.Reason = d.clock().Now(), status, res.Reason
		st.Duration = d.clock().Now().Sub(began).Seconds()
		st.Fetched, st.Failed, st.Rejects = res.Stats.Fetched, res.Stats.Failed, res.Stats.Rejects
		if res.Status == market.RunOK {
			st.LastGood = d.clock().Now()
		}
		st.runsByStatus[status]++
	})
	d.prune(ctx)
}

// reports writes any missing report and the index of reports.
func (d *Daemon) reports(ctx context.Context) {
	p := d.New(d.config())
	written, err := p.MissingReports(ctx)
	if err != nil {
		d.log().Error("reports", "err", err)
		return
	}
	if err := p.RefreshIndex(ctx); err != nil {
		d.log().Error("index of reports", "err", err)
		return
	}
	d.log().Info("reports written", "missing", len(written))
}

// prune drops the bodies of pages older than schedule.keep_pages.
func (d *Daemon) prune(ctx context.Context) {
	keep := d.config().Schedule.KeepPages.D()
	if keep <= 0 || ctx.Err() != nil {
		return
	}
	now := d.clock().Now()
	n, bytes, err := d.Store.Prune(ctx, now.Add(-keep), now)
	if err != nil {
		d.log().Error("prune", "err", err)
		return
	}
	if n > 0 {
		d.log().Info("pruned old pages", "pages", n, "bytes", bytes, "older_than", keep.String())
	}
}
