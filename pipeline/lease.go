package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gmvscope/config"
	"gmvscope/market"
)

// LeaseTTL is how long a run's lease lasts without renewal. The owner
// renews it every third of that.
const LeaseTTL = 60 * time.Second

// ResumeWithin is how old an unfinished run (killed, or stopped by a
// signal) may be and still be resumed by the source's next run; an older
// one is abandoned and a new run starts, so a weekly snapshot never mixes
// last week's pages into this week's.
const ResumeWithin = 24 * time.Hour

// ThisProcess names this process for leases: host and pid.
func ThisProcess() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// ProcessGone reports whether a lease owner is a process on this host
// that no longer exists (killed, crashed), so its run can be taken over
// at once.
func ProcessGone(owner string) bool {
	host, pid, ok := strings.Cut(owner, ":")
	me, _ := os.Hostname()
	n, err := strconv.Atoi(pid)
	if !ok || err != nil || host != me || n == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(n, 0), syscall.ESRCH)
}

func (p *Pipeline) owner() string {
	if p.Owner == "" {
		return ThisProcess()
	}
	return p.Owner
}

// claimRun returns the run to crawl for src: an unfinished run whose owner
// is gone or whose lease expired (resumed where it stopped), or a new one.
// resumeOnly refuses to start a new run.
func (p *Pipeline) claimRun(ctx context.Context, src *config.Source, resumeOnly bool) (int64, bool, error) {
	me := p.owner()
	run, holder, until, ok, err := p.Store.Unfinished(ctx, src.Name)
	if err != nil {
		return 0, false, err
	}
	now := p.now()
	if ok && run.Status == market.RunRunning {
		gone := p.Gone != nil && p.Gone(holder)
		if holder != "" && holder != me && now.Before(until) && !gone {
			return 0, false, fmt.Errorf("run %d of %s is being crawled by %s (lease until %s)", run.ID, src.Name, holder, until.Format(time.RFC3339))
		}
	}
	if ok && now.Sub(run.StartedAt) > ResumeWithin {
		// A week-old run resumed would mix last week's pages into this week's snapshot.
		reason := fmt.Sprintf("abandoned: started %s, more than %s before the next run; a new run took its place", run.StartedAt.UTC().Format(time.RFC3339), ResumeWithin)
		if err := p.Store.Abandon(ctx, run.ID, reason, now); err != nil {
			return 0, false, err
		}
		p.log().Warn("abandoned an old unfinished run", "source", src.Name, "run", run.ID, "started", run.StartedAt.UTC().Format(time.RFC3339))
		ok = false
	}
	if ok {
		if run.Status == market.RunCancelled {
			// Stopped by a signal: the pages it fetched are kept, and it goes on from there.
			if err := p.Store.Reopen(ctx, run.ID); err != nil {
				return 0, false, err
			}
			holder = ""
		}
		if err := p.Store.Lease(ctx, run.ID, me, holder, now.Add(LeaseTTL)); err != nil {
			return 0, false, err
		}
		p.log().Info("resuming run", "source", src.Name, "run", run.ID, "was", string(run.Status), "previous_owner", holder)
		return run.ID, true, nil
	}
	if resumeOnly {
		return 0, false, fmt.Errorf("no unfinished run of %s to resume", src.Name)
	}
	id, err := p.Store.BeginRun(ctx, src.Name, p.now(), src.StartLinks())
	if err != nil {
		return 0, false, err
	}
	return id, false, p.Store.Lease(ctx, id, me, "", p.now().Add(LeaseTTL))
}

// renewLease keeps the run's lease and the source's lock while the crawl
// runs, and returns the function that stops it. The wall clock paces it:
// a lease is about processes on a real host.
func (p *Pipeline) renewLease(ctx context.Context, source string, runID int64) func() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				until := p.now().Add(LeaseTTL)
				if err := p.Store.Lease(ctx, runID, p.owner(), "", until); err != nil && ctx.Err() == nil {
					p.log().Warn("lease renewal failed", "run", runID, "err", err)
				}
				if err := p.Store.RenewLock(ctx, source, p.owner(), until); err != nil && ctx.Err() == nil {
					p.log().Warn("lock renewal failed", "source", source, "err", err)
				}
			}
		}
	}()
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
}
