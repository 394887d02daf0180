package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gmvscope/market"
)

// MoversTop is how many of each list of movers a snapshot keeps.
const MoversTop = 100

// querier is what reads need of a connection: the store's pool, or a
// transaction that sees its own writes.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// moversInfo is snapshots.movers.
type moversInfo struct {
	Counts   market.MoverCounts
	Together market.Correlation
}

// previous is Previous on q.
func previous(ctx context.Context, q querier, id int64) (int64, bool, error) {
	var prev int64
	err := q.QueryRowContext(ctx, `SELECT p.id FROM snapshots c JOIN snapshots p ON p.source = c.source AND p.id <> c.id
		AND (substr(p.taken_at, 1, 19) < substr(c.taken_at, 1, 19) OR (substr(p.taken_at, 1, 19) = substr(c.taken_at, 1, 19) AND p.id < c.id))
		WHERE c.id = ? ORDER BY substr(p.taken_at, 1, 19) DESC, p.id DESC LIMIT 1`, id).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("previous snapshot of %d: %w", id, err)
	}
	return prev, true, nil
}

// next returns the snapshot of the same source just after id by date.
func next(ctx context.Context, q querier, id int64) (int64, bool, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT n.id FROM snapshots c JOIN snapshots n ON n.source = c.source AND n.id <> c.id
		AND (substr(n.taken_at, 1, 19) > substr(c.taken_at, 1, 19) OR (substr(n.taken_at, 1, 19) = substr(c.taken_at, 1, 19) AND n.id > c.id))
		WHERE c.id = ? ORDER BY substr(n.taken_at, 1, 19), n.id LIMIT 1`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("next snapshot of %d: %w", id, err)
	}
	return n, true, nil
}

// writeMoversAround stores the movers of a snapshot just written and,
// when it was written after a later one (an export imported late), that
// later one's again: they are now against it.
func (s *DB) writeMoversAround(ctx context.Context, tx *sql.Tx, id int64) error {
	if err := s.writeMovers(ctx, tx, id); err != nil {
		return err
	}
	n, ok, err := next(ctx, tx, id)
	if err != nil || !ok {
		return err
	}
	return s.writeMovers(ctx, tx, n)
}

// standings reads snapshot id's standings in handle order: each creator's
// packed numbers (standing_chunks; the standings table for a snapshot
// written by version 10, creators.standing by version 9), or, for a snapshot stored before they were kept,
// its creators' values decoded. Their URLs are empty: a comparison reads
// none, and a report's tables look up the few they show (a whole market's
// links are 30 MB).
func (s *DB) standings(ctx context.Context, q querier, id int64) ([]market.Standing, error) {
	var n sql.NullInt64 // sized once: a whole market's standings are 60 MB
	if err := q.QueryRowContext(ctx, `SELECT n_creators FROM snapshots WHERE id = ?`, id).Scan(&n); err != nil {
		return nil, fmt.Errorf("load snapshot %d: %w", id, err)
	}
	out := make([]market.Standing, 0, n.Int64)
	read := func(query string, scan func(*sql.Rows, *market.Standing) error) error {
		rows, err := q.QueryContext(ctx, query, id)
		if err != nil {
			return fmt.Errorf("load snapshot %d: %w", id, err)
		}
		defer rows.Close()
		for rows.Next() {
			var st market.Standing
			if err := scan(rows, &st); err != nil {
				return err
			}
			out = append(out, st)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load snapshot %d: %w", id, err)
		}
		return rows.Close()
	}
	var packed, vals sql.RawBytes
	rows, err := q.QueryContext(ctx, `SELECT packed FROM standing_chunks WHERE snapshot_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return nil, fmt.Errorf("load snapshot %d: %w", id, err)
		}
		if err := market.EachInChunk(packed, func(st *market.Standing) { out = append(out, *st) }); err != nil {
			return nil, fmt.Errorf("load snapshot %d: %w", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load snapshot %d: %w", id, err)
	}
	if len(out) > 0 {
		byHandle := func(a, b market.Standing) int { return strings.Compare(a.Handle, b.Handle) }
		if !slices.IsSortedFunc(out, byHandle) { // written in merge order, which is the handles'
			slices.SortFunc(out, byHandle)
		}
		return out, rows.Close()
	}
	// None in chunks: a snapshot from before version 11.
	err = read(`SELECT handle, packed FROM standings WHERE snapshot_id = ? ORDER BY handle`, func(rows *sql.Rows, st *market.Standing) error {
		if err := rows.Scan(&st.Handle, &packed); err != nil {
			return fmt.Errorf("load snapshot %d: %w", id, err)
		}
		if err := st.UnpackNumbers(packed); err != nil {
			return fmt.Errorf("load creator %s: %w", st.Handle, err)
		}
		return nil
	})
	if err != nil || len(out) > 0 {
		return out, err
	}
	// None in the table: a snapshot from before version 10 (or one
	// without creators).
	var scratch market.Scratch
	err = read(`SELECT handle, standing, CASE WHEN standing IS NULL THEN values_json END, coalesce(gmv_usd, 0)
		FROM creators WHERE snapshot_id = ? ORDER BY handle`, func(rows *sql.Rows, st *market.Standing) error {
		c := market.Creator{}
		if err := rows.Scan(&c.Handle, &packed, &vals, &c.GMVUSD); err != nil {
			return fmt.Errorf("load snapshot %d: %w", id, err)
		}
		if packed != nil {
			st.Handle = c.Handle
			if err := st.UnpackNumbers(packed); err != nil {
				return fmt.Errorf("load creator %s: %w", c.Handle, err)
			}
			return nil
		}
		if err := market.DecodeValuesLean(string(vals), &scratch, func(name string, v *market.Value) { setValue(&c, name, v) }); err != nil {
			return fmt.Errorf("load creator %s: %w", c.Handle, err)
		}
		*st = market.StandingOf(&c)
		return nil
	})
	return out, err
}

