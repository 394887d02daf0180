package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"gmvscope/market"
)

// Snapshot loads snapshot id.
func (s *DB) Snapshot(ctx context.Context, id int64) (*market.Snapshot, error) {
	snap, err := s.snapshotHead(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.EachCreator(ctx, id, func(c *market.Creator) error {
		snap.Creators = append(snap.Creators, *c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.snapshotRest(ctx, snap, false); err != nil {
		return nil, err
	}
	return snap, nil
}

// snapshotHead loads a snapshot's row and its run's.
func (s *DB) snapshotHead(ctx context.Context, id int64) (*market.Snapshot, error) {
	snap := &market.Snapshot{ID: id}
	var info, taken, started, stats string
	var ranges sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT s.run_id, s.status, s.taken_at, s.source_info, r.started_at, r.stats, r.reason, s.ranges FROM snapshots s JOIN runs r ON r.id = s.run_id WHERE s.id = ?`, id).
		Scan(&snap.RunID, &snap.Status, &taken, &info, &started, &stats, &snap.Reason, &ranges)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %d: %w", id, err)
	}
	snap.TakenAt, _ = time.Parse(timeFmt, taken)
	snap.StartedAt, _ = time.Parse(timeFmt, started)
	if err := json.Unmarshal([]byte(info), &snap.Source); err != nil {
		return nil, fmt.Errorf("load snapshot %d: source info: %w", id, err)
	}
	if err := json.Unmarshal([]byte(stats), &snap.Crawl); err != nil {
		return nil, fmt.Errorf("load snapshot %d: run stats: %w", id, err)
	}
	if ranges.Valid {
		if err := json.Unmarshal([]byte(ranges.String), &snap.Ranges); err != nil {
			return nil, fmt.Errorf("load snapshot %d: ranges: %w", id, err)
		}
		if len(snap.Ranges) == 0 {
			snap.Ranges = nil
		}
	} else if snap.Ranges, err = s.RunRanges(ctx, snap.RunID); err != nil {
		return nil, err
	}
	return snap, nil
}

// SnapshotLean loads snapshot id as a report reads it: every creator's
// standing (a handle and numbers; the stream looks up the links a report
// shows) and not the creators themselves, which EachCreator gives one at a
// time; the rest as Snapshot does. A whole market's report then holds
// about 100 bytes per creator.
func (s *DB) SnapshotLean(ctx context.Context, id int64) (*market.Snapshot, error) {
	snap, err := s.SnapshotStandings(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.snapshotRest(ctx, snap, true); err != nil {
		return nil, err
	}
	return snap, nil
}

// SnapshotStandings loads what a comparison with snapshot id reads: its
// row (source, status, date) and its creators' standings without their
// links; no products, sessions, rejects or page counts.
func (s *DB) SnapshotStandings(ctx context.Context, id int64) (*market.Snapshot, error) {
	snap, err := s.snapshotHead(ctx, id)
	if err != nil {
		return nil, err
	}
	if snap.Standings, err = s.standings(ctx, s.db, id); err != nil {
		return nil, err
	}
	return snap, nil
}

// EachCreator calls fn with each creator of snapshot id in handle order
// (fn must not keep the pointer; a copy of the creator may be kept).
// SQLite's reading runs in one goroutine, decoding in two more, batch by
// batch, and fn in the caller's, so that reading, decoding and what fn
// does with each (a CSV row) run side by side.
func (s *DB) EachCreator(ctx context.Context, id int64, fn func(*market.Creator) error) error {
	return s.eachCreator(ctx, id, false, fn)
}

// StreamCreators is EachCreator for an fn that keeps nothing of a
// creator once it returns, not even a copy: the creator's values, texts
// and product list are reused for a creator read after it. A whole
// market's data.csv reads 600,000 creators so without allocating their
// values (1.2 GB less to collect).
func (s *DB) StreamCreators(ctx context.Context, id int64, fn func(*market.Creator) error) error {
	return s.eachCreator(ctx, id, true, fn)
}

// storedCreator is a creator as read, before and after it is decoded.
type storedCreator struct {
	c                     market.Creator
	products, shown, vals string // the values' texts become parts of vals and shown
	// With reuse: where the values and texts are decoded to, made once
	// for each place in a batch.
	scratch *market.Scratch
	showns  map[string][]market.Shown
	texts   []market.Shown
	list    []string
}

func (s *DB) eachCreator(ctx context.Context, id int64, reuse bool, fn func(*market.Creator) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT handle, display_name, coalesce(gmv_usd, 0), category, region, url, products, values_json, shown
		FROM creators WHERE snapshot_id = ? ORDER BY handle`, id)
	if err != nil {
		return fmt.Errorf("load snapshot %d: %w", id, err)
	}
	defer rows.Close()
	type stored = storedCreator
	// A batch is decoded by whichever decoder takes it, and handed to fn
	// in the order it was read.
	type job struct {
		batch []stored
		ok    int   // decoded, from the first
		err   error // why the one after them was not
		done  chan struct{}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work, order := make(chan *job, 4), make(chan *job, 8)
	free := make(chan []stored, 16) // with reuse: batches fn is done with
	var readErr error
	go func() {
		defer close(order)
		defer close(work)
		const n = 256
		fresh := func() []stored {
			select {
			case b := <-free:
				return b[:0]
			default:
				return make([]stored, 0, n)
			}
		}
		batch := fresh()
		send := func() bool {
			j := &job{batch: batch, done: make(chan struct{})}
			batch = fresh()
			for _, ch := range [...]chan *job{work, order} { // decoded before fn waits for it
				select {
				case ch <- j:
				case <-ctx.Done():
					readErr = ctx.Err()
					return false
				}
			}
			return true
		}
		for rows.Next() {
			batch = batch[:len(batch)+1] // a reused batch keeps each creator's scratch
			r := &batch[len(batch)-1]
			if reuse {
				r.c = market.Creator{}
			} else {
				*r = stored{}
			}
			c := &r.c
			if readErr = rows.Scan(&c.Handle, &c.DisplayName, &c.GMVUSD, &c.Category, &c.Region, &c.URL, &r.products, &r.vals, &r.shown); readErr != nil {
				return
			}
			if len(batch) == n && !send() {
				return
			}
		}
		if readErr = rows.Err(); readErr == nil && len(batch) > 0 {
			send()
		}
	}()
	decode := func(r *stored) error {
		c := &r.c
		set := func(name string, v *market.Value) { setValue(c, name, v) }
		var err error
		switch {
		case r.shown == "{}": // none
		case reuse:
			r.texts, err = market.DecodeShownInto(r.shown, &r.showns, r.texts)
			c.Shown = r.showns
		default:
			err = market.DecodeShown(r.shown, &c.Shown)
		}
		if err != nil {
			return fmt.Errorf("load creator %s: shown texts: %w", c.Handle, err)
		}
		if reuse {
			if r.scratch == nil {
				r.scratch = new(market.Scratch)
			}
			err = market.DecodeValuesInto(r.vals, r.scratch, set)
		} else {
			err = market.DecodeValues(r.vals, set)
		}
		if err != nil {
			return fmt.Errorf("load creator %s: %w", c.Handle, err)
		}
		switch {
		case r.products == "": // none
		case reuse:
			r.list = splitInto(r.list[:0], r.products, ",")
			c.Products = r.list
		default:
			c.Products = strings.Split(r.products, ",")
		}
		r.vals, r.shown, r.products = "", "", "" // held by what was decoded from them, if at all
		return nil
	}
	var decoders sync.WaitGroup
	for range 2 {
		decoders.Go(func() {
			for j := range work {
				for i := range j.batch {
					if j.err == nil {
						j.err = ctx.Err() // cancelled: not handed to fn half decoded
					}
					if j.err != nil {
						break
					}
					if j.err = decode(&j.batch[i]); j.err == nil {
						j.ok++
					}
				}
				close(j.done)
			}
		})
	}
	var ferr error
	for j := range order {
		<-j.done
		for i := range j.ok {
			if ferr != nil {
				break
			}
			ferr = fn(&j.batch[i].c)
		}
		if reuse {
			select {
			case free <- j.batch:
			default:
			}
		}
		if ferr == nil && j.err != nil {
			ferr = j.err
		}
		if ferr != nil {
			cancel() // the reader stops; the batches it sent are drained
		}
	}
	decoders.Wait()
	if ferr != nil {
		return ferr
	}
	if readErr != nil {
		return fmt.Errorf("load snapshot %d: %w", id, readErr)
	}
	return nil
}

// splitInto appends s's parts between sep to out, as strings.Split
// returns them.
func splitInto(out []string, s, sep string) []string {
	for {
		i := strings.Index(s, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+len(sep):]
	}
}

// setValue sets the creator's value called name (values_json's names).
func setValue(c *market.Creator, name string, v *market.Value) {
	switch name {
	case "followers":
		c.Followers = v
	case "gmv":
		c.GMV = v
	case "units":
		c.Units = v
	case "views":
		c.Views = v
	case "rank":
		c.Rank = v
	case "gmv_live":
		c.GMVLive = v
	case "gmv_video":
		c.GMVVideo = v
	case "gmv_showcase":
		c.GMVShowcase = v
	}
}

// snapshotRest loads what a snapshot holds besides its creators; lean,
// its products and live sessions are left to snap.Stream.
func (s *DB) snapshotRest(ctx context.Context, snap *market.Snapshot, lean bool) error {
	id := snap.ID
	var err error
	if lean {
		snap.Stream = &snapshotStream{s, ctx, id}
		if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM products WHERE snapshot_id = ?1), (SELECT count(*) FROM lives WHERE snapshot_id = ?1)`, id).
			Scan(&snap.NProducts, &snap.NLives); err != nil {
			return fmt.Errorf("load snapshot %d: %w", id, err)
		}
	} else {
		if err := s.eachProduct(ctx, id, func(p *market.Product) error { snap.Products = append(snap.Products, *p); return nil }); err != nil {
			return err
		}
		if err := s.eachLive(ctx, id, func(l *market.Live) error { snap.Lives = append(snap.Lives, *l); return nil }); err != nil {
			return err
		}
	}
	if snap.Repeats, err = s.repeats(ctx, id); err != nil {
		return err
	}
	if snap.Rejects, err = s.RunRejects(ctx, snap.RunID); err != nil {
		return err
	}
	var pages sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT pages FROM snapshots WHERE id = ?`, id).Scan(&pages); err != nil {
		return fmt.Errorf("load snapshot %d: %w", id, err)
	}
	if pages.Valid {
		var ps pageCounts
		if err := json.Unmarshal([]byte(pages.String), &ps); err != nil {
			return fmt.Errorf("load snapshot %d: pages: %w", id, err)
		}
		snap.Pages, snap.FirstFetch, snap.LastFetch = ps.Stats, ps.First, ps.Last
		return nil
	}
	if snap.Pages, snap.FirstFetch, snap.LastFetch, err = s.RunPages(ctx, snap.RunID); err != nil {
		return err
	}
	return nil
}

// pageCounts is snapshots.pages.
type pageCounts struct {
	Stats       []market.PageStat `json:"stats"`
	First, Last time.Time
}

// RunRanges counts the values a run's pages published as ranges, by page
// kind and field.
func (s *DB) RunRanges(ctx context.Context, runID int64) ([]market.RangeStat, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT p.kind, f.key, count(*) FROM records r JOIN pages p ON p.id = r.page_id, json_each(r.fields) f
		WHERE p.run_id = ? AND json_extract(f.value, '$.estimate') = 1 GROUP BY 1, 2 ORDER BY 1, 2`, runID)
	if err != nil {
		return nil, fmt.Errorf("count ranges of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []market.RangeStat
	for rows.Next() {
		var r market.RangeStat
		if err := rows.Scan(&r.Kind, &r.Field, &r.Values); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// snapshotStream reads a lean snapshot's products and live sessions. It
// holds the context of the load that made it: the analysis reads through
// it as pure code, with no context of its own to pass.
type snapshotStream struct {
	db  *DB
	ctx context.Context
	id  int64
}

var _ market.Stream = (*snapshotStream)(nil)

func (t *snapshotStream) EachProduct(fn func(*market.Product) error) error {
	return t.db.eachProduct(t.ctx, t.id, fn)
}

func (t *snapshotStream) EachLive(fn func(*market.Live) error) error {
	return t.db.eachLive(t.ctx, t.id, fn)
}

// URLOf reads one creator's link (the key's index): a report's tables
// link a few dozen creators, and a whole market's links are 30 MB.
func (t *snapshotStream) URLOf(handle string) string {
	var u string
	t.db.db.QueryRowContext(t.ctx, `SELECT url FROM creators WHERE snapshot_id = ? AND handle = ?`, t.id, handle).Scan(&u)
	return u
}

// eachProduct calls fn with each product of snapshot id, in id order.
func (s *DB) eachProduct(ctx context.Context, id int64, fn func(*market.Product) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, shop, url, creators, values_json FROM products WHERE snapshot_id = ? ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("load products of snapshot %d: %w", id, err)
	}
	defer rows.Close()
	var creators, vals string // the values' texts are parts of vals, read as the driver gives it
	for rows.Next() {
		var p market.Product
		if err := rows.Scan(&p.ID, &p.Title, &p.Shop, &p.URL, &creators, &vals); err != nil {
			return err
		}
		err := market.DecodeValues(vals, func(name string, v *market.Value) {
			switch name {
			case "gmv":
				p.GMV = v
			case "price":
				p.Price = v
			case "units":
				p.Units = v
			}
		})
		if err != nil {
			return fmt.Errorf("load product %s: %w", p.ID, err)
		}
		if creators != "" {
			p.Creators = strings.Split(creators, ",")
		}
		if err := fn(&p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// eachLive calls fn with each live session of snapshot id, in id order.
func (s *DB) eachLive(ctx context.Context, id int64, fn func(*market.Live) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, creator, start, title, url, products, coalesce(gmv_usd, 0), values_json FROM lives WHERE snapshot_id = ? ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("load live sessions of snapshot %d: %w", id, err)
	}
	defer rows.Close()
	var products, vals string // the values' texts are parts of vals, read as the driver gives it
	for rows.Next() {
		var l market.Live
		if err := rows.Scan(&l.ID, &l.Creator, &l.Start, &l.Title, &l.URL, &products, &l.GMVUSD, &vals); err != nil {
			return err
		}
		err := market.DecodeValues(vals, func(name string, v *market.Value) {
			switch name {
			case "duration":
				l.Duration = v
			case "gmv":
				l.GMV = v
			case "peak_viewers":
				l.PeakViewers = v
			case "units":
				l.Units = v
			case "viewers":
				l.Viewers = v
			}
		})
		if err != nil {
			return fmt.Errorf("load live session %s: %w", l.ID, err)
		}
		if products != "" {
			l.Products = strings.Split(products, ",")
		}
		if err := fn(&l); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *DB) repeats(ctx context.Context, id int64) ([]market.Repeat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT entity, key, kind, url, coalesce(line, 0), first_url, coalesce(first_line, 0), identical, diffs FROM repeats WHERE snapshot_id = ? ORDER BY rowid`, id)
	if err != nil {
		return nil, fmt.Errorf("load repeats of snapshot %d: %w", id, err)
	}
	defer rows.Close()
	var out []market.Repeat
	for rows.Next() {
		var r market.Repeat
		var diffs string
		if err := rows.Scan(&r.Entity, &r.Key, &r.Kind, &r.URL, &r.Line, &r.FirstURL, &r.FirstLine, &r.Identical, &diffs); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(diffs), &r.Diffs); err != nil {
			return nil, fmt.Errorf("load repeat of %s: %w", r.Key, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ImportedAs returns the snapshot (ok or partial) an earlier import of a
// file with this content hash made for source, or 0.
func (s *DB) ImportedAs(ctx context.Context, source, sha string) (int64, time.Time, error) {
	var id int64
	var taken string
	err := s.db.QueryRowContext(ctx, `SELECT s.id, s.taken_at FROM pages p JOIN snapshots s ON s.run_id = p.run_id
		WHERE p.sha256 = ? AND s.source = ? ORDER BY s.id DESC LIMIT 1`, sha, source).Scan(&id, &taken)
	if err == sql.ErrNoRows {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("look for an earlier import: %w", err)
	}
	t, _ := time.Parse(timeFmt, taken)
	return id, t, nil
}

// shownJSON is a creator's shown texts as the shown column holds them,
// written after b (reused).
func shownJSON(b []byte, sh map[string][]market.Shown) ([]byte, string) {
	if len(sh) == 0 {
		return b, "{}"
	}
	b = market.AppendShownJSON(b[:0], sh)
	return b, string(b)
}
