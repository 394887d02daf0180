// Package parse turns pages into records and text into values. It never
// fetches: it reads bytes it is given.
package parse

import (
	"errors"
	"fmt"
	"html"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"gmvscope/market"
)

// Errors a value parser returns, wrapped in a FieldError.
var (
	ErrMissing   = errors.New("missing value")          // empty, "N/A", "--", "NaN": not zero
	ErrMasked    = fmt.Errorf("%w: masked", ErrMissing) // "*k+*": the site hides it
	ErrMalformed = errors.New("malformed number")       // text that is not a number of the kind
	ErrUnit      = errors.New("unknown unit")           // "12x", "4.5KK"
	ErrPrecision = errors.New("too many decimals")      // "$1.234" in a currency with cents
	ErrNegative  = errors.New("negative value")         // counts and money are never below zero unless signed
	ErrRange     = errors.New("range low above high")
	ErrCurrency  = errors.New("unexpected currency")
	ErrNotRate   = errors.New("not a rate: no per-day, per-hour or similar") // a rate field without its time unit
	ErrOverflow  = errors.New("number out of range")                         // "1E700": no count or amount is that large
	ErrTooLong   = errors.New("too long for a number")                       // a text longer than any real count or amount
)

// maxNumberText is the longest text read as a number. The longest real
// ones ("US$ 10,000,000.00 - US$ 25,000,000.00", Arabic currency marks
// with direction marks) are well under it; the big-number parser's cost
// grows with the square of the digits, so a page of millions of digits is
// refused before any parsing.
const maxNumberText = 200

// FieldError is a value that could not be used, with its raw text.
type FieldError struct {
	Field string
	Raw   string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%q: %v", e.Raw, e.Err)
	}
	return fmt.Sprintf("field %s: %q: %v", e.Field, e.Raw, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// Options are what a source says about its values.
type Options struct {
	// RateOfMoney makes a rate without a currency mark money in Currency
	// (a field that declares its currency); otherwise "437 items per
	// minute" is a rate of a count.
	RateOfMoney bool
	// Per is the per-period of a rate whose text has none (a bare "34.7"
	// in an "Items/min" column); Unit what a rate of a count counts when
	// its text does not say.
	Per, Unit string
	Currency  string // ISO 4217 code that "$" and bare amounts mean; default USD
	Locale    string // decides "1.234" (en: 1.234, de: 1234) and units ("M" is 10⁹ in id); default en
	Period    string // window of GMV and units fields unless a field says otherwise
	Signed    bool   // counts and amounts may be negative (deltas such as "-1,234")
	// Rated, when set, lists the currencies that have a USD rate; money in
	// any other currency is an ErrCurrency reject rather than a number
	// that cannot be compared.
	Rated map[string]bool
	// Limits bound what one page or file may cost to read.
	Limits Limits
}

// Limits bound the work hostile input can cause. Zero fields take the
// defaults noted.
type Limits struct {
	JSONDepth  int // deepest nesting of a JSON document read; default 100
	JSONBytes  int // largest JSON document read; default 10 MiB
	FieldBytes int // largest CSV field; default 256 KiB
	LineBytes  int // largest CSV record (a line, or lines inside quotes); default 1 MiB
}

// Default limits.
const (
	DefaultJSONDepth  = 100
	DefaultJSONBytes  = 10 << 20
	DefaultFieldBytes = 256 << 10
	DefaultLineBytes  = 1 << 20
)

func (l Limits) jsonDepth() int  { return or(l.JSONDepth, DefaultJSONDepth) }
func (l Limits) jsonBytes() int  { return or(l.JSONBytes, DefaultJSONBytes) }
func (l Limits) fieldBytes() int { return or(l.FieldBytes, DefaultFieldBytes) }
func (l Limits) lineBytes() int  { return or(l.LineBytes, DefaultLineBytes) }

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

var (
	spaces = strings.NewReplacer(
		"\u00a0", " ", "\u202f", " ", "\u2009", " ", "\u3000", " ",
		"\u200e", "", "\u200f", "", "\u061c", "", "\u202a", "", "\u202b", "", "\u202c", "", "\u2066", "", "\u2067", "", "\u2069", "")
	// Arabic-Indic and Eastern Arabic-Indic digits and separators, and
	// full-width digits, to ASCII.
	digits = func() *strings.Replacer {
		var pairs []string
		for i := range 10 {
			d := string(rune('0' + i))
			pairs = append(pairs, string(rune(0x660+i)), d, string(rune(0x6F0+i)), d, string(rune(0xFF10+i)), d)
		}
		pairs = append(pairs, "\u066c", ",", "\u066b", ".", "\u066a", "%", "\uff0c", ",", "\uff0e", ".", "\uff05", "%", "\uff0b", "+", "\uff0d", "-")
		return strings.NewReplacer(pairs...)
	}()
	missingText = map[string]bool{"": true, "n/a": true, "na": true, "--": true, "-": true, "—": true, "–": true,
		"nan": true, "nan%": true, "null": true, "none": true, "undefined": true, "?": true}
	maxMissing = func() int { // the longest missingText, in bytes
		n := 0
		for w := range missingText {
			n = max(n, len(w))
		}
		return n
	}()
)

// Clean decodes entities and folds the spaces and direction marks pages
// put around values: for numbers, whose text may carry "&euro;95" from an
// export that kept a page's source.
func Clean(s string) string {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return fold(s)
}

// fold folds the spaces and direction marks around a text and trims it.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			s = spaces.Replace(s)
			break
		}
	}
	return strings.TrimSpace(s)
}

