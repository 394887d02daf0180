package crawl

import (
	"container/heap"
	"math"
	"sync"
	"time"

	"gmvscope/market"
)

// item is a frontier entry being fetched or waiting for a retry: a link
// and how many times it was tried.
type item struct {
	market.Link
	ref      urlRef // where the queue keeps the URL
	attempts int
	due      time.Time // for a retry: not before this time
}

// waiting is a link in the ready list, held without pointers (its URL in
// the queue's set, its kind as an index) so that the garbage collector
// does not scan the list: a full market's crawl queues 600,000 of them.
type waiting struct {
	ref      urlRef
	kind     uint32
	attempts int32
}

// queue is the in-memory view of a run's pending frontier: a FIFO of
// ready links, a heap of retries waiting for their time, the set of every
// URL seen, and how many links are still open (queued, waiting or being
// fetched), so the crawl ends exactly when nothing is left.
type queue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	ready   []waiting
	delayed delayHeap
	seen    urlSet
	kinds   []string          // the links' kinds, indexed by waiting.kind
	kindOf  map[string]uint32 // and back
	open    int
	closed  bool
	wake    chan struct{} // tells the scheduler an earlier retry arrived
}

func newQueue() *queue {
	q := &queue{seen: newURLSet(), kindOf: map[string]uint32{}, wake: make(chan struct{}, 1)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// claim marks the links not seen before as seen and returns them, with
// where the queue keeps each, without queueing them: the caller hands them
// to the store first and then to enqueue, so no fetch of a link can be
// stored before the link itself. Links found after the queue closed are
// claimed too; they stay pending in the store for a resumed run.
func (q *queue) claim(links []market.Link) ([]market.Link, []urlRef) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var fresh []market.Link
	var refs []urlRef
	for _, l := range links {
		r, isNew := q.seen.add(l.URL)
		if !isNew {
			continue
		}
		fresh = append(fresh, l)
		refs = append(refs, r)
	}
	return fresh, refs
}

// enqueue queues claimed links, unless the queue is closed.
func (q *queue) enqueue(links []market.Link, refs []urlRef) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(links) == 0 {
		return
	}
	for i, l := range links {
		q.ready = append(q.ready, waiting{ref: refs[i], kind: q.kind(l.Kind)})
		q.open++
	}
	q.cond.Broadcast()
}

// kind returns the index of a link kind, adding it if new.
func (q *queue) kind(k string) uint32 {
	i, ok := q.kindOf[k]
	if !ok {
		i = uint32(len(q.kinds))
		q.kinds = append(q.kinds, k)
		q.kindOf[k] = i
	}
	return i
}

// load fills the queue from the store's frontier: every URL the run has
// seen, and the pending ones with their attempts so far.
func (q *queue) load(pending []market.FrontierEntry, seen []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, u := range seen {
		q.seen.add(u)
	}
	for _, e := range pending {
		r, _ := q.seen.add(e.URL)
		q.ready = append(q.ready, waiting{ref: r, kind: q.kind(e.Kind), attempts: int32(min(e.Attempts, math.MaxInt32))})
		q.open++
	}
	q.cond.Broadcast()
}

// retry puts an open item back to be fetched again at due. It stays open.
func (q *queue) retry(it item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	heap.Push(&q.delayed, it)
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// release moves retries due at now to the ready list and returns the time
// of the next one (zero if none).
func (q *queue) release(now time.Time) time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.delayed.Len() > 0 && !q.delayed[0].due.After(now) {
		it := heap.Pop(&q.delayed).(item)
		q.ready = append(q.ready, waiting{ref: it.ref, kind: q.kind(it.Kind), attempts: int32(min(it.attempts, math.MaxInt32))})
		q.cond.Broadcast()
	}
	if q.delayed.Len() == 0 {
		return time.Time{}
	}
	return q.delayed[0].due
}

// next blocks for an item; ok is false once the queue is drained or closed.
func (q *queue) next() (item, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ready) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return item{}, false
	}
	w := q.ready[0]
	q.ready = q.ready[1:]
	return item{Link: market.Link{URL: q.seen.url(w.ref), Kind: q.kinds[w.kind]}, ref: w.ref, attempts: int(w.attempts)}, true
}

// done marks one open item finished; the last one closes the queue.
func (q *queue) done() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.open--
	if q.open == 0 {
		q.closed = true
		q.cond.Broadcast()
	}
}

// close stops the queue (cancellation, budget); what is queued stays
// pending in the store's frontier.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// left is how many links wait: queued or waiting to be retried.
func (q *queue) left() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready) + q.delayed.Len()
}

// delayHeap orders retries by due time.
type delayHeap []item

func (h delayHeap) Len() int           { return len(h) }
func (h delayHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h delayHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)        { *h = append(*h, x.(item)) }
func (h *delayHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
