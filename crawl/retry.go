package crawl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gocolly/colly/v2"

	"gmvscope/market"
)

// retryable says whether a failed fetch is tried again, and after how
// long: network errors, timeouts, 408, 429 and 5xx, a page that arrived
// but was a wall or lacked its rows, with exponential backoff and full
// jitter; Retry-After (seconds or an HTTP date, capped) when the server
// sends one.
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

// timedOut reports whether err is a request or body-read timeout.
func timedOut(err error) bool {
	var ne net.Error
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}

// releaseRetries moves retries to the ready queue when they are due, on
// the crawl's clock, until the queue closes.
func (c *Crawler) releaseRetries(ctx context.Context, q *queue) {
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
