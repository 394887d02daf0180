package demo

import (
	"fmt"
	"strings"

	"gmvscope/market"
)

// mix is splitmix64: a stable per-row hash that decides how a row is written.
func mix(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// commas writes 1234567 as "1,234,567".
func commas(n int64) string { return market.Count(n) }

// compact writes 35812 as "35.8K", the way leaderboards round.
func compact(n float64, lower bool) string {
	units := []string{"", "K", "M", "B"}
	u := 0
	for n >= 999.95 && u < len(units)-1 {
		n /= 1000
		u++
	}
	s := fmt.Sprintf("%.1f", n)
	if u == 0 {
		s = fmt.Sprintf("%.0f", n)
	}
	suffix := units[u]
	if lower {
		suffix = strings.ToLower(suffix)
	}
	return s + suffix
}

var brackets = []float64{0, 1e3, 5e3, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7}

// leaderboardCells decides how row i prints followers, GMV and units, and
// records any value it deliberately breaks.
func (m *Market) leaderboardCells(i int) []string {
	c := m.Creators[i]
	seed := m.Seed
	if m.Week > 1 {
		seed ^= uint64(m.Week) * 0xbf58476d1ce4e5b9 // another week prints its rows otherwise
	}
	h := mix(seed, i)
	page := i/PerPage + 1
	lower := page%4 == 2
	followers := compact(float64(c.Followers), lower)
	if c.Followers < 10000 && h%2 == 0 {
		followers = commas(c.Followers)
	}
	dollars := float64(c.GMVCents) / 100
	gmv := "$" + compact(dollars, lower)
	switch {
	case c.GMVCents == 0:
		gmv = "$0"
	case dollars < 1000:
		gmv = "$" + commas(int64(dollars))
	case h%7 == 3 && dollars < brackets[len(brackets)-1]:
		for b := 1; b < len(brackets); b++ {
			if dollars < brackets[b] {
				gmv = "$" + bracket(brackets[b-1]) + "-$" + bracket(brackets[b])
				m.Ranges++
				break
			}
		}
	}
	units := commas(c.Units)
	if h%3 == 0 {
		units = compact(float64(c.Units), lower)
	}
	cells := []string{followers, gmv, units}
	if h%101 == 17 {
		fields := []string{"followers", "gmv", "units"}
		k := int(h/101) % 3
		bad := badValues[fields[k]]
		if k == 1 && strings.Contains(cells[1], "-$") {
			m.Ranges-- // the range was overwritten by the broken value
		}
		cells[k] = bad[int(h/303)%len(bad)]
		m.Malformed = append(m.Malformed, Malformed{Page: page, Handle: c.Handle, Field: fields[k], Raw: cells[k]})
	}
	return cells
}

// bracket writes a range bound the way range columns do: "10K", "2.5M".
func bracket(v float64) string {
	return strings.Replace(compact(v, false), ".0", "", 1)
}
