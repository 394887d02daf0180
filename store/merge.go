package store

import (
	"context"
	"database/sql"
	"fmt"

	"golang.org/x/sync/errgroup"

	"gmvscope/market"
)

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
// store's cache (FinishRun sets temp_store to a file for it), so a whole
// market's run is merged in memory that does not grow with it. Reading
// (from src: tx, or for a large run a connection of its own, see
// FinishRun) and writing are SQLite's work; decoding and merging run
// beside them. The assembler returned holds what spans every key: ranges
// and repeats.
func (s *DB) mergeRecords(ctx context.Context, src querier, tx *sql.Tx, runID int64, w *snapshotWriter) (*market.Assembler, error) {
	rows, err := src.QueryContext(ctx, `
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
		var url, kind string
		for rows.Next() {
			var r storedRecord
			if err := rows.Scan(&r.id, &r.entity, &r.key, &r.precedence, &r.fields, &r.line, &url, &kind); err != nil {
				return fmt.Errorf("merge records of run %d: %w", runID, err)
			}
			if len(batch) > 0 && batch[len(batch)-1].url == url {
				url = batch[len(batch)-1].url // one string for a page's records
			}
			r.url, r.kind = url, kind
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
		var scratch market.Scratch // the record's values, before they are copied into r.Fields
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
				r.Entity, r.Key, r.Precedence, r.Line = market.Entity(x.entity), x.key, x.precedence, x.line
				if err := market.DecodeFieldsInto(x.fields, &scratch, r.Fields); err != nil {
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
	fields                 string // as the driver reads it: the values' texts become parts of it
}
