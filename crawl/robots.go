package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"

	"gmvscope/market"
)

// robotsCache keeps robots.txt between runs: the store's part of Store.
type robotsCache interface {
	Robots(ctx context.Context, origin string) (market.RobotsFile, bool, error)
	SaveRobots(ctx context.Context, f market.RobotsFile) error
}

// robots fetches and caches robots.txt per origin with RFC 9309 semantics:
// 2xx is parsed, 4xx allows everything, and a 5xx or an unreachable host
// disallows everything for now: the pages wait in the frontier and
// robots.txt is asked for again after a backoff (colly would allow all).
// Answers that decide are kept for ttl, in memory and in the store, so
// the next run within ttl does not ask again.
type robots struct {
	client  *http.Client
	agent   string
	clock   Clock
	ttl     time.Duration
	backoff func(failures int) time.Duration // wait before asking again after the n-th failure
	cap     time.Duration                    // longest Retry-After honoured
	cache   robotsCache                      // nil: memory only
	mu      sync.Mutex
	hosts   map[string]*robotsEntry
	fetches int // robots.txt requests made; guarded by mu
}

type robotsEntry struct {
	mu        sync.Mutex // held while robots.txt is fetched, so a host is asked once
	loaded    bool       // the stored copy was looked at
	data      *robotstxt.RobotsData
	allow     bool      // everything allowed (4xx)
	fetchedAt time.Time // when the rules in effect were fetched; zero: none yet
	err       *robotsError
	retryAt   time.Time // with err: when to ask again
	failures  int       // consecutive failed fetches
}

// robotsError is why a host's pages may not be fetched for now.
type robotsError struct {
	msg   string
	retry bool // unavailable (5xx, network): ask again later
}

func (e *robotsError) Error() string { return e.msg }

// newRobots returns the robots.txt client of a crawl: its own requests
// share the page transport, follow at most five redirects (RFC 9309) and
// never leave the allowed origins.
func newRobots(o Options, transport http.RoundTripper, allowed func(*url.URL) bool, cache robotsCache, backoff func(int) time.Duration) *robots {
	client := &http.Client{Transport: transport, Timeout: o.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return fmt.Errorf("robots.txt redirected %d times", len(via))
		}
		if !allowed(req.URL) {
			return errOffSite
		}
		return nil
	}}
	return &robots{client: client, agent: o.UserAgent, clock: o.Clock, ttl: o.RobotsTTL, cap: o.RetryAfterCap,
		backoff: backoff, cache: cache, hosts: map[string]*robotsEntry{}}
}

// requests returns how many times robots.txt was asked for.
func (r *robots) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fetches
}

// allowed reports whether u may be fetched. A non-nil error means the
// host's robots.txt could not be read; wait is then how long until it is
// asked for again (zero when asking again would not help).
func (r *robots) allowed(ctx context.Context, u *url.URL) (ok bool, wait time.Duration, err error) {
	e := r.entry(u)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := r.clock.Now()
	if !e.loaded && r.cache != nil {
		e.loaded = true
		// A store that cannot be read only costs a fetch.
		if f, found, err := r.cache.Robots(ctx, origin(u)); err == nil && found && now.Sub(f.FetchedAt) < r.ttl {
			e.apply(f)
		}
	}
	switch {
	case e.err != nil && now.Before(e.retryAt):
	case e.err == nil && !e.fetchedAt.IsZero() && now.Sub(e.fetchedAt) < r.ttl:
	default:
		r.refresh(ctx, e, origin(u), now)
	}
	if e.err != nil {
		if e.err.retry {
			wait = max(e.retryAt.Sub(now), 0)
		}
		return false, wait, e.err
	}
	if e.allow {
		return true, 0, nil
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.data.TestAgent(path, r.agent), 0, nil
}

func (r *robots) entry(u *url.URL) *robotsEntry {
	key := origin(u)
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.hosts[key]
	if e == nil {
		e = &robotsEntry{}
		r.hosts[key] = e
	}
	return e
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// apply puts a fetched robots.txt in effect.
func (e *robotsEntry) apply(f market.RobotsFile) {
	e.err, e.failures, e.fetchedAt = nil, 0, f.FetchedAt
	e.allow = f.Status >= 400
	e.data = nil
	if !e.allow {
		// The parser accepts anything; an unparsable line is skipped, as RFC 9309 asks.
		e.data, _ = robotstxt.FromStatusAndBytes(f.Status, f.Body)
	}
}

// refresh fetches origin's robots.txt and puts the answer in effect.
func (r *robots) refresh(ctx context.Context, e *robotsEntry, base string, now time.Time) {
	r.mu.Lock()
	r.fetches++
	r.mu.Unlock()
	f, retryAfter, err := r.fetch(ctx, base)
	if err == nil {
		f.FetchedAt = now
		e.apply(f)
		if r.cache != nil {
			// The store is a cache here: a failed write only costs a fetch next run.
			_ = r.cache.SaveRobots(context.WithoutCancel(ctx), f)
		}
		return
	}
	e.err = err
	if !err.retry {
		e.retryAt = now.Add(r.ttl)
		return
	}
	e.failures++
	wait := r.backoff(e.failures)
	if retryAfter > 0 {
		wait = max(wait, min(retryAfter, r.cap))
	}
	e.retryAt = now.Add(wait)
}

// crawlDelay returns the Crawl-delay robots.txt asks of our agent on u's
// host, or zero. Call it after allowed.
func (r *robots) crawlDelay(u *url.URL) time.Duration {
	e := r.entry(u)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.data == nil {
		return 0
	}
	if g := e.data.FindGroup(r.agent); g != nil {
		return g.CrawlDelay
	}
	return 0
}

func (r *robots) fetch(ctx context.Context, base string) (market.RobotsFile, time.Duration, *robotsError) {
	f := market.RobotsFile{Origin: base}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/robots.txt", nil)
	if err != nil {
		return f, 0, &robotsError{msg: "robots.txt: " + err.Error()}
	}
	req.Header.Set("User-Agent", r.agent)
	resp, err := r.client.Do(req)
	if err != nil {
		if errors.Is(err, errOffSite) {
			return f, 0, &robotsError{msg: "robots.txt redirects outside allowed_hosts: site treated as disallowed"}
		}
		return f, 0, &robotsError{msg: fmt.Sprintf("robots.txt unreachable (%s): site treated as disallowed for now", strings.TrimPrefix(networkReason(err), "network error: ")), retry: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 500<<10)) // RFC 9309 asks parsers to read at least 500 KiB
	if err != nil {
		return f, 0, &robotsError{msg: fmt.Sprintf("robots.txt unreadable (%s): site treated as disallowed for now", strings.TrimPrefix(networkReason(err), "network error: ")), retry: true}
	}
	if resp.StatusCode >= 500 {
		ra, _ := retryAfter(resp.Header.Get("Retry-After"), r.clock.Now())
		return f, ra, &robotsError{msg: fmt.Sprintf("robots.txt status %d: site treated as disallowed for now", resp.StatusCode), retry: true}
	}
	f.Status, f.Body = resp.StatusCode, body
	if resp.StatusCode >= 400 {
		f.Body = nil // unavailable: everything is allowed
	}
	return f, 0, nil
}
