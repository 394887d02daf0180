package store

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentOpen: processes that open one new store at once take
// turns at its migrations; none fails.
func TestConcurrentOpen(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "g.db")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := Open(t.Context(), path)
				if err == nil {
					db.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
