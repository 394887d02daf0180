package crawl

import (
	"sync"

	"gmvscope/market"
)

// queue is the in-memory view of a run's pending frontier: an unbounded
// FIFO that knows every URL it has seen and how many are still in flight,
// so the crawl ends exactly when nothing is queued or being fetched.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []market.Link
	seen   map[string]bool
	open   int // queued + being processed
	closed bool
}

func newQueue() *queue {
	q := &queue{seen: map[string]bool{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// add queues links not seen before and returns those it queued.
func (q *queue) add(links []market.Link) []market.Link {
	q.mu.Lock()
	defer q.mu.Unlock()
	var added []market.Link
	for _, l := range links {
		if q.seen[l.URL] || q.closed {
			continue
		}
		q.seen[l.URL] = true
		q.items = append(q.items, l)
		q.open++
		added = append(added, l)
	}
	q.cond.Broadcast()
	return added
}

// next blocks for a link; ok is false once the queue is drained or closed.
func (q *queue) next() (market.Link, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return market.Link{}, false
	}
	l := q.items[0]
	q.items[0] = market.Link{}
	q.items = q.items[1:]
	return l, true
}

// done marks one link processed; the last one closes the queue.
func (q *queue) done() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.open--
	if q.open == 0 {
		q.closed = true
		q.cond.Broadcast()
	}
}

// close stops the queue (cancellation, budget); queued links stay pending
// in the store's frontier.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// left is how many links are queued and not yet taken.
func (q *queue) left() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
