package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// Source is one configured site or file.
type Source struct {
	Name         string                    `yaml:"name"`
	Sample       bool                      `yaml:"sample"`   // the bundled sample market: reports say so
	Enabled      *bool                     `yaml:"enabled"`  // false: run skips it unless named with --source (documented examples)
	BaseURL      string                    `yaml:"base_url"` // start URLs are relative to it
	Start        []Start                   `yaml:"start"`
	AllowedHosts []string                  `yaml:"allowed_hosts"` // default: the origins of the start URLs
	Region       string                    `yaml:"region"`
	Locale       string                    `yaml:"locale"`   // how numbers are written: en (default), id, vi, de, zh, ar, ...
	Timezone     string                    `yaml:"timezone"` // IANA zone the source's days and months are in; default UTC
	Currency     string                    `yaml:"currency"` // default USD
	Period       string                    `yaml:"period"`
	Politeness   Politeness                `yaml:"politeness"`
	SoftBlocks   []SoftBlock               `yaml:"soft_blocks"` // pages served with 200 that are walls: captcha, login, access denied
	Session      Session                   `yaml:"session"`     // headers and cookies from environment variables
	Limits       Limits                    `yaml:"limits"`      // what one page or file may cost to read
	Pages        map[string]parse.PageSpec `yaml:"pages"`
	Cron         string                    `yaml:"cron"`   // when gmvscope schedule runs it: "0 6 * * 1", @weekly; "" never
	Jitter       Duration                  `yaml:"jitter"` // a random wait up to this before each scheduled run, so sources do not start together

	node           *yaml.Node // where it was decoded, for errors found later
	invalid        error      // what decoding found wrong with it on its own, reported with the other sources'
	cron           cron.Schedule
	extractors     map[string]parse.Extractor
	tz             *time.Location
	walls          []crawl.SoftBlock
	origins        []crawl.Origin // allowed_hosts as exact origins
	sessionOrigins []crawl.Origin // where the session's secrets may go
}

// Start is a start URL and the kind of page it is.
type Start struct {
	URL  string `yaml:"url"`
	Kind string `yaml:"kind"`
}

// SoftBlock says how to recognise a wall: text in the raw body and/or a
// CSS selector; a page matching it is a failed fetch, never data.
type SoftBlock struct {
	Name     string `yaml:"name"`
	Text     string `yaml:"text"`
	Selector string `yaml:"selector"`
}

var (
	periodRe = regexp.MustCompile(`^(\d+d|month|cumulative|session)$`)
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// maxPeriodDays is the longest <n>d period: a hundred years.
const maxPeriodDays = 36525

// checkPeriod says what is wrong with a period, or nil.
func checkPeriod(p string) error {
	if !periodRe.MatchString(p) {
		return fmt.Errorf("%q is not a period (1d, 7d, 28d, 30d, month, cumulative, session, or <n>d)", p)
	}
	if d, ok := strings.CutSuffix(p, "d"); ok {
		if n, err := strconv.Atoi(d); err != nil || n < 1 || n > maxPeriodDays {
			return fmt.Errorf("%q is not a period: <n>d takes 1 to %d days", p, maxPeriodDays)
		}
	}
	return nil
}

// UnmarshalYAML reads a source with its defaults and checks what it can
// on its own; what needs the rates is checked by compile. What is wrong
// (a wrong type, or the first of its checks) is kept in s.invalid, not
// returned, so that the sources after this one are read and checked too:
// yaml would drop a source whose decoding failed, and stop at an error.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	type plain Source
	*s = Source{Currency: "USD", Timezone: "UTC", Politeness: DefaultPoliteness()}
	err := n.Decode((*plain)(s))
	s.node = n
	if err == nil {
		err = s.check()
	}
	s.invalid = err
	return nil
}

