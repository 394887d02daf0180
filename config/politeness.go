package config

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"gmvscope/crawl"
)

// Politeness limits how hard a source is crawled.
type Politeness struct {
	RPS         float64  `yaml:"rps"`             // requests per second per host; 0 = unlimited
	Concurrency int      `yaml:"concurrency"`     // workers
	Robots      bool     `yaml:"robots"`          // obey robots.txt
	Timeout     Duration `yaml:"timeout"`         // per request, body included
	MaxBodyKB   int      `yaml:"max_body_kb"`     // body size cap
	MaxPages    int      `yaml:"max_pages"`       // 0: no limit
	MaxDuration Duration `yaml:"max_duration"`    // stop starting fetches after this long; 0: no limit
	MaxErrors   float64  `yaml:"max_error_ratio"` // stop when this share of pages failed (after 20); 0: no limit
	MaxAttempts int      `yaml:"max_attempts"`    // tries per URL for network errors, timeouts, 408, 429, 5xx
	Backoff     Duration `yaml:"backoff"`         // the first retry waits up to this, doubling
	RetryAfter  Duration `yaml:"retry_after_cap"` // longest Retry-After honoured
	RobotsTTL   Duration `yaml:"robots_ttl"`      // how long a fetched robots.txt is used, across runs
}

// DefaultPoliteness is what a source gets for a real site: one request a
// second, one worker, robots.txt obeyed, and the crawl's defaults for the
// rest (crawl.Defaults, where they are set).
func DefaultPoliteness() Politeness {
	d := crawl.Defaults
	return Politeness{RPS: 1, Concurrency: d.Concurrency, Robots: true, Timeout: Duration(d.Timeout), MaxBodyKB: d.MaxBodySize >> 10,
		MaxAttempts: d.MaxAttempts, Backoff: Duration(d.BackoffBase), RetryAfter: Duration(d.RetryAfterCap), RobotsTTL: Duration(d.RobotsTTL)}
}

// UnmarshalYAML reads politeness over its defaults and checks each limit.
func (p *Politeness) UnmarshalYAML(n *yaml.Node) error {
	type plain Politeness
	*p = DefaultPoliteness()
	if err := n.Decode((*plain)(p)); err != nil {
		return err
	}
	switch {
	case !(p.RPS >= 0) || math.IsInf(p.RPS, 0):
		return errAt(n, "rps", "must be a finite number of requests per second, 0 (unlimited) or more, not %v", p.RPS)
	case p.Concurrency < 1 || p.Concurrency > 256:
		return errAt(n, "concurrency", "must be between 1 and 256, not %d", p.Concurrency)
	case !(p.MaxErrors >= 0 && p.MaxErrors <= 1):
		return errAt(n, "max_error_ratio", "must be a share between 0 and 1, such as 0.2, not %v", p.MaxErrors)
	case p.MaxBodyKB < 1:
		return errAt(n, "max_body_kb", "must be a size in KB, 1 or more (default %d), not %d", crawl.Defaults.MaxBodySize>>10, p.MaxBodyKB)
	case p.MaxBodyKB > 1<<20:
		return errAt(n, "max_body_kb", "must be at most 1048576 (1 GB), not %d", p.MaxBodyKB)
	case p.MaxPages < 0:
		return errAt(n, "max_pages", "must be a number of pages, 1 or more (or leave it out for no limit), not %d", p.MaxPages)
	case p.MaxAttempts < 1 || p.MaxAttempts > 20:
		return errAt(n, "max_attempts", "must be between 1 and 20, not %d", p.MaxAttempts)
	case p.RobotsTTL > Duration(24*time.Hour):
		return errAt(n, "robots_ttl", "must be at most 24h: RFC 9309 asks crawlers not to use a robots.txt older than that")
	}
	for _, d := range []struct {
		name string
		d    Duration
		zero bool // zero means something (no limit)
	}{{"timeout", p.Timeout, false}, {"max_duration", p.MaxDuration, true}, {"backoff", p.Backoff, false},
		{"retry_after_cap", p.RetryAfter, false}, {"robots_ttl", p.RobotsTTL, false}} {
		if d.d < 0 || (d.d == 0 && !d.zero) {
			return errAt(n, d.name, "must be a positive duration such as 10s, not %s", d.d.D())
		}
	}
	return nil
}

