package main

import (
	"bytes"
	"context"
	"fmt"
	"gmvscope/internal/testkit"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"gmvscope/market"
	"gmvscope/pipeline"
	"gmvscope/store"
)

// clock is an injected clock: fixed, so reports are byte-identical.
var clock = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

type testMain struct {
	*Main
	out, errs *bytes.Buffer
}

// newTestMain returns a Main with buffers for output and a fixed clock.
func newTestMain() *testMain {
	out, errs := &bytes.Buffer{}, &bytes.Buffer{}
	var mu sync.Mutex
	w := &lockedWriter{w: errs, mu: &mu}
	return &testMain{Main: &Main{Stdout: out, Stderr: w, Now: func() time.Time { return clock },
		Log: slog.New(slog.NewTextHandler(w, nil)), Clock: testkit.NewClock(clock)}, out: out, errs: errs}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// demoRun is one `gmvscope demo` into a folder, shared by the tests that
// only read it.
type demoRun struct {
	dir, db, report string
	snap            *market.Snapshot
	err             error
}

var (
	sharedOnce sync.Once
	shared     demoRun
	sharedDir  string
)

func TestMain(m *testing.M) {
	// The subprocess tests run this binary as gmvscope itself, and so do
	// the CLI scripts (testscript puts it on their PATH as gmvscope).
	asMain := func() {
		if at := os.Getenv("GMVSCOPE_TEST_CRASH"); at != "" {
			// kill -9 at a named point of the run (see pipeline.CrashHook).
			pipeline.CrashHook = func(point string) {
				if point == at {
					syscall.Kill(os.Getpid(), syscall.SIGKILL)
					select {}
				}
			}
		}
		main()
	}
	if os.Getenv("GMVSCOPE_BE_MAIN") == "1" {
		asMain()
	}
	testscript.Main(withCleanup{m}, map[string]func(){"gmvscope": asMain})
}

// withCleanup runs the tests, then removes the shared demo folder.
type withCleanup struct{ m *testing.M }

func (c withCleanup) Run() int {
	code := c.m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	return code
}

// runDemo crawls the 2,000-creator sample market over HTTP into dir.
func runDemo(ctx context.Context, dir string) demoRun {
	r := demoRun{dir: dir, db: filepath.Join(dir, "gmvscope.db")}
	m := newTestMain()
	if code := m.Run(ctx, []string{"demo", "--config", "../../config.yaml", "--db", r.db, "--out", dir}); code != 0 {
		r.err = fmt.Errorf("demo exit %d: %s", code, m.errs)
		return r
	}
	if _, err := fmt.Sscanf(m.out.String(), "report: %s\n", &r.report); err != nil {
		r.err = fmt.Errorf("demo printed %q: %w", m.out, err)
		return r
	}
	db, err := store.Open(ctx, r.db)
	if err != nil {
		r.err = err
		return r
	}
	defer db.Close()
	id, err := db.LatestSnapshot(ctx, "demo")
	if err != nil {
		r.err = err
		return r
	}
	r.snap, r.err = db.Snapshot(ctx, id)
	return r
}

// sharedDemo returns the shared demo run, crawling it on first use.
func sharedDemo(t *testing.T) demoRun {
	t.Helper()
	sharedOnce.Do(func() {
		var err error
		if sharedDir, err = os.MkdirTemp("", "gmvscope-demo-"); err != nil {
			shared.err = err
			return
		}
		shared = runDemo(context.Background(), sharedDir)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared
}
