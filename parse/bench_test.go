package parse

import (
	"testing"

	"gmvscope/market"
)

// The value parsers on the texts leaderboards show, with allocations: a
// whole-market crawl parses 600,000 of each.
func BenchmarkValue(b *testing.B) {
	for _, c := range []struct {
		name string
		kind market.Kind
		text string
	}{
		{"count-compact", market.KindCount, "35.8K"},
		{"count-digits", market.KindCount, "35812"},
		{"count-grouped", market.KindCount, "1,234,567"},
		{"count-cjk", market.KindCount, "2.3万"},
		{"money-compact", market.KindMoney, "$2.1M"},
		{"money-exact", market.KindMoney, "$2,100,000.50"},
		{"money-range", market.KindMoney, "$10K-$25K"},
		{"money-idr", market.KindMoney, "Rp 2,1 jt"},
		{"percent", market.KindPercent, "12.9%"},
		{"duration", market.KindDuration, "2h 30m"},
		{"rate", market.KindRate, "437 items per minute"},
	} {
		b.Run(c.name, func(b *testing.B) {
			o := Options{Currency: "USD", Locale: "en"}
			if c.name == "money-idr" {
				o = Options{Currency: "IDR", Locale: "id"}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Value(c.kind, c.text, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
