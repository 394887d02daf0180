// Package crawl fetches a source's pages with colly inside a bounded worker
// pool, politely, and hands every page (fetched or failed) with what the
// source's extractor found on it to the store in batches.
package crawl

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/time/rate"

	"gmvscope/market"
	"gmvscope/parse"
)

// Options configure one crawl. Zero values get the defaults noted.
type Options struct {
	UserAgent     string        // identifying User-Agent with a contact URL
	Allowed       []Origin      // origins the crawl may send requests to, redirects included
	RPS           float64       // requests per second per host; 0 means unlimited
	Concurrency   int           // workers; default 1
	Robots        bool          // obey robots.txt
	RobotsTTL     time.Duration // how long a fetched robots.txt is used, within and across runs; default 24h
	MaxBodySize   int           // bytes; default 10 MiB; a body over it is a failed fetch
	Timeout       time.Duration // per request; default 30s
	MaxPages      int           // stop after this many fetches; 0 means no limit
	MaxDuration   time.Duration // stop starting fetches after this long (on Clock); 0 means no limit
	MaxErrorRatio float64       // stop when this share of finished pages failed (after 20 pages); 0 means no limit
	BatchSize     int           // pages per store transaction; default 500
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
	Now            func() time.Time
	// Clock drives waiting: rate limits, host pauses, backoff and retries.
	// Default the real clock. Tests inject one to check politeness and
	// Retry-After without waiting. Now above only stamps fetch times.
	Clock Clock

	MaxAttempts   int            // tries per URL for retryable failures; default 3
	BackoffBase   time.Duration  // first retry waits up to this; default 1s, doubling each attempt
	BackoffMax    time.Duration  // longest backoff; default 5m
	RetryAfterCap time.Duration  // longest Retry-After honoured; default 10m
	Jitter        func() float64 // uniform in [0,1) for full jitter; default math/rand
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

// Stats summarise a crawl.
type Stats struct {
	Fetched     int            `json:"fetched"`   // pages fetched and usable
	Failed      int            `json:"failed"`    // pages that ended in failure
	ByStatus    map[int]int    `json:"by_status"` // HTTP responses by status code
	Failures    map[string]int `json:"failures"`  // failed pages by reason
	Records     int            `json:"records"`
	Rejects     int            `json:"rejects"`
	Bytes       int64          `json:"bytes"`
	OffSite     int            `json:"off_site"`       // links dropped: host not allowed
	RobotsDeny  int            `json:"robots_deny"`    // URLs robots.txt disallowed
	RobotsFetch int            `json:"robots_fetches"` // robots.txt requests (a stored copy younger than the TTL is not asked for again)
	Retries     int            `json:"retries"`        // failed attempts that were tried again
	Decoded     int            `json:"decoded"`        // pages converted to UTF-8 from a legacy charset
	Repeated    int            `json:"repeated_pages"` // pagination pages whose rows repeated an earlier page's
	Repaired    int            `json:"repaired_texts"` // texts made valid UTF-8 or stripped of control characters
	NotModified int            `json:"not_modified"`   // 304s: the stored page was reused
	Queued      int            `json:"queued"`         // links waiting when the crawl stopped
	LatencyP50  time.Duration  `json:"latency_p50"`    // nanoseconds
	LatencyP95  time.Duration  `json:"latency_p95"`
	Finish      string         `json:"finish"` // why the crawl stopped
	latencies   []time.Duration
}

// Crawler runs crawls. It is configured once and used for one run.
type Crawler struct {
	opts  Options
	ex    Extractors
	store market.Store
	pmu   sync.Mutex
	pages map[string]string // fingerprint of a page's row keys -> the first URL with them
	walls []SoftBlock       // BuiltinSoftBlocks, then the source's own
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
func New(o Options, ex Extractors, st market.Store) *Crawler {
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = 10 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Minute
	}
	if o.RetryAfterCap <= 0 {
		o.RetryAfterCap = 10 * time.Minute
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.RobotsTTL <= 0 {
		o.RobotsTTL = robotsDefaultTTL
	}
	walls := append(append([]SoftBlock(nil), BuiltinSoftBlocks...), o.SoftBlocks...)
	return &Crawler{opts: o, ex: ex, store: st, pages: map[string]string{}, walls: walls}
}

// ErrBudget reports that the crawl stopped at one of its budgets (pages,
// time, error ratio); Stats.Finish says which.
var ErrBudget = errors.New("budget reached")

// Run crawls from the run's pending frontier until it is empty, ctx is
// cancelled or the budget is spent. Every page fetched is stored before Run
// returns, even when ctx is cancelled.
func (c *Crawler) Run(ctx context.Context, runID int64) (Stats, error) {
	st := Stats{ByStatus: map[int]int{}, Failures: map[string]int{}}
	pending, seen, err := c.store.Frontier(ctx, runID)
	if err != nil {
		return st, err
	}
	if c.opts.Source != "" {
		if c.validators, err = c.store.Validators(ctx, c.opts.Source, runID); err != nil {
			return st, err
		}
	}
	q := newQueue()
	q.load(pending, seen)
	go func() { <-ctx.Done(); q.close() }()
	if len(pending) == 0 {
		st.Finish = "nothing to fetch"
		return st, nil
	}

	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        c.opts.Concurrency * 2,
		MaxIdleConnsPerHost: c.opts.Concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	defer transport.CloseIdleConnections()
	col := colly.NewCollector(
		colly.UserAgent(c.opts.UserAgent),
		colly.AllowedDomains(), // hosts are checked by allowed(), which also knows wildcards
		colly.AllowURLRevisit(),
		colly.IgnoreRobotsTxt(), // robots.txt is ours: RFC 9309 status handling
		colly.MaxBodySize(c.opts.MaxBodySize+1),
		colly.StdlibContext(ctx),
		colly.ParseHTTPErrorResponse(),
	)
	col.WithTransport(transport)
	col.SetCookieJar(&originJar{})
	col.SetRequestTimeout(c.opts.Timeout)
	// A body that is not a page is refused from its headers, before it is
	// downloaded (a PDF, an image, a gzip file that could be a bomb).
	col.OnResponseHeaders(func(r *colly.Response) {
		f := r.Ctx.GetAny("fetch").(*fetch)
		f.status, f.contentType = r.StatusCode, r.Headers.Get("Content-Type")
		if !textual(f.contentType) {
			r.Request.Abort()
		}
	})
	col.OnResponse(func(r *colly.Response) {
		f := r.Ctx.GetAny("fetch").(*fetch)
		f.status, f.body, f.contentType, f.final, f.header = r.StatusCode, r.Body, r.Headers.Get("Content-Type"), r.Request.URL, *r.Headers
	})
	col.OnError(func(r *colly.Response, err error) {
		f := r.Ctx.GetAny("fetch").(*fetch)
		f.err = err
		if r.StatusCode > 0 { // zero when the body failed after the headers: keep their status
			f.status = r.StatusCode
			f.body, f.contentType = r.Body, r.Headers.Get("Content-Type")
			if r.Headers != nil {
				f.header = *r.Headers
			}
		}
	})

	limiters := &hostLimiters{rps: c.opts.RPS, m: map[string]*rate.Limiter{}, paused: map[string]time.Time{}, clock: c.opts.Clock, jitter: c.opts.Jitter}
	go c.schedule(ctx, q)
	rb := &robots{
		client: &http.Client{Transport: transport, Timeout: c.opts.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 { // RFC 9309: follow at least five
				return fmt.Errorf("robots.txt redirected %d times", len(via))
			}
			if !c.allowed(req.URL) {
				return errOffSite
			}
			return nil
		}},
		agent: c.opts.UserAgent, clock: c.opts.Clock, ttl: c.opts.RobotsTTL, cap: c.opts.RetryAfterCap,
		backoff: c.backoff, hosts: map[string]*robotsEntry{},
	}
	if rc, ok := c.store.(robotsCache); ok {
		rb.cache = rc
	}
	col.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("%w after %d redirects", errRedirectLoop, len(via))
		}
		if !c.allowed(req.URL) {
			return fmt.Errorf("redirect to %s: %w", OriginOf(req.URL), errOffSite)
		}
		if !matchAny(c.opts.SessionOrigins, req.URL) {
			// net/http copies every header to a redirect's request, even to
			// another port of the same host: the session stays behind.
			for name := range c.opts.Header {
				req.Header.Del(name)
			}
		}
		if c.opts.Robots {
			// The target's own robots.txt decides, as for a link.
			if ok, _, err := rb.allowed(req.Context(), req.URL); err != nil || !ok {
				return errRobotsRedirect
			}
		}
		return nil
	})
	// Room for a whole batch: workers keep fetching while the writer commits.
	results := make(chan market.PageResult, c.opts.BatchSize)
	var mu sync.Mutex // guards st, fetches, finished, bad and budget
	fetches, finished, bad := 0, 0, 0
	budget := ""
	began := c.opts.Clock.Now()
	// overBudget says why no more fetches may start, or "".
	overBudget := func() string {
		switch {
		case budget != "":
		case c.opts.MaxPages > 0 && fetches >= c.opts.MaxPages:
			budget = fmt.Sprintf("page budget of %d reached", c.opts.MaxPages)
		case c.opts.MaxDuration > 0 && c.opts.Clock.Now().Sub(began) >= c.opts.MaxDuration:
			budget = fmt.Sprintf("time budget of %s reached", c.opts.MaxDuration)
		case c.opts.MaxErrorRatio > 0 && finished >= 20 && float64(bad)/float64(finished) > c.opts.MaxErrorRatio:
			budget = fmt.Sprintf("error ratio %.0f%% over the %.0f%% budget", 100*float64(bad)/float64(finished), 100*c.opts.MaxErrorRatio)
		}
		return budget
	}

	var wg sync.WaitGroup
	for range c.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, ok := q.next()
				if !ok {
					return
				}
				if ctx.Err() != nil {
					q.close()
					return
				}
				mu.Lock()
				if overBudget() != "" {
					mu.Unlock()
					q.close()
					return
				}
				fetches++
				mu.Unlock()
				res, f := c.page(ctx, col, rb, limiters, it, &st, &mu)
				if ctx.Err() != nil && res.Page.Status == 0 {
					// Cancelled before a response: the URL stays pending in the frontier.
					q.close()
					q.done()
					continue
				}
				if wait, ok := c.retryable(res.Page, f); ok && it.attempts+1 < c.opts.MaxAttempts {
					now := c.opts.Clock.Now()
					if f != nil && (f.status == http.StatusTooManyRequests || f.status == http.StatusServiceUnavailable) {
						limiters.pause(hostOf(it.URL), now.Add(wait))
					}
					res.RetryAt = now.Add(wait)
					res.Links = nil // followed from the attempt that succeeds
					results <- res
					mu.Lock()
					st.Retries++
					mu.Unlock()
					q.retry(item{Link: it.Link, attempts: it.attempts + 1, due: res.RetryAt})
					continue // still open
				}
				mu.Lock()
				finished++
				if res.Page.Failure != "" {
					bad++
				}
				mu.Unlock()
				res.Links = q.claim(res.Links)
				results <- res // the store gets the links before any of their pages
				q.enqueue(res.Links)
				q.done()
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// The writer: batches results into store transactions. It keeps
	// writing after ctx is cancelled so no fetched page is lost.
	wctx := context.WithoutCancel(ctx)
	var werr error
	batch := make([]market.PageResult, 0, c.opts.BatchSize)
	flush := func() {
		if len(batch) == 0 || werr != nil {
			batch = batch[:0]
			return
		}
		if err := c.store.CommitBatch(wctx, runID, batch); err != nil {
			werr = err
			q.close()
		} else if c.OnCommit != nil {
			c.OnCommit(batch)
		}
		batch = make([]market.PageResult, 0, c.opts.BatchSize)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case r, ok := <-results:
			if !ok {
				break loop
			}
			mu.Lock()
			st.Records += len(r.Records)
			st.Rejects += len(r.Rejects)
			switch {
			case !r.RetryAt.IsZero():
			case r.Page.Failure != "":
				st.Failed++
				st.Failures[r.Page.Failure]++
			default:
				st.Fetched++
			}
			snap := st
			mu.Unlock()
			batch = append(batch, r)
			if len(batch) >= c.opts.BatchSize {
				flush()
			}
			if c.OnResult != nil {
				c.OnResult(r)
			}
			if c.Progress != nil {
				snap.Queued = q.left()
				c.Progress(snap)
			}
		case <-tick.C:
			flush()
		}
	}
	flush()
	st.Queued = q.left()
	rb.mu.Lock()
	st.RobotsFetch = rb.fetches
	rb.mu.Unlock()
	st.LatencyP50, st.LatencyP95 = percentile(st.latencies, 0.5), percentile(st.latencies, 0.95)
	switch {
	case werr != nil:
		st.Finish = "store error"
		return st, werr
	case ctx.Err() != nil:
		st.Finish = "cancelled"
		return st, ctx.Err()
	case budget != "":
		st.Finish = budget
		return st, ErrBudget
	}
	st.Finish = "frontier empty"
	return st, nil
}

