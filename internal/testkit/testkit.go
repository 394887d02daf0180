// Package testkit holds the helpers gmvscope's tests share: a clock that
// moves only when a crawl sleeps on it, and HTTP servers on loopback that
// count what they were asked for and close with the test.
package testkit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Day is the instant tests start their clocks at, so output is stable.
var Day = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// Clock is a test clock: Now stays put until Sleep moves it by the time
// slept, so a crawl's backoff, rate limits and Retry-After take no real
// time and can be measured. A Still clock never moves, and only records
// the sleeps. The zero Clock starts at the zero time.
type Clock struct {
	mu    sync.Mutex
	t     time.Time
	still bool
	slept []time.Duration
}

// NewClock returns a clock at t that sleeps move.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// StillClock returns a clock at t that never moves.
func StillClock(t time.Time) *Clock { return &Clock{t: t, still: true} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep moves the clock by d and records it; a still clock records every
// sleep, zero ones too, and does not move. It never waits: it returns
// ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.still:
		c.slept = append(c.slept, d)
		return nil
	case d > 0:
		c.slept = append(c.slept, d)
		c.t = c.t.Add(d)
	}
	return ctx.Err()
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Slept returns the sleeps so far, in order.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// Serve starts h on loopback and closes it when the test ends.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// Site is a server of fixed routes (by path) that counts the requests
// for each path; any other path is 404.
type Site struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

// NewSite serves routes until the test ends.
func NewSite(t testing.TB, routes map[string]http.HandlerFunc) *Site {
	t.Helper()
	s := &Site{hits: map[string]int{}}
	s.Server = Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		if h, ok := routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	return s
}

// Hits returns how many requests path got.
func (s *Site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// Env is a fake environment for code that takes a getenv function.
type Env map[string]string

// Get returns the variable, or "".
func (e Env) Get(k string) string { return e[k] }