// Session names the environment variables that hold a session's secrets:
// the config holds names only, never values.
type Session struct {
	Headers map[string]string `yaml:"headers"` // header name -> environment variable
	Cookies map[string]string `yaml:"cookies"` // cookie name -> environment variable
	// Origins are where the secrets may be sent, written like
	// allowed_hosts; default: the start URLs' origins. A redirect to any
	// other origin goes without them.
	Origins []string `yaml:"origins"`
}

// Header reads the session from the environment; a variable that is not
// set is an error naming it (never a value).
func (s Session) Header(getenv func(string) string) (http.Header, error) {
	h := http.Header{}
	read := func(env string) (string, error) {
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("session: environment variable %s is not set", env)
		}
		return v, nil
	}
	for _, name := range sortedKeys(s.Headers) {
		v, err := read(s.Headers[name])
		if err != nil {
			return nil, err
		}
		h.Set(name, v)
	}
	var cookies []string
	for _, name := range sortedKeys(s.Cookies) {
		v, err := read(s.Cookies[name])
		if err != nil {
			return nil, err
		}
		cookies = append(cookies, (&http.Cookie{Name: name, Value: v}).String())
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	return h, nil
}

// sortedKeys lists a map's keys in order, for messages that come out the
// same way each time.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// Limits bound what hostile input can cost; zero takes the default.
type Limits struct {
	JSONDepth  int `yaml:"json_depth"`   // deepest JSON nesting read; default 100
	JSONKB     int `yaml:"json_kb"`      // largest JSON document read; default 10240
	CSVFieldKB int `yaml:"csv_field_kb"` // largest field of an import; default 256
	CSVLineKB  int `yaml:"csv_line_kb"`  // largest record (line) of an import; default 1024
	ImportMB   int `yaml:"import_mb"`    // largest file import reads; default 1024
}

// UnmarshalYAML reads the limits and checks each is in its range.
func (l *Limits) UnmarshalYAML(n *yaml.Node) error {
	type plain Limits
	if err := n.Decode((*plain)(l)); err != nil {
		return err
	}
	for _, f := range []struct {
		name   string
		v, max int
	}{{"json_depth", l.JSONDepth, 10000}, {"json_kb", l.JSONKB, 1 << 20}, {"csv_field_kb", l.CSVFieldKB, 1 << 20},
		{"csv_line_kb", l.CSVLineKB, 1 << 20}, {"import_mb", l.ImportMB, 1 << 14}} {
		if f.v < 0 || f.v > f.max {
			return errAt(n, f.name, "must be between 1 and %d (or leave it out for the default), not %d", f.max, f.v)
		}
	}
	return nil
}

// ImportBytes is the largest file import reads.
func (l Limits) ImportBytes() int64 {
	if l.ImportMB > 0 {
		return int64(l.ImportMB) << 20
	}
	return 1 << 30
}

// CrawlOptions returns the crawl options of the source: its politeness,
// origins, walls and session (header read by the caller from the
// environment), identified by userAgent.
func (s *Source) CrawlOptions(userAgent string, session http.Header) crawl.Options {
	p := s.Politeness
	return crawl.Options{
		UserAgent: userAgent, Allowed: s.origins, RPS: p.RPS, Concurrency: p.Concurrency, Robots: p.Robots,
		Timeout: p.Timeout.D(), MaxBodySize: p.MaxBodyKB << 10, MaxPages: p.MaxPages, MaxDuration: p.MaxDuration.D(),
		MaxErrorRatio: p.MaxErrors, MaxAttempts: p.MaxAttempts, BackoffBase: p.Backoff.D(), RetryAfterCap: p.RetryAfter.D(),
		RobotsTTL: p.RobotsTTL.D(), SoftBlocks: s.walls, Header: session, SessionOrigins: s.sessionOrigins, Source: s.Name,
	}
}
