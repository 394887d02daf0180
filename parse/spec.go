package parse

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gmvscope/market"
)

// PageSpec says how to read one kind of page of a source. It is decoded
// from config.yaml; New compiles it into an Extractor.
type PageSpec struct {
	Type       string               `yaml:"type"`       // extractor type: see Types
	Entity     market.Entity        `yaml:"entity"`     // creator or product
	Precedence int                  `yaml:"precedence"` // higher wins when pages disagree on a field
	Script     string               `yaml:"script"`     // json: CSS selector of the <script> holding the data; empty: the page is JSON
	Rows       string               `yaml:"rows"`       // css: selector of one record; json: JSON path to records
	Key        string               `yaml:"key"`        // the field that names a record
	Fields     map[string]FieldSpec `yaml:"fields"`
	Next       *LinkSpec            `yaml:"next"`   // pagination: same page kind
	Follow     []LinkSpec           `yaml:"follow"` // links to other page kinds
}

// FieldSpec says where one field is and what kind of value it holds.
type FieldSpec struct {
	Selector string      `yaml:"selector"` // css: relative to the row; empty means the row itself
	Attr     string      `yaml:"attr"`     // css: attribute to read; empty reads the text
	Path     string      `yaml:"path"`     // json: JSON path relative to the row
	Column   string      `yaml:"column"`   // csv: column name in the header
	Regex    string      `yaml:"regex"`    // keeps the first capture group (or the whole match)
	Kind     market.Kind `yaml:"kind"`
	Period   string      `yaml:"period"`   // overrides the source's period for this field
	Currency string      `yaml:"currency"` // overrides the source's currency for this field
	Signed   bool        `yaml:"signed"`   // the value may be negative (a change such as "-1,234")
	List     bool        `yaml:"list"`     // every match, as a list
	Optional bool        `yaml:"optional"` // no element is not a reject
	Missing  []string    `yaml:"missing"`  // texts that mean "no value" here ("NaN" in a country column)
}

// LinkSpec finds links to follow.
type LinkSpec struct {
	Selector string `yaml:"selector"` // css links
	Attr     string `yaml:"attr"`     // default href
	Path     string `yaml:"path"`     // json links
	Kind     string `yaml:"kind"`     // page kind the link leads to
}

// SpecError is a spec that does not compile. Path is relative to the page
// spec ("fields.followers.selector"), so config loading can name the line.
type SpecError struct {
	Path string
	Err  error
}

func (e *SpecError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *SpecError) Unwrap() error { return e.Err }

func specErr(path string, format string, a ...any) error {
	return &SpecError{Path: path, Err: fmt.Errorf(format, a...)}
}

// field is a compiled FieldSpec.
type field struct {
	name string
	spec FieldSpec
	re   *regexp.Regexp
	opts Options
}

// compileFields checks the parts every extractor shares and returns the
// fields in name order, so records and rejects come out deterministic.
func compileFields(s PageSpec, o Options) ([]field, error) {
	if !slices.Contains(market.Entities, s.Entity) {
		var names []string
		for _, e := range market.Entities {
			names = append(names, string(e))
		}
		return nil, specErr("entity", "must be one of %s, not %q", strings.Join(names, ", "), s.Entity)
	}
	if s.Key == "" {
		return nil, specErr("key", "missing: name the field that identifies a record")
	}
	if _, ok := s.Fields[s.Key]; !ok {
		return nil, specErr("key", "%q is not one of the fields", s.Key)
	}
	names := make([]string, 0, len(s.Fields))
	for n := range s.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []field
	for _, n := range names {
		fs := s.Fields[n]
		f := field{name: n, spec: fs, opts: o}
		if fs.Kind == "" {
			return nil, specErr("fields."+n+".kind", "missing; one of %s", kindList())
		}
		if !fs.Kind.Valid() {
			return nil, specErr("fields."+n+".kind", "unknown kind %q; one of %s", fs.Kind, kindList())
		}
		if fs.Regex != "" {
			re, err := regexp.Compile(fs.Regex)
			if err != nil {
				return nil, specErr("fields."+n+".regex", "bad regex: %v", err)
			}
			f.re = re
		}
		if fs.Currency != "" {
			f.opts.Currency = fs.Currency
		}
		// The source's period is the window GMV covers; any other field
		// carries a period only when it declares one (a price has none).
		switch {
		case fs.Period != "":
			f.opts.Period = fs.Period
		case n != "gmv":
			f.opts.Period = ""
		}
		f.opts.Signed = fs.Signed
		out = append(out, f)
	}
	for i, l := range s.Follow {
		if l.Kind == "" {
			return nil, specErr(fmt.Sprintf("follow[%d].kind", i), "missing: name the page kind the link leads to")
		}
	}
	return out, nil
}