// numeric cleans s for a numeric kind: digits in any script become ASCII.
func numeric(s string) string {
	s = Clean(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.TrimSpace(digits.Replace(s))
		}
	}
	return s
}

// Value parses raw as kind. The returned Value keeps raw; an error is one
// of the Err values above, possibly wrapped with detail.
func Value(kind market.Kind, raw string, o Options) (market.Value, error) {
	v := market.Value{Kind: kind, Raw: raw}
	if kind == market.KindText || kind == market.KindURL {
		// Text is taken as the page gives it: goquery and the JSON and CSV
		// readers have decoded it already, and a name that really holds
		// "&amp;" keeps it. Only spaces and direction marks are folded.
		v.Text = fold(raw)
		if v.Text == "" || (kind == market.KindURL && missingText[strings.ToLower(v.Text)]) {
			// An empty cell, or "N/A" where a link belongs, is no value:
			// never the page's own URL or file:///…/N/A.
			return v, ErrMissing
		}
		return v, nil
	}
	if len(raw) > maxNumberText {
		if t := strings.TrimSpace(raw); len(t) > maxNumberText {
			return v, fmt.Errorf("%w: %d characters", ErrTooLong, utf8.RuneCountInString(t))
		}
	}
	if kind == market.KindCount {
		if n, ok := plainCount(raw); ok { // an exact count from JSON or a data attribute
			v.Num = n
			return v, nil
		}
	}
	return value(v, o)
}

// plainCount reads a count written as ASCII digits only, the form exact
// counts take in JSON, the same as the full parser does but without its work.
func plainCount(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// isMissing reports whether s is one of the missingText words in any
// case. A text that starts with a digit or a currency mark is none of
// them, and is not lower-cased (a copy) to find that out.
func isMissing(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c >= '0' && c <= '9' || c == '$' || len(s) > maxMissing {
		return false
	}
	return missingText[strings.ToLower(s)]
}

// value parses v.Raw as v.Kind with the full parser. A text that is not a
// number in the source's locale but is one in another ("Rp 2,1 jt" read
// as en) says which locales read it: the fix is in the config.
func value(v market.Value, o Options) (market.Value, error) {
	out, err := valueIn(v, o)
	if err == nil || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnit)) {
		return out, err
	}
	own := locale(o.Locale)
	var others []string
	for _, name := range Locales() {
		l := locales[name]
		if l.decimalComma == own.decimalComma && l.units == nil && own.units == nil {
			continue // reads numbers as the source's locale does
		}
		alt := o
		alt.Locale = name
		if _, e := valueIn(v, alt); e == nil {
			others = append(others, name)
		}
	}
	switch len(others) {
	case 0:
		return out, err
	case 1:
		return out, fmt.Errorf("%w (locale %s reads it: set the source's locale)", err, others[0])
	}
	return out, fmt.Errorf("%w (locales %s read it: set the source's locale)", err, strings.Join(others, ", "))
}

