package parse

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"gmvscope/market"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int64
	}{
		{"35.8K", 35800}, {"2.9k", 2900}, {"25.9m", 25900000}, {"4.92M", 4920000},
		{"1.25M", 1250000}, {"29.0b", 29000000000}, {"39.04bn", 39040000000},
		{"0.89k", 890}, {"18k", 18000}, {"1,234", 1234}, {"57,782,841", 57782841},
		{"842", 842}, {"0", 0}, {" 12.3K ", 12300}, {"1.2 M", 1200000}, {"+419,324", 419324},
		{"1.000001M", 1000001},
	} {
		v, err := Value(market.KindCount, tc.raw, Options{})
		if err != nil || v.Num != tc.want || v.Raw != tc.raw || v.Estimate {
			t.Errorf("count %q = %d, %v; want %d", tc.raw, v.Num, err, tc.want)
		}
	}
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		raw, cur string
		want     int64
		wantCur  string
	}{
		{"$2.1M", "", 210000000, "USD"}, {"$35.8K", "", 3580000, "USD"}, {"$1,234", "", 123400, "USD"},
		{"$1.19m", "", 119000000, "USD"}, {"$12.3k", "", 1230000, "USD"}, {"2100000.55", "", 210000055, "USD"},
		{"US$1,234.56", "", 123456, "USD"}, {"€95", "", 9500, "EUR"}, {"&euro;95", "", 9500, "EUR"},
		{"£2.1m", "", 210000000, "GBP"}, {"$0", "", 0, "USD"}, {"1,234 USD", "", 123400, "USD"},
		{"$5", "CAD", 500, "CAD"}, {"$5", "EUR", 500, "USD"},
	} {
		v, err := Value(market.KindMoney, tc.raw, Options{Currency: tc.cur})
		if err != nil || v.Num != tc.want || v.Currency != tc.wantCur {
			t.Errorf("money %q = %d %s, %v; want %d %s", tc.raw, v.Num, v.Currency, err, tc.want, tc.wantCur)
		}
	}
}

func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		kind      market.Kind
		raw       string
		low, high int64
		cur       string
	}{
		{market.KindMoney, "$10K-$25K", 1000000, 2500000, "USD"},
		{market.KindMoney, "$1.3K - $10.6K", 130000, 1060000, "USD"},
		{market.KindMoney, "&euro;95 - &euro;1.5K", 9500, 150000, "EUR"},
		{market.KindMoney, "$24.17 - 24.69", 2417, 2469, "USD"},
		{market.KindMoney, "$100K–$250K", 10000000, 25000000, "USD"},
		{market.KindRange, "10K-50K", 10000, 50000, ""},
		{market.KindCount, "1K ~ 5K", 1000, 5000, ""},
	} {
		v, err := Value(tc.kind, tc.raw, Options{})
		if err != nil || !v.Estimate || v.Low != tc.low || v.High != tc.high || v.Currency != tc.cur {
			t.Errorf("%s %q = %d-%d %s est %v, %v; want %d-%d %s", tc.kind, tc.raw, v.Low, v.High, v.Currency, v.Estimate, err, tc.low, tc.high, tc.cur)
		}
	}
}

func TestPercent(t *testing.T) {
	for raw, want := range map[string]float64{"12.9%": 12.9, "(9.24%)": 9.24, "-1.53%": -1.53, "0%": 0} {
		v, err := Value(market.KindPercent, raw, Options{})
		if err != nil || v.Float != want {
			t.Errorf("percent %q = %v, %v; want %v", raw, v.Float, err, want)
		}
	}
}

func TestRejects(t *testing.T) {
	for _, tc := range []struct {
		kind market.Kind
		raw  string
		want error
	}{
		{market.KindCount, "1.2.3K", ErrMalformed}, {market.KindCount, "12,34,5", ErrMalformed},
		{market.KindCount, "3..5M", ErrMalformed}, {market.KindCount, "7k7", ErrUnit},
		{market.KindCount, "1.2.3", ErrMalformed}, {market.KindCount, "12x", ErrUnit},
		{market.KindCount, "4,5,6,7", ErrMalformed}, {market.KindCount, "1.5", ErrPrecision},
		{market.KindCount, "-5", ErrNegative}, {market.KindMoney, "$4.5KK", ErrUnit},
		{market.KindMoney, "$1.2B.4", ErrUnit}, {market.KindMoney, "$12,3,4", ErrMalformed},
		{market.KindMoney, "$-5K", ErrMalformed}, {market.KindMoney, "$1.234", ErrPrecision},
		{market.KindMoney, "$25K-$10K", ErrRange}, {market.KindMoney, "$5 - €7", ErrCurrency},
		{market.KindCount, "", ErrMissing}, {market.KindCount, "N/A", ErrMissing}, {market.KindMoney, "--", ErrMissing},
		{market.KindCount, "nan", ErrMissing}, {market.KindPercent, "abc%", ErrMalformed}, {market.KindRange, "12K", ErrMalformed},
	} {
		v, err := Value(tc.kind, tc.raw, Options{})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s %q: err %v, want %v", tc.kind, tc.raw, err, tc.want)
		}
		if v.Raw != tc.raw {
			t.Errorf("%s %q: raw text not kept: %q", tc.kind, tc.raw, v.Raw)
		}
	}
}

func TestFieldErrorMessage(t *testing.T) {
	err := &FieldError{Field: "followers", Raw: "1.2.3K", Err: ErrMalformed}
	if got, want := err.Error(), `field followers: "1.2.3K": malformed number`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, ErrMalformed) {
		t.Error("FieldError must unwrap to its cause")
	}
}

