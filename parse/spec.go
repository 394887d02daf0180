package parse

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

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
	Next       *LinkSpec            `yaml:"next"`     // pagination: same page kind
	Paginate   *PaginateSpec        `yaml:"paginate"` // pagination by page number: every page at once
	Follow     []LinkSpec           `yaml:"follow"`   // links to other page kinds
	Expect     ExpectSpec           `yaml:"expect"`   // what a good page of this kind has
	// Encoding is what an imported file's bytes are (windows-1252,
	// utf-16, shift_jis, ...); empty: its byte order mark, else UTF-8
	// when valid, else detected. Crawled pages take theirs from the
	// response (header, byte order mark, <meta>, detection).
	Encoding string `yaml:"encoding"`
	// Sheet names the sheet of a workbook (.xlsx) export a csv page kind
	// reads; empty: the first that holds a cell.
	Sheet string `yaml:"sheet"`
	// Delimiter is a CSV export's field separator: ",", ";", "\t" (or
	// "tab") or "|"; empty: read from the header line.
	Delimiter string `yaml:"delimiter"`
	// AsOf says where an export's own date is, for its snapshot: a
	// column of its rows or a pattern in its file name.
	AsOf *AsOfSpec `yaml:"as_of"`
}

// AsOfSpec finds the date an export is of. Column names a CSV column
// (the last date of a range such as "2026-10-01 ~ 2026-10-28" is taken);
// FileName is a regular expression on the file's base name whose first
// group is the date; Layout is Go's layout for it (2006-01-02) when the
// usual forms are not enough or a day and a month could be swapped.
type AsOfSpec struct {
	Column   string `yaml:"column"`
	FileName string `yaml:"file_name"`
	Layout   string `yaml:"layout"`
}

// FieldSpec says where one field is and what kind of value it holds.
type FieldSpec struct {
	Selector string       `yaml:"selector"` // css: relative to the row; empty means the row itself
	Attr     string       `yaml:"attr"`     // css: attribute to read; empty reads the text
	Path     string       `yaml:"path"`     // json: JSON path relative to the row
	Column   string       `yaml:"column"`   // csv: column name in the header
	Columns  []string     `yaml:"columns"`  // csv: a range's low and high ends in two columns, read as one "low - high" value
	Regex    string       `yaml:"regex"`    // keeps the first capture group (or the whole match)
	Kind     market.Kind  `yaml:"kind"`
	Period   string       `yaml:"period"`   // overrides the source's period for this field
	Currency CurrencySpec `yaml:"currency"` // overrides the source's currency for this field: a code, or where each row gives it
	Signed   bool         `yaml:"signed"`   // the value may be negative (a change such as "-1,234")
	List     bool         `yaml:"list"`     // every match, as a list
	Optional bool         `yaml:"optional"` // no element is not a reject
	Missing  []string     `yaml:"missing"`  // texts that mean "no value" here ("NaN" in a country column)
	From     string       `yaml:"from"`     // "url": read the page's own URL (with regex), not its content
	Per      string       `yaml:"per"`      // rate: the per-period a bare number has ("34.7" in an "Items/min" column): minute, hour, day, week, month, year
	Unit     string       `yaml:"unit"`     // rate: what it counts when the text does not say ("items")
}

// CurrencySpec is a field's currency: an ISO 4217 code ("IDR"), or where
// each row says it, with a field's locators ({path: $.gmv.currency},
// {column: Currency}, {selector: td.cur}): a code or a symbol ("Rp").
type CurrencySpec struct {
	Code     string `yaml:"code"`
	Selector string `yaml:"selector"`
	Attr     string `yaml:"attr"`
	Path     string `yaml:"path"`
	Column   string `yaml:"column"`
	Regex    string `yaml:"regex"`
}

// UnmarshalYAML reads a code ("IDR") or a mapping of locators.
func (c *CurrencySpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&c.Code)
	}
	type plain CurrencySpec
	return n.Decode((*plain)(c))
}

// FromRow reports whether each row gives the currency.
func (c CurrencySpec) FromRow() bool {
	return c.Selector != "" || c.Attr != "" || c.Path != "" || c.Column != ""
}