func kindList() string {
	var s []string
	for _, k := range market.Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// rowBuilder collects one row's values into a record or rejects.
type rowBuilder struct {
	spec    PageSpec
	pageURL *url.URL
	url     string
	fields  map[string]market.Value
	errs    []market.Reject
}

func newRow(s PageSpec, u *url.URL) *rowBuilder {
	return &rowBuilder{spec: s, pageURL: u, url: u.String(), fields: map[string]market.Value{}}
}

// add parses the raw strings found for f (nil: no element matched).
func (r *rowBuilder) add(f field, raws []string, found bool) {
	if !found {
		if !f.spec.Optional {
			r.errs = append(r.errs, market.Reject{Field: f.name, Reason: "not found on page"})
		}
		return
	}
	if f.spec.List {
		var items []string
		for _, raw := range raws {
			if v := r.one(f, raw); v != nil {
				items = append(items, v.Text)
			}
		}
		r.fields[f.name] = market.Value{Kind: f.spec.Kind, Raw: strings.Join(raws, " | "), Text: strings.Join(items, market.ListSep)}
		return
	}
	// With a regex, the first element whose text matches is the value:
	// a page may have several spans styled alike ("4.5", "(2.9k)", "30.8K sold").
	raw := raws[0]
	if f.re != nil {
		for _, c := range raws {
			if f.re.MatchString(c) {
				raw = c
				break
			}
		}
	}
	if v := r.one(f, raw); v != nil {
		r.fields[f.name] = *v
	}
}

func (r *rowBuilder) one(f field, raw string) *market.Value {
	text := raw
	for _, m := range f.spec.Missing {
		if strings.EqualFold(strings.TrimSpace(raw), m) {
			r.errs = append(r.errs, market.Reject{Field: f.name, Raw: raw, Reason: ErrMissing.Error()})
			return nil
		}
	}
	if f.re != nil {
		m := f.re.FindStringSubmatch(text)
		if m == nil {
			r.errs = append(r.errs, market.Reject{Field: f.name, Raw: raw, Reason: "regex " + f.re.String() + " did not match"})
			return nil
		}
		text = m[len(m)-1]
	}
	v, err := Value(f.spec.Kind, text, f.opts)
	if err != nil {
		r.errs = append(r.errs, market.Reject{Field: f.name, Raw: raw, Reason: err.Error()})
		return nil
	}
	v.Raw = raw
	if v.IsNumeric() {
		v.Period = f.opts.Period
	}
	if f.spec.Kind == market.KindURL {
		if u, err := r.pageURL.Parse(v.Text); err == nil {
			v.Text = u.String()
		}
	}
	return &v
}

// finish returns the record (nil if the key is unusable) and the rejects,
// each tagged with the key when known. raw gives the row's text, built
// only when a row reject needs it.
func (r *rowBuilder) finish(raw func() string) (*market.Record, []market.Reject) {
	key := ""
	if v, ok := r.fields[r.spec.Key]; ok {
		key = v.Text
		if r.spec.Entity == market.EntityCreator {
			key = market.CanonicalHandle(key)
		}
	}
	for i := range r.errs {
		r.errs[i].URL, r.errs[i].Entity, r.errs[i].Key = r.url, r.spec.Entity, key
	}
	if key == "" {
		row := market.Reject{URL: r.url, Entity: r.spec.Entity, Raw: truncate(raw(), 300),
			Reason: "row has no usable " + r.spec.Key}
		out := []market.Reject{row}
		for _, e := range r.errs {
			if e.Field != r.spec.Key { // the row reject already says why
				out = append(out, e)
			}
		}
		return nil, out
	}
	delete(r.fields, r.spec.Key)
	return &market.Record{Entity: r.spec.Entity, Key: key, Fields: r.fields, Precedence: r.spec.Precedence}, r.errs
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
