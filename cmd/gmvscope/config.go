package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/andybalholm/cascadia"
	"gmvscope/crawl"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones without relying on the host

	"go.yaml.in/yaml/v3"

	"gmvscope/market"
	"gmvscope/parse"
)

// Config is config.yaml.
type Config struct {
	Store     string              `yaml:"store"`      // SQLite file; default output/gmvscope.db
	Output    string              `yaml:"output"`     // folder for reports; default output
	UserAgent string              `yaml:"user_agent"` // identifying User-Agent with a contact URL
	Rates     map[string]RateSpec `yaml:"rates"`      // USD per unit of each currency, with a date
	Sources   []SourceSpec        `yaml:"sources"`

	path string
	root *yaml.Node
}

// RateSpec is one currency's rate to USD.
type RateSpec struct {
	USD  float64 `yaml:"usd"`
	AsOf string  `yaml:"as_of"` // YYYY-MM-DD
	asOf time.Time
}

// SourceSpec is one configured site or file.
type SourceSpec struct {
	Name         string                    `yaml:"name"`
	Sample       bool                      `yaml:"sample"`   // the bundled sample market: reports say so
	Enabled      *bool                     `yaml:"enabled"`  // false: run skips it unless named with --source (documented examples)
	BaseURL      string                    `yaml:"base_url"` // start URLs are relative to it
	Start        []StartSpec               `yaml:"start"`
	AllowedHosts []string                  `yaml:"allowed_hosts"` // default: the hosts of the start URLs
	Region       string                    `yaml:"region"`
	Locale       string                    `yaml:"locale"`   // how numbers are written: en (default), id, vi, de, zh, ar, ...
	Timezone     string                    `yaml:"timezone"` // IANA zone the source's days and months are in; default UTC
	Currency     string                    `yaml:"currency"`
	Period       string                    `yaml:"period"`
	Politeness   Politeness                `yaml:"politeness"`
	SoftBlocks   []SoftBlockSpec           `yaml:"soft_blocks"` // pages served with 200 that are walls: captcha, login, access denied
	Session      SessionSpec               `yaml:"session"`     // headers and cookies from environment variables
	Limits       LimitsSpec                `yaml:"limits"`      // what one page or file may cost to read
	Pages        map[string]parse.PageSpec `yaml:"pages"`

	extractors     map[string]parse.Extractor
	tz             *time.Location
	softBlocks     []crawl.SoftBlock
	origins        []crawl.Origin // allowed_hosts as exact origins
	sessionOrigins []crawl.Origin // where the session's secrets may go
}

// LimitsSpec bounds what hostile input can cost; zero takes the default.
type LimitsSpec struct {
	JSONDepth  int `yaml:"json_depth"`   // deepest JSON nesting read; default 100
	JSONKB     int `yaml:"json_kb"`      // largest JSON document read; default 10240
	CSVFieldKB int `yaml:"csv_field_kb"` // largest field of an import; default 256
	CSVLineKB  int `yaml:"csv_line_kb"`  // largest record (line) of an import; default 1024
	ImportMB   int `yaml:"import_mb"`    // largest file import reads; default 1024
}

