package market

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The status of a creator between two snapshots.
const (
	Entered = "entered" // in this snapshot, not the one before
	Dropped = "dropped" // in the one before, not this one
	Stayed  = "stayed"
)

// Breakout is how much a small seller's GMV must multiply in a week, from
// under BreakoutBelow USD, to count as a breakout.
const (
	Breakout      = 3.0
	BreakoutBelow = 10_000.0
)

// Change is one creator between the previous snapshot and this one. A
// side the creator is absent from, or gave no value in, has Has… false.
type Change struct {
	Handle                string
	Status                string
	FollowersPrev         float64
	FollowersNow          float64
	HasFollowersPrev      bool
	HasFollowersNow       bool
	GMVPrev, GMVNow       float64 // USD
	HasGMVPrev, HasGMVNow bool
	RankPrev, RankNow     int // by GMV, 1 = the largest; 0 when absent or without GMV
}

// GMVChange returns the GMV change as a share (1.0 is +100%); ok is false
// without both values or from zero.
func (c Change) GMVChange() (float64, bool) {
	if !c.HasGMVPrev || !c.HasGMVNow || c.GMVPrev <= 0 {
		return 0, false
	}
	return c.GMVNow/c.GMVPrev - 1, true
}

// FollowersChange returns the follower change as a share.
func (c Change) FollowersChange() (float64, bool) {
	if !c.HasFollowersPrev || !c.HasFollowersNow || c.FollowersPrev <= 0 {
		return 0, false
	}
	return c.FollowersNow/c.FollowersPrev - 1, true
}

// RankChange is how many places the creator rose (negative: fell).
func (c Change) RankChange() int {
	if c.RankPrev == 0 || c.RankNow == 0 {
		return 0
	}
	return c.RankPrev - c.RankNow
}

// Changes compare a snapshot with the one before it.
type Changes struct {
	Prev      Summary  // the snapshot compared with
	Rows      []Change // every creator of either snapshot, by handle
	Entered   []Change // by rank now
	Dropped   []Change // by rank before
	Up, Down  []Change // the largest rank moves among those who stayed
	Breakouts []Change // GMV ×3 or more from under $10K, by GMV now
	// Counts are how many creators entered, dropped, stayed and broke
	// out: the lists' lengths, or more when the lists were cut (a store's
	// movers keep the first 100 of each).
	Counts MoverCounts
	// Together is the rank correlation of follower change and GMV change
	// among creators in both with both values: did growing audiences go
	// with growing sales?
	Together Correlation
	Notes    []string // what makes the comparison less than like for like, in English
	Caveats  []Caveat // the same, for a report to write in its language
}

// MoverCounts count the creators of each kind of change.
type MoverCounts struct {
	Entered, Dropped, Stayed, Breakouts int
}

// Caveat is one reason a comparison is less than like for like.
type Caveat struct {
	Code                      string // period, prev_partial, partial or coverage
	PrevPeriod, CurPeriod     Period
	PrevID                    int64
	PrevCreators, CurCreators int
}

