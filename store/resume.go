package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"gmvscope/market"
)

// Unfinished returns the source's newest run when it did not finish: one
// still running (or whose process died), or one a signal cancelled, with
// its lease owner and expiry; ok is false when there is none.
func (s *DB) Unfinished(ctx context.Context, source string) (run market.Run, owner string, until time.Time, ok bool, err error) {
	var started, lease sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT id, started_at, status, owner, lease_until FROM runs WHERE source = ? ORDER BY id DESC LIMIT 1`,
		source).Scan(&run.ID, &started, &run.Status, &owner, &lease)
	if err == nil && run.Status != market.RunRunning && run.Status != market.RunCancelled {
		return run, "", until, false, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return run, "", until, false, nil
	}
	if err != nil {
		return run, "", until, false, fmt.Errorf("find unfinished run of %s: %w", source, err)
	}
	run.Source = source
	run.StartedAt, _ = time.Parse(timeFmt, started.String)
	until, _ = time.Parse(timeFmt, lease.String)
	return run, owner, until, true, nil
}

// Lease makes owner the holder of a running run until until. It succeeds
// only if the run is still running and held by owner, by nobody, or by
// previous (the holder the caller found dead or expired): two processes
// can never both crawl one run.
func (s *DB) Lease(ctx context.Context, runID int64, owner, previous string, until time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE runs SET owner = ?, lease_until = ? WHERE id = ? AND status = ? AND owner IN (?, '', ?)`,
		owner, until.UTC().Format(timeFmt), runID, market.RunRunning, owner, previous)
	if err != nil {
		return fmt.Errorf("lease run %d: %w", runID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("lease run %d: %w", runID, ErrLeased)
	}
	return nil
}

// Reopen makes a cancelled run running again, to resume it.
func (s *DB) Reopen(ctx context.Context, runID int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ?, reason = '', finished_at = NULL, owner = '' WHERE id = ? AND status = ?`,
		market.RunRunning, runID, market.RunCancelled); err != nil {
		return fmt.Errorf("reopen run %d: %w", runID, err)
	}
	return nil
}

// Abandon ends an unfinished run that is too old to resume: it fails,
// and keeps what it stored.
func (s *DB) Abandon(ctx context.Context, runID int64, reason string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ?, reason = ?, finished_at = ?, owner = '' WHERE id = ? AND status IN (?, ?)`,
		market.RunFailed, reason, now.UTC().Format(timeFmt), runID, market.RunRunning, market.RunCancelled); err != nil {
		return fmt.Errorf("abandon run %d: %w", runID, err)
	}
	return nil
}

// ErrLeased means another process holds the run.
var ErrLeased = errors.New("run is held by another process")

