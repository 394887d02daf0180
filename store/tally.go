package store

import (
	"context"
	"fmt"
	"sort"

	"gmvscope/market"
)

// Tally counts a run's URLs by kind and final state, their failures by
// reason, what its listing pages said about their listings and the rows
// they held, and its records and rejects: everything every process that worked on the run
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
	// A URL settles once (done or failed) and is never queued again, so
	// its settled row is counted without grouping the log by URL; the
	// rest of the URLs it knows are pending.
	rows, err := s.db.QueryContext(ctx, `
		SELECT kind, state, reason, count(*) FROM frontier_log WHERE run_id = ? AND state != 'pending' GROUP BY 1, 2, 3
		UNION ALL
		SELECT kind, 'pending', '', count(DISTINCT url) FROM frontier_log WHERE run_id = ? GROUP BY 1`, runID, runID)
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
			kt.Pending += n // every URL of the kind, until the settled ones are taken off below
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for _, kt := range kinds {
		kt.Pending -= kt.Done + kt.Failed
	}
	// What good pages said about their listings, the most rows one held,
	// and the rows read from each kind's good pages.
	rows, err = s.db.QueryContext(ctx, `
		SELECT p.kind, coalesce(max(p.listing_total), 0), coalesce(max(p.listing_pages), 0), max(p.records), sum(p.records)
		FROM pages p WHERE p.run_id = ? AND p.failure = '' GROUP BY p.kind`, runID)
	if err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for rows.Next() {
		var k string
		var total, pages, most, read int64
		if err := rows.Scan(&k, &total, &pages, &most, &read); err != nil {
			rows.Close()
			return t, fmt.Errorf("tally run %d: %w", runID, err)
		}
		kt := kind(k)
		kt.ListingTotal, kt.ListingPages, kt.MaxRows, kt.Rows = total, pages, most, read
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