// FuzzCount checks that parsing never panics and that formatting a parsed
// count and parsing it again gives the same count.
func FuzzCount(f *testing.F) {
	for _, s := range []string{"35.8K", "1,234", "2.9k", "1.2.3K", "$4.5KK", "10K-50K", "", "0.89k", "39.04bn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Value(market.KindCount, s, Options{})
		if err != nil || v.Estimate {
			return
		}
		again, err := Value(market.KindCount, strconv.FormatInt(v.Num, 10), Options{})
		if err != nil || again.Num != v.Num {
			t.Fatalf("%q parsed to %d, which reparses to %d, %v", s, v.Num, again.Num, err)
		}
	})
}

// FuzzMoney is FuzzCount for money in minor units.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{"$2.1M", "US$1,234.56", "€95", "$10K-$25K", "$24.17 - 24.69", "$-5K", "2100000.55"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Value(market.KindMoney, s, Options{})
		if err != nil || v.Estimate {
			return
		}
		text := strconv.FormatInt(v.Num/100, 10) + "." + strconv.FormatInt(100+v.Num%100, 10)[1:]
		again, err := Value(market.KindMoney, text, Options{Currency: v.Currency})
		if err != nil || again.Num != v.Num {
			t.Fatalf("%q parsed to %d, which reparses from %q to %d, %v", s, v.Num, text, again.Num, err)
		}
	})
}

// The digits-only shortcut for counts gives exactly what the full parser
// gives, and leaves everything else to it.
func TestPlainCountMatchesParser(t *testing.T) {
	cases := []string{"0", "7", "007", "35800", "1003261", "999999999999999999", "123456789012345678"}
	for i := int64(1); i < 1e18; i = i*7 + 3 {
		cases = append(cases, strconv.FormatInt(i, 10))
	}
	for _, raw := range cases {
		fast, err := Value(market.KindCount, raw, Options{})
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		full, err := value(market.Value{Kind: market.KindCount, Raw: raw}, Options{})
		if err != nil || fast != full {
			t.Errorf("%q: shortcut %+v, parser %+v (%v)", raw, fast, full, err)
		}
	}
	for _, raw := range []string{"", "1,234", "35.8K", "-5", "+5", " 12", "1234567890123456789", "١٢٣"} {
		if _, ok := plainCount(raw); ok {
			t.Errorf("%q took the shortcut", raw)
		}
	}
}

// TestRateOfCounts: a rate counts what it says ("437 items per minute")
// unless it carries a currency mark or its field declares a currency;
// "items per minute" is never stored as USD.
func TestRateOfCounts(t *testing.T) {
	for _, tc := range []struct {
		raw       string
		o         Options
		num       int64
		float     float64
		unit, cur string
		per       string
	}{
		{"437 items per minute", Options{}, 437, 437, "items", "", "minute"},
		{"12.5 items/min", Options{}, 13, 12.5, "items", "", "minute"},
		{"1.2K views per day", Options{}, 1200, 1200, "views", "", "day"},
		{"3.4K/day", Options{}, 3400, 3400, "", "", "day"},
		{"$51.72k Per Day", Options{}, 5172000, 0, "", "USD", "day"},
		{"51.72k per day", Options{Currency: "USD", RateOfMoney: true}, 5172000, 0, "", "USD", "day"},
	} {
		v, err := Value(market.KindRate, tc.raw, tc.o)
		if err != nil || v.Num != tc.num || v.Unit != tc.unit || v.Currency != tc.cur || v.Per != tc.per || (tc.float != 0 && v.Float != tc.float) {
			t.Errorf("rate %q = %+v, %v", tc.raw, v, err)
		}
	}
	if _, err := Value(market.KindRate, "lots per minute", Options{}); err == nil {
		t.Error("a rate without a number parsed")
	}
}

// TestDuration: a live session's length in seconds, as sites write it.
func TestDuration(t *testing.T) {
	for raw, want := range map[string]int64{
		"5400": 5400, "01:23:45": 5025, "83:20": 5000, "1h 23m": 4980, "1h23m5s": 4985, "83 min": 4980,
		"2.5 hours": 9000, "1 小时 20 分钟": 4800, "45s": 45, "1 hr, 30 mins": 5400,
	} {
		v, err := Value(market.KindDuration, raw, Options{})
		if err != nil || v.Num != want {
			t.Errorf("duration %q = %d, %v; want %d", raw, v.Num, err, want)
		}
	}
	for _, raw := range []string{"soon", "1:75:00", "3 days"} {
		if v, err := Value(market.KindDuration, raw, Options{}); err == nil {
			t.Errorf("duration %q parsed as %d", raw, v.Num)
		}
	}
}

func TestDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026-10-28": "2026-10-28", "2026/10/28": "2026-10-28", "20261028": "2026-10-28", "Oct 28, 2026": "2026-10-28",
		"2026-10-01 ~ 2026-10-28": "2026-10-28", "2026-10-01 - 2026-10-28": "2026-10-28", "2026-10-28T23:10:00Z": "2026-10-28",
		"2026年10月28日": "2026-10-28",
	} {
		got, err := Date(in, "", nil)
		if err != nil || got.Format("2006-01-02") != want {
			t.Errorf("Date(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := Date("03/04/2026", "", nil); err == nil || !strings.Contains(err.Error(), "day/month or month/day") {
		t.Errorf("an ambiguous date must ask for a layout: %v", err)
	}
	if got, err := Date("03/04/2026", "02/01/2006", nil); err != nil || got.Format("2006-01-02") != "2026-04-03" {
		t.Errorf("with a layout: %v %v", got, err)
	}
}