// check is what a source's own fields say is wrong, the first of it.
func (s *Source) check() error {
	n := s.node
	switch {
	case s.Name == "":
		return errAt(n, "name", "missing")
	case s.Locale != "" && !validLocale(s.Locale):
		return errAt(n, "locale", "unknown locale %q; one of %s", s.Locale, strings.Join(parse.Locales(), ", "))
	case s.Period == "":
		return errAt(n, "period", "missing: the window GMV covers (1d, 7d, 28d, 30d, month, cumulative)")
	case len(s.Pages) == 0:
		return errAt(n, "pages", "missing: how to read each page kind")
	}
	if err := checkPeriod(s.Period); err != nil {
		return errAt(n, "period", "%v", err)
	}
	tz, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return errAt(n, "timezone", "not an IANA time zone: %q", s.Timezone)
	}
	s.tz = tz
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err != nil || u.Host == "" {
			return errAt(n, "base_url", "not an absolute URL: %q", s.BaseURL)
		}
	}
	for j, b := range s.SoftBlocks {
		bp := fmt.Sprintf("soft_blocks[%d]", j)
		if b.Name == "" {
			return errAt(n, bp+".name", "missing: what the wall is (captcha, login wall, access denied)")
		}
		if b.Text == "" && b.Selector == "" {
			return errAt(n, bp, "needs text, selector or both")
		}
		sb := crawl.SoftBlock{Name: b.Name, Text: b.Text}
		if b.Selector != "" {
			sel, err := cascadia.Compile(b.Selector)
			if err != nil {
				return errAt(n, bp+".selector", "bad CSS selector %q: %v", b.Selector, err)
			}
			sb.Selector = sel
		}
		s.walls = append(s.walls, sb)
	}
	return nil
}

// compile checks what needs the config's rates (the currencies a source
// and its fields name) and compiles each page kind's extractor. It names
// every problem it finds, the first of each page kind's.
func (s *Source) compile(rates Rates) error {
	n := s.node
	var errs []error
	if _, ok := rates[s.Currency]; !ok {
		errs = append(errs, errAt(n, "currency", "no rate for %s under rates: add one with its as_of date", s.Currency))
	}
	s.extractors = map[string]parse.Extractor{}
	opts := s.parseOptions(rates)
	for _, kind := range sortedKeys(s.Pages) {
		if err := s.compileKind(kind, rates, opts); err != nil {
			errs = append(errs, err)
		}
	}
	for j, st := range s.Start {
		sp := fmt.Sprintf("start[%d]", j)
		if _, ok := s.Pages[st.Kind]; !ok {
			errs = append(errs, errAt(n, sp+".kind", "page kind %q is not configured under pages", st.Kind))
		} else if _, err := s.resolve(st.URL); err != nil {
			errs = append(errs, errAt(n, sp+".url", "%v", err))
		}
	}
	if field, err := s.resolveOrigins(); err != nil {
		errs = append(errs, errAt(n, field, "%v", err))
	}
	for _, kind := range []string{"headers", "cookies"} {
		m := map[string]map[string]string{"headers": s.Session.Headers, "cookies": s.Session.Cookies}[kind]
		for _, name := range sortedKeys(m) {
			if env := m[name]; !envName.MatchString(env) {
				errs = append(errs, errAt(n, "session."+kind+"."+name, "must name an environment variable (the secret itself never goes in config), not %q", env))
			}
		}
	}
	return errors.Join(errs...)
}

// compileKind compiles one page kind's extractor and checks what its
// fields and links name.
func (s *Source) compileKind(kind string, rates Rates, opts parse.Options) error {
	n, spec, pp := s.node, s.Pages[kind], "pages."+kind
	ex, err := parse.New(spec, opts)
	if err != nil {
		var se *parse.SpecError
		if errors.As(err, &se) {
			return errAt(n, pp+"."+se.Path, "%v", se.Err)
		}
		return errAt(n, pp, "%v", err)
	}
	s.extractors[kind] = ex
	for j, f := range spec.Follow {
		if _, ok := s.Pages[f.Kind]; !ok {
			return errAt(n, fmt.Sprintf("%s.follow[%d].kind", pp, j), "page kind %q is not configured under pages", f.Kind)
		}
	}
	for _, name := range sortedKeys(spec.Fields) {
		f := spec.Fields[name]
		if c := f.Currency.Code; c != "" {
			if _, ok := rates[c]; !ok {
				return errAt(n, pp+".fields."+name+".currency", "no rate for %s under rates", c)
			}
		}
		if f.Period != "" {
			if err := checkPeriod(f.Period); err != nil {
				return errAt(n, pp+".fields."+name+".period", "%v", err)
			}
		}
	}
	return nil
}