// currencySuffix names the hidden field that reads a field's currency.
const currencySuffix = "@currency"

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
	// curFor, on the hidden field that reads a row's currency, names the
	// field whose currency it is.
	curFor string
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
	if err := CheckEncoding(s.Encoding); err != nil {
		return nil, specErr("encoding", "%v", err)
	}
	if a := s.AsOf; a != nil {
		if (a.Column == "") == (a.FileName == "") {
			return nil, specErr("as_of", "name one of column (a CSV column with the date) or file_name (a pattern on the file's name)")
		}
		if a.Column != "" && s.Type != "csv" {
			return nil, specErr("as_of.column", "only a csv page reads a date from a column; use file_name")
		}
		if a.FileName != "" {
			re, err := regexp.Compile(a.FileName)
			if err != nil {
				return nil, specErr("as_of.file_name", "bad regular expression: %v", err)
			}
			if re.NumSubexp() < 1 {
				return nil, specErr("as_of.file_name", "needs a group around the date, as in 'export_(\\d{8})'")
			}
		}
	}
	if _, ok := s.Fields[s.Key]; !ok {
		return nil, specErr("key", "%q is not one of the fields", s.Key)
	}
	names := make([]string, 0, len(s.Fields))
	for n := range s.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var out, curs []field
	for _, n := range names {
		f, err := compileField("fields."+n, n, s.Fields[n], o)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if c := s.Fields[n].Currency; c.FromRow() {
			if c.Code != "" {
				return nil, specErr("fields."+n+".currency", "give a code or where the row says it, not both")
			}
			cf, err := compileField("fields."+n+".currency", n+currencySuffix, FieldSpec{Selector: c.Selector, Attr: c.Attr, Path: c.Path,
				Column: c.Column, Regex: c.Regex, Kind: market.KindText, Optional: true}, o)
			if err != nil {
				return nil, err
			}
			cf.curFor = n
			curs = append(curs, cf)
		}
	}
	// A row's currencies are read before the amounts they qualify.
	out = append(curs, out...)
	for i, l := range s.Follow {
		if l.Kind == "" {
			return nil, specErr(fmt.Sprintf("follow[%d].kind", i), "missing: name the page kind the link leads to")
		}
	}
	return out, nil
}