// valueIn is value in o's locale alone.
func valueIn(v market.Value, o Options) (market.Value, error) {
	kind := v.Kind
	s := numeric(v.Raw)
	if isMissing(s) {
		return v, ErrMissing
	}
	if strings.ContainsRune(s, '*') {
		return v, ErrMasked
	}
	p := parser{o: o, loc: locale(o.Locale)}
	switch kind {
	case market.KindCount:
		return p.amount(v, s, false)
	case market.KindMoney:
		return p.rated(p.amount(v, s, true))
	case market.KindRate:
		amount, per, ok := splitPer(s)
		if !ok && p.o.Per != "" {
			amount, per, ok = s, p.o.Per, true
		}
		if !ok {
			return v, ErrNotRate
		}
		v.Per = per
		if cur, rest := stripCurrency(strings.TrimLeft(amount, "+-"), ""); cur != "" && rest != strings.TrimLeft(amount, "+-") || p.o.RateOfMoney {
			v, err := p.rated(p.amount(v, amount, true))
			v.Per = per
			return v, err
		}
		return p.countRate(v, amount)
	case market.KindDuration:
		return duration(v, s)
	case market.KindRange:
		if _, _, ok := splitRange(s); !ok && openBound(s) == "" {
			return v, fmt.Errorf("%w: not a range", ErrMalformed)
		}
		_, rest := stripCurrency(strings.TrimLeft(s, "<>≤≥+ "), "")
		return p.amount(v, s, rest != strings.TrimLeft(s, "<>≤≥+ ") || hasAnyCurrency(s))
	case market.KindPercent:
		return p.percent(v, s)
	case market.KindNumber:
		neg := strings.HasPrefix(s, "-")
		d, err := p.decimal(strings.TrimLeft(s, "+-"))
		if err != nil {
			return v, err
		}
		if neg {
			d = d.Neg()
		}
		return finite(v, d)
	}
	return v, fmt.Errorf("unknown kind %q", kind)
}

func hasAnyCurrency(s string) bool {
	lo, hi, ok := splitRange(s)
	if !ok {
		return false
	}
	c1, r1 := stripCurrency(lo, "")
	c2, r2 := stripCurrency(hi, "")
	return (c1 != "" && r1 != lo) || (c2 != "" && r2 != hi)
}

type parser struct {
	o   Options
	loc localeInfo
}

// rated rejects money in a currency the config has no rate for.
func (p parser) rated(v market.Value, err error) (market.Value, error) {
	if err == nil && p.o.Rated != nil && v.Currency != "" && !p.o.Rated[v.Currency] {
		return v, fmt.Errorf("%w: no USD rate for %s under rates", ErrCurrency, v.Currency)
	}
	return v, err
}

