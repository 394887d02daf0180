package market

import "testing"

func TestDecide(t *testing.T) {
	lb := func(done, failed, pending int, total, pages, rows int64) KindTally {
		k := KindTally{Kind: "leaderboard", Done: done, Failed: failed, Pending: pending, ListingTotal: total, ListingPages: pages, MaxRows: rows, Rows: int64(done) * rows}
		if failed > 0 {
			k.Failures = map[string]int{"no rows where 1 or more expected": failed}
		}
		return k
	}
	for _, tc := range []struct {
		name   string
		tally  Tally
		stated map[string]Stated
		budget string
		status RunStatus
		reason string
	}{
		{"complete", Tally{Kinds: []KindTally{lb(40, 0, 0, 2000, 40, 50)}, Records: 2000}, nil, "", RunOK, "frontier empty"},
		{"a chain cut at page 3", Tally{Kinds: []KindTally{lb(2, 1, 0, 2000, 40, 50)}, Records: 100}, nil, "", RunPartial,
			"37 leaderboard pages never reached; 1 page failed (no rows where 1 or more expected: 1)"},
		{"total rows only: pages from the rows a page holds", Tally{Kinds: []KindTally{lb(10, 0, 0, 2000, 0, 50)}, Records: 500}, nil, "", RunPartial,
			"30 leaderboard pages never reached"},
		{"the config states the pages", Tally{Kinds: []KindTally{lb(39, 0, 0, 0, 0, 50)}, Records: 1950}, map[string]Stated{"leaderboard": {Pages: 40}}, "", RunPartial,
			"1 leaderboard page never reached"},
		{"nothing says the size", Tally{Kinds: []KindTally{lb(12, 0, 0, 0, 0, 50)}, Records: 600}, nil, "", RunOK, "frontier empty"},
		{"a budget", Tally{Kinds: []KindTally{lb(5, 0, 3, 2000, 40, 50)}, Records: 250}, nil, "page budget of 8 reached", RunPartial,
			"page budget of 8 reached; 32 leaderboard pages never reached; 3 pages not fetched"},
		{"no page worked", Tally{Kinds: []KindTally{lb(0, 1, 0, 0, 0, 0)}}, nil, "", RunFailed,
			"no page could be fetched: no rows where 1 or more expected: 1"},
		{"pages but no records", Tally{Kinds: []KindTally{{Kind: "p", Done: 3}}}, nil, "", RunFailed, "no records extracted: check the source's selectors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Decide(tc.tally, tc.stated, "frontier empty", tc.budget)
			if o.Status != tc.status || o.Reason != tc.reason {
				t.Errorf("%s: %q, want %s: %q", o.Status, o.Reason, tc.status, tc.reason)
			}
		})
	}
}
