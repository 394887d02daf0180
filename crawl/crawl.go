// Package crawl fetches a source's pages with colly inside a bounded worker
// pool, politely, and hands every page (fetched or failed) with what the
// source's extractor found on it to the store in batches.
//
// A crawl runs in stages joined by channels that close in turn: the queue
// (the run's frontier in memory, with a scheduler that releases retries
// when they are due) feeds the workers; each worker takes a link through
// the budget, robots.txt, the host limiter and the fetcher to the
// extractor, and sends the outcome on; the writer batches outcomes into
// store transactions and keeps the statistics. When the queue is drained
// or closed the workers stop, the outcome channel closes, and the writer
// commits what is left and returns.
package crawl

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"gmvscope/market"
	"gmvscope/parse"
)

// Options configure one crawl. Zero values take Defaults' values, except
// RPS (0 is unlimited) and Robots (false ignores robots.txt), whose
// defaults for real sites are config's.
type Options struct {
	UserAgent     string        // identifying User-Agent with a contact URL
	Allowed       []Origin      // origins the crawl may send requests to, redirects included
	RPS           float64       // requests per second per host; 0 means unlimited
	Concurrency   int           // workers
	Robots        bool          // obey robots.txt
	RobotsTTL     time.Duration // how long a fetched robots.txt is used, within and across runs
	MaxBodySize   int           // bytes; a body over it is a failed fetch
	Timeout       time.Duration // per request, body included
	MaxPages      int           // stop after this many fetches; 0 means no limit
	MaxDuration   time.Duration // stop starting fetches after this long (on Clock); 0 means no limit
	MaxErrorRatio float64       // stop when this share of finished pages failed (after 20 pages); 0 means no limit
	BatchSize     int           // pages per store transaction
	SoftBlocks    []SoftBlock   // the source's own walls, checked with BuiltinSoftBlocks
	// Source names the crawled source: its earlier runs' pages give the
	// ETag and Last-Modified for conditional GETs.
	Source string
	// Header is sent with page requests to SessionOrigins only (a
	// session's cookie or token, read from the environment by the caller),
	// and taken off a redirect to any other origin before it is sent. It
	// is never logged or stored.
	Header         http.Header
	SessionOrigins []Origin
	Now            func() time.Time // stamps fetch times; default time.Now
	// Clock drives waiting: rate limits, host pauses, backoff and retries.
	// Default the real clock. Tests inject one to check politeness and
	// Retry-After without waiting. Now above only stamps fetch times.
	Clock Clock

	MaxAttempts   int            // tries per URL for retryable failures
	BackoffBase   time.Duration  // the first retry waits up to this, doubling each attempt
	BackoffMax    time.Duration  // longest backoff
	RetryAfterCap time.Duration  // longest Retry-After honoured
	Jitter        func() float64 // uniform in [0,1) for full jitter; default math/rand
}

// Defaults are the crawl's defaults: the one place they are set. Config
// starts a source's politeness from them.
var Defaults = Options{
	Concurrency:   1,
	RobotsTTL:     24 * time.Hour, // RFC 9309's upper bound for a cached robots.txt
	MaxBodySize:   10 << 20,
	Timeout:       30 * time.Second,
	BatchSize:     500,
	MaxAttempts:   3,
	BackoffBase:   time.Second,
	BackoffMax:    5 * time.Minute,
	RetryAfterCap: 10 * time.Minute,
}

// withDefaults fills o's zero fields from Defaults.
func (o Options) withDefaults() Options {
	d := Defaults
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&o.Concurrency, d.Concurrency)
	set(&o.MaxBodySize, d.MaxBodySize)
	set(&o.BatchSize, d.BatchSize)
	set(&o.MaxAttempts, d.MaxAttempts)
	setD(&o.RobotsTTL, d.RobotsTTL)
	setD(&o.Timeout, d.Timeout)
	setD(&o.BackoffBase, d.BackoffBase)
	setD(&o.BackoffMax, d.BackoffMax)
	setD(&o.RetryAfterCap, d.RetryAfterCap)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	return o
}

// Store is what a crawl needs from the database: the run's frontier, a
// place for each batch of pages, earlier pages for conditional GETs, and
// robots.txt kept between runs.
type Store interface {
	// Frontier lists a run's URLs still to fetch and every URL it has seen.
	Frontier(ctx context.Context, runID int64) ([]market.FrontierEntry, []string, error)
	// CommitBatch stores pages with their records, rejects and links atomically.
	CommitBatch(ctx context.Context, runID int64, batch []market.PageResult) error
	// Validators returns, per URL, the newest usable page of source stored
	// before run, with the ETag or Last-Modified it came with.
	Validators(ctx context.Context, source string, runID int64) (map[string]market.Validator, error)
	// StoredBody returns a stored page's body, decompressed.
	StoredBody(ctx context.Context, pageID int64) ([]byte, error)
	// Robots returns the stored copy of origin's robots.txt, if any.
	Robots(ctx context.Context, origin string) (market.RobotsFile, bool, error)
	// SaveRobots stores a fetched robots.txt, replacing the earlier copy.
	SaveRobots(ctx context.Context, f market.RobotsFile) error
}

// Clock tells the time and waits; a test clock can do both without the wall clock.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, d) }

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Extractors maps a page kind to the extractor that reads it.
type Extractors map[string]parse.Extractor

