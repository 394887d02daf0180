package schedule

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"gmvscope/internal/testkit"
)

// TestWeeklyAcrossDST runs the scheduler on a test clock through the end
// of summer time in Berlin: a job at 06:00 every Monday fires at 06:00
// local time each week, which is 04:00 UTC before the change and 05:00
// after it, and never waits real time.
func TestWeeklyAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := cron.ParseStandard("0 6 * * 1")
	if err != nil {
		t.Fatal(err)
	}
	clk := &settled{Clock: testkit.NewClock(time.Date(2026, 10, 12, 12, 0, 0, 0, time.UTC))} // a Monday afternoon
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	var fired []time.Time
	s := &Scheduler{Clock: clk, Loc: berlin}
	clk.s = s
	s.Set([]Job{{Name: "demo", Schedule: sched, Run: func(_ context.Context, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		fired = append(fired, at)
		if len(fired) == 4 {
			cancel()
		}
	}}})
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not get through four weeks of test time")
	}
	want := []string{"2026-10-19T04:00:00Z", "2026-10-26T05:00:00Z", "2026-11-02T05:00:00Z", "2026-11-09T05:00:00Z"}
	if len(fired) != 4 {
		t.Fatalf("fired %v", fired)
	}
	for i, at := range fired {
		if got := at.UTC().Format(time.RFC3339); got != want[i] {
			t.Errorf("run %d at %s, want %s", i+1, got, want[i])
		}
		if l := at.In(berlin); l.Hour() != 6 || l.Weekday() != time.Monday {
			t.Errorf("run %d at %s Berlin time, want Monday 06:00", i+1, l)
		}
	}
}

// settled is a test clock that moves only once the jobs that are running
// have returned: a week of test time passes in microseconds, and a job
// must not still be "running" only because the loop outran it.
type settled struct {
	*testkit.Clock
	s *Scheduler
}

func (c *settled) Sleep(ctx context.Context, d time.Duration) error {
	c.s.Wait()
	return c.Clock.Sleep(ctx, d)
}

// TestSkipIfStillRunning: a job still running when its next time comes
// is not started again; a panicking job is recovered and runs next time.
func TestSkipIfStillRunning(t *testing.T) {
	sched, _ := cron.ParseStandard("@every 1h")
	clk := testkit.NewClock(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(t.Context())
	release := make(chan struct{})
	var mu sync.Mutex
	starts, panics, startsBefore := 0, 0, 0
	s := &Scheduler{Clock: clk}
	s.Set([]Job{
		{Name: "slow", Schedule: sched, Run: func(context.Context, time.Time) {
			mu.Lock()
			starts++
			mu.Unlock()
			<-release
		}},
		{Name: "panics", Schedule: sched, Run: func(_ context.Context, at time.Time) {
			mu.Lock()
			panics++
			n := panics
			mu.Unlock()
			if n == 5 {
				mu.Lock()
				startsBefore = starts // while the slow job still ran
				mu.Unlock()
				close(release)
				cancel()
			}
			panic("boom")
		}},
	})
	s.Run(ctx)
	if startsBefore != 1 || panics < 5 {
		t.Errorf("while it ran, the slow job started %d times (want 1), and the panicking one ran %d times (want 5 or more: recovered each time)", startsBefore, panics)
	}
}
