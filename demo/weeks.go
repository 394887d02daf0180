package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Newcomers is the share of a market's creators that enter its
// leaderboard in later weeks, a few each week from week 2 to 9.
const Newcomers = 0.1

// evolve returns the pool of creators as they stand in week: the base
// creators of week 1 with each later week applied, and the newcomers that
// have entered by then. Every step is decided by the seed, the creator
// and the week, so any week can be served on its own.
func (m *Market) evolve(base []Creator, n, np, week int) []Creator {
	r := rand.New(rand.NewPCG(m.Seed, 0x5eed0f11ee7))
	pool := make([]Creator, 0, n+n/10+1)
	for _, c := range base {
		pool = append(pool, m.age(c, 2, week))
	}
	for j := range int(float64(n)*Newcomers + 0.5) {
		c := m.newCreator(r, n+j, np)
		start := 2 + j%8
		if start > week {
			continue
		}
		pool = append(pool, m.age(c, start+1, week))
	}
	return pool
}

// age applies weeks from..to to c: a steady trend of its own, weekly
// noise, and rare events: a small seller's breakout (GMV ×3 to ×8, and
// more followers) and a big seller's collapse.
func (m *Market) age(c Creator, from, to int) Creator {
	trend := m.weekRand(c.Handle, 0).NormFloat64() * 0.08
	fgrowth := 0.004 + m.weekRand(c.Handle, 0).NormFloat64()*0.006
	gmv, followers := float64(c.GMVCents), float64(c.Followers)
	for w := from; w <= to; w++ {
		r := m.weekRand(c.Handle, w)
		noise, event := r.NormFloat64(), r.Float64()
		followers *= math.Exp(fgrowth + 0.01*r.NormFloat64())
		if gmv == 0 {
			continue // a creator who sells nothing keeps selling nothing
		}
		gmv *= math.Exp(trend + 0.12*noise)
		switch {
		case gmv < 10_000_00 && event < 0.012:
			gmv *= 3 + 5*r.Float64()
			followers *= 1.2 + 0.5*r.Float64()
		case gmv > 100_000_00 && event > 0.994:
			gmv *= 0.08 + 0.22*r.Float64()
		}
	}
	ratioU := float64(c.Units) / math.Max(float64(c.GMVCents), 1)
	ratioV := float64(c.Views) / math.Max(float64(c.Followers), 1)
	c.GMVCents, c.Followers = int64(math.Round(gmv)), max(int64(math.Round(followers)), 1)
	c.Units = int64(float64(c.GMVCents) * ratioU)
	c.Views = int64(float64(c.Followers) * ratioV)
	return c
}

// weekRand is the random source of one creator's week (0: its traits).
func (m *Market) weekRand(handle string, week int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(handle))
	return rand.New(rand.NewPCG(m.Seed^h.Sum64(), uint64(week)*0x9e3779b97f4a7c15+1))
}
