package parse

import (
	"fmt"
	"net/url"
	"strings"
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

// BenchmarkExtractLeaderboard is one leaderboard page of 50 rows, as a
// whole-market crawl reads 12,000 of them: the HTML parsed, a selector
// per field per row, every value parsed exactly.
func BenchmarkExtractLeaderboard(b *testing.B) {
	ex := loadCase(b, "testdata/demo/leaderboard")
	var page strings.Builder
	page.WriteString(`<!doctype html><html><head><title>Top creators</title></head><body><table class="leaderboard"><tbody>`)
	for i := range 50 {
		fmt.Fprintf(&page, `<tr><td class="rank">%d</td><td class="handle"><a href="/creator/luna%d">@luna%d</a></td><td class="name">Kai &amp; Co %d</td>`+
			`<td class="followers">35.8K</td><td class="gmv">$2,1%02d.50</td><td class="units">1,234</td></tr>`, i+1, i, i, i, i)
	}
	page.WriteString(`</tbody></table><a rel="next" href="/leaderboard?page=3">Next</a></body></html>`)
	u, _ := url.Parse("http://127.0.0.1:8089/leaderboard?page=2")
	in := Input{URL: u, Body: []byte(page.String())}
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if res := ex.Extract(in); len(res.Records) != 50 || len(res.Rejects) != 0 {
			b.Fatalf("%d records, %d rejects", len(res.Records), len(res.Rejects))
		}
	}
}
