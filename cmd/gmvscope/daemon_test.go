package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// lines collects a subprocess's stderr and lets a test wait for a line.
type lines struct {
	mu   sync.Mutex
	all  []string
	more chan struct{}
}

func follow(r io.Reader) *lines {
	l := &lines{more: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

// wait returns the first line containing sub, waiting up to 20 s.
func (l *lines) wait(t *testing.T, sub string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		l.mu.Lock()
		for _, s := range l.all {
			if strings.Contains(s, sub) {
				l.mu.Unlock()
				return s
			}
		}
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no line with %q in:\n%s", sub, strings.Join(l.all, "\n"))
		}
	}
}

// TestDaemonSignals: the daemon reloads its config on SIGHUP, refusing an
// invalid one and keeping its schedule; under SIGTERM in the middle of a
// run it stops, marks the run cancelled and leaves a consistent store,
// and the next run resumes the run.
func TestDaemonSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 2000})
	var mu sync.Mutex
	served := 0
	stopAt, proc := 0, (*os.Process)(nil)
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served++
		if stopAt > 0 && served == stopAt && proc != nil {
			proc.Signal(syscall.SIGTERM)
		}
		mu.Unlock()
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, db := siteConfig(t, srv.URL)
	good, _ := os.ReadFile(cfg)
	weekly := strings.Replace(string(good), "    period: 28d            # the leaderboard's GMV covers the last 28 days",
		"    period: 28d\n    cron: \"@weekly\"", 1)
	os.WriteFile(cfg, []byte(weekly), 0o644)

	cmd := subprocess("schedule", "--config", cfg, "--now")
	stderr, _ := cmd.StderrPipe()
	log := follow(stderr)
	// --now starts the run at once: the reloads come during it.
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	proc = cmd.Process
	mu.Unlock()
	log.wait(t, `msg="schedule loaded"`)
	os.WriteFile(cfg, []byte(strings.Replace(weekly, `cron: "@weekly"`, `cron: "@fortnightly"`, 1)), 0o644)
	cmd.Process.Signal(syscall.SIGHUP)
	refused := log.wait(t, "reload refused")
	if !strings.Contains(refused, "sources[0].cron") {
		t.Errorf("the refusal does not name the field: %s", refused)
	}
	os.WriteFile(cfg, []byte(weekly), 0o644)
	cmd.Process.Signal(syscall.SIGHUP)
	log.wait(t, `msg="schedule reloaded"`)
	// Now stop it in the middle of its run.
	mu.Lock()
	stopAt = served + 150
	mu.Unlock()
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitOK {
		t.Fatalf("the daemon exited %d (%v) after SIGTERM", code, err)
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	s.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&check)
	var status market.RunStatus
	s.SQL().QueryRow(`SELECT status FROM runs WHERE id = 1`).Scan(&status)
	s.Close()
	if check != "ok" || status != market.RunCancelled {
		t.Fatalf("after SIGTERM: integrity %q, run 1 %s (want cancelled)", check, status)
	}
	// The next run resumes what the daemon left.
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitOK {
		t.Fatalf("the run after the daemon: exit %d: %s", code, lastLines(m.errs.String(), 3))
	}
	if !strings.Contains(m.errs.String(), `msg="resuming run" source=demo run=1 was=cancelled`) ||
		!strings.Contains(m.errs.String(), `msg="run started" source=demo run=1 as=resumed`) {
		t.Errorf("the run after the daemon did not resume run 1: %s", lastLines(m.errs.String(), 4))
	}
	rs, latest := runs(t, db)
	if len(rs) != 1 || latest == 0 || rs[0].Status != market.RunOK {
		t.Errorf("runs %+v, latest snapshot %d: want run 1 resumed and ok", rs, latest)
	}
	mu.Lock()
	total := served
	mu.Unlock()
	s, err = store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var urls int
	s.SQL().QueryRow(`SELECT count(DISTINCT url) FROM frontier WHERE run_id = 1`).Scan(&urls)
	s.Close()
	// Every URL once, plus robots.txt and the few requests in flight when the signal came.
	if total > urls+1+8 {
		t.Errorf("%d requests for %d URLs: the resumed run fetched pages again", total, urls)
	}
}