// writeMovers computes snapshot id's movers against the snapshot before
// it by date, from both one's standings, and stores them in place of any
// before. Without a snapshot before, it stores none.
func (s *DB) writeMovers(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM movers WHERE snapshot_id = ?`, id); err != nil {
		return fmt.Errorf("movers of %d: %w", id, err)
	}
	prev, ok, err := previous(ctx, tx, id)
	if err != nil {
		return err
	}
	if !ok {
		_, err := tx.ExecContext(ctx, `UPDATE snapshots SET movers_vs = NULL, movers = NULL WHERE id = ?`, id)
		return err
	}
	a, err := s.standings(ctx, tx, prev)
	if err != nil {
		return err
	}
	cur, err := s.standings(ctx, tx, id)
	if err != nil {
		return err
	}
	ch := market.Compare(&market.Snapshot{Standings: a}, &market.Snapshot{Standings: cur}, market.Summary{}, MoversTop)
	rows := s.rowsOf(insertMovers)
	for _, l := range moverLists(&ch) {
		for i, c := range l.rows[:min(MoversTop, len(l.rows))] {
			rows.add(id, l.name, i+1, c.Handle, c.Status, nullFloat(c.FollowersPrev, c.HasFollowersPrev), nullFloat(c.FollowersNow, c.HasFollowersNow),
				nullFloat(c.GMVPrev, c.HasGMVPrev), nullFloat(c.GMVNow, c.HasGMVNow), c.RankPrev, c.RankNow)
		}
	}
	if err := rows.exec(ctx, tx); err != nil {
		return fmt.Errorf("movers of %d: %w", id, err)
	}
	info, err := json.Marshal(moversInfo{ch.Counts, ch.Together})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET movers_vs = ?, movers = ? WHERE id = ?`, prev, string(info), id); err != nil {
		return fmt.Errorf("movers of %d: %w", id, err)
	}
	return nil
}