// amount parses a point value, a range or an open range, as money (minor
// units of a currency) or as a count.
func (p parser) amount(v market.Value, s string, money bool) (market.Value, error) {
	if open := openBound(s); open != "" {
		x, cur, err := p.point(trimBound(s), money)
		if err != nil {
			return v, err
		}
		v.Estimate, v.Open, v.Currency = true, open, cur
		if open == "above" {
			v.Low = x
		} else {
			v.High = x
		}
		return v, nil
	}
	if lo, hi, ok := splitRange(s); ok {
		l, cl, err := p.point(lo, money)
		if err != nil {
			return v, err
		}
		h, ch, err := p.point(hi, money)
		if err != nil {
			return v, err
		}
		if money {
			// "$24.17 - 24.69": a mark on one end covers both.
			hasLo, hasHi := markOf(lo) != "", markOf(hi) != ""
			switch {
			case hasLo && !hasHi:
				if h, err = p.reparse(hi, cl); err != nil {
					return v, err
				}
				ch = cl
			case hasHi && !hasLo:
				if l, err = p.reparse(lo, ch); err != nil {
					return v, err
				}
				cl = ch
			}
			if cl != ch {
				return v, fmt.Errorf("%w: %s and %s in one range", ErrCurrency, cl, ch)
			}
		}
		if l > h {
			return v, ErrRange
		}
		v.Low, v.High, v.Estimate, v.Currency = l, h, true, cl
		return v, nil
	}
	n, cur, err := p.point(s, money)
	v.Num, v.Currency = n, cur
	return v, err
}

// reparse reads s again in currency cur (its minor units may differ).
func (p parser) reparse(s, cur string) (int64, error) {
	q := p
	q.o.Currency = cur
	n, _, err := q.point(s, true)
	return n, err
}

func markOf(s string) string {
	code, rest := stripCurrency(strings.TrimLeft(s, "+-"), "")
	if rest == strings.TrimLeft(s, "+-") {
		return ""
	}
	return code
}

// point parses one number with its sign, currency and unit.
func (p parser) point(s string, money bool) (int64, string, error) {
	neg := false
	cur := ""
	if money {
		def := p.o.Currency
		if def == "" {
			def = "USD"
		}
		// The sign may sit before or after the mark: "-$5K", "$-5K" is malformed.
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			neg, s = s[0] == '-', strings.TrimSpace(s[1:])
		}
		cur, s = stripCurrency(s, def)
		if cur == "" {
			cur = def
		}
	} else if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		neg, s = s[0] == '-', strings.TrimSpace(s[1:])
	}
	if neg && !p.o.Signed {
		return 0, cur, ErrNegative
	}
	num, unit := splitUnit(s)
	if num == "" {
		return 0, cur, ErrMalformed
	}
	exp, ok := p.loc.unitOf(unit)
	if !ok {
		return 0, cur, fmt.Errorf("%w %q", ErrUnit, unit)
	}
	shift := exp
	if money {
		shift += int32(market.MinorUnits(cur))
	}
	n, err := p.scaledWhole(num, shift, money, cur)
	if neg {
		n = -n
	}
	return n, cur, err
}

// scaledWhole returns num times ten to the power shift as an integer. A
// number of up to 18 digits whose result is whole and fits an int64 is
// worked out in integers; any other (more digits, an exponent, decimals
// left over, out of range) goes through the exact decimal arithmetic,
// which also gives the errors: both give the same number wherever both
// apply (TestScaledWholeAsDecimal).
func (p parser) scaledWhole(num string, shift int32, money bool, cur string) (int64, error) {
	if m, scale, ok := p.smallDecimal(num); ok {
		if n, ok := shiftInt(m, scale+shift); ok {
			return n, nil
		}
	}
	return p.decimalWhole(num, shift, money, cur)
}

// decimalWhole is scaledWhole in exact decimal arithmetic.
func (p parser) decimalWhole(num string, shift int32, money bool, cur string) (int64, error) {
	d, err := p.decimal(num)
	if err != nil {
		return 0, err
	}
	return whole(d.Shift(shift), money, cur)
}

// pow10 are the powers of ten an int64 holds.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// shiftInt returns m times ten to the power e when that is a whole number
// an int64 holds.
func shiftInt(m int64, e int32) (int64, bool) {
	switch {
	case e == 0:
		return m, true
	case e > 0:
		if e >= int32(len(pow10)) || m > math.MaxInt64/pow10[e] {
			return 0, false
		}
		return m * pow10[e], true
	case -e >= int32(len(pow10)):
		return 0, m == 0
	default:
		if m%pow10[-e] != 0 {
			return 0, false
		}
		return m / pow10[-e], true
	}
}

