package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gmvscope/market"
)

// byDate orders snapshots by the date their data is of (an export's own
// date, else when the run finished), to the second, then as stored.
const byDate = `substr(%[1]s.taken_at, 1, 19), %[1]s.id`

// Previous returns the snapshot of the same source before id in time
// (ok or partial: a partial one is compared, and the report says so):
// an export imported late still sits at its own date. ok is false when
// id is the first.
func (s *DB) Previous(ctx context.Context, id int64) (prev int64, ok bool, err error) {
	return previous(ctx, s.db, id)
}

// SourceOf returns the source snapshot id is of.
func (s *DB) SourceOf(ctx context.Context, id int64) (string, error) {
	var source string
	if err := s.db.QueryRowContext(ctx, `SELECT source FROM snapshots WHERE id = ?`, id).Scan(&source); err != nil {
		return "", fmt.Errorf("snapshot %d: %w", id, err)
	}
	return source, nil
}

// LatestComplete returns the newest ok (not partial) snapshot of source
// by the date its data is of, or ok false. With reported, only one whose
// report was written.
func (s *DB) LatestComplete(ctx context.Context, source string, reported bool) (int64, bool, error) {
	var id int64
	q := `SELECT id FROM snapshots WHERE source = ? AND status = 'ok'`
	if reported {
		q += ` AND reported_at IS NOT NULL`
	}
	// Newest by the date the data is of: an older export imported late
	// does not replace the latest report.
	err := s.db.QueryRowContext(ctx, q+` ORDER BY substr(taken_at, 1, 19) DESC, id DESC LIMIT 1`, source).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("latest complete snapshot of %s: %w", source, err)
	}
	return id, true, nil
}

// History returns a summary of every snapshot (of source, or of all
// sources when empty), oldest first by the date its data is of: the
// market's totals week by week.
func (s *DB) History(ctx context.Context, source string) ([]market.Summary, error) {
	// The totals written with each snapshot; an older snapshot's are
	// counted here (coalesce stops at its first non-NULL argument).
	q := `SELECT s.id, s.run_id, s.source, s.status, s.taken_at, r.reason,
		coalesce(s.n_creators, (SELECT count(*) FROM creators c WHERE c.snapshot_id = s.id)),
		coalesce(s.total_gmv_usd, (SELECT coalesce(sum(c.gmv_usd), 0) FROM creators c WHERE c.snapshot_id = s.id)),
		coalesce(s.n_with_gmv, (SELECT count(c.gmv_usd) FROM creators c WHERE c.snapshot_id = s.id)),
		coalesce(s.n_with_followers, (SELECT count(c.followers) FROM creators c WHERE c.snapshot_id = s.id)),
		coalesce(json_extract(s.source_info, '$.Sample'), 0)
		FROM snapshots s JOIN runs r ON r.id = s.run_id`
	var args []any
	if source != "" {
		q += ` WHERE s.source = ?`
		args = append(args, source)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY `+fmt.Sprintf(byDate, "s"), args...)
	if err != nil {
		return nil, fmt.Errorf("history of %q: %w", source, err)
	}
	defer rows.Close()
	var out []market.Summary
	for rows.Next() {
		var m market.Summary
		var taken string
		var sample int
		if err := rows.Scan(&m.ID, &m.RunID, &m.Source, &m.Status, &taken, &m.Reason, &m.Creators, &m.TotalGMVUSD, &m.WithGMV, &m.WithFollowers, &sample); err != nil {
			return nil, fmt.Errorf("history of %q: %w", source, err)
		}
		m.TakenAt, _ = time.Parse(timeFmt, taken)
		m.Sample = sample == 1
		out = append(out, m)
	}
	return out, rows.Err()
}

// Series returns each creator's GMV (USD) and followers in every snapshot
// of source, oldest first by date, for the handles asked for.
func (s *DB) Series(ctx context.Context, source string, handles []string) (map[string][]market.SeriesPoint, error) {
	out := map[string][]market.SeriesPoint{}
	if len(handles) == 0 {
		return out, nil
	}
	args := []any{source}
	for _, h := range handles {
		args = append(args, h)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.handle, s.id, s.taken_at, c.gmv_usd, c.followers FROM creators c JOIN snapshots s ON s.id = c.snapshot_id
		WHERE s.source = ? AND c.handle IN (`+strings.TrimSuffix(strings.Repeat("?,", len(handles)), ",")+`) ORDER BY c.handle, `+fmt.Sprintf(byDate, "s"), args...)
	if err != nil {
		return nil, fmt.Errorf("series of %s: %w", source, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h, taken string
		var p market.SeriesPoint
		var gmv sql.NullFloat64
		var followers sql.NullInt64
		if err := rows.Scan(&h, &p.Snapshot, &taken, &gmv, &followers); err != nil {
			return nil, fmt.Errorf("series of %s: %w", source, err)
		}
		p.TakenAt, _ = time.Parse(timeFmt, taken)
		p.GMVUSD, p.HasGMV = gmv.Float64, gmv.Valid
		p.Followers, p.HasFollowers = followers.Int64, followers.Valid
		out[h] = append(out[h], p)
	}
	return out, rows.Err()
}
