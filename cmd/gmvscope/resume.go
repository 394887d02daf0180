package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gmvscope/store"
)

// leaseTTL is how long a run's lease lasts without renewal. The owner
// renews it every third of that.
const leaseTTL = 60 * time.Second

// owner names this process: host and pid.
func owner() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// ownerGone reports whether a lease owner is a process on this host that
// no longer exists (killed, crashed), so its run can be taken over at once.
func ownerGone(o string) bool {
	host, pid, ok := strings.Cut(o, ":")
	me, _ := os.Hostname()
	n, err := strconv.Atoi(pid)
	if !ok || err != nil || host != me {
		return false
	}
	if n == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(n, 0), syscall.ESRCH)
}

// claimRun returns the run to crawl for src: an unfinished run whose owner
// is gone or whose lease expired (resumed where it stopped), or a new one.
// resumeOnly refuses to start a new run.
func (m *Main) claimRun(ctx context.Context, db *store.DB, src *SourceSpec, resumeOnly bool) (int64, bool, error) {
	me := owner()
	run, holder, until, ok, err := db.Unfinished(ctx, src.Name)
	if err != nil {
		return 0, false, err
	}
	if ok {
		now := m.Now()
		if holder != "" && holder != me && now.Before(until) && !ownerGone(holder) {
			return 0, false, fmt.Errorf("run %d of %s is being crawled by %s (lease until %s)", run.ID, src.Name, holder, until.Format(time.RFC3339))
		}
		if err := db.Lease(ctx, run.ID, me, holder, now.Add(leaseTTL)); err != nil {
			return 0, false, err
		}
		m.Log.Info("resuming run", "source", src.Name, "run", run.ID, "previous_owner", holder)
		return run.ID, true, nil
	}
	if resumeOnly {
		return 0, false, fmt.Errorf("no unfinished run of %s to resume", src.Name)
	}
	id, err := db.BeginRun(ctx, src.Name, m.Now(), src.StartLinks())
	if err != nil {
		return 0, false, err
	}
	return id, false, db.Lease(ctx, id, me, "", m.Now().Add(leaseTTL))
}

// renewLease keeps the run's lease while the crawl runs. The wall clock
// paces it: a lease is about processes on a real host.
func (m *Main) renewLease(ctx context.Context, db *store.DB, runID int64) func() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := db.Lease(ctx, runID, owner(), "", m.Now().Add(leaseTTL)); err != nil {
					m.Log.Warn("lease renewal failed", "run", runID, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