var (
	errOffSite        = errors.New("origin not in allowed_hosts")
	errRobotsRedirect = errors.New("redirect to a URL robots.txt disallows")
	errRedirectLoop   = errors.New("redirect loop")
)

// allowed reports whether u's origin (scheme, host and port) is allowed.
func (c *Crawler) allowed(u *url.URL) bool { return matchAny(c.opts.Allowed, u) }

// fetch is one request's outcome, filled in by colly's callbacks.
type fetch struct {
	status      int
	body        []byte
	contentType string
	final       *url.URL
	header      http.Header
	err         error
	robotsWait  time.Duration // robots.txt was unavailable: ask again after this
	asked       string        // the URL requested; final differs after a redirect
	// content is set when the response arrived but is not a good page (a
	// soft block, a page without the rows its kind has): it may be a
	// wall or a glitch that the next attempt does not meet, so it is retried.
	content bool
}

// page fetches and extracts one link. It never returns an error: a failure
// is a page with Failure set.
func (c *Crawler) page(ctx context.Context, col *colly.Collector, rb *robots, lim *hostLimiters, it item, st *Stats, mu *sync.Mutex) (market.PageResult, *fetch) {
	l := it.Link
	res := market.PageResult{Page: market.Page{URL: l.URL, Kind: l.Kind, Attempts: it.attempts + 1}}
	var f *fetch
	fail := func(reason string) (market.PageResult, *fetch) {
		res.Page.Failure = reason
		res.Page.FetchedAt = c.opts.Now()
		return res, f
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		return fail("bad URL: " + err.Error())
	}
	if !c.allowed(u) {
		mu.Lock()
		st.OffSite++
		mu.Unlock()
		return fail("origin not in allowed_hosts")
	}
	ex := c.ex[l.Kind]
	if ex == nil {
		return fail("no extractor for page kind " + l.Kind)
	}
	if c.opts.Robots {
		ok, wait, err := rb.allowed(ctx, u)
		if err != nil {
			if wait > 0 {
				f = &fetch{robotsWait: wait} // retried once robots.txt may be asked for again
			}
			return fail(err.Error())
		}
		if !ok {
			mu.Lock()
			st.RobotsDeny++
			mu.Unlock()
			return fail("disallowed by robots.txt")
		}
		if d := rb.crawlDelay(u); d > 0 {
			lim.slowTo(u.Host, d) // Crawl-delay: never faster than robots.txt asks
		}
	}
	if err := lim.wait(ctx, u.Host); err != nil {
		return fail("cancelled")
	}
	f = &fetch{asked: u.String()}
	cctx := colly.NewContext()
	cctx.Put("fetch", f)
	start := c.opts.Clock.Now()
	var hdr http.Header
	if matchAny(c.opts.SessionOrigins, u) {
		hdr = c.opts.Header.Clone()
	}
	v, conditional := c.validators[l.URL]
	if conditional {
		if hdr == nil {
			hdr = http.Header{}
		}
		if v.ETag != "" {
			hdr.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			hdr.Set("If-Modified-Since", v.LastModified)
		}
	}
	_ = col.Request(http.MethodGet, l.URL, nil, cctx, hdr) // outcome is in f via callbacks
	took := c.opts.Clock.Now().Sub(start)
	res.Page.FetchedAt = c.opts.Now()
	res.Page.Status = f.status
	res.Page.ContentType = f.contentType
	res.Page.Bytes = int64(len(f.body))
	if f.header != nil {
		res.Page.ETag, res.Page.LastModified = f.header.Get("ETag"), f.header.Get("Last-Modified")
	}
	if f.status == http.StatusNotModified && conditional && f.err == nil {
		// Unchanged since the stored page: read that one, store a pointer.
		body, err := c.store.StoredBody(ctx, v.PageID)
		if err != nil {
			return fail("304 but the stored page is unreadable: " + err.Error())
		}
		f.status, f.body, f.contentType = http.StatusOK, body, v.ContentType
		res.Page.SameAs, res.Page.ContentType = v.PageID, v.ContentType
		if res.Page.ETag == "" {
			res.Page.ETag = v.ETag
		}
		if res.Page.LastModified == "" {
			res.Page.LastModified = v.LastModified
		}
		mu.Lock()
		st.NotModified++
		mu.Unlock()
	}
	mu.Lock()
	st.Bytes += res.Page.Bytes
	if f.status > 0 {
		st.ByStatus[f.status]++
	}
	st.latencies = append(st.latencies, took)
	mu.Unlock()
	if reason := c.validate(f); reason != "" {
		// What came back is kept (an error page says why), unless it is the
		// first part of a body over the cap: that is not the page.
		if f.status > 0 && len(f.body) > 0 && len(f.body) <= c.opts.MaxBodySize {
			res.Page.Compressed = Compress(f.body)
		}
		return fail(reason)
	}
	if f.content { // a soft block: the body is kept to show what was served
		res.Page.Compressed = Compress(f.body)
		return fail(c.wall(f))
	}
	raw := f.body // stored as received; the extractor reads UTF-8
	body, enc, err := toUTF8(f.body, f.contentType)
	if err != nil {
		return fail("charset: " + err.Error())
	}
	f.body = body
	if enc != "" {
		mu.Lock()
		st.Decoded++
		mu.Unlock()
	}
	base := u
	if f.final != nil {
		base = f.final
	}
	out := ex.Extract(parse.Input{URL: base, Body: f.body})
	if out.Failure != "" {
		// Served with 200 but not a good page of its kind: a failed fetch,
		// retried, its body kept, and never a page with no data.
		f.content = true
		res.Page.Compressed = Compress(raw)
		return fail(out.Failure)
	}
	res.Records, res.Rejects, res.Page.Listing = out.Records, out.Rejects, out.Listing
	if out.Repaired > 0 {
		mu.Lock()
		st.Repaired += out.Repaired
		mu.Unlock()
	}
	repeats := c.repeats(l.Kind, l.URL, out.Records)
	if repeats != "" {
		mu.Lock()
		st.Repeated++
		mu.Unlock()
		res.Rejects = append(res.Rejects, market.Reject{URL: l.URL, Raw: repeats,
			Reason: "page repeats the rows of an earlier page; its pagination was not followed"})
	}
	for _, ln := range out.Links {
		if ln.Kind == "" {
			ln.Kind = l.Kind
		}
		if repeats != "" && ln.Kind == l.Kind {
			continue // a loop or a site serving the last page again: stop this chain
		}
		lu, err := url.Parse(ln.URL)
		if err != nil || !c.allowed(lu) {
			mu.Lock()
			st.OffSite++
			mu.Unlock()
			continue
		}
		res.Links = append(res.Links, ln)
	}
	if res.Page.SameAs == 0 {
		res.Page.Compressed = Compress(raw)
	} else {
		res.Page.Status = http.StatusNotModified
	}
	return res, f
}

