package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Compact writes 35812 as "35.8K" and 2100000 as "2.1M".
func Compact(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
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

// USD writes an amount in dollars compactly: "$2.1M".
func USD(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if v < 1000 {
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return "$" + Compact(v)
}

// Pct writes a share 0..1 as "12.3%".
func Pct(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// Int writes 1234567 as "1,234,567".
func Int(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Fixed writes v with d decimals.
func Fixed(v float64, d int) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.*f", d, v)
}
