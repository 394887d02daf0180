// Package schedule runs jobs at the times their cron expressions say: the
// scheduler behind gmvscope schedule, which crawls each source on its own
// schedule and writes the reports.
//
// It is built on robfig/cron/v3: its parser (five fields and @weekly-style
// descriptors), its schedules (which know daylight-saving changes), and
// its job wrappers (cron.Recover for panics, cron.SkipIfStillRunning so a
// source never runs twice at once). cron.Cron's own loop reads the wall
// clock, which a test cannot drive, so the loop here is short and its
// clock is injected: a test runs it through weeks without waiting.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Clock tells the time and waits (a test clock does both at once).
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Job is one scheduled task.
type Job struct {
	Name     string
	Schedule cron.Schedule
	// Jitter, when set, delays each start by a random time up to it, so
	// sources scheduled alike do not all start at once.
	Jitter time.Duration
	// Run does the work; at is the instant it was scheduled for.
	Run func(ctx context.Context, at time.Time)
	// Now runs the job once as soon as the scheduler starts, then on its
	// schedule.
	Now bool
}

// Scheduler fires jobs at their times until its context ends.
type Scheduler struct {
	Clock  Clock          // nil: the real clock
	Loc    *time.Location // the zone cron expressions are read in; nil: UTC
	Log    *slog.Logger
	Random func() float64 // uniform in [0,1) for jitter; nil: math/rand

	mu      sync.Mutex
	jobs    []Job
	wrapped map[string]cron.Job // by name, kept across reloads: a job still running is not started again
	current map[string]func()   // the call the wrapped job makes, set each time it fires
	next    map[string]time.Time
	started map[string]bool // jobs planned once: Now applies to the first plan only
	wake    chan struct{}
	wg      sync.WaitGroup
}

// MaxSleep is the longest the loop sleeps before looking at the clock
// again, so a clock that jumps (a machine that slept) is noticed.
const MaxSleep = 5 * time.Minute

// Set replaces the jobs (a reload); a job that is running finishes, and
// is not started again while it runs.
func (s *Scheduler) Set(jobs []Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs = append([]Job(nil), jobs...)
	if s.wrapped == nil {
		s.wrapped, s.current, s.next = map[string]cron.Job{}, map[string]func(){}, map[string]time.Time{}
	}
	s.next = map[string]time.Time{}
	if s.wake != nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// Next returns when each job runs next, by name (known once Run started).
func (s *Scheduler) Next() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.next))
	for k, v := range s.next {
		out[k] = v
	}
	return out
}

func (s *Scheduler) clock() Clock {
	if s.Clock == nil {
		return realClock{}
	}
	return s.Clock
}

func (s *Scheduler) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

// cronLogger lets cron's wrappers log through slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Info(msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "err", err)...)
}

// Run fires the jobs until ctx ends, then waits for the running ones.
func (s *Scheduler) Run(ctx context.Context) {
	s.mu.Lock()
	if s.wrapped == nil {
		s.wrapped, s.current, s.next = map[string]cron.Job{}, map[string]func(){}, map[string]time.Time{}
	}
	s.wake = make(chan struct{}, 1)
	s.mu.Unlock()
	defer s.wg.Wait()
	clk := s.clock()
	for ctx.Err() == nil {
		now := clk.Now()
		due, soonest := s.plan(now)
		for _, d := range due {
			s.fire(ctx, d.Job, d.at)
		}
		s.mu.Lock()
		for _, d := range due {
			s.next[d.Name] = d.Schedule.Next(d.at.In(s.loc()))
		}
		if len(due) > 0 {
			soonest = s.soonest()
		}
		s.mu.Unlock()
		wait := MaxSleep
		if !soonest.IsZero() {
			wait = min(wait, soonest.Sub(now))
		}
		if len(due) > 0 || wait <= 0 {
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		slept := make(chan struct{})
		go func() { clk.Sleep(sctx, wait); close(slept) }()
		select {
		case <-slept:
		case <-s.wake: // the jobs changed
		case <-ctx.Done():
		}
		cancel()
		<-slept
	}
}

// dueJob is a job due, with the instant it was due at.
type dueJob struct {
	Job
	at time.Time
}

// plan returns the jobs due at now, and the soonest next time of all.
func (s *Scheduler) plan(now time.Time) ([]dueJob, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []dueJob
	for _, j := range s.jobs {
		at, ok := s.next[j.Name]
		if !ok {
			at = j.Schedule.Next(now.In(s.loc()))
			if j.Now && !s.started[j.Name] {
				at = now
			}
			s.next[j.Name] = at
		}
		if s.started == nil {
			s.started = map[string]bool{}
		}
		s.started[j.Name] = true
		if !at.After(now) {
			due = append(due, dueJob{j, at})
		}
	}
	sort.Slice(due, func(a, b int) bool { return due[a].Name < due[b].Name })
	return due, s.soonest()
}

func (s *Scheduler) soonest() time.Time {
	var t time.Time
	for _, at := range s.next {
		if t.IsZero() || at.Before(t) {
			t = at
		}
	}
	return t
}

// fire starts j's run for at, through cron's wrappers.
func (s *Scheduler) fire(ctx context.Context, j Job, at time.Time) {
	s.mu.Lock()
	w, ok := s.wrapped[j.Name]
	if !ok {
		name := j.Name
		log := cronLogger{s.log().With("job", name)}
		// Recover inside the skip: cron's SkipIfStillRunning hands its token back only
		// when the job returns, so a panic that left it would stop the job for good.
		w = cron.NewChain(cron.SkipIfStillRunning(log), cron.Recover(log)).Then(cron.FuncJob(func() {
			s.mu.Lock()
			run := s.current[name]
			s.mu.Unlock()
			run()
		}))
		s.wrapped[j.Name] = w
	}
	s.current[j.Name] = func() {
		if j.Jitter > 0 {
			r := s.Random
			if r == nil {
				r = rand.Float64
			}
			if s.clock().Sleep(ctx, time.Duration(r()*float64(j.Jitter))) != nil {
				return
			}
		}
		j.Run(ctx, at)
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		w.Run()
	}()
}

// Wait waits for the jobs that are running to return.
func (s *Scheduler) Wait() { s.wg.Wait() }

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Describe writes when a job runs next, for logs.
func Describe(at time.Time, loc *time.Location) string {
	return fmt.Sprintf("%s (%s)", at.In(loc).Format("Mon 2006-01-02 15:04 MST"), at.UTC().Format(time.RFC3339))
}