// repeats returns the URL of an earlier page of the same kind whose row
// keys this page repeats exactly, or "".
func (c *Crawler) repeats(kind, url string, recs []market.Record) string {
	if len(recs) < 2 {
		return "" // a profile or product page holds one record: nothing to compare
	}
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	sort.Strings(keys)
	h := fnv.New64a()
	h.Write([]byte(kind))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	fp := strconv.FormatUint(h.Sum64(), 16)
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if first, ok := c.pages[fp]; ok && first != url {
		return first
	}
	c.pages[fp] = url
	return ""
}

// validate returns why a response is not a usable page, or "".
func (c *Crawler) validate(f *fetch) string {
	switch {
	case f.err != nil && errors.Is(f.err, errOffSite):
		return "redirect outside allowed_hosts"
	case f.err != nil && errors.Is(f.err, errRobotsRedirect):
		return "redirect to a URL robots.txt disallows"
	case f.err != nil && errors.Is(f.err, errRedirectLoop):
		return "redirect loop"
	case f.err != nil && errors.Is(f.err, colly.ErrAbortedAfterHeaders):
		return "unexpected content type " + f.contentType
	case f.err != nil && (errors.Is(f.err, io.ErrUnexpectedEOF) || strings.Contains(f.err.Error(), "unexpected EOF")):
		return "truncated body: shorter than its Content-Length"
	case timedOut(f.err) && f.status > 0:
		return fmt.Sprintf("timeout: the body did not arrive within %s", c.opts.Timeout)
	case timedOut(f.err):
		return fmt.Sprintf("timeout: no response within %s", c.opts.Timeout)
	case f.status == 0 && f.err != nil:
		return networkReason(f.err)
	case f.err != nil && f.status == http.StatusOK:
		return "body unreadable: " + f.err.Error()
	case f.status != http.StatusOK:
		return fmt.Sprintf("HTTP %d", f.status)
	case len(f.body) > c.opts.MaxBodySize:
		return c.overCap()
	case !textual(f.contentType):
		return "unexpected content type " + f.contentType
	}
	f.content = c.wall(f) != ""
	return ""
}

