package crawl

import (
	"fmt"
	"sync"
	"time"
)

// budget stops a crawl from starting fetches once it has made its pages,
// spent its time or failed too large a share of its pages. Workers ask it
// before each fetch and tell it how each page ended.
type budget struct {
	o     Options
	began time.Time

	mu                     sync.Mutex
	fetches, finished, bad int
	spent                  string // why no more fetches may start; "" while they may
}

func newBudget(o Options) *budget { return &budget{o: o, began: o.Clock.Now()} }

// start reports whether another fetch may start, and counts it.
func (b *budget) start() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.o
	switch {
	case b.spent != "":
	case o.MaxPages > 0 && b.fetches >= o.MaxPages:
		b.spent = fmt.Sprintf("page budget of %d reached", o.MaxPages)
	case o.MaxDuration > 0 && o.Clock.Now().Sub(b.began) >= o.MaxDuration:
		b.spent = fmt.Sprintf("time budget of %s reached", o.MaxDuration)
	case o.MaxErrorRatio > 0 && b.finished >= 20 && float64(b.bad)/float64(b.finished) > o.MaxErrorRatio:
		b.spent = fmt.Sprintf("error ratio %.0f%% over the %.0f%% budget", 100*float64(b.bad)/float64(b.finished), 100*o.MaxErrorRatio)
	}
	if b.spent != "" {
		return false
	}
	b.fetches++
	return true
}

// finish counts a page that ended (not one due for a retry).
func (b *budget) finish(failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished++
	if failed {
		b.bad++
	}
}

// reason says which budget stopped the crawl, or "".
func (b *budget) reason() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}
