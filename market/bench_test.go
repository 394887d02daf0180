package market

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// WholeMarket is the size the analysis benchmarks run at: the US market's
// creators (issue 14).
const WholeMarket = 600000

// marketOf is a snapshot of n creators whose followers and GMV are heavy
// tailed and weakly correlated, as the sample market's are; seed makes a
// second week of the same creators.
func marketOf(n int, seed uint64) *Snapshot {
	r := rand.New(rand.NewPCG(seed, 3))
	s := &Snapshot{Source: SourceInfo{Name: "bench", Currency: "USD", RateUSD: 1}}
	s.Creators = make([]Creator, n)
	for i := range s.Creators {
		zf := r.NormFloat64()
		f := math.Round(math.Pow(10, 4.3+0.85*zf))
		g := math.Round(math.Pow(10, 3.7+0.75*(0.45*zf+0.89*r.NormFloat64()))*100) / 100
		s.Creators[i] = Creator{Handle: fmt.Sprintf("c%07d", i), Followers: &Value{Kind: KindCount, Num: int64(f)},
			GMV: &Value{Kind: KindMoney, Num: int64(g * 100), Currency: "USD"}, GMVUSD: g}
	}
	return s
}

// followersGMV is each creator's followers and GMV (USD).
func followersGMV(s *Snapshot) (x, y []float64) {
	x, y = make([]float64, len(s.Creators)), make([]float64, len(s.Creators))
	for i, c := range s.Creators {
		x[i], y[i] = c.Followers.Mid(), c.GMVUSD
	}
	return x, y
}

func BenchmarkAnalyze(b *testing.B) {
	s := marketOf(WholeMarket, 1)
	b.ReportAllocs()
	for b.Loop() {
		Analyze(*s, 1, 10, 20)
	}
}

func BenchmarkSpearman(b *testing.B) {
	x, y := followersGMV(marketOf(WholeMarket, 1))
	b.ReportAllocs()
	for b.Loop() {
		Spearman(x, y)
	}
}

func BenchmarkLogLogFit(b *testing.B) {
	x, y := followersGMV(marketOf(WholeMarket, 1))
	b.ReportAllocs()
	for b.Loop() {
		LogLogFit(x, y)
	}
}

func BenchmarkConcentrate(b *testing.B) {
	_, v := followersGMV(marketOf(WholeMarket, 1))
	b.ReportAllocs()
	for b.Loop() {
		Concentrate(v, 100)
	}
}

// BenchmarkCompare is week-over-week movers at the whole market's size.
func BenchmarkCompare(b *testing.B) {
	prev, cur := marketOf(WholeMarket, 1), marketOf(WholeMarket, 2)
	b.ReportAllocs()
	for b.Loop() {
		Compare(prev, cur, Summary{}, 10)
	}
}

func BenchmarkFactsOf(b *testing.B) {
	prev, cur := marketOf(WholeMarket, 1), marketOf(WholeMarket, 2)
	ch := Compare(prev, cur, Summary{}, 10)
	b.ReportAllocs()
	for b.Loop() {
		FactsOf(cur, &ch)
	}
}

// BenchmarkAssemble merges a leaderboard's rows and profiles of the whole
// market, as a crawl's snapshot is built.
func BenchmarkAssemble(b *testing.B) {
	s := marketOf(WholeMarket, 1)
	recs := make([]Record, 0, 2*len(s.Creators))
	for _, c := range s.Creators {
		recs = append(recs, Record{Entity: EntityCreator, Key: c.Handle, Precedence: 1, Fields: map[string]Value{
			"followers": {Kind: KindCount, Raw: "35.8K", Num: c.Followers.Num}, "gmv": *c.GMV}})
	}
	b.ReportAllocs()
	for b.Loop() {
		var as Assembler
		for i, r := range recs {
			as.AddFrom(r, fmt.Sprint("http://x/top?page=", i/50), "leaderboard")
		}
		for range as.Creators(1) {
		}
	}
}
