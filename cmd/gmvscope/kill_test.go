package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// child runs this test binary as `gmvscope args...`.
func subprocess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GMVSCOPE_BE_MAIN=1")
	return cmd
}

// killSite serves the sample market and can SIGKILL the crawler after a
// number of requests; it records every path requested since the last reset.
type killSite struct {
	mk       *demo.Market
	mu       sync.Mutex
	requests map[string]int
	n        int
	killAt   int
	victim   *os.Process
}

func (k *killSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	k.n++
	k.requests[r.URL.RequestURI()]++
	if k.victim != nil && k.n == k.killAt {
		k.victim.Signal(syscall.SIGKILL)
	}
	k.mu.Unlock()
	k.mk.Handler().ServeHTTP(w, r)
}

func (k *killSite) reset(killAt int, p *os.Process) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests, k.n, k.killAt, k.victim = map[string]int{}, 0, killAt, p
}

// storeState reads which URLs the run has stored as done or failed, and the
// latest snapshot.
func storeState(t *testing.T, db string, runID int64) (map[string]bool, int64, market.RunStatus) {
	t.Helper()
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.SQL().QueryContext(t.Context(), `SELECT url FROM frontier WHERE run_id = ? AND state != 'pending'`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var u string
		rows.Scan(&u)
		done[u] = true
	}
	latest, _ := s.LatestSnapshot(t.Context(), "demo")
	var status market.RunStatus
	s.SQL().QueryRowContext(t.Context(), `SELECT status FROM runs WHERE id = ?`, runID).Scan(&status)
	return done, latest, status
}

// TestKillAndResume kills a crawl with SIGKILL at several points; each next
// run resumes it without refetching a stored page, the last good snapshot
// stays the latest throughout, and the finished snapshot equals the market.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 300})
	site := &killSite{mk: mk, requests: map[string]int{}}
	srv := testkit.Serve(t, site)
	cfg, db := siteConfig(t, srv.URL)
	args := []string{"crawl", "--config", cfg, "--source", "demo"}

	site.reset(0, nil)
	if out, err := subprocess(args...).CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	_, good, _ := storeState(t, db, 1)
	if good == 0 {
		t.Fatal("no good snapshot")
	}

	const runID = 2
	done := map[string]bool{}
	for _, killAt := range []int{3, 120, 260} {
		cmd := subprocess(args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		site.reset(killAt, cmd.Process)
		err := cmd.Wait() // reaps the child: its pid is gone, as after a real kill -9
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("kill at request %d: the crawler was not killed (%v): it finished too soon", killAt, err)
		}
		site.mu.Lock()
		for u := range site.requests {
			if done[srv.URL+u] {
				t.Errorf("kill at %d: %s was fetched again although the store had it", killAt, u)
			}
		}
		site.mu.Unlock()
		var latest int64
		var status market.RunStatus
		done, latest, status = storeState(t, db, runID)
		if latest != good || status != market.RunRunning {
			t.Fatalf("after kill at %d: latest snapshot %d (want %d kept), run %s", killAt, latest, good, status)
		}
	}

	site.reset(0, nil)
	if out, err := subprocess(args...).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	for u := range site.requests {
		if done[srv.URL+u] {
			t.Errorf("resume fetched %s again although the store had it", u)
		}
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var dup int
	s.SQL().QueryRow(`SELECT count(*) FROM (SELECT url FROM pages WHERE run_id = ? AND failure = '' GROUP BY url HAVING count(*) > 1)`, runID).Scan(&dup)
	if dup != 0 {
		t.Errorf("%d pages stored twice", dup)
	}
	id, err := s.LatestSnapshot(t.Context(), "demo")
	if err != nil || id == good {
		t.Fatalf("resumed run made no new snapshot: %d %v", id, err)
	}
	snap, err := s.Snapshot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if snap.RunID != runID || len(snap.Creators) != len(mk.Creators) {
		t.Fatalf("snapshot of run %d with %d creators", snap.RunID, len(snap.Creators))
	}
	for i, c := range snap.Creators {
		w, ok := mk.Creator(c.Handle)
		if !ok || c.Followers.Num != w.Followers || c.GMV.Num != w.GMVCents {
			t.Errorf("creator %d %s: %+v vs %+v", i, c.Handle, c, w)
		}
	}
}

// TestInterrupt sends SIGINT mid-crawl: the process stops promptly, marks
// the run cancelled and leaves a consistent store.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 2000})
	var proc *os.Process
	var sent time.Time
	var n int
	var mu sync.Mutex
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		if n == 200 && proc != nil {
			sent = time.Now()
			proc.Signal(os.Interrupt)
		}
		mu.Unlock()
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, db := siteConfig(t, srv.URL)
	cmd := subprocess("crawl", "--config", cfg, "--source", "demo")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	mu.Lock()
	if err := cmd.Start(); err != nil {
		mu.Unlock()
		t.Fatal(err)
	}
	proc = cmd.Process
	mu.Unlock()
	err := cmd.Wait()
	mu.Lock()
	stopped := time.Since(sent)
	mu.Unlock()
	if code := cmd.ProcessState.ExitCode(); code != ExitError {
		t.Fatalf("exit %d (%v), want %d:\n%s", code, err, ExitError, out.String())
	}
	if stopped > 10*time.Second {
		t.Errorf("took %v to stop after SIGINT", stopped)
	}
	t.Logf("stopped %v after SIGINT", stopped)
	_, latest, status := storeState(t, db, 1)
	if status != market.RunCancelled || latest != 0 {
		t.Errorf("run %s, snapshot %d: want cancelled and none", status, latest)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var check string
	if err := s.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity check: %q %v", check, err)
	}
}
