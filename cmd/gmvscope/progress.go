package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"gmvscope/crawl"
)

// progress shows a crawl's progress: a bar on a terminal, a log line every
// few seconds otherwise.
type progress struct {
	m      *Main
	source string
	bar    *progressbar.ProgressBar
	mu     sync.Mutex
	last   time.Time
}

func (m *Main) newProgress(source string) *progress {
	p := &progress{m: m, source: source, last: m.Now()}
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

func (p *progress) update(s crawl.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := s.Fetched + s.Failed
	if p.bar != nil {
		// The total grows as links are found, so the bar shows counts and
		// a rate rather than a percentage that would sit near 100%.
		p.bar.Describe(fmt.Sprintf("%s: %d failed, %d queued", p.source, s.Failed, s.Queued))
		p.bar.Set(done)
		return
	}
	if now := p.m.Now(); now.Sub(p.last) >= 5*time.Second {
		p.last = now
		p.m.Log.Info("crawl progress", "source", p.source, "done", done, "failed", s.Failed, "queued", s.Queued, "records", s.Records)
	}
}

func (p *progress) finish(crawl.Stats) {
	if p.bar != nil {
		p.bar.Finish()
	}
}
