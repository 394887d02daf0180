package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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

// writeSnapshot writes snap as run's snapshot on tx, merging the run's
// records read from src. Its pages are counted on counts, beside the
// merge, or when counts is nil on tx after it.
func (s *DB) writeSnapshot(ctx context.Context, src, counts querier, tx *sql.Tx, runID int64, status market.RunStatus, now time.Time, snap *market.Draft) (int64, error) {
	type counted struct {
		pc  pageCounts
		err error
	}
	var beside chan counted
	if counts != nil {
		beside = make(chan counted, 1)
		go func() {
			var c counted
			c.pc.Stats, c.pc.First, c.pc.Last, c.err = s.runPages(ctx, counts, runID)
			beside <- c
		}()
		defer func() { // the count is over before its connection is given back, even after an error
			if beside != nil {
				<-beside
			}
		}()
	}
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
		if as, err = s.mergeRecords(ctx, src, tx, runID, w); err != nil {
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
	ranges, err := json.Marshal(as.Ranges())
	if err != nil {
		return 0, err
	}
	// The run's pages, counted once here (its pages are all committed).
	var pc pageCounts
	if beside != nil {
		c := <-beside
		beside = nil
		if pc, err = c.pc, c.err; err != nil {
			return 0, err
		}
	} else if pc.Stats, pc.First, pc.Last, err = s.runPages(ctx, tx, runID); err != nil {
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
	// The week's movers, from its standings read back in one pass (sized by
	// the count just made): holding 600,000 of them while the merge wrote
	// them cost it a tenth of its time.
	if err := s.writeMoversAround(ctx, tx, id); err != nil {
		return 0, err
	}
	repeats := s.rowsOf(insertRepeats)
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
	packed                    *rowSet // the creators' standings, in chunks
	chunk                     []byte  // the chunk being filled
	inChunk, chunks           int     // standings in it; chunks handed to packed
	last                      string  // the handle written last
	buf                       []byte
}

// standingsPerChunk is how many creators' standings share a row of
// standing_chunks: about 36 KB.
const standingsPerChunk = 512

func (s *DB) newSnapshotWriter(id int64, rate float64) *snapshotWriter {
	return &snapshotWriter{id: id, rate: rate,
		creators: s.rowsOf(insertCreators),
		packed:   s.rowsOf(insertChunks),
		products: s.rowsOf(insertProducts),
		lives:    s.rowsOf(insertLives),
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
		w.chunk = market.AppendChunk(w.chunk, w.last, &st)
		w.last = c.Handle
		if w.inChunk++; w.inChunk == standingsPerChunk {
			w.endChunk()
		}
		w.buf = appendValuesJSON(w.buf[:0], creatorValueNames, c.Followers, c.GMV, c.GMVLive, c.GMVShowcase, c.GMVVideo, c.Rank, c.Units, c.Views)
		vals := string(w.buf)
		var shown string
		w.buf, shown = shownJSON(w.buf, c.Shown)
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
			numCol(c.Rank), numCol(c.GMVLive), numCol(c.GMVVideo), numCol(c.GMVShowcase), shown)
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
	for _, set := range [...]*rowSet{w.creators, w.packed, w.products, w.lives} {
		if len(set.args) >= chunkSizes[0]*set.cols {
			if err := write(set.take()); err != nil {
				return err
			}
		}
	}
	return nil
}

// endChunk hands the chunk of standings being filled to its rows.
func (w *snapshotWriter) endChunk() {
	w.packed.add(w.id, w.chunks, w.chunk)
	w.chunks++
	w.chunk, w.inChunk = make([]byte, 0, len(w.chunk)), 0 // the rows hold the last one
}

// flush hands write the rows still in a batch.
func (w *snapshotWriter) flush(write func(rowBatch) error) error {
	if w.inChunk > 0 {
		w.endChunk()
	}
	for _, set := range [...]*rowSet{w.creators, w.packed, w.products, w.lives} {
		if len(set.args) > 0 {
			if err := write(set.take()); err != nil {
				return err
			}
		}
	}
	return nil
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
