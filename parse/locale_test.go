package parse

import (
	"errors"
	"testing"

	"gmvscope/market"
)

// The strings are verbatim from real pages (issue 3); want is the exact value.
func TestRealWorldValues(t *testing.T) {
	type want struct {
		num, low, high int64
		cur            string
		open, per      string
	}
	for _, tc := range []struct {
		kind   market.Kind
		raw    string
		loc    string
		cur    string
		signed bool
		w      want
	}{
		// Suffixes, any case.
		{kind: "count", raw: "35.8K", w: want{num: 35800}},
		{kind: "count", raw: "2.9k", w: want{num: 2900}},
		{kind: "count", raw: "25.9m", w: want{num: 25900000}},
		{kind: "count", raw: "4.92M", w: want{num: 4920000}},
		{kind: "count", raw: "29.0b", w: want{num: 29000000000}},
		{kind: "count", raw: "39.04bn", w: want{num: 39040000000}},
		{kind: "count", raw: "0.89k", w: want{num: 890}},
		{kind: "count", raw: "18k", w: want{num: 18000}},
		// East Asian units.
		{kind: "count", raw: "2.3万", w: want{num: 23000}},
		{kind: "count", raw: "91.93 万", w: want{num: 919300}},
		{kind: "count", raw: "1.5亿", w: want{num: 150000000}},
		{kind: "count", raw: "4.8w", w: want{num: 48000}},
		{kind: "count", raw: "109.7w", w: want{num: 1097000}},
		{kind: "count", raw: "231만", w: want{num: 2310000}},
		{kind: "count", raw: "36.19만", w: want{num: 361900}},
		{kind: "count", raw: "390.4억", w: want{num: 39040000000}},
		// Locale units and separators.
		{kind: "count", raw: "35,8 rb", loc: "id", w: want{num: 35800}},
		{kind: "count", raw: "2,1 jt", loc: "id", w: want{num: 2100000}},
		{kind: "count", raw: "39,04 M", loc: "id", w: want{num: 39040000000}},
		{kind: "count", raw: "2,1 Tr", loc: "vi", w: want{num: 2100000}},
		{kind: "count", raw: "39,04 T", loc: "vi", w: want{num: 39040000000}},
		{kind: "count", raw: "2.1J", loc: "ms", w: want{num: 2100000}},
		{kind: "count", raw: "2,1 Mio.", loc: "de", w: want{num: 2100000}},
		{kind: "count", raw: "39,04 Mrd.", loc: "de", w: want{num: 39040000000}},
		{kind: "money", raw: "1.234,5", loc: "de", cur: "EUR", w: want{num: 123450, cur: "EUR"}},
		{kind: "money", raw: "1,234.5", loc: "en", w: want{num: 123450, cur: "USD"}},
		{kind: "count", raw: "1.234", loc: "de", w: want{num: 1234}},
		{kind: "count", raw: "1,234", loc: "en", w: want{num: 1234}},
		// Arabic-Indic digits, separators and right-to-left marks.
		{kind: "money", raw: "١٬٢٣٤٬٥٦٧٫٨٩", loc: "ar", cur: "SAR", w: want{num: 123456789, cur: "SAR"}},
		{kind: "count", raw: "٢٫١ مليون", loc: "ar", w: want{num: 2100000}},
		// Currency marks before or after, with spaces, NBSP and entities.
		{kind: "money", raw: "$1.19m", w: want{num: 119000000, cur: "USD"}},
		{kind: "money", raw: "US$1,234.56", w: want{num: 123456, cur: "USD"}},
		{kind: "money", raw: "£2.1m", w: want{num: 210000000, cur: "GBP"}},
		{kind: "money", raw: "€1.234,50", loc: "de", w: want{num: 123450, cur: "EUR"}},
		{kind: "money", raw: "&euro;95", w: want{num: 9500, cur: "EUR"}},
		{kind: "money", raw: "₫39.04b", w: want{num: 39040000000, cur: "VND"}},
		{kind: "money", raw: "1.234.568 ₫", loc: "vi", w: want{num: 1234568, cur: "VND"}},
		{kind: "money", raw: "Rp 1.234.568", loc: "id", w: want{num: 1234568, cur: "IDR"}},
		{kind: "money", raw: "Rp\u00a02,1\u00a0jt", loc: "id", w: want{num: 2100000, cur: "IDR"}},
		{kind: "money", raw: "RM 2.1J", loc: "ms", w: want{num: 210000000, cur: "MYR"}},
		{kind: "money", raw: "฿1,234,567.50", w: want{num: 123456750, cur: "THB"}},
		{kind: "money", raw: "₱1,234", w: want{num: 123400, cur: "PHP"}},
		{kind: "money", raw: "¥210万", cur: "CNY", w: want{num: 210000000, cur: "CNY"}},
		{kind: "money", raw: "$1.24万", w: want{num: 1240000, cur: "USD"}},
		{kind: "money", raw: "SAR 1,200", w: want{num: 120000, cur: "SAR"}},
		{kind: "money", raw: "ر.س.\u200f ١٬٢٠٠", loc: "ar", w: want{num: 120000, cur: "SAR"}},
		// Ranges.
		{kind: "money", raw: "$10K-$25K", w: want{low: 1000000, high: 2500000, cur: "USD"}},
		{kind: "money", raw: "$1.3K - $10.6K", w: want{low: 130000, high: 1060000, cur: "USD"}},
		{kind: "money", raw: "&euro;95 - &euro;1.5K", w: want{low: 9500, high: 150000, cur: "EUR"}},
		{kind: "money", raw: "$24.17 - 24.69", w: want{low: 2417, high: 2469, cur: "USD"}},
		{kind: "count", raw: "100w~250w", w: want{low: 1000000, high: 2500000}},
		{kind: "count", raw: "7500~1w", w: want{low: 7500, high: 10000}},
		{kind: "count", raw: "10K+", w: want{low: 10000, open: "above"}},
		{kind: "count", raw: ">10k", w: want{low: 10000, open: "above"}},
		{kind: "count", raw: "<100", w: want{high: 100, open: "below"}},
		// Rates and signs.
		{kind: "rate", raw: "$51.72k Per Day", w: want{num: 5172000, cur: "USD", per: "day"}},
		{kind: "rate", raw: "$550.77 Per Minute", w: want{num: 55077, cur: "USD", per: "minute"}},
		{kind: "count", raw: "+419,324", w: want{num: 419324}},
		{kind: "count", raw: "-1,234", signed: true, w: want{num: -1234}},
		// Float artefacts and exponents.
		{kind: "count", raw: "33299999.999999996", w: want{num: 33300000}},
		{kind: "count", raw: "2.28E+11", w: want{num: 228000000000}},
	} {
		v, err := Value(tc.kind, tc.raw, Options{Locale: tc.loc, Currency: tc.cur, Signed: tc.signed})
		if err != nil {
			t.Errorf("%s %q (%s): %v", tc.kind, tc.raw, tc.loc, err)
			continue
		}
		got := want{num: v.Num, low: v.Low, high: v.High, cur: v.Currency, open: v.Open, per: v.Per}
		if got != tc.w {
			t.Errorf("%s %q (%s) = %+v, want %+v", tc.kind, tc.raw, tc.loc, got, tc.w)
		}
		if est := tc.w.low != 0 || tc.w.high != 0; est != v.Estimate {
			t.Errorf("%s %q: estimate %v", tc.kind, tc.raw, v.Estimate)
		}
		if v.Raw != tc.raw {
			t.Errorf("raw text not kept: %q", v.Raw)
		}
	}
}

