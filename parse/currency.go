package parse

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/currency"
)

// currencyMarks maps the marks pages write next to amounts to ISO 4217
// codes. "$" and "¥" are resolved against the source's currency (dollarish,
// yenish). Longer marks are tried first, so "US$" wins over "$".
var currencyMarks = map[string]string{
	"US$": "USD", "U$S": "USD", "A$": "AUD", "AU$": "AUD", "C$": "CAD", "CA$": "CAD", "S$": "SGD", "SG$": "SGD",
	"HK$": "HKD", "NT$": "TWD", "MX$": "MXN", "NZ$": "NZD", "R$": "BRL", "RM": "MYR", "Rp": "IDR", "Rp.": "IDR",
	"€": "EUR", "£": "GBP", "₫": "VND", "đ": "VND", "฿": "THB", "₱": "PHP", "₩": "KRW", "₹": "INR", "₺": "TRY",
	"zł": "PLN", "₽": "RUB", "₪": "ILS", "₦": "NGN", "CN¥": "CNY", "JP¥": "JPY", "元": "CNY", "円": "JPY", "원": "KRW",
	"ر.س.": "SAR", "ر.س": "SAR", "د.إ.": "AED", "د.إ": "AED", "ج.م.": "EGP",
	"$": "$", "¥": "¥", "￥": "¥",
}

// dollarish are currencies a bare "$" can mean; any other source reads "$" as USD.
var dollarish = map[string]bool{"USD": true, "CAD": true, "AUD": true, "SGD": true, "HKD": true, "TWD": true, "MXN": true, "NZD": true}

var marksByLength = func() []string {
	var out []string
	for m := range currencyMarks {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}()

// resolveMark turns a mark into a code given the source's currency.
func resolveMark(code, def string) string {
	switch code {
	case "$":
		if dollarish[def] {
			return def
		}
		return "USD"
	case "¥":
		if def == "JPY" {
			return "JPY"
		}
		return "CNY"
	}
	return code
}

// marksFirst and marksLast list the marks (as places in marksByLength,
// in its order) by their first and by their last byte, so that a text is
// compared only with the marks it can start or end with.
var marksFirst, marksLast = func() (first, last [256][]int) {
	for i, m := range marksByLength {
		first[m[0]] = append(first[m[0]], i)
		last[m[len(m)-1]] = append(last[m[len(m)-1]], i)
	}
	return first, last
}()

// stripCurrency removes one currency mark or ISO code at either end and
// returns the code ("" when there was none) and the rest. Marks are tried
// longest first, each at the start before the end.
func stripCurrency(s, def string) (string, string) {
	if s == "" {
		return "", s
	}
	first, last := marksFirst[s[0]], marksLast[s[len(s)-1]]
	for len(first) > 0 || len(last) > 0 {
		if len(first) > 0 && (len(last) == 0 || first[0] <= last[0]) {
			m := marksByLength[first[0]]
			if first = first[1:]; strings.HasPrefix(s, m) {
				return resolveMark(currencyMarks[m], def), strings.TrimSpace(s[len(m):])
			}
			continue
		}
		m := marksByLength[last[0]]
		if last = last[1:]; strings.HasSuffix(s, m) {
			return resolveMark(currencyMarks[m], def), strings.TrimSpace(s[:len(s)-len(m)])
		}
	}
	return stripCode(s)
}

// stripCode removes an ISO code at either end of s and returns it ("" when
// there was none) and the rest.
func stripCode(s string) (string, string) {
	// An ISO code: "SAR 1,200", "1,234 USD".
	if len(s) > 4 && isCode(s[:3]) && (s[3] == ' ' || s[3] >= '0' && s[3] <= '9') {
		return s[:3], strings.TrimSpace(s[3:])
	}
	if n := len(s); n > 4 && isCode(s[n-3:]) && (s[n-4] == ' ' || s[n-4] >= '0' && s[n-4] <= '9') {
		return s[n-3:], strings.TrimSpace(s[:n-3])
	}
	return "", s
}

func isCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return len(s) == 3
}

// CurrencyCode reads a currency as a row gives it: an ISO 4217 code in
// any case ("idr") or a mark ("Rp", "US$", "€").
func CurrencyCode(s string) (string, error) {
	t := strings.TrimSpace(s)
	if u, err := currency.ParseISO(strings.ToUpper(t)); err == nil && len(t) == 3 {
		return u.String(), nil
	}
	if code, rest := stripCurrency(t, ""); code != "" && rest == "" {
		return code, nil
	}
	return "", fmt.Errorf("currency %q is not an ISO 4217 code or a currency mark", s)
}