// parseOptions are the value-parsing options of the source.
func (s *Source) parseOptions(rates Rates) parse.Options {
	rated := map[string]bool{}
	for code := range rates {
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

// IsEnabled reports whether run crawls the source without --source.
func (s *Source) IsEnabled() bool { return !s.Sample && (s.Enabled == nil || *s.Enabled) }

// Extractors returns the compiled extractor of each page kind.
func (s *Source) Extractors() map[string]parse.Extractor { return s.extractors }

// Walls returns the source's own soft blocks, compiled.
func (s *Source) Walls() []crawl.SoftBlock { return s.walls }

// Location returns the source's time zone.
func (s *Source) Location() *time.Location { return s.tz }

// resolve makes a start URL absolute against base_url.
func (s *Source) resolve(raw string) (*url.URL, error) {
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
func (s *Source) StartLinks() []market.Link {
	var out []market.Link
	for _, st := range s.Start {
		u, err := s.resolve(st.URL)
		if err != nil {
			continue // checked at load
		}
		out = append(out, market.Link{URL: u.String(), Kind: st.Kind})
	}
	return out
}

// Stated returns what the source's config says its listings hold, by page kind.
func (s *Source) Stated() map[string]market.Stated {
	out := map[string]market.Stated{}
	for kind, p := range s.Pages {
		if p.Expect.StatedTotal > 0 || p.Expect.StatedPages > 0 {
			out[kind] = market.Stated{Total: p.Expect.StatedTotal, Pages: p.Expect.StatedPages}
		}
	}
	return out
}

// origin is the source's own scheme, host and port: its base URL, or its
// first start URL. allowed_hosts entries without a scheme or port take it.
func (s *Source) origin() *url.URL {
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
func (s *Source) resolveOrigins() (string, error) {
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
		if !OriginAllowed(s.origins, u) {
			return "allowed_hosts", fmt.Errorf("start[%d] %s is not on an allowed origin (%s): list %s, or leave allowed_hosts out",
				j, l.URL, OriginList(s.origins), crawl.OriginOf(u))
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
		if !OriginAllowed(s.origins, u) {
			return fmt.Sprintf("session.origins[%d]", j), fmt.Errorf("%s is not on allowed_hosts (%s)", o, OriginList(s.origins))
		}
		s.sessionOrigins = append(s.sessionOrigins, o)
	}
	if len(s.Session.Origins) == 0 {
		s.sessionOrigins = starts
	}
	return "", nil
}

// Origins returns the origins the source may be crawled on: allowed_hosts
// as exact origins, or the start URLs' origins when it is unset.
func (s *Source) Origins() []crawl.Origin { return s.origins }

// SessionOrigins returns the origins the session's secrets may go to.
func (s *Source) SessionOrigins() []crawl.Origin { return s.sessionOrigins }

// Rebase points the source at another base URL (the demo's live server),
// on that server's own origin, and resolves its origins again.
func (s *Source) Rebase(base string) error {
	s.BaseURL, s.AllowedHosts = base, nil
	if _, err := s.resolveOrigins(); err != nil {
		return fmt.Errorf("source %s at %s: %w", s.Name, base, err)
	}
	return nil
}

// OriginAllowed reports whether u is on one of the origins.
func OriginAllowed(os []crawl.Origin, u *url.URL) bool {
	for _, o := range os {
		if o.Match(u) {
			return true
		}
	}
	return false
}

// OriginList writes origins for a message.
func OriginList(os []crawl.Origin) string {
	var out []string
	for _, o := range os {
		out = append(out, o.String())
	}
	return strings.Join(out, ", ")
}
