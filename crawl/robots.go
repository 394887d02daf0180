package crawl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robots fetches and caches robots.txt per host with RFC 9309 semantics:
// 2xx is parsed, 4xx allows everything, 5xx or an unreachable host
// disallows everything for this run (colly would allow all).
type robots struct {
	client *http.Client
	agent  string
	mu     sync.Mutex
	hosts  map[string]*robotsEntry
}

type robotsEntry struct {
	once  sync.Once
	data  *robotstxt.RobotsData
	allow bool // everything allowed (4xx)
	err   error
}

func newRobots(client *http.Client, agent string) *robots {
	return &robots{client: client, agent: agent, hosts: map[string]*robotsEntry{}}
}

// allowed reports whether u may be fetched; err explains a denial caused by
// an unreachable robots.txt.
func (r *robots) allowed(ctx context.Context, u *url.URL) (bool, error) {
	key := u.Scheme + "://" + u.Host
	r.mu.Lock()
	e := r.hosts[key]
	if e == nil {
		e = &robotsEntry{}
		r.hosts[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() { e.data, e.allow, e.err = r.fetch(ctx, key) })
	if e.err != nil {
		return false, e.err
	}
	if e.allow {
		return true, nil
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.data.TestAgent(path, r.agent), nil
}

// crawlDelay returns the Crawl-delay robots.txt asks of our agent on u's
// host, or zero. Call it after allowed.
func (r *robots) crawlDelay(u *url.URL) time.Duration {
	r.mu.Lock()
	e := r.hosts[u.Scheme+"://"+u.Host]
	r.mu.Unlock()
	if e == nil || e.data == nil {
		return 0
	}
	if g := e.data.FindGroup(r.agent); g != nil {
		return g.CrawlDelay
	}
	return 0
}

func (r *robots) fetch(ctx context.Context, base string) (*robotstxt.RobotsData, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/robots.txt", nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("User-Agent", r.agent)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("robots.txt unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 500<<10)) // RFC 9309 asks parsers to read at least 500 KiB
	if err != nil {
		return nil, false, fmt.Errorf("robots.txt unreadable: %w", err)
	}
	switch {
	case resp.StatusCode >= 500:
		return nil, false, fmt.Errorf("robots.txt status %d: site treated as disallowed", resp.StatusCode)
	case resp.StatusCode >= 400:
		return nil, true, nil
	}
	data, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body)
	if err != nil {
		return nil, false, fmt.Errorf("robots.txt unparsable: %w", err)
	}
	return data, false, nil
}