// SessionSpec names the environment variables that hold a session's
// secrets: the config holds names only, never values.
type SessionSpec struct {
	Headers map[string]string `yaml:"headers"` // header name -> environment variable
	Cookies map[string]string `yaml:"cookies"` // cookie name -> environment variable
	// Origins are where the secrets may be sent, written like
	// allowed_hosts; default: the start URLs' origins. A redirect to any
	// other origin goes without them.
	Origins []string `yaml:"origins"`
}

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// header reads the session from the environment; a variable that is not
// set is an error naming it (never a value).
func (s SessionSpec) header(getenv func(string) string) (http.Header, error) {
	h := http.Header{}
	read := func(env string) (string, error) {
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("session: environment variable %s is not set", env)
		}
		return v, nil
	}
	for name, env := range s.Headers {
		v, err := read(env)
		if err != nil {
			return nil, err
		}
		h.Set(name, v)
	}
	var cookies []string
	for _, name := range sortedNames(s.Cookies) {
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

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SoftBlockSpec says how to recognise a wall: text in the raw body and/or
// a CSS selector; a page matching it is a failed fetch, never data.
type SoftBlockSpec struct {
	Name     string `yaml:"name"`
	Text     string `yaml:"text"`
	Selector string `yaml:"selector"`
}

// StartSpec is a start URL and the kind of page it is.
type StartSpec struct {
	URL  string `yaml:"url"`
	Kind string `yaml:"kind"`
}

// Politeness limits how hard a source is crawled.
type Politeness struct {
	RPS         *float64      `yaml:"rps"`             // requests per second per host; default 1; 0 = unlimited
	Concurrency int           `yaml:"concurrency"`     // default 1
	Robots      *bool         `yaml:"robots"`          // default true
	Timeout     time.Duration `yaml:"timeout"`         // default 30s
	MaxBodyKB   int           `yaml:"max_body_kb"`     // default 10240
	MaxPages    int           `yaml:"max_pages"`       // 0: no limit
	MaxDuration time.Duration `yaml:"max_duration"`    // stop starting fetches after this long; 0: no limit
	MaxErrors   float64       `yaml:"max_error_ratio"` // stop when this share of pages failed (after 20); 0: no limit
	MaxAttempts int           `yaml:"max_attempts"`    // tries per URL for network errors, timeouts, 408, 429, 5xx; default 3
	Backoff     time.Duration `yaml:"backoff"`         // first retry waits up to this, doubling; default 1s
	RetryAfter  time.Duration `yaml:"retry_after_cap"` // longest Retry-After honoured; default 10m
	RobotsTTL   time.Duration `yaml:"robots_ttl"`      // how long a fetched robots.txt is used, across runs; default 24h
}

// ConfigError is a config problem at a file and line.
type ConfigError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", loc, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", loc, e.Field, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

var (
	periodRe   = regexp.MustCompile(`^(\d+d|month|cumulative)$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
	unknownRe  = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)
)

// LoadConfig reads and validates path strictly: unknown keys, bad
// selectors, JSON paths, regexes and missing fields are errors naming the
// file, line and field.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig is LoadConfig on bytes already read.
func ParseConfig(path string, data []byte) (*Config, error) {
	cfg := &Config{path: path, root: &yaml.Node{}}
	if err := yaml.Unmarshal(data, cfg.root); err != nil {
		return nil, yamlError(path, err)
	}
	if cfg.root.Kind == 0 || (cfg.root.Kind == yaml.DocumentNode && len(cfg.root.Content) == 0) {
		return nil, &ConfigError{File: path, Err: errors.New("the file is empty: a config needs user_agent, rates and sources (see config.yaml and the README's Config reference)")}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, yamlError(path, err)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func yamlError(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if m := unknownRe.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &ConfigError{File: path, Line: line, Field: m[2], Err: errors.New("unknown field")}
		}
		if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &ConfigError{File: path, Line: line, Err: errors.New(m[2])}
		}
		return &ConfigError{File: path, Err: errors.New(msg)}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfigError{File: path, Line: line, Err: errors.New(m[2])}
	}
	return &ConfigError{File: path, Err: errors.New(msg)}
}

// errAt makes a ConfigError for the dotted path ("sources[0].pages.x.rows").
func (c *Config) errAt(path string, format string, a ...any) error {
	return &ConfigError{File: c.path, Line: lineOf(c.root, path), Field: path, Err: fmt.Errorf(format, a...)}
}

// lineOf finds the line of a dotted path in the YAML tree: the key's line
// when it exists, else the line of the nearest existing parent.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range splitPath(path) {
		next, keyLine := child(n, part)
		if next == nil {
			return line
		}
		n, line = next, keyLine
	}
	return line
}

func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		for {
			i := strings.IndexByte(seg, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, seg[:i])
			}
			j := strings.IndexByte(seg, ']')
			if j < i {
				break
			}
			out = append(out, seg[i:j+1])
			seg = seg[j+1:]
		}
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

func child(n *yaml.Node, part string) (*yaml.Node, int) {
	if strings.HasPrefix(part, "[") {
		i, err := strconv.Atoi(strings.Trim(part, "[]"))
		if err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
			return nil, 0
		}
		return n.Content[i], n.Content[i].Line
	}
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == part {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}

func (c *Config) validate() error {
	if c.Store == "" {
		c.Store = "output/gmvscope.db"
	}
	if c.Output == "" {
		c.Output = "output"
	}
	if c.UserAgent == "" {
		return c.errAt("user_agent", "missing: name gmvscope and a contact URL, e.g. \"gmvscope/0.1 (+https://example.org/contact)\"")
	}
	for code, r := range c.Rates {
		p := "rates." + code
		if !currencyRe.MatchString(code) {
			return c.errAt(p, "%q is not an ISO 4217 code", code)
		}
		if !(r.USD > 0) || math.IsInf(r.USD, 0) {
			return c.errAt(p+".usd", "must be a positive, finite rate (USD per 1 %s), not %v", code, r.USD)
		}
		t, err := time.Parse("2006-01-02", r.AsOf)
		if err != nil {
			return c.errAt(p+".as_of", "must be a date YYYY-MM-DD, not %q", r.AsOf)
		}
		r.asOf = t
		c.Rates[code] = r
	}
	if len(c.Sources) == 0 {
		return c.errAt("sources", "missing: configure at least one source")
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		if err := c.validateSource(i, seen); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateSource(i int, seen map[string]bool) error {
	s := &c.Sources[i]
	p := fmt.Sprintf("sources[%d]", i)
	if s.Name == "" {
		return c.errAt(p+".name", "missing")
	}
	if seen[s.Name] {
		return c.errAt(p+".name", "duplicate source name %q", s.Name)
	}
	seen[s.Name] = true
	if s.Currency == "" {
		s.Currency = "USD"
	}
	if _, ok := c.Rates[s.Currency]; !ok {
		return c.errAt(p+".currency", "no rate for %s under rates: add one with its as_of date", s.Currency)
	}
	if s.Locale != "" && !validLocale(s.Locale) {
		return c.errAt(p+".locale", "unknown locale %q; one of %s", s.Locale, strings.Join(parse.Locales(), ", "))
	}
	if s.Timezone == "" {
		s.Timezone = "UTC"
	}
	tz, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return c.errAt(p+".timezone", "not an IANA time zone: %q", s.Timezone)
	}
	s.tz = tz
	if s.Period == "" {
		return c.errAt(p+".period", "missing: the window GMV covers (1d, 7d, 28d, 30d, month, cumulative)")
	}
	if err := checkPeriod(s.Period); err != nil {
		return c.errAt(p+".period", "%v", err)
	}
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err != nil || u.Host == "" {
			return c.errAt(p+".base_url", "not an absolute URL: %q", s.BaseURL)
		}
	}

	if len(s.Pages) == 0 {
		return c.errAt(p+".pages", "missing: how to read each page kind")
	}
	pol := &s.Politeness
	if pol.RPS == nil {
		one := 1.0
		pol.RPS = &one
	}
	if !(*pol.RPS >= 0) || math.IsInf(*pol.RPS, 0) {
		return c.errAt(p+".politeness.rps", "must be a finite number of requests per second, 0 (unlimited) or more, not %v", *pol.RPS)
	}
	if pol.Concurrency == 0 {
		pol.Concurrency = 1
	}
	if !(pol.MaxErrors >= 0 && pol.MaxErrors <= 1) {
		return c.errAt(p+".politeness.max_error_ratio", "must be a share between 0 and 1, such as 0.2, not %v", pol.MaxErrors)
	}
	if pol.MaxBodyKB < 0 {
		return c.errAt(p+".politeness.max_body_kb", "must be a size in KB, 1 or more (default 10240), not %d", pol.MaxBodyKB)
	}
	if pol.MaxBodyKB > 1<<20 {
		return c.errAt(p+".politeness.max_body_kb", "must be at most 1048576 (1 GB), not %d", pol.MaxBodyKB)
	}
	if pol.MaxPages < 0 {
		return c.errAt(p+".politeness.max_pages", "must be a number of pages, 1 or more (or leave it out for no limit), not %d", pol.MaxPages)
	}
	if pol.MaxAttempts < 0 || pol.MaxAttempts > 20 {
		return c.errAt(p+".politeness.max_attempts", "must be between 1 and 20")
	}
	if pol.Concurrency < 0 || pol.Concurrency > 256 {
		return c.errAt(p+".politeness.concurrency", "must be between 1 and 256")
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"timeout", pol.Timeout}, {"max_duration", pol.MaxDuration}, {"backoff", pol.Backoff}, {"retry_after_cap", pol.RetryAfter}, {"robots_ttl", pol.RobotsTTL}} {
		if d.d < 0 {
			return c.errAt(p+".politeness."+d.name, "must not be negative")
		}
	}
	if pol.RobotsTTL > 24*time.Hour {
		return c.errAt(p+".politeness.robots_ttl", "must be at most 24h: RFC 9309 asks crawlers not to use a robots.txt older than that")
	}
	if pol.Robots == nil {
		t := true
		pol.Robots = &t
	}
	for _, l := range []struct {
		name string
		v    int
		max  int
	}{{"json_depth", s.Limits.JSONDepth, 10000}, {"json_kb", s.Limits.JSONKB, 1 << 20}, {"csv_field_kb", s.Limits.CSVFieldKB, 1 << 20},
		{"csv_line_kb", s.Limits.CSVLineKB, 1 << 20}, {"import_mb", s.Limits.ImportMB, 1 << 14}} {
		if l.v < 0 || l.v > l.max {
			return c.errAt(p+".limits."+l.name, "must be between 1 and %d (or leave it out for the default), not %d", l.max, l.v)
		}
	}
	for kind, m := range map[string]map[string]string{"headers": s.Session.Headers, "cookies": s.Session.Cookies} {
		for name, env := range m {
			if !envNameRe.MatchString(env) {
				return c.errAt(p+".session."+kind+"."+name, "must name an environment variable (the secret itself never goes in config), not %q", env)
			}
		}
	}
	for j, b := range s.SoftBlocks {
		bp := fmt.Sprintf("%s.soft_blocks[%d]", p, j)
		if b.Name == "" {
			return c.errAt(bp+".name", "missing: what the wall is (captcha, login wall, access denied)")
		}
		if b.Text == "" && b.Selector == "" {
			return c.errAt(bp, "needs text, selector or both")
		}
		sb := crawl.SoftBlock{Name: b.Name, Text: b.Text}
		if b.Selector != "" {
			sel, err := cascadia.Compile(b.Selector)
			if err != nil {
				return c.errAt(bp+".selector", "bad CSS selector %q: %v", b.Selector, err)
			}
			sb.Selector = sel
		}
		s.softBlocks = append(s.softBlocks, sb)
	}
	s.extractors = map[string]parse.Extractor{}
	for kind, spec := range s.Pages {
		pp := p + ".pages." + kind
		ex, err := parse.New(spec, c.parseOptions(s))
		if err != nil {
			var se *parse.SpecError
			if errors.As(err, &se) {
				return c.errAt(pp+"."+se.Path, "%v", se.Err)
			}
			return c.errAt(pp, "%v", err)
		}
		s.extractors[kind] = ex
		for j, f := range spec.Follow {
			if _, ok := s.Pages[f.Kind]; !ok {
				return c.errAt(fmt.Sprintf("%s.follow[%d].kind", pp, j), "page kind %q is not configured under pages", f.Kind)
			}
		}
		for name, f := range spec.Fields {
			if f.Currency != "" {
				if _, ok := c.Rates[f.Currency]; !ok {
					return c.errAt(pp+".fields."+name+".currency", "no rate for %s under rates", f.Currency)
				}
			}
			if f.Period != "" {
				if err := checkPeriod(f.Period); err != nil {
					return c.errAt(pp+".fields."+name+".period", "%v", err)
				}
			}
		}
	}
	for j, st := range s.Start {
		sp := fmt.Sprintf("%s.start[%d]", p, j)
		if _, ok := s.Pages[st.Kind]; !ok {
			return c.errAt(sp+".kind", "page kind %q is not configured under pages", st.Kind)
		}
		if _, err := s.resolve(st.URL); err != nil {
			return c.errAt(sp+".url", "%v", err)
		}
	}
	if field, err := s.resolveOrigins(); err != nil {
		return c.errAt(p+"."+field, "%v", err)
	}
	return nil
}

// checkPeriod says what is wrong with a period, or nil.
func checkPeriod(p string) error {
	if !periodRe.MatchString(p) {
		return fmt.Errorf("%q is not a period (1d, 7d, 28d, 30d, month, cumulative, or <n>d)", p)
	}
	if d, ok := strings.CutSuffix(p, "d"); ok {
		if n, err := strconv.Atoi(d); err != nil || n < 1 || n > maxPeriodDays {
			return fmt.Errorf("%q is not a period: <n>d takes 1 to %d days", p, maxPeriodDays)
		}
	}
	return nil
}

// maxPeriodDays is the longest <n>d period: a hundred years.
const maxPeriodDays = 36525

// origin is the source's own scheme, host and port: its base URL, or its
// first start URL. allowed_hosts entries without a scheme or port take it.
func (s *SourceSpec) origin() *url.URL {
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err == nil && u.Host != "" {
			return u
		}
	}
	for _, st := range s.Start {
		if u, err := s.resolve(st.URL); err == nil {
			return u
		}
	}
	return &url.URL{Scheme: "https"}
}

// resolveOrigins turns allowed_hosts and session.origins into exact
// origins and checks that every start URL is allowed. On error it returns
// the field at fault.
func (s *SourceSpec) resolveOrigins() (string, error) {
	def := s.origin()
	s.origins, s.sessionOrigins = nil, nil
	var starts []crawl.Origin
	for _, l := range s.StartLinks() {
		u, _ := url.Parse(l.URL)
		starts = append(starts, crawl.OriginOf(u))
	}
	for j, h := range s.AllowedHosts {
		o, err := crawl.ParseOrigin(h, def)
		if err != nil {
			return fmt.Sprintf("allowed_hosts[%d]", j), err
		}
		s.origins = append(s.origins, o)
	}
	if len(s.AllowedHosts) == 0 {
		s.origins = starts
	}
	for j, l := range s.StartLinks() {
		u, _ := url.Parse(l.URL)
		if !originAllowed(s.origins, u) {
			return "allowed_hosts", fmt.Errorf("start[%d] %s is not on an allowed origin (%s): list %s, or leave allowed_hosts out",
				j, l.URL, originList(s.origins), crawl.OriginOf(u))
		}
	}
	for j, h := range s.Session.Origins {
		o, err := crawl.ParseOrigin(h, def)
		if err != nil {
			return fmt.Sprintf("session.origins[%d]", j), err
		}
		if strings.HasPrefix(o.Host, "*.") {
			return fmt.Sprintf("session.origins[%d]", j), fmt.Errorf("%q: name each origin a session goes to exactly, without a wildcard", h)
		}
		u := &url.URL{Scheme: o.Scheme, Host: net.JoinHostPort(o.Host, o.Port)}
		if !originAllowed(s.origins, u) {
			return fmt.Sprintf("session.origins[%d]", j), fmt.Errorf("%s is not on allowed_hosts (%s)", o, originList(s.origins))
		}
		s.sessionOrigins = append(s.sessionOrigins, o)
	}
	if len(s.Session.Origins) == 0 {
		s.sessionOrigins = starts
	}
	return "", nil
}

func originAllowed(os []crawl.Origin, u *url.URL) bool {
	for _, o := range os {
		if o.Match(u) {
			return true
		}
	}
	return false
}

func originList(os []crawl.Origin) string {
	var out []string
	for _, o := range os {
		out = append(out, o.String())
	}
	return strings.Join(out, ", ")
}

// parseOptions are the value-parsing options of source s.
func (c *Config) parseOptions(s *SourceSpec) parse.Options {
	rated := map[string]bool{}
	for code := range c.Rates {
		rated[code] = true
	}
	l := s.Limits
	return parse.Options{Currency: s.Currency, Locale: s.Locale, Period: s.Period, Rated: rated,
		Limits: parse.Limits{JSONDepth: l.JSONDepth, JSONBytes: l.JSONKB << 10, FieldBytes: l.CSVFieldKB << 10, LineBytes: l.CSVLineKB << 10}}
}

func validLocale(l string) bool {
	lang := strings.ToLower(l)
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	for _, k := range parse.Locales() {
		if k == lang {
			return true
		}
	}
	return false
}

// resolve makes a start URL absolute against base_url.
func (s *SourceSpec) resolve(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", raw, err)
	}
	if s.BaseURL != "" {
		b, _ := url.Parse(s.BaseURL)
		u = b.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("not an absolute http(s) URL: %q (set base_url or write it in full)", raw)
	}
	return u, nil
}

// StartLinks returns the resolved start URLs.
func (s *SourceSpec) StartLinks() []market.Link {
	var out []market.Link
	for _, st := range s.Start {
		u, _ := s.resolve(st.URL)
		out = append(out, market.Link{URL: u.String(), Kind: st.Kind})
	}
	return out
}

// Origins returns the origins the source may be crawled on: allowed_hosts
// as exact origins, or the start URLs' origins when it is unset.
func (s *SourceSpec) Origins() []crawl.Origin { return s.origins }

// Rebase points the source at another base URL (the demo's live server)
// and resolves its origins again.
func (s *SourceSpec) Rebase(base string) error {
	s.BaseURL = base
	if _, err := s.resolveOrigins(); err != nil {
		return fmt.Errorf("source %s at %s: %w", s.Name, base, err)
	}
	return nil
}

// Source returns the source named name.
func (c *Config) Source(name string) (*SourceSpec, error) {
	var names []string
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], nil
		}
		names = append(names, c.Sources[i].Name)
	}
	return nil, fmt.Errorf("no source %q in %s; sources: %s", name, c.path, strings.Join(names, ", "))
}

// Info describes s for a snapshot.
func (c *Config) Info(s *SourceSpec) market.SourceInfo {
	r := c.Rates[s.Currency]
	var urls []string
	for _, l := range s.StartLinks() {
		urls = append(urls, l.URL)
	}
	return market.SourceInfo{Name: s.Name, StartURLs: urls, Region: s.Region, Currency: s.Currency,
		Period: market.Period(s.Period), RateUSD: r.USD, RateAsOf: r.asOf, Sample: s.Sample, Timezone: s.Timezone}
}
