package report

import (
	"math"
	"strconv"

	"gmvscope/market"
)

// Form is how the report writes a figure.
type Form int

// The forms a figure takes in the report.
const (
	Count   Form = iota // an exact count: 1,234,567
	Compact             // a large count rounded: 35.8K
	Money               // an amount in Cur (default USD): $2.1M, $853.39
	Share               // a share 0..1: 37.5%
	Fixed2              // a statistic to two decimals: 0.43
	Fixed3              // to three: 0.612
	Bytes               // a size: 2.9MB
)

// Num is a figure the report shows: its value and the form its one
// formatter writes it in. The model holds Nums; the template prints them.
type Num struct {
	V    float64
	Form Form
	Cur  string // Money: ISO 4217 code; "" is USD
	NA   bool   // no value: printed n/a, never 0
}

// String writes the figure in its form.
func (n Num) String() string {
	if n.NA || math.IsNaN(n.V) || math.IsInf(n.V, 0) {
		return "n/a"
	}
	switch n.Form {
	case Count:
		return market.Count(int64(math.Round(n.V)))
	case Compact:
		return compact(n.V)
	case Money:
		return money(n.V, n.Cur)
	case Share:
		return strconv.FormatFloat(n.V*100, 'f', 1, 64) + "%"
	case Fixed2:
		return strconv.FormatFloat(n.V, 'f', 2, 64)
	case Fixed3:
		return strconv.FormatFloat(n.V, 'f', 3, 64)
	case Bytes:
		return compact(n.V) + "B"
	}
	return strconv.FormatFloat(n.V, 'f', -1, 64)
}

func compact(v float64) string {
	units := []string{"", "K", "M", "B", "T"}
	u := 0
	for math.Abs(v) >= 999.95 && u < len(units)-1 {
		v /= 1000
		u++
	}
	if u == 0 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + units[u]
}

// money writes an amount of cur (USD when empty): "$2.1M" for large
// amounts, with its minor units below 1,000, and a code other than USD
// before the number ("EUR 1.2K").
func money(v float64, cur string) string {
	mark := "$"
	if cur != "" && cur != "USD" {
		mark = cur + " "
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if v < 1000 {
		d := 2
		if cur != "" {
			d = market.MinorUnits(cur)
		}
		return sign + mark + strconv.FormatFloat(v, 'f', d, 64)
	}
	return sign + mark + compact(v)
}

// Int writes n as an exact count: 1,234,567.
func Int(n int) string { return Num{V: float64(n), Form: Count}.String() }

// Count64 writes n as an exact count.
func Count64(n int64) string { return Num{V: float64(n), Form: Count}.String() }

// CompactN writes a large count rounded: 35.8K.
func CompactN(v float64) string { return Num{V: v, Form: Compact}.String() }

// USD writes an amount in dollars: $2.1M.
func USD(v float64) string { return Num{V: v, Form: Money}.String() }

// Pct writes a share 0..1 as 12.3%.
func Pct(v float64) string { return Num{V: v, Form: Share}.String() }
