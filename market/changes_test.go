package market

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// The week's largest moves up and down are kept as the changes pass; they
// must be the ones a stable sort of every creator who moved gives: up by
// rank gained, ties in handle order; down by rank lost, ties in reverse
// handle order. Ranks here tie often (GMV from a few values).
func TestCompareMoversAsSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	week := func() *Snapshot {
		s := &Snapshot{}
		for i := range 3000 {
			if r.IntN(10) == 0 {
				continue // some creators enter and drop
			}
			st := Standing{Handle: fmt.Sprintf("c%04d", i), Followers: float64(r.IntN(50)), Has: HasFollowers}
			if r.IntN(8) != 0 {
				st.GMVUSD, st.Has = float64(r.IntN(40)*100), st.Has|HasGMV
			}
			s.Standings = append(s.Standings, st)
		}
		return s
	}
	prev, cur := week(), week()
	for _, top := range []int{0, 1, 10, 100, 5000} {
		ch := Compare(prev, cur, Summary{}, top)
		var moved []Change
		for _, c := range ch.Rows {
			if c.RankChange() != 0 {
				moved = append(moved, c)
			}
		}
		slices.SortStableFunc(moved, func(x, y Change) int { return y.RankChange() - x.RankChange() })
		var up, down []Change
		for i := 0; i < len(moved) && len(up) < top && moved[i].RankChange() > 0; i++ {
			up = append(up, moved[i])
		}
		for i := len(moved) - 1; i >= 0 && len(down) < top && moved[i].RankChange() < 0; i-- {
			down = append(down, moved[i])
		}
		if !reflect.DeepEqual(ch.Up, up) || !reflect.DeepEqual(ch.Down, down) {
			t.Errorf("top %d: up %d %v…, want %d %v…; down %d, want %d", top, len(ch.Up), ch.Up[:min(2, len(ch.Up))],
				len(up), up[:min(2, len(up))], len(ch.Down), len(down))
		}
		if top == 100 && (len(up) != 100 || len(down) != 100) {
			t.Fatalf("the test moves too few creators: %d up, %d down", len(up), len(down))
		}
	}
}
