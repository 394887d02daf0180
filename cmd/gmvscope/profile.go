package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startProfile writes cpu.pprof, heap.pprof (allocations) and trace.out
// (an execution trace: go tool trace) into dir when the
// GMVSCOPE_PROFILE environment variable names one (for benchmarks); the
// returned func stops it.
func startProfile(dir string) (func(), error) {
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	t, err := os.Create(filepath.Join(dir, "trace.out"))
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := trace.Start(t); err != nil {
		t.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	return func() {
		trace.Stop()
		t.Close()
		pprof.StopCPUProfile()
		f.Close()
		h, err := os.Create(filepath.Join(dir, "heap.pprof"))
		if err != nil {
			return
		}
		defer h.Close()
		runtime.GC()
		pprof.Lookup("allocs").WriteTo(h, 0)
	}, nil
}
