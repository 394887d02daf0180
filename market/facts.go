package market

// Facts are what alert rules are written over: one creator in one
// snapshot, with what changed since the one before. A value the creator
// has no data for is absent (listed in Missing), never zero: a rule that
// uses it does not fire.
type Facts struct {
	Source             string  `expr:"source"`
	Handle             string  `expr:"handle"`
	Status             string  `expr:"status"` // entered, dropped, stayed; entered when there is no snapshot before
	Followers          float64 `expr:"followers"`
	FollowersPrev      float64 `expr:"followers_prev"`
	FollowersChangePct float64 `expr:"followers_change_pct"` // +100 is doubled
	GMV                float64 `expr:"gmv"`                  // USD
	GMVPrev            float64 `expr:"gmv_prev"`
	GMVChangePct       float64 `expr:"gmv_change_pct"`
	GMVRank            int     `expr:"gmv_rank"` // 1 = the largest GMV
	RankPrev           int     `expr:"rank_prev"`
	RankChange         int     `expr:"rank_change"` // places risen; negative: fallen
	FollowersRank      int     `expr:"followers_rank"`
	Per1K              float64 `expr:"gmv_per_1k"` // GMV per 1,000 followers
	// Missing has a bit for each field above this creator has no value
	// for, by its index in FactNames (a set without a map per creator:
	// 600,000 maps were a tenth of a whole-market report).
	Missing uint32 `expr:"-"`
}

// Lacks reports whether the creator has no value for the fact name.
func (f Facts) Lacks(name string) bool { return f.Missing&factBit(name) != 0 }

func (f *Facts) lack(name string) { f.Missing |= factBit(name) }

// MissingOf is the Missing set of the facts named.
func MissingOf(names ...string) uint32 {
	var m uint32
	for _, n := range names {
		m |= factBit(n)
	}
	return m
}

func factBit(name string) uint32 {
	for i, n := range FactNames {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// FactNames are the fields a rule may use, as it writes them.
var FactNames = []string{"source", "handle", "status", "followers", "followers_prev", "followers_change_pct", "gmv", "gmv_prev",
	"gmv_change_pct", "gmv_rank", "rank_prev", "rank_change", "followers_rank", "gmv_per_1k"}

// FactsOf returns the facts of every creator of a snapshot and of every
// creator dropped since the one before (ch nil: no snapshot before).
func FactsOf(s *Snapshot, ch *Changes) []Facts {
	var out []Facts
	EachFact(s, ch, func(f *Facts) { out = append(out, *f) })
	return out
}

// EachFact calls fn with the facts of each creator FactsOf returns, one
// at a time (fn must not keep the pointer): a whole market's alert rules
// are evaluated without holding every creator's facts.
func EachFact(s *Snapshot, ch *Changes, fn func(*Facts)) {
	// Rows and standings are both in handle order: a creator's follower
	// rank is found by walking them together.
	everyone, frank, j := s.Everyone(), followerRanks(s), 0
	var ranks []int
	if ch == nil {
		ranks = gmvRankOf(everyone)
	}
	emit := func(c Change) {
		for j < len(everyone) && everyone[j].Handle < c.Handle {
			j++
		}
		fr := 0
		if j < len(everyone) && everyone[j].Handle == c.Handle {
			fr = frank[j]
		}
		f := Facts{Source: s.Source.Name, Handle: c.Handle, Status: c.Status,
			Followers: c.FollowersNow, FollowersPrev: c.FollowersPrev, GMV: c.GMVNow, GMVPrev: c.GMVPrev,
			GMVRank: c.RankNow, RankPrev: c.RankPrev, RankChange: c.RankChange(), FollowersRank: fr}
		miss := func(name string, absent bool) {
			if absent {
				f.lack(name)
			}
		}
		miss("followers", !c.HasFollowersNow)
		miss("followers_rank", f.FollowersRank == 0)
		miss("followers_prev", !c.HasFollowersPrev)
		miss("gmv", !c.HasGMVNow)
		miss("gmv_prev", !c.HasGMVPrev)
		miss("gmv_rank", c.RankNow == 0)
		miss("rank_prev", c.RankPrev == 0)
		miss("rank_change", c.RankNow == 0 || c.RankPrev == 0)
		if g, ok := c.GMVChange(); ok {
			f.GMVChangePct = 100 * g
		} else {
			f.lack("gmv_change_pct")
		}
		if fc, ok := c.FollowersChange(); ok {
			f.FollowersChangePct = 100 * fc
		} else {
			f.lack("followers_change_pct")
		}
		if c.HasGMVNow && c.HasFollowersNow && c.FollowersNow > 0 {
			f.Per1K = c.GMVNow / c.FollowersNow * 1000
		} else {
			f.lack("gmv_per_1k")
		}
		fn(&f)
	}
	if ch != nil {
		for _, c := range ch.Rows {
			emit(c)
		}
		return
	}
	for i := range everyone {
		c := &everyone[i]
		emit(Change{Handle: c.Handle, Status: Entered, RankNow: ranks[i], GMVNow: c.GMVUSD, HasGMVNow: c.Is(HasGMV),
			FollowersNow: c.Followers, HasFollowersNow: c.Is(HasFollowers)})
	}
}

// followerRanks ranks creators by followers, most first, ties by handle:
// the rank of Everyone()[i] is out[i], 0 without followers.
func followerRanks(s *Snapshot) []int {
	return rankOf(s.Everyone(), HasFollowers, func(s *Standing) float64 { return s.Followers })
}

// Alert is a rule that fired for a creator, with the values it read.
type Alert struct {
	Rule   string         `json:"rule"`
	Source string         `json:"source"`
	Handle string         `json:"handle"`
	Status string         `json:"status"`
	Values map[string]any `json:"values"` // the facts the rule read, by name
}

// Value returns the fact named name, as a rule reads it.
func (f Facts) Value(name string) any {
	switch name {
	case "source":
		return f.Source
	case "handle":
		return f.Handle
	case "status":
		return f.Status
	case "followers":
		return f.Followers
	case "followers_prev":
		return f.FollowersPrev
	case "followers_change_pct":
		return f.FollowersChangePct
	case "gmv":
		return f.GMV
	case "gmv_prev":
		return f.GMVPrev
	case "gmv_change_pct":
		return f.GMVChangePct
	case "gmv_rank":
		return f.GMVRank
	case "rank_prev":
		return f.RankPrev
	case "rank_change":
		return f.RankChange
	case "followers_rank":
		return f.FollowersRank
	case "gmv_per_1k":
		return f.Per1K
	}
	return nil
}