// scaled reads a count with its suffix ("1.2K") as an exact decimal,
// not necessarily whole.
func (p parser) scaled(s string) (decimal.Decimal, error) {
	num, unit := splitUnit(strings.TrimSpace(s))
	if num == "" {
		return decimal.Decimal{}, ErrMalformed
	}
	exp, ok := p.loc.unitOf(unit)
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("%w %q", ErrUnit, unit)
	}
	neg := strings.HasPrefix(num, "-")
	d, err := p.decimal(strings.TrimLeft(num, "+-"))
	if err != nil {
		return d, err
	}
	if neg {
		if !p.o.Signed {
			return d, ErrNegative
		}
		d = d.Neg()
	}
	return d.Shift(exp), nil
}

// whole returns d as an integer. A float artefact (33299999.999999996, six
// or more decimals within a millionth of a whole number) is rounded.
var (
	maxInt = decimal.NewFromInt(math.MaxInt64)
	minInt = decimal.NewFromInt(math.MinInt64)
)

func whole(d decimal.Decimal, money bool, cur string) (int64, error) {
	if d.GreaterThan(maxInt) || d.LessThan(minInt) {
		return 0, ErrOverflow
	}
	if d.IsInteger() {
		return d.IntPart(), nil
	}
	r := d.Round(0)
	if -d.Exponent() >= 6 && d.Sub(r).Abs().LessThan(decimal.New(1, -6)) {
		return r.IntPart(), nil
	}
	if money {
		return 0, fmt.Errorf("%w for %s", ErrPrecision, cur)
	}
	return 0, fmt.Errorf("%w: %s is not a whole count", ErrPrecision, d.String())
}

// grouped reports whether s is digits in groups of three after the first
// one to three, each group after a separator: "1,234,567", "1 234".
func grouped(s string) bool {
	lead := strings.IndexAny(s, ",.' ")
	if lead < 0 {
		lead = len(s)
	}
	if lead < 1 || lead > 3 || !allDigits(s[:lead]) {
		return false
	}
	for s = s[lead:]; s != ""; s = s[4:] {
		if len(s) < 4 || !strings.ContainsRune(",.' ", rune(s[0])) || !allDigits(s[1:4]) {
			return false
		}
	}
	return true
}

// allDigits reports whether s is ASCII digits only (or empty).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decimal reads digits with grouping and decimal separators. Structure
// decides where it can ("1.234.568" groups, "1,234.56" and "1.234,56" both
// end in their decimal part, "2,1" cannot be grouped); otherwise the
// locale does: "1.234" is 1.234 in en and 1234 in de.
func (p parser) decimal(num string) (decimal.Decimal, error) {
	if strings.IndexByte(num, 'e') >= 0 || strings.IndexByte(num, 'E') >= 0 {
		if d, err := decimal.NewFromString(num); err == nil {
			return d, nil
		}
		return decimal.Zero, ErrMalformed
	}
	intPart, frac, err := p.digits(num)
	if err != nil {
		return decimal.Zero, err
	}
	if len(intPart)+len(frac) <= 18 { // fits an int64: no string round trip
		n, err := strconv.ParseInt(intPart+frac, 10, 64)
		if err != nil {
			return decimal.Zero, ErrMalformed
		}
		return decimal.New(n, -int32(len(frac))), nil
	}
	digits := intPart
	if frac != "" {
		digits += "." + frac
	}
	d, err := decimal.NewFromString(digits)
	if err != nil {
		return decimal.Zero, ErrMalformed
	}
	return d, nil
}

// smallDecimal reads num as decimal does, as m times ten to the power
// scale, when it has no exponent and at most 18 digits; ok is false for
// any other, or a text decimal refuses.
func (p parser) smallDecimal(num string) (m int64, scale int32, ok bool) {
	if strings.IndexByte(num, 'e') >= 0 || strings.IndexByte(num, 'E') >= 0 {
		return 0, 0, false
	}
	intPart, frac, err := p.digits(num)
	if err != nil || len(intPart)+len(frac) > 18 {
		return 0, 0, false
	}
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			m = m*10 + int64(part[i]-'0')
		}
	}
	return m, -int32(len(frac)), true
}

