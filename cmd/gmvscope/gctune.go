package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// gcFloor is the heap size below which the collector does not run. With
// Go's default (collect when the heap doubles), a crawl whose live heap is a
// few megabytes collects every few megabytes allocated: about a hundred
// cycles for the 20,000-creator benchmark crawl. With the floor it is about
// half that, and the peak RSS stays far under the benchmark's 100 MB
// (bench/crawl.sh reports it); a larger floor raised it past that.
const gcFloor = 32 << 20

// tuneGC keeps the collector's goal at least floor bytes: after each cycle
// it sets GOGC so that the next one starts at max(floor, Go's default goal).
// It never sets GOGC below Go's default of 100, so a large heap is collected
// as usual. A GOGC or GOMEMLIMIT in the environment is left to rule alone.
// The returned func stops the tuning.
func tuneGC(floor uint64) (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	var stopped atomic.Bool
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	var mu sync.Mutex // finalizers of successive cycles may overlap
	retune := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if stopped.Load() {
			return false
		}
		metrics.Read(sample)
		var v [3]uint64
		for i, s := range sample {
			if s.Value.Kind() != metrics.KindUint64 {
				return false
			}
			v[i] = s.Value.Uint64()
		}
		debug.SetGCPercent(gcPercent(v[0], v[1]+v[2], floor))
		return true
	}
	onEachGC(retune)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped.Store(true)
	}
}

// gcPercent is the GOGC that starts the next cycle at max(floor, the
// default goal), given the live heap and the stacks and globals the
// collector also scans. Go's goal is live + (live + scanned) × GOGC/100,
// but never under 4 MB × GOGC/100, which bounds GOGC for a tiny heap.
func gcPercent(live, scanned, floor uint64) int {
	if live == 0 || live+live+scanned >= floor { // zero: no cycle has run yet
		return 100
	}
	return int(min((floor-live)*100/(live+scanned), floor*100/(4<<20)))
}

// onEachGC calls fn after every garbage collection, from a finalizer that
// re-arms itself, until fn returns false.
func onEachGC(fn func() bool) {
	s := new(gcSentinel)
	runtime.SetFinalizer(s, func(*gcSentinel) {
		if fn() {
			onEachGC(fn)
		}
	})
}

// gcSentinel is large enough not to be a tiny allocation, whose finalizer
// might never run.
type gcSentinel struct{ _ [16]byte }
