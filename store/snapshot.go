package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"gmvscope/market"
)

// appendValuesJSON appends the values that are present, with their raw
// text, as a JSON object (the creators and products tables' values_json),
// in the key order market.AppendFieldsJSON uses: names must be sorted.
func appendValuesJSON(b []byte, names []string, vals ...*market.Value) []byte {
	b = append(b, '{')
	first := true
	for i, v := range vals {
		if v == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, names[i]...)
		b = append(b, '"', ':')
		b = v.AppendJSON(b)
	}
	return append(b, '}')
}

// The values_json fields, sorted.
var (
	creatorValueNames = []string{"followers", "gmv", "gmv_live", "gmv_showcase", "gmv_video", "rank", "units", "views"}
	productValueNames = []string{"gmv", "price", "units"}
	liveValueNames    = []string{"duration", "gmv", "peak_viewers", "units", "viewers"}
)

func numCol(v *market.Value) any {
	if v == nil {
		return nil
	}
	if v.Estimate {
		return int64(v.Mid())
	}
	return v.Num
}

func (s *DB) writeSnapshot(ctx context.Context, tx *sql.Tx, runID int64, status market.RunStatus, now time.Time, snap *market.Draft) (int64, error) {
	info, err := json.Marshal(snap.Source)
	if err != nil {
		return 0, err
	}
	if !snap.TakenAt.IsZero() {
		now = snap.TakenAt // an export's own date
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO snapshots(run_id, source, status, taken_at, source_info) VALUES (?,?,?,?,?)`,
		runID, snap.Source.Name, status, now.UTC().Format(timeFmt), string(info))
	if err != nil {
		return 0, fmt.Errorf("write snapshot: %w", err)
	}
	id, _ := res.LastInsertId()
	w := s.newSnapshotWriter(id, snap.Source.RateUSD)
	as := snap.Merged
	if as == nil {
		// The run's records, merged here one key at a time.
		if as, err = s.mergeRecords(ctx, tx, runID, w); err != nil {
			return 0, err
		}
	} else {
		write := func(b rowBatch) error { return b.set.execArgs(ctx, tx, b.args) }
		if err := w.put(as, write); err != nil {
			return 0, err
		}
		if err := w.flush(write); err != nil {
			return 0, err
		}
	}
	if err := s.writeMoversAround(ctx, tx, id, w.standings); err != nil {
		return 0, err
	}
	w.standings = nil
	ranges, err := json.Marshal(as.Ranges())
	if err != nil {
		return 0, err
	}
	// The run's pages, counted once here (its pages are all committed).
	var pc pageCounts
	if pc.Stats, pc.First, pc.Last, err = s.runPages(ctx, tx, runID); err != nil {
		return 0, err
	}
	pages, err := json.Marshal(pc)
	if err != nil {
		return 0, err
	}
	// The totals the history shows, as the history would count them.
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET ranges = ?, pages = ?, (n_creators, total_gmv_usd, n_with_gmv, n_with_followers) =
		(SELECT count(*), coalesce(sum(gmv_usd), 0), count(gmv_usd), count(followers) FROM creators WHERE snapshot_id = ?) WHERE id = ?`, string(ranges), string(pages), id, id); err != nil {
		return 0, fmt.Errorf("count snapshot %d: %w", id, err)
	}
	repeats := s.newRows(`INSERT INTO repeats(snapshot_id, entity, key, kind, url, line, first_url, first_line, identical, diffs) VALUES `, 10, "")
	for _, r := range as.Repeats() {
		diffs, err := json.Marshal(r.Diffs)
		if err != nil {
			return 0, err
		}
		if r.Diffs == nil {
			diffs = []byte("[]")
		}
		if err := repeats.addNow(ctx, tx, id, r.Entity, r.Key, r.Kind, r.URL, nullInt(int64(r.Line)), r.FirstURL, nullInt(int64(r.FirstLine)), r.Identical, string(diffs)); err != nil {
			return 0, fmt.Errorf("write repeats: %w", err)
		}
	}
	if err := repeats.exec(ctx, tx); err != nil {
		return 0, fmt.Errorf("write repeats: %w", err)
	}
	return id, nil
}

// snapshotWriter writes a snapshot's creators, products and live
// sessions in batches.
type snapshotWriter struct {
	id                        int64
	rate                      float64
	creators, products, lives *rowSet
	buf                       []byte
	standings                 []market.Standing // of the creators written, for the movers
}

