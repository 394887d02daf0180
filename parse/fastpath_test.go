package parse

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The integer arithmetic of scaledWhole gives the number the exact decimal
// arithmetic gives wherever it applies, for numbers of every size with
// grouping and decimal separators in both kinds of locale, scaled by
// units and minor units up and down; and it applies to most of them.
func TestScaledWholeAsDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	const seps = ",.' "
	fast, all := 0, 0
	check := func(num string, shift int32) {
		for _, loc := range []string{"en", "de"} {
			p := parser{loc: locale(loc)}
			all++
			m, scale, ok := p.smallDecimal(num)
			if !ok {
				continue
			}
			n, ok := shiftInt(m, scale+shift)
			if !ok {
				continue
			}
			fast++
			want, err := p.decimalWhole(num, shift, true, "USD")
			if err != nil || n != want {
				t.Fatalf("%q shifted %d (%s): integers give %d, decimals %d (%v)", num, shift, loc, n, want, err)
			}
			if got, err := p.scaledWhole(num, shift, true, "USD"); err != nil || got != n {
				t.Fatalf("%q shifted %d (%s): scaledWhole %d (%v), want %d", num, shift, loc, got, err, n)
			}
		}
	}
	for _, num := range []string{"0", "1", "35.8", "2,1", "1,234", "1.234", "1,234,567", "1.234.567,89", "1'234.5",
		"999999999999999999", "9223372036854775807", "922337203685477580.7", "0.000001", ",5", "5.", "12 345,6"} {
		for shift := int32(-20); shift <= 20; shift++ {
			check(num, shift)
		}
	}
	digit := func(b *strings.Builder) { b.WriteByte(byte('0' + rng.IntN(10))) }
	for range 20000 {
		var b strings.Builder
		if rng.IntN(2) == 0 { // grouped in threes, perhaps with decimals: "12,345.67"
			group, dec := seps[rng.IntN(len(seps))], ",."[rng.IntN(2)]
			for range 1 + rng.IntN(3) {
				digit(&b)
			}
			for range rng.IntN(6) {
				b.WriteByte(group)
				for range 3 {
					digit(&b)
				}
			}
			if rng.IntN(2) == 0 {
				b.WriteByte(dec)
				for range 1 + rng.IntN(6) {
					digit(&b)
				}
			}
		} else { // anything: separators anywhere
			digits := 1 + rng.IntN(24)
			for i := range digits {
				digit(&b)
				if i < digits-1 && rng.IntN(4) == 0 {
					b.WriteByte(seps[rng.IntN(len(seps))])
				}
			}
		}
		check(b.String(), int32(rng.IntN(31)-12))
	}
	if fast < all/8 {
		t.Errorf("the integer path took %d of %d numbers", fast, all)
	}
}

// shiftInt refuses what an int64 cannot hold or what is not whole.
func TestShiftInt(t *testing.T) {
	for _, c := range []struct {
		m    int64
		e    int32
		want int64
		ok   bool
	}{
		{358, 2, 35800, true}, {35800, -2, 358, true}, {35801, -2, 0, false}, {1, 18, 1e18, true},
		{10, 18, 0, false}, {922337203685477580, 1, 9223372036854775800, true}, {922337203685477581, 1, 0, false}, {0, -30, 0, true}, {5, -30, 0, false}, {5, 40, 0, false},
	} {
		if got, ok := shiftInt(c.m, c.e); got != c.want || ok != c.ok {
			t.Errorf("shiftInt(%d, %d) = %d, %v; want %d, %v", c.m, c.e, got, ok, c.want, c.ok)
		}
	}
}

// grouped is the pattern it replaces, on texts of digits and separators.
func TestGroupedAsPattern(t *testing.T) {
	re := regexp.MustCompile(`^\d{1,3}(?:[,.' ]\d{3})*$`)
	rng := rand.New(rand.NewPCG(14, 2))
	const alphabet = "0123456789,.' x٣"
	cases := []string{"", "1", "12", "123", "1234", "1,234", "12,345,678", ",123", "1,23", "1,2345", "1 234", "1'234'567", "1,234.567"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			r := []rune(alphabet)
			b.WriteRune(r[rng.IntN(len(r))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if got, want := grouped(s), re.MatchString(s); got != want {
			t.Fatalf("grouped(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

// stripCurrency, comparing a text only with the marks it can start or end
// with, finds what trying every mark in turn finds.
func TestStripCurrencyAsEveryMark(t *testing.T) {
	every := func(s, def string) (string, string) {
		for _, m := range marksByLength {
			if strings.HasPrefix(s, m) {
				return resolveMark(currencyMarks[m], def), strings.TrimSpace(s[len(m):])
			}
			if strings.HasSuffix(s, m) {
				return resolveMark(currencyMarks[m], def), strings.TrimSpace(s[:len(s)-len(m)])
			}
		}
		return stripCode(s)
	}
	cases := []string{"", "USD 5", "5 EUR", "SAR 1,200"}
	for _, a := range marksByLength {
		for _, z := range append([]string{""}, marksByLength...) {
			for _, mid := range []string{"", "5", " 1,234.50 ", "2,1 jt", "10K"} {
				cases = append(cases, a+mid+z, z+mid+a)
			}
		}
	}
	for _, s := range cases {
		for _, def := range []string{"", "USD", "CAD", "JPY"} {
			gc, gr := stripCurrency(s, def)
			wc, wr := every(s, def)
			if gc != wc || gr != wr {
				t.Fatalf("stripCurrency(%q, %q) = %q, %q; every mark in turn gives %q, %q", s, def, gc, gr, wc, wr)
			}
		}
	}
}
