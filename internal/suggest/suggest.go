// Package suggest finds the name someone probably meant, for "did you
// mean" hints on unknown commands, flags, config keys and source names.
package suggest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Closest returns the option nearest to name by edit distance, when it is
// near enough to be a typo (two edits, a swap of two letters among them,
// or a third of the name's length for long names, and fewer edits than
// the name has letters), or "".
func Closest(name string, options []string) string {
	best, bestD := "", 0
	for _, o := range options {
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(o))
		if best == "" || d < bestD {
			best, bestD = o, d
		}
	}
	if best == "" || bestD > max(2, len(name)/3) || bestD >= len(name) {
		return ""
	}
	return best
}

// Hint is "; did you mean X?" for the closest option, or "".
func Hint(name string, options []string) string {
	if c := Closest(name, options); c != "" && c != name {
		return fmt.Sprintf("; did you mean %s?", c)
	}
	return ""
}

// Nearest returns up to n options nearest to name: those that contain it
// or that it contains (case aside) first, then by edit distance, each
// within half the name's length.
func Nearest(name string, options []string, n int) []string {
	type cand struct {
		o string
		d int
	}
	low := strings.ToLower(strings.TrimSpace(name))
	var cs []cand
	for _, o := range options {
		lo := strings.ToLower(strings.TrimSpace(o))
		if lo == "" {
			continue
		}
		d := levenshtein.ComputeDistance(low, lo)
		if strings.Contains(lo, low) || strings.Contains(low, lo) {
			d = min(d, 1)
		}
		if d <= max(2, len(low)/2) {
			cs = append(cs, cand{o, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.o)
	}
	return out
}
