// Package market holds gmvscope's domain: values with units and provenance,
// observations, creators, products, snapshots, and the pure analysis of a
// snapshot. It imports no other gmvscope package.
package market

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// Kind says how a field's raw text is read. The zero Kind is invalid.
type Kind string

// The value kinds a source can declare for a field.
const (
	KindCount    Kind = "count"    // an exact non-negative integer: followers, units sold, views
	KindMoney    Kind = "money"    // an amount in minor units of a currency; a range is allowed
	KindRange    Kind = "range"    // a low-high range of counts or money; always an estimate
	KindPercent  Kind = "percent"  // a percentage such as engagement
	KindRate     Kind = "rate"     // an amount or a count per unit of time: "$51.72k Per Day", "437 items per minute"
	KindDuration Kind = "duration" // a length of time in seconds: "1h 23m", "01:23:45", "83 min"
	KindNumber   Kind = "number"   // a plain decimal such as a 4.5 rating, in Float
	KindText     Kind = "text"     // free text such as a display name
	KindURL      Kind = "url"      // a link, resolved against the page URL
)

// Kinds lists every valid Kind, for error messages.
var Kinds = []Kind{KindCount, KindMoney, KindRange, KindPercent, KindRate, KindDuration, KindNumber, KindText, KindURL}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Value is one parsed field. Raw always holds the text as the page wrote it.
// Numbers are exact: counts are integers, money is in minor units of Currency
// (cents for USD). A range sets Low and High and Estimate; Num is then zero
// and meaningless, use Mid. The zero Value is an empty text.
type Value struct {
	Kind     Kind    `json:"kind"`
	Raw      string  `json:"raw"`
	Num      int64   `json:"num,omitempty"`      // count, or money in minor units
	Low      int64   `json:"low,omitempty"`      // range low, same unit as Num
	High     int64   `json:"high,omitempty"`     // range high, same unit as Num
	Estimate bool    `json:"estimate,omitempty"` // true when the page gave a range
	Float    float64 `json:"float,omitempty"`    // percent value (12.9 for "12.9%")
	Text     string  `json:"text,omitempty"`     // text and url kinds
	Currency string  `json:"currency,omitempty"` // ISO 4217 code for money
	Period   string  `json:"period,omitempty"`   // window a GMV or units figure covers
	Open     string  `json:"open,omitempty"`     // "above" (10K+: at least Low) or "below" (<100: at most High)
	Per      string  `json:"per,omitempty"`      // a rate's time unit: minute, hour, day, week, month, year
	Unit     string  `json:"unit,omitempty"`     // what a rate of a count counts: "items", "views" (money rates have Currency)
}

// IsNumeric reports whether v carries a count or an amount.
func (v Value) IsNumeric() bool {
	return v.Kind == KindCount || v.Kind == KindMoney || v.Kind == KindRange || v.Kind == KindRate || v.Kind == KindDuration
}

// Mid returns the value as one number in its own unit: Num for a point value,
// the geometric midpoint of Low and High for a range (the arithmetic one when
// Low is zero, where the geometric midpoint would be zero).
func (v Value) Mid() float64 {
	switch {
	case !v.Estimate:
		return float64(v.Num)
	case v.Open == "above":
		return float64(v.Low)
	case v.Open == "below":
		return float64(v.High)
	}
	if v.Low > 0 {
		return math.Sqrt(float64(v.Low) * float64(v.High))
	}
	return (float64(v.Low) + float64(v.High)) / 2
}

// MinorUnits returns the decimals of currency c's minor unit, as ISO 4217
// (through CLDR, golang.org/x/text/currency) gives them: 2 for USD, 0 for
// JPY, PYG and XPF, 3 for KWD. A code that is not ISO 4217 gets 2.
func MinorUnits(c string) int {
	if n, ok := minorUnits.Load(c); ok {
		return n.(int) // a whole market's values look up a handful of codes
	}
	scale := 2
	if u, err := currency.ParseISO(c); err == nil {
		scale, _ = currency.Standard.Rounding(u)
	}
	if len(c) <= 8 && minorCodes.Add(1) <= 256 { // codes, a few of them: not whatever text came in
		minorUnits.Store(c, scale)
	}
	return scale
}

var (
	minorUnits sync.Map     // currency code -> MinorUnits
	minorCodes atomic.Int32 // codes stored there
)

// Major converts minor units of currency c to major units (dollars).
func Major(minor float64, c string) float64 {
	return minor / math.Pow10(MinorUnits(c))
}

// MarshalJSON writes num for every point count or amount, zero included,
// so that a zero is never mistaken for a missing value.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.AppendJSON(nil), nil
}

// AppendJSON appends v as a JSON object: kind and raw always, num for a
// point count or amount (zero included), low, high and estimate for a
// range, then float, text, currency and period when set. Strings are
// escaped as encoding/json does, HTML-safe.
func (v Value) AppendJSON(b []byte) []byte {
	b = append(b, `{"kind":`...)
	b = appendString(b, string(v.Kind))
	b = append(b, `,"raw":`...)
	b = appendString(b, v.Raw)
	switch {
	case v.Estimate:
		b = append(b, `,"low":`...)
		b = strconv.AppendInt(b, v.Low, 10)
		b = append(b, `,"high":`...)
		b = strconv.AppendInt(b, v.High, 10)
		b = append(b, `,"estimate":true`...)
	case v.Kind == KindCount || v.Kind == KindMoney || v.Kind == KindRate || v.Kind == KindDuration || v.Num != 0:
		b = append(b, `,"num":`...)
		b = strconv.AppendInt(b, v.Num, 10)
	}
	if v.Float != 0 || v.Kind == KindPercent || v.Kind == KindNumber {
		b = append(b, `,"float":`...)
		b = strconv.AppendFloat(b, v.Float, 'g', -1, 64)
	}
	for _, f := range [...]struct{ name, val string }{{"text", v.Text}, {"currency", v.Currency}, {"period", v.Period}, {"open", v.Open}, {"per", v.Per}, {"unit", v.Unit}} {
		if f.val != "" {
			b = append(b, `,"`...)
			b = append(b, f.name...)
			b = append(b, `":`...)
			b = appendString(b, f.val)
		}
	}
	return append(b, '}')
}

// AppendFieldsJSON appends a record's fields as a JSON object with sorted keys.
func AppendFieldsJSON(b []byte, fields map[string]Value) []byte {
	return appendObject(b, fields, func(b []byte, v Value) []byte { return v.AppendJSON(b) })
}

// appendObject appends m as a JSON object with sorted keys (as
// encoding/json orders a map's), each value appended by value.
func appendObject[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	var room [16]string // a record's fields, without a heap allocation
	keys := room[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, k), ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// plainJSON are the bytes a JSON string holds as they are: ASCII but
// control characters, quotes, backslashes and <, >, &.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaping like encoding/json:
// quotes, backslashes, control characters, <, >, &, U+2028 and U+2029;
// invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && plainJSON[s[i]] {
		i++
	}
	b = append(b, s[:i]...) // most texts: all of it at once
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// String formats v for humans and logs.
func (v Value) String() string {
	switch {
	case v.Estimate:
		return fmt.Sprintf("%d-%d %s", v.Low, v.High, v.Currency)
	case v.Kind == KindMoney:
		return fmt.Sprintf("%d %s", v.Num, v.Currency)
	case v.Kind == KindCount:
		return fmt.Sprint(v.Num)
	case v.Kind == KindPercent:
		return fmt.Sprintf("%g%%", v.Float)
	}
	return v.Text
}
