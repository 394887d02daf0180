package store

import (
	"context"
	"fmt"
	"time"
)

// Prune drops the bodies of pages fetched before before, keeping their
// rows (URL, status, fetch time, what they gave) and every snapshot,
// record and reject. A body that a newer page still points at (a 304
// that reused it) is kept. It returns how many bodies went, and their
// stored bytes.
func (s *DB) Prune(ctx context.Context, before, now time.Time) (pages int64, bytes int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("prune: %w", err)
	}
	defer tx.Rollback()
	cut := before.UTC().Format(timeFmt)
	const which = `FROM pages WHERE fetched_at < ? AND body_zst IS NOT NULL AND pruned_at IS NULL
		AND id NOT IN (SELECT same_as FROM pages WHERE same_as IS NOT NULL AND fetched_at >= ?)`
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(body_zst)), 0) `+which, cut, cut).Scan(&pages, &bytes); err != nil {
		return 0, 0, fmt.Errorf("prune: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pages SET body_zst = NULL, pruned_at = ? WHERE id IN (SELECT id `+which+`)`,
		now.UTC().Format(timeFmt), cut, cut); err != nil {
		return 0, 0, fmt.Errorf("prune: %w", err)
	}
	return pages, bytes, tx.Commit()
}

// Pruned reports whether the pages of run were pruned, and when.
func (s *DB) Pruned(ctx context.Context, runID int64) (bool, time.Time, error) {
	var n int
	var at string
	err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(pruned_at), '') FROM pages WHERE run_id = ? AND pruned_at IS NOT NULL`, runID).Scan(&n, &at)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("pages of run %d: %w", runID, err)
	}
	t, _ := time.Parse(timeFmt, at)
	return n > 0, t, nil
}

// LastRuns returns the newest finished run of each source, with its
// stats, and the time of its newest ok snapshot.
func (s *DB) LastRuns(ctx context.Context) ([]LastRun, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT r.source, r.id, r.status, r.started_at, coalesce(r.finished_at, ''), r.stats,
		       coalesce((SELECT max(taken_at) FROM snapshots s WHERE s.source = r.source AND s.status = 'ok'), '')
		FROM runs r WHERE r.id = (SELECT max(id) FROM runs t WHERE t.source = r.source AND t.status != 'running')`)
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	defer rows.Close()
	var out []LastRun
	for rows.Next() {
		var l LastRun
		var started, finished, good string
		if err := rows.Scan(&l.Source, &l.RunID, &l.Status, &started, &finished, &l.Stats, &good); err != nil {
			return nil, fmt.Errorf("last runs: %w", err)
		}
		l.Started, _ = time.Parse(timeFmt, started)
		l.Finished, _ = time.Parse(timeFmt, finished)
		l.LastGood, _ = time.Parse(timeFmt, good)
		out = append(out, l)
	}
	return out, rows.Err()
}

// LastRun is a source's newest finished run.
type LastRun struct {
	Source            string
	RunID             int64
	Status            string
	Started, Finished time.Time
	Stats             string // runs.stats JSON
	LastGood          time.Time
}
