package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"gmvscope/crawl"
	"gmvscope/market"
)

// progress shows a crawl's progress: on a terminal a bar with pages done,
// failed and queued, the rate and the time left; otherwise one structured
// log line per page event (fetched, failed, retry due) and a summary line
// every few seconds.
type progress struct {
	m      *Main
	source string
	bar    *progressbar.ProgressBar
	mu     sync.Mutex
	start  time.Time
	last   time.Time
}

func (m *Main) newProgress(source string) *progress {
	p := &progress{m: m, source: source, start: m.Now(), last: m.Now()}
	if m.Terminal {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription(source),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("pages"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// eta is the time left at the rate so far: pages queued over pages per
// second. The frontier grows as pages are read, so it is a floor that
// firms up as the crawl goes on. ok is false until there is a rate.
func eta(done, queued int, elapsed time.Duration) (rate float64, left time.Duration, ok bool) {
	if done == 0 || elapsed <= 0 {
		return 0, 0, false
	}
	rate = float64(done) / elapsed.Seconds()
	return rate, time.Duration(float64(queued) / rate * float64(time.Second)).Round(time.Second), true
}

func (p *progress) update(s crawl.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := s.Fetched + s.Failed
	now := p.m.Now()
	rate, left, known := eta(done, s.Queued, now.Sub(p.start))
	if p.bar != nil {
		// The total grows as links are found, so the bar shows counts, a
		// rate and the time left rather than a percentage near 100%.
		desc := fmt.Sprintf("%s: %d failed, %d queued", p.source, s.Failed, s.Queued)
		if known {
			desc += fmt.Sprintf(", %s left", left)
		}
		p.bar.Describe(desc)
		p.bar.Set(done)
		return
	}
	if now.Sub(p.last) >= 5*time.Second {
		p.last = now
		attrs := []any{"source", p.source, "done", done, "failed", s.Failed, "queued", s.Queued, "records", s.Records, "retries", s.Retries}
		if known {
			attrs = append(attrs, "pages_per_s", fmt.Sprintf("%.1f", rate), "left", left.String())
		}
		p.m.Log.Info("crawl progress", attrs...)
	}
}

// page logs one page event: a retry or a failure at info and warn, a
// success at debug. On a terminal the bar says enough.
func (p *progress) page(r market.PageResult) {
	if p.bar != nil {
		return
	}
	pg := r.Page
	if r.RetryAt.IsZero() && pg.Failure == "" && !p.m.Log.Enabled(context.Background(), slog.LevelDebug) {
		return // not logged: do not build the line
	}
	attrs := []any{"source", p.source, "url", pg.URL, "kind", pg.Kind, "status", pg.Status, "attempt", pg.Attempts}
	switch {
	case !r.RetryAt.IsZero():
		p.m.Log.Info("page retry due", append(attrs, "reason", pg.Failure, "retry_at", r.RetryAt.UTC().Format(time.RFC3339))...)
	case pg.Failure != "":
		p.m.Log.Warn("page failed", append(attrs, "reason", pg.Failure)...)
	default: // as Scrapy logs "Crawled (200)": each success at debug, the rate in the progress line
		p.m.Log.Debug("page", append(attrs, "records", len(r.Records), "rejects", len(r.Rejects), "bytes", pg.Bytes)...)
	}
}

func (p *progress) finish(crawl.Stats) {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// newLogger writes structured lines to w: GMVSCOPE_LOG sets the level
// (debug, info, warn, error; default info, which logs every page) and
// GMVSCOPE_LOG_FORMAT=json writes JSON instead of key=value text.
func newLogger(w interface{ Write([]byte) (int, error) }, getenv func(string) string) (*slog.Logger, error) {
	var level slog.Level
	if v := getenv("GMVSCOPE_LOG"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return slog.New(slog.NewTextHandler(w, nil)), fmt.Errorf("GMVSCOPE_LOG=%q: want debug, info, warn or error", v)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f := getenv("GMVSCOPE_LOG_FORMAT"); f {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return slog.New(slog.NewTextHandler(w, opts)), fmt.Errorf("GMVSCOPE_LOG_FORMAT=%q: want text or json", f)
	}
}
