package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/internal/suggest"
	"gmvscope/pipeline"
	"gmvscope/schedule"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitPartial = 3
	ExitLocked  = 4 // another process is crawling the source: the run did not start
)

// UsageError is a command line mistake; it exits 2. Hint, when set, is
// printed on its own line after the error.
type UsageError struct {
	Msg  string
	Hint string
}

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
	// Getenv reads the environment (session secrets, ${VAR} in config,
	// GMVSCOPE_CONFIG); nil is os.Getenv.
	Getenv func(string) string
	// UserConfigDir is where a user's config.yaml is looked for last; ""
	// asks the operating system.
	UserConfigDir string
	// ScheduleClock drives the daemon's schedule; nil is the real clock.
	ScheduleClock schedule.Clock
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

// commands are the subcommands, with what each does, in the order help lists them.
var commands = []struct {
	name, what string
	make       func(m *Main) command
}{
	{"demo", "serve the bundled sample market, crawl it, store a snapshot, write the report", func(m *Main) command { return &DemoCommand{m: m} }},
	{"run", "crawl every enabled source (or --source), store snapshots, write reports", func(m *Main) command { return &RunCommand{m: m, report: true} }},
	{"crawl", "crawl and store snapshots without writing reports", func(m *Main) command { return &RunCommand{m: m} }},
	{"report", "write the report of a stored snapshot", func(m *Main) command { return &ReportCommand{m: m} }},
	{"export", "write a snapshot's charts as PNG, SVG and CSV, with title, notes, source and date inside", func(m *Main) command { return &ExportCommand{m: m} }},
	{"check", "validate the config; or run a source's extractor on a saved file or a URL", func(m *Main) command { return &CheckCommand{m: m} }},
	{"reparse", "rebuild a run's snapshot from its stored pages with the current config, no network", func(m *Main) command { return &ReparseCommand{m: m} }},
	{"import", "read a vendor export (CSV or JSON) through a source's column mapping into a snapshot", func(m *Main) command { return &ImportCommand{m: m} }},
	{"value", `show what gmvscope makes of numbers as pages write them ("35.8K", "Rp 2,1 jt")`, func(m *Main) command { return &ValueCommand{m: m} }},
	{"schedule", "run as a daemon: crawl each source on its cron schedule, serve /healthz and /metrics", func(m *Main) command { return &ScheduleCommand{m: m} }},
	{"prune", "drop the bodies of raw pages older than a retention period (snapshots stay)", func(m *Main) command { return &PruneCommand{m: m} }},
	{"init", "write a commented starter config.yaml", func(m *Main) command { return &InitCommand{m: m} }},
	{"version", "print gmvscope's version and build", func(m *Main) command { return &VersionCommand{m: m} }},
}

