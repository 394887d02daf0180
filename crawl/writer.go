package crawl

import (
	"context"
	"time"

	"gmvscope/market"
)

// writer is the crawl's last stage: it batches outcomes into store
// transactions (a full batch, or whatever has waited 200 ms), keeps the
// statistics, and tells the crawler's callbacks, in the order the store
// gets each result.
type writer struct {
	c     *Crawler
	q     *queue
	runID int64
	batch []market.PageResult
	err   error
}

func newWriter(c *Crawler, q *queue, runID int64) *writer {
	return &writer{c: c, q: q, runID: runID, batch: make([]market.PageResult, 0, c.opts.BatchSize)}
}

// run drains results until it is closed and returns the statistics and
// the first store error. After a store error it stops committing and
// closes the queue, but still drains the channel so the workers finish.
func (w *writer) run(ctx context.Context, results <-chan outcome) (Stats, error) {
	st := newStats()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case o, ok := <-results:
			if !ok {
				w.flush(ctx)
				st.Queued = w.q.left()
				st.close()
				return st, w.err
			}
			st.add(o)
			w.batch = append(w.batch, o.PageResult)
			if len(w.batch) >= w.c.opts.BatchSize {
				w.flush(ctx)
			}
			if w.c.OnResult != nil {
				w.c.OnResult(o.PageResult)
			}
			if w.c.Progress != nil {
				snap := st
				snap.Queued = w.q.left()
				w.c.Progress(snap)
			}
		case <-tick.C:
			w.flush(ctx)
		}
	}
}

func (w *writer) flush(ctx context.Context) {
	if len(w.batch) == 0 || w.err != nil {
		w.batch = w.batch[:0]
		return
	}
	if err := w.c.store.CommitBatch(ctx, w.runID, w.batch); err != nil {
		w.err = err
		w.q.close()
	} else if w.c.OnCommit != nil {
		w.c.OnCommit(w.batch)
	}
	// OnCommit may keep the batch: the next one is a new slice.
	w.batch = make([]market.PageResult, 0, w.c.opts.BatchSize)
}