// overCap is the failure of a body over the size cap.
func (c *Crawler) overCap() string {
	if c.opts.MaxBodySize%1024 == 0 {
		return fmt.Sprintf("body over %d KB (politeness.max_body_kb)", c.opts.MaxBodySize>>10)
	}
	return fmt.Sprintf("body over %d bytes", c.opts.MaxBodySize)
}

// wall returns the soft block a usable response is, or "".
func (c *Crawler) wall(f *fetch) string {
	if b := softBlock(f.body, c.walls); b != "" {
		return "soft block: " + b
	}
	if f.final != nil && f.final.String() != f.asked && loginForm(f.body) {
		return "soft block: login wall (redirected to " + f.final.Path + ")"
	}
	return ""
}

// zenc compresses stored pages. EncodeAll is safe for concurrent use; the
// fastest level is about three times gzip -1's speed at a better ratio.
// Entropy coding is off: on a 1 KB profile page building its tables makes
// each page 60% slower to store (10 µs against 6.5 µs, BenchmarkCompress)
// for 20% fewer bytes.
var zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithNoEntropyCompression(true))

// Compress compresses a page body for storage (zstd), as the store keeps it.
// A large body (an import file) gets room for its worst case at once:
// growing the output as it fills allocated three times the file.
func Compress(b []byte) []byte {
	if len(b) > 1<<20 {
		return zenc.EncodeAll(b, make([]byte, 0, zenc.MaxEncodedSize(len(b))))
	}
	return zenc.EncodeAll(b, make([]byte, 0, len(b)/3))
}

