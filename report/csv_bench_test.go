package report

import (
	"fmt"
	"io"
	"testing"

	"gmvscope/market"
)

// BenchmarkWriteCSV: data.csv's rows for 10,000 creators with the values
// a leaderboard and a profile give (counts, money, ranges, shown texts).
func BenchmarkWriteCSV(b *testing.B) {
	s := &market.Snapshot{ID: 1, Source: market.SourceInfo{Name: "demo", RateUSD: 1}}
	for i := range 10000 {
		count := func(n int64) *market.Value {
			return &market.Value{Kind: market.KindCount, Raw: fmt.Sprint(n), Num: n, Period: "28d"}
		}
		usd := func(n int64) *market.Value {
			return &market.Value{Kind: market.KindMoney, Raw: fmt.Sprintf("%.2f", float64(n)/100), Num: n, Currency: "USD", Period: "28d"}
		}
		s.Creators = append(s.Creators, market.Creator{Handle: fmt.Sprintf("creator%05d", i), DisplayName: fmt.Sprintf("Creator %d", i),
			Followers: count(int64(1000 + i*37)), Units: count(int64(i % 700)), Views: count(int64(i * 91)),
			GMV:    &market.Value{Kind: market.KindMoney, Raw: "$5K-$10K", Low: 500000, High: 1000000, Estimate: true, Currency: "USD", Period: "28d"},
			GMVUSD: 7071.07, GMVLive: usd(int64(i * 13)), GMVVideo: usd(int64(i * 29)), GMVShowcase: usd(int64(i * 7)),
			Category: "Beauty", Region: "US", URL: fmt.Sprintf("https://shop.example/creator/creator%05d", i),
			Shown: map[string][]market.Shown{"followers": {{Kind: "profile", Raw: "1037"}, {Kind: "leaderboard", Raw: "1K"}}}})
	}
	a := market.Analyze(*s, 1, Outliers, Top)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteCSV(io.Discard, s, a, nil); err != nil {
			b.Fatal(err)
		}
	}
}
