// Package proc runs a benchmark's command in its own process and measures
// it: wall time, CPU seconds and peak RSS (from wait4), with its output.
//
// The command is started by a small runner (this binary again, taken over
// by this package's init), never by the benchmark itself: Linux starts a
// child's peak RSS at its parent's size when the child was forked (Go
// forks with the parent's memory shared until exec, and exec keeps the
// old memory's high-water mark), so a benchmark holding a 600,000-creator
// sample market would have measured every command at 700 MB or more.
package proc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Run is one measured run of a command.
type Run struct {
	Seconds float64 // wall time
	CPU     float64 // user + system seconds
	RSSMB   float64 // peak resident set, MiB
	Stdout  string
	Stderr  string
}

// runnerEnv names the file a runner writes its child's usage into.
const runnerEnv = "GMVSCOPE_BENCH_RUNNER_OUT"

// usage is what a runner reports about its child.
type usage struct {
	MaxRSSKiB int64   `json:"max_rss_kib"`
	CPU       float64 `json:"cpu"`
	Code      int     `json:"code"`
}

func init() {
	out := os.Getenv(runnerEnv)
	if out == "" {
		return
	}
	// This process is a runner: start the command, wait, report, exit.
	os.Unsetenv(runnerEnv)
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var u usage
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(127)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.MaxRSSKiB = ru.Maxrss // Linux reports KiB
	}
	u.CPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	u.Code = cmd.ProcessState.ExitCode()
	b, _ := json.Marshal(u)
	if err := os.WriteFile(out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(127)
	}
	os.Exit(u.Code)
}

// Measure runs bin with args and env added to the environment.
func Measure(env []string, bin string, args ...string) (Run, error) {
	self, err := os.Executable()
	if err != nil {
		return Run{}, err
	}
	dir, err := os.MkdirTemp("", "gmvscope-proc-")
	if err != nil {
		return Run{}, err
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "usage.json")
	var out, errs bytes.Buffer
	cmd := exec.Command(self, append([]string{bin}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errs
	cmd.Env = append(append(os.Environ(), env...), runnerEnv+"="+report)
	start := time.Now()
	err = cmd.Run()
	r := Run{Seconds: time.Since(start).Seconds(), Stdout: out.String(), Stderr: errs.String()}
	if b, rerr := os.ReadFile(report); rerr == nil {
		var u usage
		if jerr := json.Unmarshal(b, &u); jerr == nil {
			r.RSSMB, r.CPU = float64(u.MaxRSSKiB)/1024, u.CPU
		}
	} else if err == nil {
		err = fmt.Errorf("no usage reported: %w", rerr)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w: %s%s", bin, err, r.Stdout, r.Stderr)
	}
	return r, nil
}