func usage() string {
	var b strings.Builder
	b.WriteString(`gmvscope: do followers sell? Crawl creator-commerce leaderboards, keep snapshots, report.

Usage:
  gmvscope <command> [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.what)
	}
	b.WriteString(`
Examples:
  gmvscope demo
  gmvscope run --source demo
  gmvscope report --source demo
  gmvscope check
  gmvscope check --source demo --kind leaderboard --url https://example.org/top saved.html
  gmvscope import kalodata-export.csv --source kalodata
  gmvscope value --locale id --currency IDR 'Rp 2,1 jt' '35,8 rb'

The config is --config, else $GMVSCOPE_CONFIG, else ./config.yaml, else ~/.config/gmvscope/config.yaml.
Exit codes: 0 ok, 1 error, 2 usage, 3 partial run (pages failed or never reached; snapshot kept),
4 the source is being crawled by another process (its holder is named).
Run "gmvscope <command> --help" for a command's flags.
`)
	return b.String()
}

// Run runs the command named by args[0] and returns the exit code. An
// error is printed once, with at most one hint line.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.run(ctx, args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var ce config.Errors
	if errors.As(err, &ce) { // a config's problems, a line each
		for _, e := range ce {
			fmt.Fprintln(m.Stderr, "gmvscope:", e)
		}
	} else {
		fmt.Fprintln(m.Stderr, "gmvscope:", err)
	}
	var ue *UsageError
	if errors.As(err, &ue) && ue.Hint != "" {
		fmt.Fprintln(m.Stderr, ue.Hint)
	}
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
			case c != ExitPartial && c != ExitOK && (code == ExitOK || code == ExitPartial || code == ExitLocked):
				code = c
			}
		}
		return code
	}
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, pipeline.ErrPartial):
		return ExitPartial
	case errors.Is(err, pipeline.ErrLocked):
		return ExitLocked
	}
	return ExitError
}

func (m *Main) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage())
		return &UsageError{Msg: "no command given"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage())
		return nil
	case "--version", "-version":
		return (&VersionCommand{m: m}).Run(ctx)
	}
	var names []string
	for _, c := range commands {
		if c.name == args[0] {
			cmd := c.make(m)
			if err := cmd.ParseFlags(args[1:]); err != nil {
				return err
			}
			return cmd.Run(ctx)
		}
		names = append(names, c.name)
	}
	return &UsageError{Msg: fmt.Sprintf("unknown command %q%s", args[0], suggest.Hint(args[0], names)),
		Hint: `Run "gmvscope --help" for the commands.`}
}

// flags is a command's flag set, with help written as the best CLIs
// write it: --flag, to stdout on --help, an example, and mistakes
// reported once by the caller.
type flags struct {
	*flag.FlagSet
	m        *Main
	synopsis string
	example  string
}

func (m *Main) newFlags(name, synopsis, example string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help is printed by parse
	fs.Usage = func() {}
	return &flags{FlagSet: fs, m: m, synopsis: synopsis, example: example}
}

// help writes the command's usage to w.
func (f *flags) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: gmvscope %s\n", f.synopsis)
	var lines [][2]string
	width := 0
	f.VisitAll(func(fl *flag.Flag) {
		name := "--" + fl.Name
		arg, desc := flag.UnquoteUsage(fl)
		if arg != "" && !isBool(fl) {
			name += " " + arg
		}
		width = max(width, len(name))
		if fl.DefValue != "" && fl.DefValue != "false" && fl.DefValue != "0" && fl.DefValue != "[]" {
			desc += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		lines = append(lines, [2]string{name, desc})
	})
	if len(lines) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		for _, l := range lines {
			fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
		}
	}
	if f.example != "" {
		fmt.Fprintf(w, "\nExample:\n  %s\n", strings.ReplaceAll(f.example, "\n", "\n  "))
	}
}

func isBool(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parse reads args: flags may come before or after positional arguments
// ("import FILE --source x"), and a text that reads as a negative number
// ("-1,234") is an argument, not a flag. It returns the positional ones.
// --help prints the usage to stdout and returns flag.ErrHelp.
func (f *flags) parse(args []string) ([]string, error) {
	// A negative number is held out of the flag parser as a token that
	// cannot be a flag, and put back in its place.
	const held = "\x00arg"
	var kept []string
	rest := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if negativeNumber(a) {
			rest = append(rest, held+strconv.Itoa(len(kept)))
			kept = append(kept, a)
			continue
		}
		rest = append(rest, a)
	}
	var pos []string
	defer func() {
		for i, a := range pos {
			if n, ok := strings.CutPrefix(a, held); ok {
				j, _ := strconv.Atoi(n)
				pos[i] = kept[j]
			}
		}
	}()
	for len(rest) > 0 {
		if err := f.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help(f.m.Stdout)
				return nil, err
			}
			return nil, f.usageError(err)
		}
		if f.NArg() == 0 {
			break
		}
		pos = append(pos, f.Arg(0))
		rest = f.Args()[1:]
	}
	return pos, nil
}

// negativeNumber reports whether a looks like "-1,234" or "-.5%".
func negativeNumber(a string) bool {
	return len(a) > 1 && a[0] == '-' && (a[1] >= '0' && a[1] <= '9' || a[1] == '.')
}

// usageError turns the flag package's message into ours: --flag, with
// the closest flag when one was mistyped, and one hint line.
func (f *flags) usageError(err error) error {
	msg := err.Error()
	hint := fmt.Sprintf(`Run "gmvscope %s --help" for its flags.`, f.Name())
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		f.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
		sort.Strings(names)
		return &UsageError{Msg: fmt.Sprintf("unknown flag --%s%s", name, dashed(suggest.Hint(name, names))), Hint: hint}
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return &UsageError{Msg: "flag --" + strings.TrimLeft(name, "-") + " needs a value", Hint: hint}
	}
	if strings.HasPrefix(msg, "invalid value ") {
		// invalid value "x" for flag -creators: parse error
		msg = strings.Replace(msg, "for flag -", "for --", 1)
	}
	return &UsageError{Msg: msg, Hint: hint}
}

// dashed puts -- before the name in a "did you mean" hint.
func dashed(hint string) string {
	if hint == "" {
		return ""
	}
	return strings.Replace(hint, "did you mean ", "did you mean --", 1)
}

// noArgs is the usage error of a command given arguments it does not take.
func (f *flags) noArgs(pos []string) error {
	if len(pos) == 0 {
		return nil
	}
	return &UsageError{Msg: fmt.Sprintf("%s takes no arguments, got %q", f.Name(), pos),
		Hint: fmt.Sprintf(`Run "gmvscope %s --help" for its flags.`, f.Name())}
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
