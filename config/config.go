// Package config is gmvscope's configuration: the schema of config.yaml,
// its defaults (set once), and its validation. Every type validates
// itself where it is decoded; a problem names the file, the line and the
// field, and says what the field wants. Selectors, JSON paths and regexes
// are compiled at load, so a typo stops gmvscope before any work.
package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones without relying on the host

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"gmvscope/internal/suggest"
	"gmvscope/market"
	"gmvscope/templates"
)

// Config is config.yaml, loaded, defaulted and validated.
type Config struct {
	Store     string   `yaml:"store"`      // SQLite file; default output/gmvscope.db
	Output    string   `yaml:"output"`     // folder for reports; default output
	Lang      string   `yaml:"lang"`       // the reports' and exported charts' language: en (default), ar, ar-AE, ...
	UserAgent string   `yaml:"user_agent"` // identifying User-Agent with a contact URL
	Rates     Rates    `yaml:"rates"`      // USD per unit of each currency, with a date
	Schedule  Schedule `yaml:"schedule"`   // how gmvscope schedule runs the sources
	Alerts    Alerts   `yaml:"alerts"`     // rules over each creator's facts after a run
	Sources   []Source `yaml:"sources"`

	// File is where the config was read from.
	File string `yaml:"-"`
}

// Rates are the USD rates by ISO 4217 code.
type Rates map[string]Rate

// Rate is one currency's rate to USD on a date.
type Rate struct {
	USD  float64   `yaml:"usd"`   // USD per 1 unit of the currency
	AsOf string    `yaml:"as_of"` // YYYY-MM-DD
	Date time.Time `yaml:"-"`
}

// UnmarshalYAML reads the rates, each keyed by an ISO 4217 code.
func (r *Rates) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(n, "", "want a mapping of currency codes to {usd, as_of}, got %s", kindWord(n))
	}
	*r = Rates{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		code := n.Content[i].Value
		if _, err := currency.ParseISO(code); err != nil || strings.ToUpper(code) != code {
			return &nodeError{node: n.Content[i], err: fmt.Errorf("%q is not an ISO 4217 currency code", code)}
		}
		v := n.Content[i+1]
		var rate Rate
		if err := v.Decode(&rate); err != nil {
			return err
		}
		if !(rate.USD > 0) || math.IsInf(rate.USD, 0) {
			return errAt(v, "usd", "must be a positive, finite rate (USD per 1 %s), not %v", code, rate.USD)
		}
		t, err := time.Parse("2006-01-02", rate.AsOf)
		if err != nil {
			return errAt(v, "as_of", "must be a date YYYY-MM-DD, not %q", rate.AsOf)
		}
		rate.Date = t
		(*r)[code] = rate
	}
	return nil
}

// UnmarshalYAML reads the whole config: defaults first, then the fields,
// then what needs more than one field (a source's currency needs a rate).
// It names every problem it finds: the first of each source's own fields,
// the first of each page kind's, and each of the rest.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	type plain Config
	*c = Config{Store: "output/gmvscope.db", Output: "output", Schedule: Schedule{Timezone: "UTC", tz: time.UTC}}
	if err := n.Decode((*plain)(c)); err != nil {
		return err
	}
	var errs []error
	if err := CheckLang(c.Lang); err != nil {
		errs = append(errs, errAt(n, "lang", "%v", err))
	}
	if _, ok := c.Rates["USD"]; !ok {
		if c.Rates == nil {
			c.Rates = Rates{}
		}
		c.Rates["USD"] = Rate{USD: 1} // by definition, on every date
	}
	if len(c.Sources) == 0 {
		errs = append(errs, errAt(n, "sources", "missing: configure at least one source"))
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		if seen[s.Name] && s.Name != "" {
			errs = append(errs, errAt(s.node, "name", "duplicate source name %q", s.Name))
		}
		seen[s.Name] = true
		if s.invalid != nil {
			errs = append(errs, s.invalid)
			continue
		}
		if err := s.compile(c.Rates); err != nil {
			errs = append(errs, err)
		}
		if err := s.compileCron(); err != nil {
			errs = append(errs, err)
		}
	}
	// Only a crawler sends a User-Agent: an import-only config needs none.
	for i, s := range c.Sources {
		if c.UserAgent == "" && len(s.Start) > 0 {
			errs = append(errs, errAt(n, "user_agent", "missing: sources[%d] (%s) crawls, and a crawler names gmvscope and a contact URL, e.g. \"gmvscope/0.1 (+https://example.org/contact)\"", i, s.Name))
			break
		}
	}
	for i, r := range c.Alerts.Rules {
		if r.Source != "" && !seen[r.Source] {
			errs = append(errs, errAt(child(n, "alerts"), fmt.Sprintf("rules[%d].source", i), "no source %q%s", r.Source, suggest.Hint(r.Source, c.Names())))
		}
	}
	return errors.Join(errs...)
}