// digits splits num into the ASCII digits of its whole part ("0" when it
// has none) and of its decimals, without the grouping separators.
func (p parser) digits(num string) (intPart, frac string, err error) {
	dots, commas := strings.Count(num, "."), strings.Count(num, ",")
	dec := byte(0) // the decimal separator, 0 for none
	switch {
	case dots > 0 && commas > 0:
		dec = num[strings.LastIndexAny(num, ".,")]
		if strings.Count(num, string(dec)) != 1 {
			return "", "", ErrMalformed
		}
	case dots == 1 || commas == 1:
		sep := byte('.')
		if commas == 1 {
			sep = ','
		}
		after := len(num) - strings.IndexByte(num, sep) - 1
		grouping := after == 3 && (sep == '.') == p.loc.decimalComma
		if !grouping {
			dec = sep
		}
	}
	intPart, frac = num, ""
	if dec != 0 {
		i := strings.LastIndexByte(num, dec)
		intPart, frac = num[:i], num[i+1:]
		if frac == "" || !allDigits(frac) {
			return "", "", ErrMalformed
		}
	}
	if intPart == "" {
		intPart = "0"
	}
	if strings.ContainsAny(intPart, ",.' ") {
		if !grouped(intPart) || strings.ContainsRune(intPart, rune(dec)) && dec != 0 {
			return "", "", ErrMalformed
		}
		intPart = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, intPart)
	}
	if !allDigits(intPart) {
		return "", "", ErrMalformed
	}
	return intPart, frac, nil
}

// splitRange finds "A-B", "A – B", "A~B" or "A to B"; a leading sign is not
// a separator.
func splitRange(s string) (string, string, bool) {
	for _, sep := range []string{" to ", "~", "～", "–", "—", " - ", "-"} {
		i := strings.Index(s[min(1, len(s)):], sep)
		if i < 0 {
			continue
		}
		i += min(1, len(s))
		lo, hi := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):])
		if lo != "" && hi != "" {
			return lo, hi, true
		}
	}
	return "", "", false
}

// openBound says whether s is an open range: "10K+", ">10k", "≥5", "<100".
func openBound(s string) string {
	switch {
	case strings.HasSuffix(s, "+") && len(s) > 1, strings.HasPrefix(s, ">"), strings.HasPrefix(s, "≥"):
		return "above"
	case strings.HasPrefix(s, "<"), strings.HasPrefix(s, "≤"):
		return "below"
	}
	return ""
}

func trimBound(s string) string {
	s = strings.TrimSuffix(s, "+")
	for _, p := range []string{">=", "<=", ">", "<", "≥", "≤"} {
		s = strings.TrimPrefix(s, p)
	}
	return strings.TrimSpace(s)
}

var perRe = regexp.MustCompile(`(?i)\s*(?:per|/|a|an|each)\s*(minute|min|hour|hr|h|day|d|week|wk|month|mo|year|yr)\.?$`)

var perUnit = map[string]string{"minute": "minute", "min": "minute", "hour": "hour", "hr": "hour", "h": "hour", "day": "day", "d": "day",
	"week": "week", "wk": "week", "month": "month", "mo": "month", "year": "year", "yr": "year"}

// splitPer splits "$51.72k Per Day" into "$51.72k" and "day".
func splitPer(s string) (string, string, bool) {
	m := perRe.FindStringSubmatchIndex(s)
	if m == nil {
		return s, "", false
	}
	return strings.TrimSpace(s[:m[0]]), perUnit[strings.ToLower(s[m[2]:m[3]])], true
}

