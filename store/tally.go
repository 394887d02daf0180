package store

import (
	"context"
	"fmt"
	"sort"

	"golang.org/x/sync/errgroup"

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
	// The frontier's log and the pages are counted side by side, each on a
	// connection of its own: each is a scan of its own table (a full
	// market's run: 1.9 million log rows, 938,746 pages), and SQLite runs
	// one call at a time on a connection.
	var urls, listings map[string]*market.KindTally
	var t market.Tally
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		urls, t.Retries, err = s.tallyURLs(gctx, runID, settled)
		return err
	})
	g.Go(func() (err error) {
		listings, t.Records, t.Rejects, err = s.tallyPages(gctx, runID)
		return err
	})
	if err := g.Wait(); err != nil {
		return market.Tally{}, fmt.Errorf("tally run %d: %w", runID, err)
	}
	for k, l := range listings {
		kt := urls[k]
		if kt == nil {
			kt = &market.KindTally{Kind: k}
			urls[k] = kt
		}
		kt.ListingTotal, kt.ListingPages, kt.MaxRows, kt.Rows = l.ListingTotal, l.ListingPages, l.MaxRows, l.Rows
	}
	for _, k := range urls {
		t.Kinds = append(t.Kinds, *k)
	}
	sort.Slice(t.Kinds, func(i, j int) bool { return t.Kinds[i].Kind < t.Kinds[j].Kind })
	return t, nil
}

// tallyURLs counts a run's URLs by kind and state, its failures by reason,
// and the retries waiting.
func (s *DB) tallyURLs(ctx context.Context, runID int64, settled bool) (map[string]*market.KindTally, int, error) {
	kinds := map[string]*market.KindTally{}
	// A URL settles once (done or failed) and is never queued again, so
	// its settled row is counted without grouping the log by URL; the
	// rest of the URLs it knows are pending.
	q := `SELECT kind, state, reason, count(*) FROM frontier_log WHERE run_id = ? AND state != 'pending' GROUP BY 1, 2, 3`
	args := []any{runID}
	if !settled {
		q += ` UNION ALL SELECT kind, 'pending', '', count(DISTINCT url) FROM frontier_log WHERE run_id = ? GROUP BY 1`
		args = append(args, runID)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, state, reason string
		var n int
		if err := rows.Scan(&k, &state, &reason, &n); err != nil {
			return nil, 0, err
		}
		kt := kinds[k]
		if kt == nil {
			kt = &market.KindTally{Kind: k}
			kinds[k] = kt
		}
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
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if !settled {
		for _, kt := range kinds {
			kt.Pending -= kt.Done + kt.Failed
		}
	}
	var retries int
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM frontier_log WHERE run_id = ? AND state = 'pending' AND next_attempt IS NOT NULL`, runID).Scan(&retries)
	return kinds, retries, err
}

// tallyPages returns, for each kind with good pages, what they said about
// their listings, the most rows one held and the rows read from them; and
// the run's records and rejects.
func (s *DB) tallyPages(ctx context.Context, runID int64) (map[string]*market.KindTally, int, int, error) {
	kinds := map[string]*market.KindTally{}
	// One pass over the run's pages (their bodies between them make each
	// pass long).
	rows, err := s.db.QueryContext(ctx, `
		SELECT p.kind, coalesce(max(CASE WHEN p.failure = '' THEN p.listing_total END), 0),
			coalesce(max(CASE WHEN p.failure = '' THEN p.listing_pages END), 0),
			coalesce(max(CASE WHEN p.failure = '' THEN p.records END), 0), coalesce(sum(CASE WHEN p.failure = '' THEN p.records END), 0),
			count(CASE WHEN p.failure = '' THEN 1 END), sum(p.records)
		FROM pages p WHERE p.run_id = ? GROUP BY p.kind`, runID)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	all := 0
	for rows.Next() {
		var k string
		var total, pages, most, read, good, records int64
		if err := rows.Scan(&k, &total, &pages, &most, &read, &good, &records); err != nil {
			return nil, 0, 0, err
		}
		all += int(records)
		if good == 0 {
			continue // as before: a kind only of failed pages has no listing figures
		}
		kinds[k] = &market.KindTally{Kind: k, ListingTotal: total, ListingPages: pages, MaxRows: most, Rows: read}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	rows.Close()
	var rejects int
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM rejects WHERE run_id = ?`, runID).Scan(&rejects)
	return kinds, all, rejects, err
}
