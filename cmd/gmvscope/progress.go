package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/pipeline"
)

// progress shows a crawl's progress. On a terminal: a bar when the number
// of pages can be read from the pagination (a source that follows no
// links to other page kinds), otherwise a counter with the rate, and no
// time left it cannot know; then a one-line summary. Otherwise: log lines
// for retries and failures (and, at debug, each page), a progress line
// every five seconds, and the pipeline's start and finish lines.
type progress struct {
	m      *Main
	source string
	// listingOnly is true when every page the source reaches is a page of
	// a listing, so the listing's size is the crawl's.
	listingOnly bool
	bar         *progressbar.ProgressBar
	mu          sync.Mutex
	start, last time.Time
	listing     map[string]*listingSeen
	total       int
}

// listingSeen is what a crawl has seen of a listing: its pages and those read.
type listingSeen struct {
	pages, read int64
}

func (m *Main) progress(src *config.Source) pipeline.Progress {
	p := &progress{m: m, source: src.Name, start: m.Now(), last: m.Now(), listing: map[string]*listingSeen{}, listingOnly: true}
	for _, spec := range src.Pages {
		if len(spec.Follow) > 0 {
			p.listingOnly = false
		}
	}
	if m.Terminal {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription(src.Name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("pages"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// Page logs one page event, a retry or a failure at info and warn, a
// success at debug, and notes what a listing page says of its listing.
func (p *progress) Page(r market.PageResult) {
	pg := r.Page
	if pg.Listing.Pages > 0 || pg.Listing.Total > 0 {
		p.mu.Lock()
		l := p.listing[pg.Kind]
		if l == nil {
			l = &listingSeen{}
			p.listing[pg.Kind] = l
		}
		pages := pg.Listing.Pages
		if per := int64(len(r.Records)); pages == 0 && per > 0 {
			pages = (pg.Listing.Total + per - 1) / per // the rows it lists, at this page's rows a page
		}
		l.pages = max(l.pages, pages)
		if r.RetryAt.IsZero() && pg.Failure == "" {
			l.read++
		}
		p.mu.Unlock()
	}
	if p.bar != nil {
		return
	}
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

// listings describes the listings seen so far: "leaderboard 12 of 40".
func (p *progress) listings() (string, int64) {
	s, total := "", int64(0)
	for kind, l := range p.listing {
		if l.pages == 0 {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%s %d of %d", kind, l.read, l.pages)
		total += l.pages
	}
	return s, total
}

// Update shows the running statistics.
func (p *progress) Update(s crawl.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := s.Fetched + s.Failed
	now := p.m.Now()
	listings, total := p.listings()
	if p.bar != nil {
		if p.listingOnly && total > 0 && int(total) != p.total {
			p.total = int(total)
			p.bar.ChangeMax(p.total) // the pagination says how many pages there are: a bar with the time left
		}
		desc := fmt.Sprintf("%s: %d failed, %d queued", p.source, s.Failed, s.Queued)
		if listings != "" {
			desc += " · " + listings
		}
		p.bar.Describe(desc)
		p.bar.Set(done)
		return
	}
	if now.Sub(p.last) >= 5*time.Second {
		p.last = now
		attrs := []any{"source", p.source, "done", done, "failed", s.Failed, "queued", s.Queued, "records", s.Records, "retries", s.Retries}
		if el := now.Sub(p.start).Seconds(); el > 0 {
			attrs = append(attrs, "pages_per_s", float64(int(float64(done)/el*10))/10)
		}
		if listings != "" {
			attrs = append(attrs, "listings", listings)
		}
		p.m.Log.Info("crawl progress", attrs...)
	}
}

// Finish ends the bar with a one-line summary on the terminal.
func (p *progress) Finish(r pipeline.Result) {
	if p.bar == nil {
		return
	}
	p.bar.Finish()
	fmt.Fprintln(p.m.Stderr, summary(r))
}

// summary is a run in one human line.
func summary(r pipeline.Result) string {
	s := r.Stats
	line := fmt.Sprintf("%s: %s pages (%s failed), %s records, %s rejects in %s; ", r.Source, market.Count(int64(s.Fetched+s.Failed)),
		market.Count(int64(s.Failed)), market.Count(int64(s.Records)), market.Count(int64(s.Rejects)), r.Took.Round(100*time.Millisecond))
	if r.SnapshotID > 0 {
		return line + fmt.Sprintf("snapshot %d (%s)", r.SnapshotID, r.Status)
	}
	return line + fmt.Sprintf("no snapshot (%s)", r.Status)
}

// newLogger writes structured lines to w: GMVSCOPE_LOG sets the level
// (debug, info, warn, error; default info) and GMVSCOPE_LOG_FORMAT=json
// writes JSON instead of key=value text.
func newLogger(w io.Writer, getenv func(string) string) (*slog.Logger, error) {
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
