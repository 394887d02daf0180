package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"gmvscope/crawl"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitPartial = 3
)

// ErrPartial means a run finished without everything: pages failed or
// were never reached. Its snapshot was kept and its report says so.
var ErrPartial = errors.New("partial")

// UsageError is a command line mistake; it exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Main is the program, with its outside world injected for tests.
type Main struct {
	Stdout, Stderr io.Writer
	Now            func() time.Time
	Terminal       bool // show a progress bar instead of log lines
	Log            *slog.Logger
	// Clock drives the crawler's waits (politeness, backoff); nil is the
	// real clock. Now above stamps fetch times and reports.
	Clock crawl.Clock
	// Getenv reads session secrets; nil is os.Getenv.
	Getenv func(string) string
}

func (m *Main) getenv(k string) string {
	if m.Getenv != nil {
		return m.Getenv(k)
	}
	return os.Getenv(k)
}

// NewMain returns a Main on the process's stdout, stderr and clock.
func NewMain() *Main {
	log, err := newLogger(os.Stderr, os.Getenv)
	if err != nil {
		log.Warn("logging at the default level and format", "error", err)
	}
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now,
		Terminal: term.IsTerminal(int(os.Stderr.Fd())), Log: log}
}

// command is one subcommand: flags are parsed apart from running.
type command interface {
	ParseFlags(args []string) error
	Run(ctx context.Context) error
}

const usage = `gmvscope: do followers sell? Crawl creator-commerce leaderboards, keep snapshots, report.

Usage:
  gmvscope <command> [flags]

Commands:
  demo     serve the bundled sample market, crawl it, store a snapshot, write the report
  run      crawl every source in the config (or --source), store snapshots, write reports
  crawl    crawl and store snapshots without writing reports
  report   write the report of a stored snapshot
  check    validate the config; or run a source's extractor on a saved file or a URL
  reparse  rebuild a run's snapshot from its stored pages with the current config, no network
  import   read a vendor export (CSV or JSON) through a source's column mapping into a snapshot
  value    show what gmvscope makes of numbers as pages write them ("35.8K", "Rp 2,1 jt")

Examples:
  gmvscope demo
  gmvscope run --config config.yaml --source demo
  gmvscope report --source demo
  gmvscope check --config config.yaml
  gmvscope check --source demo --kind leaderboard --url https://example.org/top saved.html
  gmvscope import kalodata-export.csv --source kalodata
  gmvscope value --locale id --currency IDR 'Rp 2,1 jt' '35,8 rb'

Exit codes: 0 ok, 1 error, 2 usage, 3 partial run (some pages failed; snapshot kept).
Run "gmvscope <command> --help" for a command's flags.
`

// Run runs the command named by args[0] and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.run(ctx, args)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	}
	fmt.Fprintln(m.Stderr, "gmvscope:", err)
	return exitCode(err)
}

// exitCode maps an error to the exit code. Of several joined errors the
// worst decides: an error or a usage mistake before a partial run.
func exitCode(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		code := ExitOK
		for _, e := range j.Unwrap() {
			switch c := exitCode(e); {
			case c == ExitPartial && code == ExitOK:
				code = c
			case c != ExitPartial && c != ExitOK && (code == ExitOK || code == ExitPartial):
				code = c
			}
		}
		return code
	}
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, ErrPartial):
		return ExitPartial
	}
	return ExitError
}

func (m *Main) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return &UsageError{Msg: "no command given"}
	}
	var c command
	switch args[0] {
	case "demo":
		c = &DemoCommand{m: m}
	case "run":
		c = &RunCommand{m: m, report: true}
	case "crawl":
		c = &RunCommand{m: m}
	case "report":
		c = &ReportCommand{m: m}
	case "check":
		c = &CheckCommand{m: m}
	case "value":
		c = &ValueCommand{m: m}
	case "import":
		c = &ImportCommand{m: m}
	case "reparse":
		c = &ReparseCommand{m: m}
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return &UsageError{Msg: fmt.Sprintf("unknown command %q", args[0])}
	}
	if err := c.ParseFlags(args[1:]); err != nil {
		return err
	}
	return c.Run(ctx)
}

// newFlags returns a flag set that reports errors as usage errors.
func (m *Main) newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: gmvscope %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{Msg: err.Error()}
	}
	return nil
}

// stringList is a repeatable or comma-separated flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}