func TestPercentsAndMissing(t *testing.T) {
	for raw, want := range map[string]float64{"12.9%": 12.9, "(9.24%)": 9.24, "-1.53%": -1.53, "16.60%": 16.6, "9%": 9, "١٢٫٥٪": 12.5} {
		v, err := Value(market.KindPercent, raw, Options{})
		if err != nil || v.Float != want {
			t.Errorf("percent %q = %v, %v; want %v", raw, v.Float, err, want)
		}
	}
	for _, raw := range []string{"", "N/A", "--", "-", "nan", "NaN%", "NaN", "*k+*"} {
		for _, k := range []market.Kind{market.KindCount, market.KindMoney, market.KindPercent} {
			_, err := Value(k, raw, Options{})
			if !errors.Is(err, ErrMissing) {
				t.Errorf("%s %q: %v, want missing", k, raw, err)
			}
		}
	}
	if _, err := Value(market.KindCount, "*k+*", Options{}); !errors.Is(err, ErrMasked) {
		t.Errorf("masked value: %v", err)
	}
}

// FuzzValue parses any text as every numeric kind: it never panics, and a
// parsed value written by Format parses back to the same value.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"35.8K", "2.3万", "Rp 2,1 jt", "$10K-$25K", "10K+", "<100", "$51.72k Per Day", "١٬٢٣٤", "2.28E+11", "1.234,5", "12.9%", "(9.24%)", "4.5"} {
		f.Add(s, "en")
		f.Add(s, "id")
	}
	f.Fuzz(func(t *testing.T, s, loc string) {
		for _, k := range []market.Kind{market.KindCount, market.KindMoney, market.KindRange, market.KindRate, market.KindPercent, market.KindNumber} {
			v, err := Value(k, s, Options{Locale: loc, Signed: true})
			if err != nil {
				continue
			}
			text := Format(v)
			again, err := Value(k, text, Options{Currency: v.Currency, Signed: true})
			if err != nil {
				t.Fatalf("%s %q parsed to %+v, formatted %q, which does not parse: %v", k, s, v, text, err)
			}
			again.Raw = v.Raw
			if again != v {
				t.Fatalf("%s %q parsed to %+v; formatted %q parses to %+v", k, s, v, text, again)
			}
		}
	})
}

