package market

import (
	"cmp"
	"math"
	"slices"
)

// sortValues sorts ps by value, smallest first (largest first with desc),
// ties in the order of their indexes: what slices.SortFunc gives with
// cmp.Compare on the values and then on the indexes (NaN below every
// number, so first, or last with desc; -0 equal to 0). ps must come in
// index order. A whole market's values (ranks of 600,000 followers or
// GMVs, several times a report) are sorted by radix, in linear time: a
// stable sort by the bits of each value's order key keeps the index
// order of ties.
func sortValues(ps []valueAt, desc bool) {
	if len(ps) < 1<<12 {
		if desc {
			slices.SortFunc(ps, func(a, b valueAt) int { return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.i, b.i)) })
		} else {
			slices.SortFunc(ps, func(a, b valueAt) int { return cmp.Or(cmp.Compare(a.v, b.v), cmp.Compare(a.i, b.i)) })
		}
		return
	}
	// The keys and the pairs move together, pass by pass, between ps and
	// one more list of each.
	keys, keys2 := make([]uint64, len(ps)), make([]uint64, len(ps))
	vals, vals2 := ps, make([]valueAt, len(ps))
	const bits, passes = 11, 6 // 6 × 11 ≥ 64
	var count [passes][1 << bits]int
	for i, p := range ps {
		k := orderKey(p.v)
		if desc {
			k = ^k
		}
		keys[i] = k
		for d := range passes {
			count[d][k>>(d*bits)&(1<<bits-1)]++
		}
	}
	for d := range passes {
		c := &count[d]
		if c[keys[0]>>(d*bits)&(1<<bits-1)] == len(ps) {
			continue // every key has this digit
		}
		at := 0
		for j, n := range c {
			c[j] = at
			at += n
		}
		for i, k := range keys {
			j := k >> (d * bits) & (1<<bits - 1)
			keys2[c[j]], vals2[c[j]] = k, vals[i]
			c[j]++
		}
		keys, keys2, vals, vals2 = keys2, keys, vals2, vals
	}
	if &vals[0] != &ps[0] {
		copy(ps, vals)
	}
}

// orderKey maps a float to a key whose unsigned order is cmp.Compare's
// order of the floats: NaN the smallest, -0 the same as 0.
func orderKey(v float64) uint64 {
	switch {
	case v != v:
		return 0
	case v == 0:
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b // negatives: larger magnitudes first
	}
	return b | 1<<63
}
