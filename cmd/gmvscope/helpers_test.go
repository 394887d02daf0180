package main

import (
	"bytes"
	"context"
	"fmt"
	"gmvscope/internal/testkit"
	"html"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
	for _, d := range weeksDirs {
		os.RemoveAll(d)
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

// pageText is an HTML page's text as a reader sees it: tags dropped,
// entities decoded, runs of white space one space.
func pageText(page string) string {
	page = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>`).ReplaceAllString(page, " ")
	page = html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, ""))
	return strings.Join(strings.Fields(page), " ")
}

// weeksRun is the demo market crawled twice (weeks 1 and 2) with its
// week-2 report in English and in Arabic.
type weeksRun struct {
	dir, db, en, ar string
	err             error
}

var (
	weeksOnce   sync.Once
	weeksShared weeksRun
)

// sharedWeeks crawls the two demo weeks on first use.
func sharedWeeks(t *testing.T) weeksRun {
	t.Helper()
	weeksOnce.Do(func() {
		w := &weeksShared
		dir, err := os.MkdirTemp("", "gmvscope-weeks-")
		if err != nil {
			w.err = err
			return
		}
		weeksDirs = append(weeksDirs, dir)
		w.dir, w.db = dir, filepath.Join(dir, "gmvscope.db")
		for _, args := range [][]string{
			{"demo", "--config", "../../config.yaml", "--db", w.db, "--out", dir},
			{"demo", "--week", "2", "--config", "../../config.yaml", "--db", w.db, "--out", dir},
			{"report", "--snapshot", "2", "--lang", "ar", "--config", "../../config.yaml", "--db", w.db, "--out", filepath.Join(dir, "ar")},
		} {
			m := newTestMain()
			if code := m.Run(context.Background(), args); code != 0 {
				w.err = fmt.Errorf("%v: exit %d: %s", args, code, m.errs)
				return
			}
		}
		w.en = filepath.Join(dir, "reports", "2", "index.html")
		w.ar = filepath.Join(dir, "ar", "reports", "2", "index.html")
	})
	if weeksShared.err != nil {
		t.Fatal(weeksShared.err)
	}
	return weeksShared
}

var weeksDirs []string