type moverList struct {
	name string
	rows []market.Change
}

func moverLists(ch *market.Changes) []moverList {
	return []moverList{{"up", ch.Up}, {"down", ch.Down}, {"entered", ch.Entered}, {"dropped", ch.Dropped}, {"breakouts", ch.Breakouts}}
}

func nullFloat(v float64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// RefreshMovers computes and stores snapshot id's movers again, against
// the snapshot before it now (for a snapshot written without them).
func (s *DB) RefreshMovers(ctx context.Context, id int64) error {
	if err := s.prepare(ctx, []insert{insertMovers}); err != nil {
		return fmt.Errorf("movers of %d: %w", id, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.writeMovers(ctx, tx, id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("movers of %d: %w", id, err)
	}
	return nil
}

// Movers returns snapshot id's week-over-week movers: against the
// snapshot before it by date, the first top (at most MoversTop) of each
// list, the counts and the correlation of follower and GMV change; ok is
// false when there is no snapshot before. They are read as stored when
// the snapshot was written (or again when an older one was written after
// it); when they were never computed (a store from before they were
// kept) or are against another snapshot, they are computed now and
// stored. Rows, notes
// and caveats are not kept: market.Compare gives those.
func (s *DB) Movers(ctx context.Context, id int64, top int) (market.Changes, bool, error) {
	var ch market.Changes
	prev, ok, err := s.Previous(ctx, id)
	if err != nil || !ok {
		return ch, false, err
	}
	var vs sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT movers_vs FROM snapshots WHERE id = ?`, id).Scan(&vs); err != nil {
		return ch, false, fmt.Errorf("movers of %d: %w", id, err)
	}
	if !vs.Valid || vs.Int64 != prev {
		if err := s.RefreshMovers(ctx, id); err != nil {
			return ch, false, err
		}
	}
	var info string
	if err := s.db.QueryRowContext(ctx, `SELECT movers FROM snapshots WHERE id = ?`, id).Scan(&info); err != nil {
		return ch, false, fmt.Errorf("movers of %d: %w", id, err)
	}
	var mi moversInfo
	if err := json.Unmarshal([]byte(info), &mi); err != nil {
		return ch, false, fmt.Errorf("movers of %d: %w", id, err)
	}
	ch.Counts, ch.Together, ch.Prev.ID = mi.Counts, mi.Together, prev
	rows, err := s.db.QueryContext(ctx, `SELECT list, handle, status, followers_prev, followers_now, gmv_prev_usd, gmv_now_usd, rank_prev, rank_now
		FROM movers WHERE snapshot_id = ? AND pos <= ? ORDER BY list, pos`, id, top)
	if err != nil {
		return ch, false, fmt.Errorf("movers of %d: %w", id, err)
	}
	defer rows.Close()
	lists := map[string]*[]market.Change{"up": &ch.Up, "down": &ch.Down, "entered": &ch.Entered, "dropped": &ch.Dropped, "breakouts": &ch.Breakouts}
	for rows.Next() {
		var list string
		var c market.Change
		var fp, fn, gp, gn sql.NullFloat64
		if err := rows.Scan(&list, &c.Handle, &c.Status, &fp, &fn, &gp, &gn, &c.RankPrev, &c.RankNow); err != nil {
			return ch, false, fmt.Errorf("movers of %d: %w", id, err)
		}
		c.FollowersPrev, c.HasFollowersPrev = fp.Float64, fp.Valid
		c.FollowersNow, c.HasFollowersNow = fn.Float64, fn.Valid
		c.GMVPrev, c.HasGMVPrev = gp.Float64, gp.Valid
		c.GMVNow, c.HasGMVNow = gn.Float64, gn.Valid
		if l, ok := lists[list]; ok {
			*l = append(*l, c)
		}
	}
	return ch, true, rows.Err()
}
