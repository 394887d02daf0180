package store

import (
	"context"
	"fmt"
	"sort"

	"gmvscope/market"
)

// Tally counts a run's URLs by kind and final state, their failures by
// reason, what its listing pages said about their listings and the rows
// they held, and its records and rejects: everything every process that
// worked on the run stored, so a resumed run's outcome counts the failures
// before a crash. settled says the caller knows that no URL of the run is
// pending (its crawl stopped with the frontier empty, which a resumed
// crawl loads whole from the store): the run's distinct URLs, counted
// over every frontier row (a million in a whole market's run), are then
// not counted.
func (s *DB) Tally(ctx context.Context, runID int64, settled bool) (market.Tally, error) {
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
	// rest of the URLs it knows are pending. The retries scheduled (a
	// pending row with a time to try again) are counted in the same pass
	// over the log: a second pass took 0.3 s of a whole market's tally.
	q := `SELECT kind, state, reason, count(*) FROM frontier_log WHERE run_id = ? AND (state != 'pending' OR next_attempt IS NOT NULL) GROUP BY 1, 2, 3`
	args := []any{runID}
	if !settled {
		q += ` UNION ALL SELECT kind, 'known', '', count(DISTINCT url) FROM frontier_log WHERE run_id = ? GROUP BY 1`
		args = append(args, runID)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
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
		if state == "pending" { // a retry, scheduled
			t.Retries += n
			continue
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
		case "known":
			kt.Pending += n // every URL of the kind, until the settled ones are taken off below
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	if !settled {
		for _, kt := range kinds {
			kt.Pending -= kt.Done + kt.Failed
		}
	}
	// What good pages said about their listings, the most rows one held,
	// the rows read from each kind's good pages, and every page's records:
	// one pass over the run's pages (their bodies between them make each
	// pass long).
	rows, err = s.db.QueryContext(ctx, `
		SELECT p.kind, coalesce(max(CASE WHEN p.failure = '' THEN p.listing_total END), 0),
			coalesce(max(CASE WHEN p.failure = '' THEN p.listing_pages END), 0),
			coalesce(max(CASE WHEN p.failure = '' THEN p.records END), 0), coalesce(sum(CASE WHEN p.failure = '' THEN p.records END), 0),
			count(CASE WHEN p.failure = '' THEN 1 END), sum(p.records)
		FROM pages p WHERE p.run_id = ? GROUP BY p.kind`, runID)
	if err != nil {
		return t, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for rows.Next() {
		var k string
		var total, pages, most, read, good, records int64
		if err := rows.Scan(&k, &total, &pages, &most, &read, &good, &records); err != nil {
			rows.Close()
			return t, fmt.Errorf("tally run %d: %w", runID, err)
		}
		t.Records += int(records)
		if good == 0 {
			continue // as before: a kind only of failed pages has no listing figures
		}
		kt := kind(k)
		kt.ListingTotal, kt.ListingPages, kt.MaxRows, kt.Rows = total, pages, most, read
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
