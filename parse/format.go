package parse

import (
	"strconv"
	"strings"

	"gmvscope/market"
)

// Format writes v as plain text that Value parses back to the same value:
// "35800", "USD 1234.56", "USD 100.00 - USD 250.00", "10000+", "USD 51.72 per day".
func Format(v market.Value) string {
	one := func(n int64) string {
		if v.Currency == "" {
			return strconv.FormatInt(n, 10)
		}
		sign := ""
		if n < 0 {
			sign, n = "-", -n
		}
		d := market.MinorUnits(v.Currency)
		s := strconv.FormatInt(n, 10)
		if d > 0 {
			if len(s) <= d {
				s = strings.Repeat("0", d-len(s)+1) + s
			}
			s = s[:len(s)-d] + "." + s[len(s)-d:]
		}
		return sign + v.Currency + " " + s
	}
	var s string
	switch {
	case v.Kind == market.KindPercent:
		return strconv.FormatFloat(v.Float, 'f', -1, 64) + "%"
	case v.Kind == market.KindNumber:
		return strconv.FormatFloat(v.Float, 'f', -1, 64)
	case v.Kind == market.KindText || v.Kind == market.KindURL:
		return v.Text
	case v.Open == "above":
		s = one(v.Low) + "+"
	case v.Open == "below":
		s = "<" + one(v.High)
	case v.Estimate:
		s = one(v.Low) + " to " + one(v.High)
	default:
		s = one(v.Num)
	}
	if v.Per != "" {
		s += " per " + v.Per
	}
	return s
}
