package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestGCPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, scanned, floor uint64
		want                 int
	}{
		{0, 1 * mb, 32 * mb, 100},        // no cycle yet: Go's default
		{4 * mb, 0, 32 * mb, 700},        // 4 + 4 × 7 = 32
		{3 * mb, 1 * mb, 32 * mb, 725},   // 3 + 4 × 7.25 = 32
		{16 * mb, 0, 32 * mb, 100},       // the default goal reaches the floor
		{200 * mb, 1 * mb, 32 * mb, 100}, // large heaps are left alone
		{15 * mb, 1 * mb, 32 * mb, 106},  // 15 + 16 × 1.06 ≈ 32
		{1, 0, 32 * mb, 800},             // tiny heap: 4 MB (Go's minimum) × 8 is the floor
	} {
		if got := gcPercent(c.live, c.scanned, c.floor); got != c.want {
			t.Errorf("gcPercent(%d, %d, %d) = %d, want %d", c.live, c.scanned, c.floor, got, c.want)
		}
	}
}

// After a collection the tuner has set GOGC from the live heap; an explicit
// GOGC in the environment turns it off.
func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	stop := tuneGC(1 << 30) // a floor no test heap reaches
	defer stop()
	for range 3 {
		runtime.GC() // the finalizer runs after a cycle, on its own goroutine
		runtime.Gosched()
	}
	var got int
	for range 100 {
		runtime.GC()
		if got = debug.SetGCPercent(100); got > 1000 {
			break
		}
	}
	if got <= 1000 {
		t.Errorf("GOGC after collections is %d, want it far above 100: the floor is out of reach", got)
	}
	stop()
	debug.SetGCPercent(100)
	runtime.GC()
	runtime.GC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after stop is %d, want 100: the tuner still runs", got)
	}
}