func TestCurrencyWithoutRate(t *testing.T) {
	o := Options{Rated: map[string]bool{"USD": true}}
	if _, err := Value(market.KindMoney, "$5", o); err != nil {
		t.Errorf("USD has a rate: %v", err)
	}
	_, err := Value(market.KindMoney, "€95", o)
	if !errors.Is(err, ErrCurrency) || err.Error() != "unexpected currency: no USD rate for EUR under rates" {
		t.Errorf("EUR without a rate: %v", err)
	}
}

// TestOtherLocaleNamed: a text that is no number in the source's locale
// but is one in another keeps its error and names the locales that read
// it, so that the reject says what to fix in the config.
func TestOtherLocaleNamed(t *testing.T) {
	for _, tc := range []struct {
		kind     market.Kind
		raw, loc string
		is       error
		want     string
	}{
		{market.KindMoney, "Rp 2,1 jt", "en", ErrUnit, `unknown unit "jt" (locales id, ms read it: set the source's locale)`},
		{market.KindCount, "2,5 Tsd.", "en", ErrUnit, `unknown unit "Tsd." (locale de reads it: set the source's locale)`},
		{market.KindCount, "12 tr", "id", ErrUnit, `unknown unit "tr" (locale vi reads it: set the source's locale)`},
		{market.KindCount, "12x", "en", ErrUnit, `unknown unit "x"`},
		{market.KindCount, "1.2.3K", "en", ErrMalformed, `malformed number`},
	} {
		_, err := Value(tc.kind, tc.raw, Options{Locale: tc.loc})
		if !errors.Is(err, tc.is) || err.Error() != tc.want {
			t.Errorf("%s %q in %s: got %v, want %q (%v)", tc.kind, tc.raw, tc.loc, err, tc.want, tc.is)
		}
	}
	if v, err := Value(market.KindMoney, "Rp 2,1 jt", Options{Locale: "id", Currency: "IDR"}); err != nil || v.Num != 2_100_000 {
		t.Errorf("Rp 2,1 jt in id: %+v, %v", v, err)
	}
}
