// Package parse turns pages into records and text into values. It never
// fetches: it reads bytes it is given.
package parse

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"gmvscope/market"
)

// Errors a value parser returns, wrapped in a FieldError.
var (
	ErrMissing   = errors.New("missing value")     // empty, "N/A", "--": not zero
	ErrMalformed = errors.New("malformed number")  // text that is not a number of the kind
	ErrPrecision = errors.New("too many decimals") // "$1.234" in a currency with cents
	ErrNegative  = errors.New("negative count")    // counts and money are never below zero
	ErrRange     = errors.New("range low above high")
	ErrCurrency  = errors.New("unexpected currency")
)

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
	Currency string // ISO 4217 code that "$" and bare amounts mean; default USD
	Period   string // window of GMV and units fields unless a field says otherwise
}

var (
	// A number as leaderboards print it: "35.8K", "2.9k", "1,234", "$2.1M", "12.9".
	numRe = regexp.MustCompile(`^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?\s*(k|m|b|bn)?$`)
	// Currency marks before or after the number.
	curPrefix = []struct{ mark, code string }{
		{"US$", "USD"}, {"USD", "USD"}, {"EUR", "EUR"}, {"GBP", "GBP"},
		{"$", ""}, {"€", "EUR"}, {"£", "GBP"},
	}
	missingText = map[string]bool{"": true, "n/a": true, "na": true, "--": true, "-": true, "—": true, "nan": true, "null": true}
)

var spaces = strings.NewReplacer("\u00a0", " ", "\u202f", " ", "\u200e", "", "\u200f", "")

// Clean decodes entities and folds the spaces pages put around values.
func Clean(s string) string {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			s = spaces.Replace(s)
			break
		}
	}
	return strings.TrimSpace(s)
}

// Value parses raw as kind. The returned Value keeps raw; an error is a
// *FieldError-compatible cause (ErrMissing, ErrMalformed, …) to wrap.
func Value(kind market.Kind, raw string, o Options) (market.Value, error) {
	v := market.Value{Kind: kind, Raw: raw}
	s := Clean(raw)
	if kind == market.KindText || kind == market.KindURL {
		v.Text = s
		return v, nil
	}
	if missingText[strings.ToLower(s)] {
		return v, ErrMissing
	}
	switch kind {
	case market.KindCount:
		if lo, hi, ok := splitRange(s); ok {
			return countRange(v, lo, hi)
		}
		n, err := count(s)
		v.Num = n
		return v, err
	case market.KindMoney:
		if lo, hi, ok := splitRange(s); ok {
			return moneyRange(v, lo, hi, o)
		}
		n, cur, err := money(s, o)
		v.Num, v.Currency = n, cur
		return v, err
	case market.KindRange:
		lo, hi, ok := splitRange(s)
		if !ok {
			return v, fmt.Errorf("%w: not a range", ErrMalformed)
		}
		if hasCurrency(lo) || hasCurrency(hi) {
			return moneyRange(v, lo, hi, o)
		}
		return countRange(v, lo, hi)
	case market.KindPercent:
		return percent(v, s)
	}
	return v, fmt.Errorf("unknown kind %q", kind)
}

func countRange(v market.Value, lo, hi string) (market.Value, error) {
	var err error
	if v.Low, err = count(lo); err != nil {
		return v, err
	}
	if v.High, err = count(hi); err != nil {
		return v, err
	}
	return checkRange(v)
}

func moneyRange(v market.Value, lo, hi string, o Options) (market.Value, error) {
	l, cl, err := money(lo, o)
	if err != nil {
		return v, err
	}
	h, ch, err := money(hi, o)
	if err != nil {
		return v, err
	}
	// "$24.17 - 24.69": a mark on one end covers both.
	if hasCurrency(lo) != hasCurrency(hi) {
		if hasCurrency(lo) {
			ch = cl
		} else {
			cl = ch
		}
	}
	if cl != ch {
		return v, fmt.Errorf("%w: %s and %s in one range", ErrCurrency, cl, ch)
	}
	v.Low, v.High, v.Currency = l, h, cl
	return checkRange(v)
}

func checkRange(v market.Value) (market.Value, error) {
	if v.Low > v.High {
		return v, ErrRange
	}
	v.Estimate = true
	return v, nil
}

// splitRange finds "A-B", "A – B", "A~B" or "A to B"; a leading sign is not a separator.
func splitRange(s string) (string, string, bool) {
	for _, sep := range []string{" to ", "~", "–", "—", "-"} {
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

func hasCurrency(s string) bool {
	_, rest := stripCurrency(s)
	return rest != s
}

// stripCurrency removes one currency mark at either end and returns its code
// ("" for a bare "$", which means the source's currency).
func stripCurrency(s string) (string, string) {
	for _, c := range curPrefix {
		if strings.HasPrefix(s, c.mark) {
			return c.code, strings.TrimSpace(s[len(c.mark):])
		}
		if strings.HasSuffix(s, c.mark) {
			return c.code, strings.TrimSpace(s[:len(s)-len(c.mark)])
		}
	}
	return "", s
}

var suffixExp = map[string]int32{"": 0, "k": 3, "m": 6, "b": 9, "bn": 9}

// decimalOf reads "35.8K" as the exact decimal 35800.
func decimalOf(s string) (decimal.Decimal, error) {
	if strings.HasPrefix(s, "-") {
		return decimal.Zero, ErrNegative
	}
	s = strings.TrimPrefix(s, "+")
	m := numRe.FindStringSubmatch(strings.ToLower(s))
	if m == nil || (m[1] == "" && m[2] == "") {
		return decimal.Zero, ErrMalformed
	}
	intPart := strings.ReplaceAll(m[1], ",", "")
	if intPart == "" {
		intPart = "0"
	}
	num := intPart
	if m[2] != "" {
		num += "." + m[2]
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return decimal.Zero, ErrMalformed
	}
	return d.Shift(suffixExp[m[3]]), nil
}

func count(s string) (int64, error) {
	d, err := decimalOf(s)
	if err != nil {
		return 0, err
	}
	if !d.IsInteger() {
		return 0, fmt.Errorf("%w: %s is not a whole count", ErrPrecision, d)
	}
	return d.IntPart(), nil
}

func money(s string, o Options) (int64, string, error) {
	code, rest := stripCurrency(s)
	def := o.Currency
	if def == "" {
		def = "USD"
	}
	if code == "" {
		code = def
	}
	d, err := decimalOf(rest)
	if err != nil {
		return 0, code, err
	}
	minor := d.Shift(int32(market.MinorUnits(code)))
	if !minor.IsInteger() {
		return 0, code, fmt.Errorf("%w for %s", ErrPrecision, code)
	}
	return minor.IntPart(), code, nil
}

var pctRe = regexp.MustCompile(`^\(?([+-]?\d+(?:\.\d+)?)\s*%\)?$`)

func percent(v market.Value, s string) (market.Value, error) {
	m := pctRe.FindStringSubmatch(s)
	if m == nil {
		return v, ErrMalformed
	}
	d, err := decimal.NewFromString(m[1])
	if err != nil {
		return v, ErrMalformed
	}
	v.Float = d.InexactFloat64()
	return v, nil
}
