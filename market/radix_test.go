package market

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortValuesAsComparison: the radix sort gives what the comparison
// sort gives, ascending and descending, with ties, NaN, ±0, ±Inf and
// values that share their high bits, at sizes on both sides of where it
// starts.
func TestSortValuesAsComparison(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), -1, 1, 1e300, -1e-300, 5e-324}
	gen := map[string]func() float64{
		"ties":    func() float64 { return float64(r.IntN(50)) },
		"spread":  func() float64 { return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(30))) },
		"special": func() float64 { return special[r.IntN(len(special))] },
		"close":   func() float64 { return 1e6 + float64(r.IntN(1000))/1024 }, // the same high bits
	}
	for name, g := range gen {
		for _, n := range []int{0, 1, 100, 1<<12 - 1, 1 << 12, 50000} {
			for _, desc := range []bool{false, true} {
				ps := make([]valueAt, n)
				for i := range ps {
					ps[i] = valueAt{g(), int32(i)}
				}
				want := slices.Clone(ps)
				slices.SortFunc(want, func(a, b valueAt) int {
					if desc {
						a.v, b.v = b.v, a.v
					}
					return cmp.Or(cmp.Compare(a.v, b.v), cmp.Compare(a.i, b.i))
				})
				sortValues(ps, desc)
				for i := range ps {
					if ps[i].i != want[i].i {
						t.Fatalf("%s n=%d desc=%v: at %d index %d (%v), want %d (%v)", name, n, desc, i, ps[i].i, ps[i].v, want[i].i, want[i].v)
					}
				}
			}
		}
	}
}

func BenchmarkSortValues(b *testing.B) {
	benchmarkSort(b, func(ps []valueAt) { sortValues(ps, true) })
}

func BenchmarkSortValuesComparison(b *testing.B) {
	benchmarkSort(b, func(ps []valueAt) {
		slices.SortFunc(ps, func(a, b valueAt) int { return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.i, b.i)) })
	})
}

// benchmarkSort times sort on 600,000 values spread as GMVs are.
func benchmarkSort(b *testing.B, sort func([]valueAt)) {
	r := rand.New(rand.NewPCG(7, 8))
	xs := make([]valueAt, 600000)
	for i := range xs {
		xs[i] = valueAt{math.Exp(r.NormFloat64() * 3), int32(i)}
	}
	ps := make([]valueAt, len(xs))
	b.ReportAllocs()
	for b.Loop() {
		copy(ps, xs)
		sort(ps)
	}
}

// TestPointsInGMVRankOrder: the plotted points come in GMV rank order,
// every creator with both values above zero once, ties of GMV ranked in
// handle order and ties of followers too.
func TestPointsInGMVRankOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var s Snapshot
	for i := range 5000 {
		s.Standings = append(s.Standings, Standing{Handle: fmt.Sprintf("c%05d", i), Followers: float64(r.IntN(100)),
			GMVUSD: float64(r.IntN(50)), Has: HasFollowers | HasGMV})
	}
	a := Analyze(s, 1, 10, 10)
	seen := map[int32]bool{}
	for i, p := range a.Points {
		if p.RankGMV != i+1 || seen[p.At] || p.Followers <= 0 || p.GMVUSD <= 0 {
			t.Fatalf("point %d: %+v", i, p)
		}
		seen[p.At] = true
		if i > 0 {
			q := a.Points[i-1]
			if q.GMVUSD < p.GMVUSD || (q.GMVUSD == p.GMVUSD && q.At > p.At) {
				t.Fatalf("points %d and %d out of order: %+v %+v", i-1, i, q, p)
			}
		}
	}
	if len(seen) != a.WithBoth-a.ZeroGMV-a.ZeroFollowers {
		t.Errorf("%d points of %d with both above zero", len(seen), a.WithBoth-a.ZeroGMV-a.ZeroFollowers)
	}
}