// Crawler runs crawls. It is configured once and used for one run.
type Crawler struct {
	opts  Options
	ex    Extractors
	store Store
	walls []SoftBlock // BuiltinSoftBlocks, then the source's own
	pages repeats
	// validators are earlier pages' ETag and Last-Modified by URL; read only during a run.
	validators map[string]market.Validator
	// Progress, when set, is called after every page with the running stats.
	Progress func(Stats)
	// OnResult, when set, is called with every page result (fetched,
	// failed, or failed and due for a retry) in the order the store gets them.
	OnResult func(market.PageResult)
	// OnCommit, when set, is called with each batch right after the store
	// committed it, in commit order, so callers can build on exactly what
	// was stored without reading it back.
	OnCommit func([]market.PageResult)
}

// New returns a crawler that stores into st.
func New(o Options, ex Extractors, st Store) *Crawler {
	walls := append(append([]SoftBlock(nil), BuiltinSoftBlocks...), o.SoftBlocks...)
	return &Crawler{opts: o.withDefaults(), ex: ex, store: st, walls: walls, pages: repeats{first: map[uint64]string{}}}
}

// Why a crawl that settled every URL stopped (Stats.Finish).
const (
	finishEmpty   = "frontier empty"
	finishNothing = "nothing to fetch"
)

// ErrBudget reports that the crawl stopped at one of its budgets (pages,
// time, error ratio); Stats.Finish says which.
var ErrBudget = errors.New("budget reached")

// Run crawls from the run's pending frontier until it is empty, ctx is
// cancelled or the budget is spent. Every page fetched is stored before Run
// returns, even when ctx is cancelled.
func (c *Crawler) Run(ctx context.Context, runID int64) (Stats, error) {
	pending, seen, err := c.store.Frontier(ctx, runID)
	if err != nil {
		return newStats(), err
	}
	if c.opts.Source != "" {
		if c.validators, err = c.store.Validators(ctx, c.opts.Source, runID); err != nil {
			return newStats(), err
		}
	}
	if len(pending) == 0 {
		st := newStats()
		st.Finish = finishNothing
		return st, nil
	}
	q := newQueue()
	q.load(pending, seen)
	go func() { <-ctx.Done(); q.close() }()

	f := newFetcher(ctx, c.opts, c.allowed)
	defer f.close()
	rb := newRobots(c.opts, f.transport, c.allowed, c.store, c.backoff)
	if c.opts.Robots {
		f.checkRedirect = func(req *http.Request) error {
			// The target's own robots.txt decides, as for a link.
			if ok, _, err := rb.allowed(req.Context(), req.URL); err != nil || !ok {
				return errRobotsRedirect
			}
			return nil
		}
	}
	lim := newHostLimiters(c.opts)
	b := newBudget(c.opts)
	w := newWriter(c, q, runID)

	go c.releaseRetries(ctx, q)
	// Room for a whole batch: workers keep fetching while the writer commits.
	results := make(chan outcome, c.opts.BatchSize)
	var wg sync.WaitGroup
	for range c.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.work(ctx, q, b, f, rb, lim, results)
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// The writer keeps writing after ctx is cancelled so no fetched page is lost.
	st, werr := w.run(context.WithoutCancel(ctx), results)
	st.RobotsFetch = rb.requests()
	switch {
	case werr != nil:
		st.Finish = "store error"
		return st, werr
	case ctx.Err() != nil:
		st.Finish = "cancelled"
		return st, ctx.Err()
	case b.reason() != "":
		st.Finish = b.reason()
		return st, ErrBudget
	}
	st.Finish = finishEmpty
	return st, nil
}

// work is one worker: it takes links from the queue until it is drained
// or closed, and sends each outcome on.
func (c *Crawler) work(ctx context.Context, q *queue, b *budget, f *fetcher, rb *robots, lim *hostLimiters, results chan<- outcome) {
	for {
		it, ok := q.next()
		if !ok {
			return
		}
		if ctx.Err() != nil || !b.start() {
			q.close()
			return
		}
		out := c.page(ctx, f, rb, lim, it)
		if ctx.Err() != nil && out.Page.Status == 0 {
			// Cancelled before a response: the URL stays pending in the frontier.
			q.close()
			q.done()
			continue
		}
		if wait, ok := c.retryable(out.Page, out.fetch); ok && it.attempts+1 < c.opts.MaxAttempts {
			now := c.opts.Clock.Now()
			if out.fetch != nil && (out.fetch.status == http.StatusTooManyRequests || out.fetch.status == http.StatusServiceUnavailable) {
				lim.pause(hostOf(it.URL), now.Add(wait))
			}
			out.RetryAt = now.Add(wait)
			out.Links = nil // followed from the attempt that succeeds
			results <- out
			q.retry(item{Link: it.Link, ref: it.ref, attempts: it.attempts + 1, due: out.RetryAt})
			continue // still open
		}
		b.finish(out.Page.Failure != "")
		var refs []urlRef
		out.Links, refs = q.claim(out.Links)
		results <- out // the store gets the links before any of their pages
		q.enqueue(out.Links, refs)
		q.done()
	}
}

// allowed reports whether u's origin (scheme, host and port) is allowed.
func (c *Crawler) allowed(u *url.URL) bool { return matchAny(c.opts.Allowed, u) }