// countRate reads "437 items", "1.2K views", "12.5": a rate of a count,
// exact in Float (rates need not be whole), rounded in Num.
func (p parser) countRate(v market.Value, s string) (market.Value, error) {
	words := strings.Fields(s)
	if len(words) == 0 {
		return v, ErrMalformed
	}
	num, rest := words[0], words[1:]
	// "1.2 K views": a suffix on its own is part of the number.
	if len(rest) > 0 {
		if _, ok := p.loc.unitOf(rest[0]); ok && rest[0] != "" {
			num, rest = num+rest[0], rest[1:]
		}
	}
	d, err := p.scaled(num)
	if err != nil {
		return v, fmt.Errorf("%w: not an amount and what it counts", ErrMalformed)
	}
	v.Float, _ = d.Float64()
	v.Num = d.Round(0).IntPart()
	v.Unit = strings.ToLower(strings.Join(rest, " "))
	if v.Unit == "" {
		v.Unit = p.o.Unit
	}
	return v, nil
}

// durationRe reads "1h 23m 5s", "83 min", "2.5 hours", "1 小时 20 分钟".
var durationRe = regexp.MustCompile(`(?i)(\d+(?:[.,]\d+)?)\s*(hours?|hrs?|h|小时|時間|minutes?|mins?|m|分钟|分|seconds?|secs?|s|秒)\b?`)

var durationUnit = map[string]float64{"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "小时": 3600, "時間": 3600,
	"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "分钟": 60, "分": 60,
	"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "秒": 1}

// duration reads a length of time into seconds: "01:23:45" and "83:20"
// (hours, minutes, seconds; minutes and seconds), "1h 23m", "83 min",
// "2.5 hours", or plain seconds ("5400").
func duration(v market.Value, s string) (market.Value, error) {
	s = strings.TrimSpace(s)
	if n, ok := plainCount(s); ok {
		v.Num = n
		return v, nil
	}
	if parts := strings.Split(s, ":"); len(parts) == 2 || len(parts) == 3 {
		total := int64(0)
		for i, part := range parts {
			n, ok := plainCount(part)
			if !ok || (i > 0 && n >= 60) {
				return v, fmt.Errorf("%w: not a duration such as 01:23:45", ErrMalformed)
			}
			total = total*60 + n
		}
		if len(parts) == 2 { // mm:ss
			v.Num = total
		} else {
			v.Num = total
		}
		return v, nil
	}
	ms := durationRe.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return v, fmt.Errorf("%w: not a duration such as 1h 23m or 01:23:45", ErrMalformed)
	}
	rest := s
	total := 0.0
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		n, err := strconv.ParseFloat(strings.Replace(s[m[2]:m[3]], ",", ".", 1), 64)
		if err != nil {
			return v, ErrMalformed
		}
		total += n * durationUnit[strings.ToLower(s[m[4]:m[5]])]
		rest = rest[:m[0]] + rest[m[1]:]
	}
	if strings.Trim(rest, " ,") != "" {
		return v, fmt.Errorf("%w: %q is not part of a duration", ErrMalformed, strings.TrimSpace(rest))
	}
	v.Num = int64(math.Round(total))
	return v, nil
}

var pctRe = regexp.MustCompile(`^\(?\s*([+-]?[\d.,]+)\s*%\s*\)?$`)

func (p parser) percent(v market.Value, s string) (market.Value, error) {
	m := pctRe.FindStringSubmatch(s)
	if m == nil {
		return v, ErrMalformed
	}
	num := m[1]
	neg := strings.HasPrefix(num, "-")
	num = strings.TrimLeft(num, "+-")
	d, err := p.decimal(num)
	if err != nil {
		return v, err
	}
	if neg {
		d = d.Neg()
	}
	return finite(v, d)
}

// finite stores d as v's float, refusing what a float64 cannot hold.
func finite(v market.Value, d decimal.Decimal) (market.Value, error) {
	f := d.InexactFloat64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return v, ErrOverflow
	}
	v.Float = f
	return v, nil
}

func sortStrings(s []string) { sort.Strings(s) }