// compileField checks one field at path (for errors) and compiles it.
func compileField(path, n string, fs FieldSpec, o Options) (field, error) {
	f := field{name: n, spec: fs, opts: o}
	if fs.Kind == "" {
		return f, specErr(path+".kind", "missing; one of %s", kindList())
	}
	if !fs.Kind.Valid() {
		return f, specErr(path+".kind", "unknown kind %q; one of %s", fs.Kind, kindList())
	}
	switch fs.From {
	case "":
	case "url":
		if fs.Selector != "" || fs.Attr != "" || fs.Path != "" || fs.Column != "" {
			return f, specErr(path+".from", "from: url reads the page's URL; selector, attr, path and column do not apply")
		}
	default:
		return f, specErr(path+".from", "must be url (read the page's own URL), not %q", fs.From)
	}
	if fs.Regex != "" {
		re, err := regexp.Compile(fs.Regex)
		if err != nil {
			return f, specErr(path+".regex", "bad regex: %v", err)
		}
		f.re = re
	}
	if fs.Currency.Code != "" {
		f.opts.Currency = fs.Currency.Code
		f.opts.RateOfMoney = true
	}
	if fs.Currency.FromRow() {
		f.opts.RateOfMoney = true
	}
	if fs.Per != "" || fs.Unit != "" {
		if fs.Kind != market.KindRate {
			return f, specErr(path+".per", "per and unit belong to kind rate, not %s", fs.Kind)
		}
		if fs.Per != "" {
			per, ok := perUnit[strings.ToLower(fs.Per)]
			if !ok {
				return f, specErr(path+".per", "must be minute, hour, day, week, month or year, not %q", fs.Per)
			}
			f.opts.Per = per
		}
		f.opts.Unit = fs.Unit
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
	return f, nil
}

func kindList() string {
	var s []string
	for _, k := range market.Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// reasonNotFound is the reject of a field that has no element on the page.
const reasonNotFound = "not found on page"

// rowBuilder collects one row's values into a record or rejects.
type rowBuilder struct {
	spec    *PageSpec
	pageURL *url.URL
	fields  map[string]market.Value
	errs    []market.Reject
	// repaired counts texts that were not valid UTF-8 or held control
	// characters (NUL), and were made valid.
	repaired int
	// undecodable: the key held bytes that are not UTF-8, kept escaped.
	undecodable bool
	// missing counts, per field, values the source marks as missing ("N/A",
	// an empty cell) in optional fields: no value, and no reject either.
	missing map[string]int
	// cur holds the currency each row gives for a field, by field name.
	cur map[string]string
}

func newRow(s *PageSpec, u *url.URL) *rowBuilder {
	return &rowBuilder{spec: s, pageURL: u, fields: make(map[string]market.Value, len(s.Fields))}
}

// add parses the raw strings found for f (found false: no element
// matched). raws is the caller's to reuse: add keeps none of it.
func (r *rowBuilder) add(f field, raws []string, found bool) {
	for i, raw := range raws {
		if f.name == r.spec.Key && !utf8.ValidString(raw) {
			// A key keeps its undecodable bytes as \xHH: as U+FFFD, two
			// creators whose names differ only there would become one.
			raw = EscapeInvalid(raw)
			r.undecodable = true
		}
		if t, ok := ValidText(raw); !ok {
			raws[i] = t
			r.repaired++
		} else {
			raws[i] = raw
		}
	}
	if f.curFor != "" {
		if found && len(raws) > 0 {
			if r.cur == nil {
				r.cur = map[string]string{}
			}
			r.cur[f.curFor] = strings.TrimSpace(raws[0])
		}
		return
	}
	if !found {
		if !f.spec.Optional {
			r.errs = append(r.errs, market.Reject{Field: f.name, Reason: reasonNotFound})
		}
		return
	}
	if f.spec.List {
		var items []string
		for _, raw := range raws {
			if v, ok := r.one(f, raw); ok {
				items = append(items, v.Text)
			}
		}
		r.fields[f.name] = market.Value{Kind: f.spec.Kind, Raw: strings.Join(raws, " | "), Text: strings.Join(items, market.ListSep)}
		return
	}
	// With a regex, the first element whose text matches is the value:
	// a page may have several spans styled alike ("4.5", "(2.9k)", "30.8K sold").
	raw := raws[0]
	if f.re != nil && len(raws) > 1 {
		for _, c := range raws {
			if f.re.MatchString(c) {
				raw = c
				break
			}
		}
	}
	if v, ok := r.one(f, raw); ok {
		r.fields[f.name] = v
	}
}

// one parses one raw text of f; ok is false when it is missing or a reject.
func (r *rowBuilder) one(f field, raw string) (v market.Value, ok bool) {
	text := raw
	for _, m := range f.spec.Missing {
		if strings.EqualFold(strings.TrimSpace(raw), m) {
			r.missingValue(f, raw)
			return v, false
		}
	}
	if f.re != nil {
		m := f.re.FindStringSubmatch(text)
		if m == nil {
			r.errs = append(r.errs, market.Reject{Field: f.name, Raw: Clip(raw), Reason: "regex " + f.re.String() + " did not match"})
			return v, false
		}
		text = m[len(m)-1]
	}
	opts := f.opts
	if c, ok := r.cur[f.name]; ok && f.spec.Currency.FromRow() {
		code, err := CurrencyCode(c)
		if err != nil {
			r.errs = append(r.errs, market.Reject{Field: f.name, Raw: Clip(raw), Reason: err.Error()})
			return v, false
		}
		opts.Currency = code
	}
	v, err := Value(f.spec.Kind, text, opts)
	if errors.Is(err, ErrMissing) && !errors.Is(err, ErrMasked) {
		r.missingValue(f, raw)
		return v, false
	}
	if err != nil {
		r.errs = append(r.errs, market.Reject{Field: f.name, Raw: Clip(raw), Reason: err.Error()})
		return v, false
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
	return v, true
}

// missingValue records a value the source marks as missing: in an
// optional field it is counted, not rejected; in a field every record
// should have it is a reject saying so. Never a zero.
func (r *rowBuilder) missingValue(f field, raw string) {
	if f.spec.Optional {
		if r.missing == nil {
			r.missing = map[string]int{}
		}
		r.missing[f.name]++
		return
	}
	r.errs = append(r.errs, market.Reject{Field: f.name, Raw: Clip(raw), Reason: ErrMissing.Error()})
}

// finish returns the record (nil if the key is unusable) and the rejects,
// each tagged with the key when known. raw gives the row's text, built
// only when a row reject needs it.
func (r *rowBuilder) finish(raw func() string) (*market.Record, []market.Reject) {
	key := ""
	if v, ok := r.fields[r.spec.Key]; ok {
		key = unescapeKey(v.Text)
		if r.spec.Entity == market.EntityCreator {
			key = market.CanonicalHandle(key)
		}
	}
	var page string // the page's URL, written out only for a reject
	if len(r.errs) > 0 || key == "" {
		page = r.pageURL.String()
	}
	for i := range r.errs {
		r.errs[i].URL, r.errs[i].Entity, r.errs[i].Key = page, r.spec.Entity, key
	}
	if key == "" {
		row := market.Reject{URL: page, Entity: r.spec.Entity, Raw: truncate(raw(), 300),
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

// truncate folds s's white space and cuts it to at most n bytes, on a
// character boundary, marking the cut.
func truncate(s string, n int) string {
	s, _ = ValidText(s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxRaw is the most of a rejected text a reject keeps.
const maxRaw = 1000

// Clip returns raw text short enough to keep in a reject: a longer text
// (a 5-million-digit "number") keeps its first part and says how long it was.
func Clip(s string) string {
	if len(s) <= maxRaw {
		return s
	}
	cut := maxRaw
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", s[:cut], len(s))
}

// ValidText returns s as valid UTF-8 without control characters other
// than tab, newline and carriage return: bytes that are not UTF-8 become
// U+FFFD and NUL and other controls are dropped. ok is true when s was
// already so.
func ValidText(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s, true
	}
	valid := utf8.ValidString(s)
	if valid && !strings.ContainsFunc(s, isControl) {
		return s, true
	}
	if !valid {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s), false
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

// unescapeKey decodes a key taken from a URL ("%E5%B0%8F%E7%BE%8E" is
// "小美"), so a handle read from a link and one read from a profile are
// the same creator. A key that is not a valid escape is kept as it is.
func unescapeKey(k string) string {
	if strings.IndexByte(k, '%') < 0 {
		return k
	}
	d, err := url.PathUnescape(k)
	if err != nil || !utf8.ValidString(d) {
		return k
	}
	if d, ok := ValidText(d); ok {
		return d
	}
	return k
}
