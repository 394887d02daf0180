package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gocolly/colly/v2"
)

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

var (
	errOffSite        = errors.New("origin not in allowed_hosts")
	errRobotsRedirect = errors.New("redirect to a URL robots.txt disallows")
	errRedirectLoop   = errors.New("redirect loop")
)

// fetcher sends page requests through colly in sync mode: one shared
// transport and collector, a redirect policy that keeps the crawl on its
// origins (and a session on its own), cookies kept per origin, and
// bodies that are not pages refused from their headers.
type fetcher struct {
	transport *http.Transport
	col       *colly.Collector
	timeout   time.Duration
	maxBody   int
	// checkRedirect decides a redirect's target before it is requested;
	// the crawler sets it once robots.txt is known (nil: origins only).
	checkRedirect func(*http.Request) error
}

func newFetcher(ctx context.Context, o Options, allowed func(*url.URL) bool) *fetcher {
	f := &fetcher{timeout: o.Timeout, maxBody: o.MaxBodySize}
	f.transport = &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        o.Concurrency * 2,
		MaxIdleConnsPerHost: o.Concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	f.col = colly.NewCollector(
		colly.UserAgent(o.UserAgent),
		colly.AllowedDomains(), // origins are checked by allowed(), which knows ports and wildcards
		colly.AllowURLRevisit(),
		colly.IgnoreRobotsTxt(), // robots.txt is ours: RFC 9309 status handling
		colly.MaxBodySize(o.MaxBodySize+1),
		colly.StdlibContext(ctx), // cancelling the run cancels requests in flight
		colly.ParseHTTPErrorResponse(),
	)
	f.col.WithTransport(f.transport)
	f.col.SetCookieJar(&originJar{})
	f.col.SetRequestTimeout(o.Timeout)
	// A body that is not a page is refused from its headers, before it is
	// downloaded (a PDF, an image, a gzip file that could be a bomb).
	f.col.OnResponseHeaders(func(r *colly.Response) {
		ft := r.Ctx.GetAny("fetch").(*fetch)
		ft.status, ft.contentType = r.StatusCode, r.Headers.Get("Content-Type")
		if !textual(ft.contentType) {
			r.Request.Abort()
		}
	})
	f.col.OnResponse(func(r *colly.Response) {
		ft := r.Ctx.GetAny("fetch").(*fetch)
		ft.status, ft.body, ft.contentType, ft.final, ft.header = r.StatusCode, r.Body, r.Headers.Get("Content-Type"), r.Request.URL, *r.Headers
	})
	f.col.OnError(func(r *colly.Response, err error) {
		ft := r.Ctx.GetAny("fetch").(*fetch)
		ft.err = err
		if r.StatusCode > 0 { // zero when the body failed after the headers: keep their status
			ft.status = r.StatusCode
			ft.body, ft.contentType = r.Body, r.Headers.Get("Content-Type")
			if r.Headers != nil {
				ft.header = *r.Headers
			}
		}
	})
	sessionNames := o.Header
	f.col.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("%w after %d redirects", errRedirectLoop, len(via))
		}
		if !allowed(req.URL) {
			return fmt.Errorf("redirect to %s: %w", OriginOf(req.URL), errOffSite)
		}
		if !matchAny(o.SessionOrigins, req.URL) {
			// net/http copies every header to a redirect's request, even to
			// another port of the same host: the session stays behind.
			for name := range sessionNames {
				req.Header.Del(name)
			}
		}
		if f.checkRedirect != nil {
			return f.checkRedirect(req)
		}
		return nil
	})
	return f
}

// get requests rawURL with hdr and returns what came back. The outcome
// is in the fetch: a failed request is data, not an error.
func (f *fetcher) get(rawURL string, hdr http.Header) *fetch {
	ft := &fetch{asked: rawURL}
	cctx := colly.NewContext()
	cctx.Put("fetch", ft)
	_ = f.col.Request(http.MethodGet, rawURL, nil, cctx, hdr) // the outcome is in ft, from the callbacks
	return ft
}

func (f *fetcher) close() { f.transport.CloseIdleConnections() }

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
	case f.err != nil && errors.Is(f.err, io.ErrUnexpectedEOF):
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
	if w := c.wall(f); w != "" {
		f.content = true // a wall may be gone on the next attempt
		return w
	}
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