// hostLimiters holds one token bucket per host, shared by all workers.
// Reservations are taken at the injected clock's time.
type hostLimiters struct {
	rps    float64
	mu     sync.Mutex
	m      map[string]*rate.Limiter
	paused map[string]time.Time // 429 and 503 pause the whole host until then
	clock  Clock
	jitter func() float64 // uniform in [0,1); nil for none
}

// slowTo makes host's bucket allow at most one request per d.
func (h *hostLimiters) slowTo(host string, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.m[host]
	want := rate.Every(d)
	if l == nil {
		h.m[host] = rate.NewLimiter(want, 1)
		return
	}
	if l.Limit() > want {
		l.SetLimitAt(h.clock.Now(), want)
	}
}

// pause holds every request to host until until.
func (h *hostLimiters) pause(host string, until time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if until.After(h.paused[host]) {
		h.paused[host] = until
	}
}

func (h *hostLimiters) wait(ctx context.Context, host string) error {
	h.mu.Lock()
	until := h.paused[host]
	h.mu.Unlock()
	if d := until.Sub(h.clock.Now()); d > 0 {
		if err := h.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	h.mu.Lock()
	l := h.m[host]
	if l == nil && h.rps <= 0 {
		h.mu.Unlock()
		return ctx.Err()
	}
	if l == nil {
		l = rate.NewLimiter(rate.Limit(h.rps), 1)
		h.m[host] = l
	}
	now := h.clock.Now()
	delay := l.ReserveN(now, 1).DelayFrom(now)
	h.mu.Unlock()
	if delay > 0 && h.jitter != nil {
		// Up to 10% more, so requests do not fall on a machine-like beat.
		delay += time.Duration(h.jitter() * 0.1 * float64(delay))
	}
	return h.clock.Sleep(ctx, delay)
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1))]
}