// Compare returns what changed from prev to cur. top bounds the movers
// lists. prevInfo describes prev for the notes.
func Compare(prev, cur *Snapshot, prevInfo Summary, top int) Changes {
	ch := Changes{Prev: prevInfo}
	// A merge of the two snapshots in handle order (the order the store
	// and the assembler give them): no map of either, no sort of both
	// sets of handles. Ranks are by index.
	a, b := prev.Everyone(), cur.Everyone()
	rankPrev, rankNow := gmvRankOf(a), gmvRankOf(b)
	ch.Rows = make([]Change, 0, max(len(a), len(b)))
	var fx, gy []float64
	for i, j := 0, 0; i < len(a) || j < len(b); {
		var p, n *Standing
		var rp, rn int
		switch {
		case j >= len(b) || (i < len(a) && a[i].Handle < b[j].Handle):
			p, rp = &a[i], rankPrev[i]
			i++
		case i >= len(a) || b[j].Handle < a[i].Handle:
			n, rn = &b[j], rankNow[j]
			j++
		default:
			p, rp, n, rn = &a[i], rankPrev[i], &b[j], rankNow[j]
			i++
			j++
		}
		inPrev, inNow := p != nil, n != nil
		h := ""
		if inPrev {
			h = p.Handle
		} else {
			h = n.Handle
		}
		c := Change{Handle: h, RankPrev: rp, RankNow: rn}
		switch {
		case inPrev && inNow:
			c.Status = Stayed
		case inNow:
			c.Status = Entered
		default:
			c.Status = Dropped
		}
		if inPrev {
			c.FollowersPrev, c.HasFollowersPrev = p.Followers, p.Is(HasFollowers)
			c.GMVPrev, c.HasGMVPrev = p.GMVUSD, p.Is(HasGMV)
		}
		if inNow {
			c.FollowersNow, c.HasFollowersNow = n.Followers, n.Is(HasFollowers)
			c.GMVNow, c.HasGMVNow = n.GMVUSD, n.Is(HasGMV)
		}
		ch.Rows = append(ch.Rows, c)
		switch c.Status {
		case Entered:
			ch.Entered = append(ch.Entered, c)
		case Dropped:
			ch.Dropped = append(ch.Dropped, c)
		}
		if c.Status == Stayed && c.HasGMVPrev && c.GMVPrev > 0 && c.GMVPrev < BreakoutBelow && c.GMVNow >= Breakout*c.GMVPrev {
			ch.Breakouts = append(ch.Breakouts, c)
		}
		if f, ok := c.FollowersChange(); ok {
			if g, ok := c.GMVChange(); ok && c.GMVNow > 0 {
				fx, gy = append(fx, math.Log1p(f)), append(gy, math.Log1p(g))
			}
		}
	}
	ch.Together = Spearman(fx, gy)
	ch.Counts = MoverCounts{Entered: len(ch.Entered), Dropped: len(ch.Dropped), Breakouts: len(ch.Breakouts)}
	for i := range ch.Rows {
		if ch.Rows[i].Status == Stayed {
			ch.Counts.Stayed++
		}
	}
	sortBy := func(cs []Change, key func(Change) float64) { stableByKey(cs, key) }
	sortBy(ch.Entered, func(c Change) float64 { return rankKey(c.RankNow) })
	sortBy(ch.Dropped, func(c Change) float64 { return rankKey(c.RankPrev) })
	sortBy(ch.Breakouts, func(c Change) float64 { return -c.GMVNow })
	// The largest moves up, ties in handle order, and down, ties in
	// reverse handle order: kept as they pass, not a sorted copy of every
	// creator who moved.
	up := topOf(top, func(x, y Change) int {
		return cmp.Or(cmp.Compare(y.RankChange(), x.RankChange()), strings.Compare(x.Handle, y.Handle))
	})
	down := topOf(top, func(x, y Change) int {
		return cmp.Or(cmp.Compare(x.RankChange(), y.RankChange()), strings.Compare(y.Handle, x.Handle))
	})
	for _, c := range ch.Rows {
		switch rc := c.RankChange(); {
		case rc > 0:
			up.add(c)
		case rc < 0:
			down.add(c)
		}
	}
	ch.Up, ch.Down = up.items, down.items
	if prev.Source.Period != cur.Source.Period {
		ch.Notes = append(ch.Notes, fmt.Sprintf("The snapshot before covers %s, this one %s: GMV changes compare different windows.", prev.Source.Period, cur.Source.Period))
		ch.Caveats = append(ch.Caveats, Caveat{Code: "period", PrevPeriod: prev.Source.Period, CurPeriod: cur.Source.Period})
	}
	if prev.Status == RunPartial {
		ch.Notes = append(ch.Notes, fmt.Sprintf("Snapshot %d, compared with here, was a partial run: some creators may have dropped out of it only because their pages were not read.", prev.ID))
		ch.Caveats = append(ch.Caveats, Caveat{Code: "prev_partial", PrevID: prev.ID})
	}
	if cur.Status == RunPartial {
		ch.Notes = append(ch.Notes, "This snapshot is a partial run: some creators may count as dropped only because their pages were not read.")
		ch.Caveats = append(ch.Caveats, Caveat{Code: "partial"})
	}
	if a, b := len(a), len(b); a > 0 && b > 0 && (float64(b)/float64(a) < 0.9 || float64(a)/float64(b) < 0.9) {
		ch.Notes = append(ch.Notes, fmt.Sprintf("The two snapshots hold different numbers of creators (%s before, %s now): their coverage differs.", Count(int64(a)), Count(int64(b))))
		ch.Caveats = append(ch.Caveats, Caveat{Code: "coverage", PrevCreators: a, CurCreators: b})
	}
	return ch
}

func rankKey(r int) float64 {
	if r == 0 {
		return math.Inf(1)
	}
	return float64(r)
}

// gmvRankOf ranks cs (in handle order) by GMV, largest first, ties by
// handle; 0 for a creator without GMV. The rank of cs[i] is out[i].
func gmvRankOf(cs []Standing) []int {
	return rankOf(cs, HasGMV, func(s *Standing) float64 { return s.GMVUSD })
}

// rankOf ranks the standings that have h by the value v gives, largest
// first, ties by handle; the rank of cs[i] (in handle order) is out[i],
// 0 without h.
func rankOf(cs []Standing, h Has, v func(*Standing) float64) []int {
	// Sorted as compact (value, index) pairs. cs is in handle order, so the
	// index breaks ties by handle.
	rs := make([]valueAt, 0, len(cs))
	for i := range cs {
		if cs[i].Is(h) {
			rs = append(rs, valueAt{v(&cs[i]), int32(i)})
		}
	}
	sortValues(rs, true)
	out := make([]int, len(cs))
	for r, x := range rs {
		out[x.i] = r + 1
	}
	return out
}

// stableByKey sorts cs by key, ties in their order, as a stable sort
// would: the keys are computed once and indexes sorted by pdqsort, so
// 600,000 changes are not merged and rotated through a closure.
func stableByKey[T any](cs []T, key func(T) float64) {
	keys := make([]float64, len(cs))
	idx := make([]int, len(cs))
	for i := range cs {
		keys[i], idx[i] = key(cs[i]), i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(keys[a], keys[b]), cmp.Compare(a, b)) })
	sorted := make([]T, len(cs))
	for i, j := range idx {
		sorted[i] = cs[j]
	}
	copy(cs, sorted)
}