// CheckLang says whether reports can be written in tag: a BCP 47 tag
// whose language has a message file in templates/lang. "" is English.
func CheckLang(tag string) error {
	if tag == "" {
		return nil
	}
	t, err := language.Parse(tag)
	if err != nil {
		return fmt.Errorf("%q is not a language tag such as en, ar or ar-AE", tag)
	}
	base, _ := t.Base()
	langs := templates.Langs()
	if !slices.Contains(langs, base.String()) {
		return fmt.Errorf("no messages for %q: gmvscope writes reports in %s (another language is one file in templates/lang)", tag, strings.Join(langs, ", "))
	}
	return nil
}

// Parse reads config bytes from file (named in errors) strictly:
// ${VAR} and ${VAR:-default} are replaced from getenv (nil:
// os.Getenv), an unknown key is an error that names the closest known
// one, and every field is validated.
func Parse(file string, data []byte, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, toError(file, &root, err)
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && len(root.Content) == 0) {
		return nil, &Error{File: file, Err: errors.New("the file is empty: a config needs user_agent, rates and sources (see config.yaml and the README's Config reference)")}
	}
	if err := expandEnv(&root, getenv); err != nil {
		return nil, toError(file, &root, err)
	}
	if err := strictKeys(&root, reflect.TypeOf(Config{})); err != nil {
		return nil, toError(file, &root, err)
	}
	cfg := &Config{}
	if err := root.Decode(cfg); err != nil {
		return nil, toError(file, &root, err)
	}
	cfg.File = file
	return cfg, nil
}

// Load reads and validates the config file at path.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, getenv)
}

// Source returns the source named name, or an error that lists the
// sources and names the closest.
func (c *Config) Source(name string) (*Source, error) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], nil
		}
	}
	return nil, fmt.Errorf("no source %q in %s%s; sources: %s", name, c.File, suggest.Hint(name, c.Names()), strings.Join(c.Names(), ", "))
}

// Names lists the sources' names in config order.
func (c *Config) Names() []string {
	var out []string
	for _, s := range c.Sources {
		out = append(out, s.Name)
	}
	return out
}

// Info describes s for a snapshot.
func (c *Config) Info(s *Source) market.SourceInfo {
	r := c.Rates[s.Currency]
	var urls []string
	for _, l := range s.StartLinks() {
		urls = append(urls, l.URL)
	}
	return market.SourceInfo{Name: s.Name, StartURLs: urls, Region: s.Region, Currency: s.Currency,
		Period: market.Period(s.Period), RateUSD: r.USD, RateAsOf: r.Date, Sample: s.Sample, Timezone: s.Timezone}
}

// Rated lists the currencies that have a rate.
func (c *Config) Rated() map[string]bool {
	out := map[string]bool{}
	for code := range c.Rates {
		out[code] = true
	}
	return out
}

// Codes returns the rates' currency codes, sorted.
func (r Rates) Codes() []string {
	var out []string
	for code := range r {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}