// schedule releases retries when they are due, on the crawl's clock.
func (c *Crawler) schedule(ctx context.Context, q *queue) {
	for !q.isClosed() {
		next := q.release(c.opts.Clock.Now())
		if next.IsZero() {
			select {
			case <-q.wake:
			case <-ctx.Done():
				return
			}
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		slept := make(chan struct{})
		go func() { c.opts.Clock.Sleep(sctx, next.Sub(c.opts.Clock.Now())); close(slept) }()
		select {
		case <-slept:
		case <-q.wake: // an earlier retry may have arrived
		case <-ctx.Done():
		}
		cancel()
		<-slept
	}
}

// retryable says whether a failed fetch is tried again, and after how
// long: network errors, timeouts, 408, 429 and 5xx, with exponential
// backoff and full jitter; Retry-After (seconds or an HTTP date, capped)
// when the server sends one.
func (c *Crawler) retryable(p market.Page, f *fetch) (time.Duration, bool) {
	if p.Failure == "" || f == nil {
		return 0, false
	}
	if f.robotsWait > 0 {
		return max(f.robotsWait, time.Duration(c.opts.Jitter()*float64(c.backoff(p.Attempts)))), true
	}
	switch {
	case f.content:
		// A soft block or a page without its rows: the next attempt may
		// meet the page itself.
	case f.err != nil && (f.status == 0 || f.status == http.StatusOK) && !errors.Is(f.err, errOffSite) && !errors.Is(f.err, errRobotsRedirect) &&
		!errors.Is(f.err, colly.ErrAbortedAfterHeaders) && !errors.Is(f.err, errRedirectLoop):
		// The connection failed (before or during the body), not the page.
	case f.status == http.StatusRequestTimeout, f.status == http.StatusTooManyRequests, f.status >= 500:
	default:
		return 0, false
	}
	wait := time.Duration(c.opts.Jitter() * float64(c.backoff(p.Attempts)))
	if ra, ok := retryAfter(f.header.Get("Retry-After"), c.opts.Clock.Now()); ok {
		wait = max(wait, min(ra, c.opts.RetryAfterCap))
	}
	return wait, true
}

// timedOut reports whether err is a request or body-read timeout.
func timedOut(err error) bool {
	var ne net.Error
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}

// backoff is the exponential backoff ceiling after the n-th failed attempt.
func (c *Crawler) backoff(n int) time.Duration {
	b := c.opts.BackoffBase << min(max(n-1, 0), 30)
	if b <= 0 || b > c.opts.BackoffMax {
		b = c.opts.BackoffMax
	}
	return b
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
