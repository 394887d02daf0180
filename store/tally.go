package store

import (
	"context"
	"fmt"
	"sort"

	"gmvscope/market"
)

// Tally counts a run's URLs by kind and final state, their failures by
// reason, what its listing pages said about their listings, and its
// records and rejects: everything every process that worked on the run
// stored, so a resumed run's outcome counts the failures before a crash.
func (s *DB) Tally(ctx context.Context, runID int64) (market.Tally, error) {
	var t market.Tally
	kinds := map[string]*market.KindTally{}
	kind := func(k string) *market.KindTally {
		if kinds[k] == nil {
			kinds[k] = &market.KindTally{Kind: k}
		}
		return kinds[k]
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT kind, state, reason, count(*) FROM (SELECT kind, state, reason, max(id) FROM frontier_log WHERE run_id = ? GROUP BY url)
		GROUP BY 1, 2, 3`, runID)
	if err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for rows.Next() {
		var k, state, reason string
		var n int
		if err := rows.Scan(&k, &state, &reason, &n); err != nil {
			rows.Close()
			return t, fmt.Errorf("tally run %d: %w", runID, err)
		}
		kt := kind(k)
		switch state {
		case "done":
			kt.Done += n
		case "failed":
			kt.Failed += n
			if kt.Failures == nil {
				kt.Failures = map[string]int{}
			}
			kt.Failures[reason] += n
		default:
			kt.Pending += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	// What good pages said about their listings, the most rows one held,
	// and the distinct keys read from each kind.
	rows, err = s.db.QueryContext(ctx, `
		SELECT p.kind, coalesce(max(p.listing_total), 0), coalesce(max(p.listing_pages), 0), max(p.records),
		       (SELECT count(DISTINCT r.key) FROM records r JOIN pages q ON q.id = r.page_id WHERE q.run_id = p.run_id AND q.kind = p.kind)
		FROM pages p WHERE p.run_id = ? AND p.failure = '' GROUP BY p.kind`, runID)
	if err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for rows.Next() {
		var k string
		var total, pages, most, keys int64
		if err := rows.Scan(&k, &total, &pages, &most, &keys); err != nil {
			rows.Close()
			return t, fmt.Errorf("tally run %d: %w", runID, err)
		}
		kt := kind(k)
		kt.ListingTotal, kt.ListingPages, kt.MaxRows, kt.Keys = total, pages, most, keys
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(records), 0) FROM pages WHERE run_id = ?`, runID).Scan(&t.Records); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM frontier_log WHERE run_id = ? AND state = 'pending' AND next_attempt IS NOT NULL`, runID).Scan(&t.Retries); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM rejects WHERE run_id = ?`, runID).Scan(&t.Rejects); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for _, k := range kinds {
		t.Kinds = append(t.Kinds, *k)
	}
	sort.Slice(t.Kinds, func(i, j int) bool { return t.Kinds[i].Kind < t.Kinds[j].Kind })
	return t, nil
}
