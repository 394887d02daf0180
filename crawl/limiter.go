package crawl

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

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

func newHostLimiters(o Options) *hostLimiters {
	return &hostLimiters{rps: o.RPS, m: map[string]*rate.Limiter{}, paused: map[string]time.Time{}, clock: o.Clock, jitter: o.Jitter}
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

// wait blocks until a request to host may start: after any pause, and
// when the host's bucket has a token.
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
