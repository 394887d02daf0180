package report

import (
	"strconv"
)

// Form is how the report writes a figure.
type Form int

// The forms a figure takes in the report.
const (
	Count   Form = iota // an exact count: 1,234,567
	Compact             // a large count rounded: 35.8K
	Money               // an amount in Cur (default USD): three significant digits below 1,000 ($853, $46.8), compact above ($2.1M)
	Share               // a share 0..1, one decimal: 37.5%
	Fixed2              // a statistic to two decimals: 0.43
	Fixed3              // to three: 0.612
	Bytes               // a size: 2.9MB
	Price               // an exact amount with its minor units: $12.99
)

// Num is a figure the report shows: its value and the form its one
// formatter (Locale.Num) writes it in. The model holds Nums; the template
// prints them through the report's locale.
type Num struct {
	V    float64
	Form Form
	Cur  string // Money and Price: ISO 4217 code; "" is USD
	NA   bool   // no value: printed n/a, never 0
}

// String writes the figure in English.
func (n Num) String() string { return English().Num(n) }

// Int writes n as an exact count in English: 1,234,567.
func Int(n int) string { return English().Num(count(n)) }

// Count64 writes n as an exact count in English.
func Count64(n int64) string { return English().Num(count64(n)) }

// CompactN writes a large count rounded, in English: 35.8K.
func CompactN(v float64) string { return English().Num(Num{V: v, Form: Compact}) }

// USD writes an amount in dollars, in English: $2.1M.
func USD(v float64) string { return English().Num(usd(v)) }

// Pct writes a share 0..1 as 12.3%, in English.
func Pct(v float64) string { return English().Num(share(v)) }

// full writes a float at full precision for CSV and JSON.
func full(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