// Frontier returns the run's pending URLs, with their attempts, and every
// URL the run has seen, so a resumed crawl neither refetches nor re-adds.
// Each URL's state is its latest row in the frontier log.
func (s *DB) Frontier(ctx context.Context, runID int64) ([]market.FrontierEntry, []string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, kind, state, attempts FROM frontier_log WHERE run_id = ? ORDER BY id`, runID)
	if err != nil {
		return nil, nil, fmt.Errorf("read frontier of run %d: %w", runID, err)
	}
	defer rows.Close()
	type entry struct {
		market.FrontierEntry
		pending bool
	}
	latest := map[string]entry{}
	for rows.Next() {
		var e market.FrontierEntry
		var state string
		if err := rows.Scan(&e.URL, &e.Kind, &state, &e.Attempts); err != nil {
			return nil, nil, err
		}
		latest[e.URL] = entry{e, state == "pending"}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read frontier of run %d: %w", runID, err)
	}
	seen := slices.Sorted(maps.Keys(latest))
	var pending []market.FrontierEntry
	for _, u := range seen {
		if e := latest[u]; e.pending {
			pending = append(pending, e.FrontierEntry)
		}
	}
	return pending, seen, nil
}

// EachPage calls fn with the final attempt at each URL of a run, body
// decompressed, in the order the pages were fetched.
func (s *DB) EachPage(ctx context.Context, runID int64, fn func(market.Page, []byte) error) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT p.url, p.kind, p.status, p.content_type, p.fetched_at, p.attempts, p.bytes, p.failure, coalesce(p.body_zst, o.body_zst)
		FROM pages p LEFT JOIN pages o ON o.id = p.same_as
		WHERE p.id IN (SELECT max(id) FROM pages WHERE run_id = ? GROUP BY url) ORDER BY p.id`, runID)
	if err != nil {
		return fmt.Errorf("read pages of run %d: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p market.Page
		var at string
		if err := rows.Scan(&p.URL, &p.Kind, &p.Status, &p.ContentType, &at, &p.Attempts, &p.Bytes, &p.Failure, &p.Compressed); err != nil {
			return err
		}
		p.FetchedAt, _ = time.Parse(timeFmt, at)
		var body []byte
		if len(p.Compressed) > 0 {
			if body, err = zdec.DecodeAll(p.Compressed, nil); err != nil {
				return fmt.Errorf("page %s of run %d: %w", p.URL, runID, err)
			}
		}
		if err := fn(p, body); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RunSource returns the source a run crawled.
func (s *DB) RunSource(ctx context.Context, runID int64) (string, market.RunStatus, error) {
	var src string
	var st market.RunStatus
	err := s.db.QueryRowContext(ctx, `SELECT source, status FROM runs WHERE id = ?`, runID).Scan(&src, &st)
	if err != nil {
		return "", "", fmt.Errorf("run %d: %w", runID, err)
	}
	return src, st, nil
}

// Validators returns the newest usable page per URL of source's earlier
// runs that came with an ETag or Last-Modified.
func (s *DB) Validators(ctx context.Context, source string, runID int64) (map[string]market.Validator, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT p.url, coalesce(p.same_as, p.id), p.etag, p.last_modified, p.content_type FROM pages p
		WHERE p.id IN (SELECT max(p2.id) FROM pages p2 JOIN runs r ON r.id = p2.run_id
		               WHERE r.source = ? AND p2.run_id < ? AND p2.failure = '' GROUP BY p2.url)
		  AND (p.etag != '' OR p.last_modified != '')
		  AND (SELECT b.body_zst IS NOT NULL FROM pages b WHERE b.id = coalesce(p.same_as, p.id))`, source, runID)
	if err != nil {
		return nil, fmt.Errorf("read validators of %s: %w", source, err)
	}
	defer rows.Close()
	out := map[string]market.Validator{}
	for rows.Next() {
		var u string
		var v market.Validator
		if err := rows.Scan(&u, &v.PageID, &v.ETag, &v.LastModified, &v.ContentType); err != nil {
			return nil, err
		}
		out[u] = v
	}
	return out, rows.Err()
}

// StoredBody returns page id's body, decompressed.
func (s *DB) StoredBody(ctx context.Context, pageID int64) ([]byte, error) {
	var z []byte
	if err := s.db.QueryRowContext(ctx, `SELECT body_zst FROM pages WHERE id = ?`, pageID).Scan(&z); err != nil {
		return nil, fmt.Errorf("stored page %d: %w", pageID, err)
	}
	return zdec.DecodeAll(z, nil)
}

// Robots returns the stored robots.txt of origin.
func (s *DB) Robots(ctx context.Context, origin string) (market.RobotsFile, bool, error) {
	f := market.RobotsFile{Origin: origin}
	var at string
	err := s.db.QueryRowContext(ctx, `SELECT status, body, fetched_at FROM robots WHERE origin = ?`, origin).Scan(&f.Status, &f.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("read robots.txt of %s: %w", origin, err)
	}
	if f.FetchedAt, err = time.Parse(timeFmt, at); err != nil {
		return f, false, fmt.Errorf("read robots.txt of %s: fetched_at %q: %w", origin, at, err)
	}
	return f, true, nil
}

// SaveRobots stores a fetched robots.txt, replacing origin's earlier copy.
func (s *DB) SaveRobots(ctx context.Context, f market.RobotsFile) error {
	if f.Body == nil {
		f.Body = []byte{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO robots(origin, status, body, fetched_at) VALUES (?, ?, ?, ?)
		ON CONFLICT(origin) DO UPDATE SET status = excluded.status, body = excluded.body, fetched_at = excluded.fetched_at`,
		f.Origin, f.Status, f.Body, f.FetchedAt.UTC().Format(timeFmt))
	if err != nil {
		return fmt.Errorf("store robots.txt of %s: %w", f.Origin, err)
	}
	return nil
}
