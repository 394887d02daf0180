// Package market holds gmvscope's domain: values with units and provenance,
// observations, creators, products, snapshots, and the pure analysis of a
// snapshot. It imports no other gmvscope package.
package market

import (
	"encoding/json"
	"fmt"
	"math"
)

// Kind says how a field's raw text is read. The zero Kind is invalid.
type Kind string

// The value kinds a source can declare for a field.
const (
	KindCount   Kind = "count"   // an exact non-negative integer: followers, units sold, views
	KindMoney   Kind = "money"   // an amount in minor units of a currency; a range is allowed
	KindRange   Kind = "range"   // a low-high range of counts or money; always an estimate
	KindPercent Kind = "percent" // a percentage such as engagement
	KindText    Kind = "text"    // free text such as a display name
	KindURL     Kind = "url"     // a link, resolved against the page URL
)

// Kinds lists every valid Kind, for error messages.
var Kinds = []Kind{KindCount, KindMoney, KindRange, KindPercent, KindText, KindURL}

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
}

// IsNumeric reports whether v carries a count or an amount.
func (v Value) IsNumeric() bool {
	return v.Kind == KindCount || v.Kind == KindMoney || v.Kind == KindRange
}

// Mid returns the value as one number in its own unit: Num for a point value,
// the geometric midpoint of Low and High for a range (the arithmetic one when
// Low is zero, where the geometric midpoint would be zero).
func (v Value) Mid() float64 {
	if !v.Estimate {
		return float64(v.Num)
	}
	if v.Low > 0 {
		return math.Sqrt(float64(v.Low) * float64(v.High))
	}
	return (float64(v.Low) + float64(v.High)) / 2
}

// MinorUnits returns how many minor units one unit of currency c has.
// Unknown codes get 2, the most common exponent.
func MinorUnits(c string) int {
	switch c {
	case "JPY", "KRW", "VND", "IDR", "CLP", "ISK", "UGX", "XAF", "XOF":
		return 0
	case "BHD", "KWD", "OMR", "JOD", "TND":
		return 3
	}
	return 2
}

// Major converts minor units of currency c to major units (dollars).
func Major(minor float64, c string) float64 {
	return minor / math.Pow10(MinorUnits(c))
}

// MarshalJSON writes num for every point count or amount, zero included,
// so that a zero is never mistaken for a missing value.
func (v Value) MarshalJSON() ([]byte, error) {
	type plain Value
	if (v.Kind == KindCount || v.Kind == KindMoney) && !v.Estimate {
		return json.Marshal(struct {
			plain
			Num int64 `json:"num"`
		}{plain(v), v.Num})
	}
	return json.Marshal(plain(v))
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
