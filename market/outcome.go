package market

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// KindTally is what the store holds about one page kind of a run: each
// URL's final state, and what its listing pages said about the listing.
type KindTally struct {
	Kind     string         `json:"kind"`
	Done     int            `json:"done"`
	Failed   int            `json:"failed"`
	Pending  int            `json:"pending"`
	Failures map[string]int `json:"failures,omitempty"` // failed URLs by reason
	// The largest total rows and pages any good page of the kind showed,
	// the most records one good page held, and the records they held.
	ListingTotal int64 `json:"listing_total,omitempty"`
	ListingPages int64 `json:"listing_pages,omitempty"`
	MaxRows      int64 `json:"max_rows,omitempty"`
	Rows         int64 `json:"rows,omitempty"`
}

// Tally is a run's pages, records and rejects as the store holds them:
// the outcome of a run resumed after a crash counts what every process
// before it did, not only the last one.
type Tally struct {
	Kinds   []KindTally `json:"kinds"`
	Records int         `json:"records"`
	Rejects int         `json:"rejects"`
	Retries int         `json:"retries"` // failed attempts that were tried again
}

// Done, Failed and Pending sum the kinds.
func (t Tally) Done() int    { return t.sum(func(k KindTally) int { return k.Done }) }
func (t Tally) Failed() int  { return t.sum(func(k KindTally) int { return k.Failed }) }
func (t Tally) Pending() int { return t.sum(func(k KindTally) int { return k.Pending }) }

func (t Tally) sum(f func(KindTally) int) int {
	n := 0
	for _, k := range t.Kinds {
		n += f(k)
	}
	return n
}

// Failures sums the kinds' failures by reason.
func (t Tally) Failures() map[string]int {
	out := map[string]int{}
	for _, k := range t.Kinds {
		for r, n := range k.Failures {
			out[r] += n
		}
	}
	return out
}

// Coverage compares what a run reached of a listing with what the
// listing's pages (or the source's config) say it holds.
type Coverage struct {
	Kind    string `json:"kind"`
	Pages   int64  `json:"pages"`           // pages the listing has
	Reached int64  `json:"reached"`         // its pages fetched and read
	Failed  int64  `json:"failed"`          // its pages that failed
	Missing int64  `json:"never_reached"`   // its pages never asked for
	Rows    int64  `json:"rows,omitempty"`  // rows the listing has, when known
	Read    int64  `json:"read,omitempty"`  // rows read from its pages
	Basis   string `json:"basis,omitempty"` // where Pages came from: "the pages" or "config"
}

// Stated is what a source's config says a listing holds; zero: not said.
type Stated struct{ Total, Pages int64 }

// Coverage returns the kind's coverage, when its pages or the config say
// how large the listing is; ok is false when nothing does.
func (k KindTally) Coverage(stated Stated) (Coverage, bool) {
	c := Coverage{Kind: k.Kind, Reached: int64(k.Done), Failed: int64(k.Failed), Read: k.Rows, Basis: "the pages"}
	c.Rows = max(k.ListingTotal, stated.Total)
	c.Pages = max(k.ListingPages, stated.Pages)
	if (stated.Pages > k.ListingPages) || (stated.Total > k.ListingTotal && k.ListingPages == 0) {
		c.Basis = "config"
	}
	if c.Pages == 0 && c.Rows > 0 && k.MaxRows > 0 {
		c.Pages = (c.Rows + k.MaxRows - 1) / k.MaxRows
	}
	if c.Pages == 0 {
		return c, false
	}
	c.Missing = max(c.Pages-c.Reached-c.Failed-int64(k.Pending), 0)
	return c, true
}

// Outcome decides how a run ended from what the store holds. budget is
// the budget that stopped the crawl ("" if none).
type Outcome struct {
	Status   RunStatus
	Reason   string
	Coverage []Coverage
}

// Decide returns the outcome of a run that ran to its end (not cancelled,
// no store error): failed when no page worked or nothing was read,
// partial when pages failed, a budget stopped it or pages of a listing
// were never reached, else ok.
func Decide(t Tally, stated map[string]Stated, finish, budget string) Outcome {
	var o Outcome
	kinds := append([]KindTally(nil), t.Kinds...)
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Kind < kinds[j].Kind })
	var missing []string
	for _, k := range kinds {
		c, ok := k.Coverage(stated[k.Kind])
		if !ok {
			continue
		}
		o.Coverage = append(o.Coverage, c)
		if c.Missing > 0 {
			missing = append(missing, fmt.Sprintf("%s %s %s never reached", Count(c.Missing), c.Kind, plural(c.Missing, "page")))
		}
	}
	failed := t.Failed()
	switch {
	case t.Done() == 0:
		o.Status, o.Reason = RunFailed, "no page could be fetched"
		if failed > 0 {
			o.Reason += ": " + topReasons(t.Failures())
		}
		return o
	case t.Records == 0:
		o.Status, o.Reason = RunFailed, "no records extracted: check the source's selectors"
		return o
	}
	var parts []string
	if budget != "" {
		parts = append(parts, budget)
	}
	parts = append(parts, missing...)
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%s %s failed (%s)", Count(int64(failed)), plural(int64(failed), "page"), topReasons(t.Failures())))
	}
	if p := t.Pending(); p > 0 {
		parts = append(parts, fmt.Sprintf("%s %s not fetched", Count(int64(p)), plural(int64(p), "page")))
	}
	if len(parts) == 0 {
		o.Status, o.Reason = RunOK, finish
		return o
	}
	o.Status, o.Reason = RunPartial, strings.Join(parts, "; ")
	return o
}

// topReasons lists the commonest failure reasons with their counts.
func topReasons(m map[string]int) string {
	type rc struct {
		r string
		n int
	}
	var all []rc
	for r, n := range m {
		all = append(all, rc{r, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].r < all[j].r
	})
	var out []string
	for i, x := range all {
		if i == 3 {
			out = append(out, fmt.Sprintf("%d other reasons", len(all)-3))
			break
		}
		out = append(out, fmt.Sprintf("%s: %s", x.r, Count(int64(x.n))))
	}
	return strings.Join(out, ", ")
}

// Count writes n with thousands separators, as English does: 2,000 and
// -1,234. It is the one formatter of counts: reports, messages and the
// sample market all write them with it.
func Count(n int64) string { return english.Sprintf("%d", n) }

var english = message.NewPrinter(language.English)

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
