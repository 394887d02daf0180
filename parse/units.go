package parse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// unitExp maps a magnitude word or suffix, lower-cased, to its power of ten.
// Locale tables override the shared one where a suffix means something else
// (Indonesian "M" is miliar, 10⁹; Vietnamese "T" is tỷ, 10⁹).
var unitExp = map[string]int32{
	"k": 3, "m": 6, "mm": 6, "b": 9, "bn": 9, "t": 12, "tn": 12,
	"thousand": 3, "million": 6, "mil": 6, "mln": 6, "billion": 9, "trillion": 12,
	"万": 4, "萬": 4, "w": 4, "千": 3, "亿": 8, "億": 8, "百万": 6, "万亿": 12,
	"만": 4, "천": 3, "억": 8, "조": 12,
	"ألف": 3, "الف": 3, "آلاف": 3, "مليون": 6, "ملايين": 6, "مليار": 9, "بليون": 9,
	"พัน": 3, "หมื่น": 4, "แสน": 5, "ล้าน": 6,
}

// Separators says how a locale writes 1234.5: decimal comma or point.
type localeInfo struct {
	decimalComma bool
	units        map[string]int32
}

var locales = map[string]localeInfo{
	"en": {},
	"zh": {}, "ja": {}, "ko": {}, "th": {}, "ar": {},
	"ms": {units: map[string]int32{"rb": 3, "ribu": 3, "j": 6, "jt": 6, "juta": 6, "b": 9, "bil": 9, "bilion": 9, "t": 12, "trilion": 12}},
	"id": {decimalComma: true, units: map[string]int32{"rb": 3, "ribu": 3, "jt": 6, "juta": 6, "m": 9, "miliar": 9, "t": 12, "triliun": 12}},
	"vi": {decimalComma: true, units: map[string]int32{"n": 3, "nghìn": 3, "ngàn": 3, "tr": 6, "triệu": 6, "t": 9, "tỷ": 9, "tỉ": 9}},
	"de": {decimalComma: true, units: map[string]int32{"tsd": 3, "tsd.": 3, "tausend": 3, "mio": 6, "mio.": 6, "millionen": 6, "mrd": 9, "mrd.": 9, "milliarden": 9, "bio": 12, "bio.": 12}},
	"fr": {decimalComma: true, units: map[string]int32{"k": 3, "m": 6, "md": 9, "mds": 9, "mrd": 9, "milliard": 9, "milliards": 9, "millions": 6}},
	"es": {decimalComma: true, units: map[string]int32{"mil": 3, "m": 6, "mill": 6, "mill.": 6, "millones": 6, "mm": 9}},
	"pt": {decimalComma: true, units: map[string]int32{"mil": 3, "mi": 6, "mi.": 6, "milhões": 6, "bi": 9, "bi.": 9, "bilhões": 9}},
	"it": {decimalComma: true, units: map[string]int32{"mila": 3, "mln": 6, "mld": 9, "mrd": 9}},
	"tr": {decimalComma: true, units: map[string]int32{"b": 3, "bin": 3, "mn": 6, "milyon": 6, "mr": 9, "milyar": 9}},
	"ru": {decimalComma: true, units: map[string]int32{"тыс": 3, "тыс.": 3, "млн": 6, "млн.": 6, "млрд": 9, "млрд.": 9}},
}

// Locales lists the locales a source can declare.
func Locales() []string {
	out := make([]string, 0, len(locales))
	for l := range locales {
		out = append(out, l)
	}
	sortStrings(out)
	return out
}

func locale(name string) localeInfo {
	if name == "" {
		return locales["en"]
	}
	if l, ok := locales[strings.ToLower(name)]; ok {
		return l
	}
	// "id-ID", "pt_BR": the language decides.
	if i := strings.IndexAny(name, "-_"); i > 0 {
		return locale(name[:i])
	}
	return locales["en"]
}

// unitOf returns the power of ten of a unit word in locale l.
func (l localeInfo) unitOf(u string) (int32, bool) {
	u = strings.ToLower(strings.TrimSpace(u))
	if u == "" {
		return 0, true
	}
	if e, ok := l.units[u]; ok {
		return e, true
	}
	e, ok := unitExp[u]
	return e, ok
}

// splitUnit splits "35.8K" into "35.8" and "K", and "91.93 万" into "91.93"
// and "万": the number ends at the last digit or separator.
func splitUnit(s string) (string, string) {
	end := 0
	for i, r := range s {
		if unicode.IsDigit(r) || r == '.' || r == ',' || r == ' ' || r == '\'' || ((r == 'e' || r == 'E') && isExponent(s[i:])) {
			if r != ' ' {
				end = i + utf8.RuneLen(r)
			}
			continue
		}
		if (r == '+' || r == '-') && i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') {
			end = i + 1
			continue
		}
		break
	}
	return strings.TrimSpace(s[:end]), strings.TrimSpace(s[end:])
}

// isExponent reports whether s (starting at an e) continues as E+11 or e5.
func isExponent(s string) bool {
	if len(s) < 2 {
		return false
	}
	c := s[1]
	if (c == '+' || c == '-') && len(s) > 2 {
		c = s[2]
	}
	return c >= '0' && c <= '9'
}