func (s *DB) newSnapshotWriter(id int64, rate float64) *snapshotWriter {
	return &snapshotWriter{id: id, rate: rate,
		creators: s.newRows(`INSERT INTO creators(snapshot_id, handle, display_name, followers, gmv, gmv_low, gmv_high, gmv_estimate, currency, period, gmv_usd, units, views, category, region, url, products, values_json, rank, gmv_live, gmv_video, gmv_showcase, shown) VALUES `, 23, ""),
		products: s.newRows(`INSERT INTO products(snapshot_id, id, title, shop, price_low, price_high, currency, units, url, creators, values_json, gmv) VALUES `, 12, ""),
		lives:    s.newRows(`INSERT INTO lives(snapshot_id, id, creator, start, title, url, products, duration_s, viewers, peak_viewers, gmv, currency, gmv_usd, units, values_json) VALUES `, 15, ""),
	}
}

// rowBatch is rows of one table to insert.
type rowBatch struct {
	set  *rowSet
	args []any
}

// put adds what as holds, and hands each table's rows to write once there
// are enough for a statement.
func (w *snapshotWriter) put(as *market.Assembler, write func(rowBatch) error) error {
	id := w.id
	for c := range as.Creators(w.rate) {
		st := market.StandingOf(&c)
		st.URL = "" // not needed: the page's URL need not stay alive
		w.standings = append(w.standings, st)
		w.buf = appendValuesJSON(w.buf[:0], creatorValueNames, c.Followers, c.GMV, c.GMVLive, c.GMVShowcase, c.GMVVideo, c.Rank, c.Units, c.Views)
		vals := string(w.buf)
		var gmv, low, high, usd any
		var est bool
		cur, period := "", ""
		if c.GMV != nil {
			gmv, usd, est, cur, period = numCol(c.GMV), c.GMVUSD, c.GMV.Estimate, c.GMV.Currency, c.GMV.Period
			if est {
				low, high = c.GMV.Low, c.GMV.High
			}
		}
		w.creators.add(id, c.Handle, c.DisplayName, numCol(c.Followers), gmv, low, high, est, cur, period, usd,
			numCol(c.Units), numCol(c.Views), c.Category, c.Region, c.URL, strings.Join(c.Products, ","), vals,
			numCol(c.Rank), numCol(c.GMVLive), numCol(c.GMVVideo), numCol(c.GMVShowcase), shownJSON(c.Shown))
	}
	for p := range as.Products() {
		w.buf = appendValuesJSON(w.buf[:0], productValueNames, p.GMV, p.Price, p.Units)
		vals := string(w.buf)
		var lo, hi any
		cur := ""
		if p.Price != nil {
			lo, hi, cur = p.Price.Num, p.Price.Num, p.Price.Currency
			if p.Price.Estimate {
				lo, hi = p.Price.Low, p.Price.High
			}
		}
		w.products.add(id, p.ID, p.Title, p.Shop, lo, hi, cur, numCol(p.Units), p.URL, strings.Join(p.Creators, ","), vals, numCol(p.GMV))
	}
	for l := range as.Lives(w.rate) {
		w.buf = appendValuesJSON(w.buf[:0], liveValueNames, l.Duration, l.GMV, l.PeakViewers, l.Units, l.Viewers)
		var cur string
		var usd any
		if l.GMV != nil {
			cur, usd = l.GMV.Currency, l.GMVUSD
		}
		w.lives.add(id, l.ID, l.Creator, l.Start, l.Title, l.URL, strings.Join(l.Products, ","), numCol(l.Duration),
			numCol(l.Viewers), numCol(l.PeakViewers), numCol(l.GMV), cur, usd, numCol(l.Units), string(w.buf))
	}
	for _, set := range [...]*rowSet{w.creators, w.products, w.lives} {
		if len(set.args) >= chunkSizes[0]*set.cols {
			if err := write(set.take()); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush hands write the rows still in a batch.
func (w *snapshotWriter) flush(write func(rowBatch) error) error {
	for _, set := range [...]*rowSet{w.creators, w.products, w.lives} {
		if len(set.args) > 0 {
			if err := write(set.take()); err != nil {
				return err
			}
		}
	}
	return nil
}

// Mergeable reports whether a run stored a record a snapshot merges: a
// creator or a product.
func (s *DB) Mergeable(ctx context.Context, runID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM records r JOIN pages p ON p.id = r.page_id
		WHERE p.run_id = ? AND r.entity IN ('creator', 'product'))`, runID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("records of run %d: %w", runID, err)
	}
	return ok, nil
}

// mergeRecords merges a run's stored records into w's snapshot one key at
// a time: the store reads them sorted by entity and key (each key's in
// storage order, so that the first of equal precedence still wins), an
// assembler merges one key's records, and its entry is written before the
// next key's are read. The sort spills to a temporary file past the
// store's cache, so a whole market's run is merged in memory that does not
// grow with it. Reading and writing are SQLite's work, on the one
// connection; decoding and merging run beside them, on another core. The
// assembler returned holds what spans every key: ranges and repeats.
func (s *DB) mergeRecords(ctx context.Context, tx *sql.Tx, runID int64, w *snapshotWriter) (*market.Assembler, error) {
	// A sort of every record must not be held in memory (the store's
	// temp_store is memory, for its small sorts): spill it to a file.
	if _, err := tx.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return nil, err
	}
	defer tx.ExecContext(ctx, `PRAGMA temp_store = MEMORY`)
	rows, err := tx.QueryContext(ctx, `
		SELECT r.id, r.entity, r.key, r.precedence, r.fields, coalesce(r.line, 0), p.url, p.kind
		FROM records r JOIN pages p ON p.id = r.page_id WHERE p.run_id = ? ORDER BY r.entity, r.key, r.id`, runID)
	if err != nil {
		return nil, fmt.Errorf("merge records of run %d: %w", runID, err)
	}
	defer rows.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	recs := make(chan []storedRecord, 8)
	out := make(chan rowBatch, 8)
	g.Go(func() error { // the sorted records, in batches
		defer close(recs)
		const n = 512
		batch := make([]storedRecord, 0, n)
		var fields sql.RawBytes
		var url, kind string
		for rows.Next() {
			var r storedRecord
			if err := rows.Scan(&r.id, &r.entity, &r.key, &r.precedence, &fields, &r.line, &url, &kind); err != nil {
				return fmt.Errorf("merge records of run %d: %w", runID, err)
			}
			if len(batch) > 0 && batch[len(batch)-1].url == url {
				url = batch[len(batch)-1].url // one string for a page's records
			}
			r.fields, r.url, r.kind = bytes.Clone(fields), url, kind
			if batch = append(batch, r); len(batch) == n {
				select {
				case recs <- batch:
				case <-gctx.Done():
					return gctx.Err()
				}
				batch = make([]storedRecord, 0, n)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("merge records of run %d: %w", runID, err)
		}
		select {
		case recs <- batch:
		case <-gctx.Done():
			return gctx.Err()
		}
		return nil
	})
	as := &market.Assembler{}
	var repeatAt []int64 // each repeat's record, to list them in the order they came
	g.Go(func() error {  // merged, one key at a time
		defer close(out)
		send := func(b rowBatch) error {
			select {
			case out <- b:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		r := market.Record{Fields: map[string]market.Value{}}
		var lastE, lastK string
		n := 0
		for batch := range recs {
			for _, x := range batch {
				if n > 0 && (x.entity != lastE || x.key != lastK) {
					if err := w.put(as, send); err != nil {
						return err
					}
					as.Reset()
				}
				n++
				lastE, lastK = x.entity, x.key
				clear(r.Fields)
				r.Entity, r.Key, r.Precedence, r.Line = market.Entity(x.entity), x.key, x.precedence, x.line
				if err := market.DecodeValues(x.fields, func(name string, v *market.Value) { r.Fields[name] = *v }); err != nil {
					return fmt.Errorf("read record %s of run %d: %w", x.key, runID, err)
				}
				as.AddFrom(r, x.url, x.kind)
				for len(repeatAt) < len(as.Repeats()) {
					repeatAt = append(repeatAt, x.id) // the record that repeated
				}
			}
		}
		if n > 0 {
			if err := w.put(as, send); err != nil {
				return err
			}
		}
		return w.flush(send)
	})
	var werr error
	for b := range out { // written, on the transaction's connection
		if werr == nil {
			if werr = b.set.execArgs(ctx, tx, b.args); werr != nil {
				werr = fmt.Errorf("write snapshot: %w", werr)
				cancel()
			}
		}
	}
	if err := g.Wait(); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		return nil, werr
	}
	as.SortRepeats(repeatAt)
	return as, rows.Close()
}

// storedRecord is a record as the store holds it, before it is decoded.
type storedRecord struct {
	id                     int64
	entity, key, url, kind string
	precedence, line       int
	fields                 []byte
}

// EachRecord calls fn with each of a run's records in storage order and the
// URL and kind of the page it came from, without holding them all in memory.
func (s *DB) EachRecord(ctx context.Context, runID int64, fn func(r market.Record, url, kind string) error) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT r.entity, r.key, r.precedence, r.fields, coalesce(r.line, 0), p.url, p.kind
		FROM records r JOIN pages p ON p.id = r.page_id WHERE p.run_id = ? ORDER BY r.id`, runID)
	if err != nil {
		return fmt.Errorf("read records of run %d: %w", runID, err)
	}
	defer rows.Close()
	var fields []byte
	for rows.Next() {
		var r market.Record
		var url, kind string
		if err := rows.Scan(&r.Entity, &r.Key, &r.Precedence, &fields, &r.Line, &url, &kind); err != nil {
			return fmt.Errorf("read records of run %d: %w", runID, err)
		}
		if err := json.Unmarshal(fields, &r.Fields); err != nil {
			return fmt.Errorf("read record %s of run %d: %w", r.Key, runID, err)
		}
		if err := fn(r, url, kind); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RunRecords returns all of a run's records and their page URLs.
func (s *DB) RunRecords(ctx context.Context, runID int64) ([]market.Record, []string, error) {
	var recs []market.Record
	var urls []string
	err := s.EachRecord(ctx, runID, func(r market.Record, u, _ string) error {
		recs, urls = append(recs, r), append(urls, u)
		return nil
	})
	return recs, urls, err
}

// RunRejects returns a run's rejects in storage order.
func (s *DB) RunRejects(ctx context.Context, runID int64) ([]market.Reject, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, entity, key, field, raw, reason FROM rejects WHERE run_id = ? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("read rejects of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []market.Reject
	for rows.Next() {
		var r market.Reject
		if err := rows.Scan(&r.URL, &r.Entity, &r.Key, &r.Field, &r.Raw, &r.Reason); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RunPages counts a run's pages by kind and final outcome: a page that
// failed and then succeeded on a retry counts once, as ok.
func (s *DB) RunPages(ctx context.Context, runID int64) ([]market.PageStat, time.Time, time.Time, error) {
	return s.runPages(ctx, s.db, runID)
}

func (s *DB) runPages(ctx context.Context, q querier, runID int64) ([]market.PageStat, time.Time, time.Time, error) {
	var first, last time.Time
	// Each URL's last page. A URL fetched more than once was retried, and
	// every attempt after its first has attempts > 1: only those few URLs
	// are grouped, where grouping every URL of a whole-market run (a
	// million pages) took seconds and a sort of them all in memory.
	rows, err := q.QueryContext(ctx, pagesByOutcome, runID)
	if err != nil {
		return nil, first, last, fmt.Errorf("count pages of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []market.PageStat
	for rows.Next() {
		var p market.PageStat
		var lo, hi string
		if err := rows.Scan(&p.Kind, &p.Outcome, &p.Pages, &p.Bytes, &lo, &hi); err != nil {
			return nil, first, last, err
		}
		if t, err := time.Parse(timeFmt, lo); err == nil && (first.IsZero() || t.Before(first)) {
			first = t
		}
		if t, err := time.Parse(timeFmt, hi); err == nil && t.After(last) {
			last = t
		}
		out = append(out, p)
	}
	return out, first, last, rows.Err()
}

// pagesByOutcome counts a run's pages (each URL's last) by kind and
// outcome, with their bytes and the first and last fetch.
const pagesByOutcome = `
	WITH retried AS (SELECT DISTINCT url FROM pages WHERE run_id = ?1 AND attempts > 1)
	SELECT kind, CASE failure WHEN '' THEN 'ok' ELSE failure END, count(*), sum(bytes), min(fetched_at), max(fetched_at)
	FROM pages WHERE run_id = ?1 AND (url NOT IN retried OR id IN (SELECT max(id) FROM pages WHERE run_id = ?1 AND url IN retried GROUP BY url))
	GROUP BY 1, 2 ORDER BY 1, 2`

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
// standing (a handle, a link and numbers) and not the creators themselves,
// which EachCreator gives one at a time; the rest as Snapshot does. A
// whole market's report then holds about 100 bytes per creator.
func (s *DB) SnapshotLean(ctx context.Context, id int64) (*market.Snapshot, error) {
	snap, err := s.snapshotHead(ctx, id)
	if err != nil {
		return nil, err
	}
	if snap.Standings, err = s.standings(ctx, s.db, id); err != nil {
		return nil, err
	}
	if err := s.snapshotRest(ctx, snap, true); err != nil {
		return nil, err
	}
	return snap, nil
}

// EachCreator calls fn with each creator of snapshot id in handle order,
// read and decoded one at a time (fn must not keep the pointer).
func (s *DB) EachCreator(ctx context.Context, id int64, fn func(*market.Creator) error) error {
	return s.eachCreator(ctx, s.db, id, false, fn)
}

// eachCreator reads snapshot id's creators; lean reads only what a
// Standing holds, and the values fn sees are reused for the next creator
// (their raw texts not read). SQLite's reading runs in one goroutine and decoding in
// the caller's, side by side on two cores.
func (s *DB) eachCreator(ctx context.Context, q querier, id int64, lean bool, fn func(*market.Creator) error) error {
	cols := `handle, display_name, coalesce(gmv_usd, 0), category, region, url, products, values_json, shown`
	if lean {
		cols = `handle, '', coalesce(gmv_usd, 0), '', '', url, '', values_json, '{}'`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM creators WHERE snapshot_id = ? ORDER BY handle`, id)
	if err != nil {
		return fmt.Errorf("load snapshot %d: %w", id, err)
	}
	defer rows.Close()
	type stored struct {
		c               market.Creator
		products, shown string
		vals            []byte
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []stored, 4)
	var readErr error
	go func() {
		defer close(batches)
		const n = 256
		batch := make([]stored, 0, n)
		var vals sql.RawBytes
		for rows.Next() {
			var r stored
			c := &r.c
			if readErr = rows.Scan(&c.Handle, &c.DisplayName, &c.GMVUSD, &c.Category, &c.Region, &c.URL, &r.products, &vals, &r.shown); readErr != nil {
				return
			}
			r.vals = bytes.Clone(vals)
			if batch = append(batch, r); len(batch) == n {
				select {
				case batches <- batch:
				case <-ctx.Done():
					readErr = ctx.Err()
					return
				}
				batch = make([]stored, 0, n)
			}
		}
		if readErr = rows.Err(); readErr == nil {
			select {
			case batches <- batch:
			case <-ctx.Done():
				readErr = ctx.Err()
			}
		}
	}()
	var ferr error
	var scratch market.Scratch
	for batch := range batches {
		for i := range batch {
			if ferr != nil {
				break
			}
			r := &batch[i]
			c := &r.c
			if r.shown != "{}" {
				if err := market.DecodeShown([]byte(r.shown), &c.Shown); err != nil {
					ferr = fmt.Errorf("load creator %s: shown texts: %w", c.Handle, err)
					break
				}
			}
			decode := market.DecodeValues
			if lean { // the values die with the standing made of them
				decode = func(b []byte, set func(string, *market.Value)) error {
					return market.DecodeValuesLean(b, &scratch, set)
				}
			}
			err := decode(r.vals, func(name string, v *market.Value) {
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
			})
			if err != nil {
				ferr = fmt.Errorf("load creator %s: %w", c.Handle, err)
				break
			}
			if r.products != "" {
				c.Products = strings.Split(r.products, ",")
			}
			ferr = fn(c)
		}
		if ferr != nil {
			cancel() // the reader stops; the batches it sent are drained
		}
	}
	if ferr != nil {
		return ferr
	}
	if readErr != nil {
		return fmt.Errorf("load snapshot %d: %w", id, readErr)
	}
	return nil
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

// snapshotStream reads a lean snapshot's products and live sessions.
type snapshotStream struct {
	db  *DB
	ctx context.Context
	id  int64
}

func (t *snapshotStream) EachProduct(fn func(*market.Product) error) error {
	return t.db.eachProduct(t.ctx, t.id, fn)
}

func (t *snapshotStream) EachLive(fn func(*market.Live) error) error {
	return t.db.eachLive(t.ctx, t.id, fn)
}

// eachProduct calls fn with each product of snapshot id, in id order.
func (s *DB) eachProduct(ctx context.Context, id int64, fn func(*market.Product) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, shop, url, creators, values_json FROM products WHERE snapshot_id = ? ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("load products of snapshot %d: %w", id, err)
	}
	defer rows.Close()
	var creators string
	var vals sql.RawBytes
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
	var products string
	var vals sql.RawBytes
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

// shownJSON is a creator's shown texts as the shown column holds them.
func shownJSON(sh map[string][]market.Shown) string {
	if len(sh) == 0 {
		return "{}"
	}
	b, err := json.Marshal(sh)
	if err != nil {
		return "{}"
	}
	return string(b)
}
