package pipeline

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestReportMemoryLimit: a report runs under its soft memory limit and
// puts back the one before; a limit already set (GOMEMLIMIT) is kept.
func TestReportMemoryLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(before)
	if got := ReportMemory(600_000); got != 400<<20 {
		t.Errorf("600,000 creators: %d", got)
	}
	if got := ReportMemory(2_000_000); got != 1_350_000_000 {
		t.Errorf("2,000,000 creators: %d", got)
	}
	restore := limitMemory(2_000_000)
	if got := debug.SetMemoryLimit(-1); got != 1_350_000_000 {
		t.Errorf("during the report: %d", got)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after it: %d", got)
	}
	debug.SetMemoryLimit(300 << 20) // as GOMEMLIMIT=300MiB sets it
	limitMemory(2_000_000)()
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Errorf("GOMEMLIMIT's limit became %d", got)
	}
	t.Setenv("GOMEMLIMIT", "off") // the runtime's "no limit", kept
	debug.SetMemoryLimit(math.MaxInt64)
	if limitMemory(2_000_000); debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Error("GOMEMLIMIT=off got a limit")
	}
}
