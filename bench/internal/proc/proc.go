// Package proc runs a benchmark's command in its own process and measures
// it: wall time, CPU seconds and peak RSS (from wait4), with its output.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
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

// Measure runs bin with args and env added to the environment.
func Measure(env []string, bin string, args ...string) (Run, error) {
	var out, errs bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errs
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	err := cmd.Run()
	r := Run{Seconds: time.Since(start).Seconds(), Stdout: out.String(), Stderr: errs.String()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.RSSMB = float64(ru.Maxrss) / 1024 // Linux reports KiB
		}
		r.CPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w: %s%s", bin, err, r.Stdout, r.Stderr)
	}
	return r, nil
}
