package main

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"time"

	_ "modernc.org/sqlite"

	"gmvscope/crawl"
)

// With -store, the pool also writes the least a store that keeps what
// DESIGN.md requires must write: every page's raw body, zstd-compressed as
// gmvscope compresses it; one record per leaderboard row or profile with
// its raw texts (with -full, per product and live session too); and one
// snapshot row per creator. It skips what gmvscope
// does besides (the frontier, value parsing, validation, rejects, merging
// a creator's records, standings and movers), so its time is a floor under
// any crawl that stores the market in SQLite through modernc.org/sqlite,
// not a design.

// floorSchema is the smallest schema that holds it. The pages' creators
// are appended as they come (a rowid table, no key: random inserts into a
// table keyed by handle took 17.7 s against 11.7 s here); key then gives
// the snapshot the key a report and a creator's history look it up by.
const floorSchema = `
CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT NOT NULL, status INTEGER NOT NULL, fetched_at TEXT NOT NULL, body_zst BLOB);
CREATE TABLE records (id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL, key TEXT NOT NULL, fields TEXT NOT NULL);
CREATE TABLE seen (handle TEXT NOT NULL, display_name TEXT NOT NULL, followers TEXT NOT NULL, gmv TEXT NOT NULL,
  units TEXT NOT NULL, category TEXT NOT NULL, region TEXT NOT NULL);`

// snapshotModes are -snapshot's values: how the appended creators become a
// snapshot once the crawl is done.
var snapshotModes = map[string]string{
	// append: left as appended, with no key (no store could use it so; the
	// cost of storing alone).
	"append": ``,
	// index: an index on handle built over them.
	"index": `CREATE INDEX seen_handle ON seen(handle)`,
	// keyed: copied in handle order into a table keyed by handle, as
	// gmvscope's snapshot is (creators, WITHOUT ROWID). The appended rows
	// stay: dropping them would cost more.
	"keyed": `CREATE TABLE creators (handle TEXT PRIMARY KEY, display_name TEXT NOT NULL, followers TEXT NOT NULL,
  gmv TEXT NOT NULL, units TEXT NOT NULL, category TEXT NOT NULL, region TEXT NOT NULL) WITHOUT ROWID;
INSERT OR REPLACE INTO creators SELECT * FROM seen ORDER BY handle`,
}

// stored is one fetched page as the floor store writes it.
type stored struct {
	url  string
	body []byte // compressed
	rows []row
}

// row is one record: a leaderboard row's cells, or the fields of any other
// page as JSON text (a profile's JSON, a product's texts).
type row struct {
	handle, name, followers, gmv, units, category, region string // handle is the record's key
	fields                                                string // empty for a leaderboard row
}

// floorStore writes pages in transactions of batch pages from one
// goroutine, as gmvscope's writer does.
type floorStore struct {
	db   *sql.DB
	mode string // a key of snapshotModes
	in   chan stored
	done chan error
}

const batch = 256

func openFloor(path, mode string) (*floorStore, error) {
	if _, ok := snapshotModes[mode]; !ok {
		return nil, fmt.Errorf("-snapshot %q: want append, index or keyed", mode)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=page_size(16384)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(floorSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &floorStore{db: db, mode: mode, in: make(chan stored, 4*batch), done: make(chan error, 1)}
	go func() { s.done <- s.run() }()
	return s, nil
}

// put compresses a page's body and queues it with its rows.
func (s *floorStore) put(u string, body []byte, rows []row) {
	s.in <- stored{url: u, body: crawl.Compress(body), rows: rows}
}

// close writes what is queued and closes the database.
func (s *floorStore) close() error {
	close(s.in)
	err := <-s.done
	if err == nil {
		err = s.key()
	}
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// key makes the snapshot of the appended creators, sorting on SQLite's
// helper threads as gmvscope's finish does.
func (s *floorStore) key() error {
	if s.mode == "append" {
		return nil
	}
	_, err := s.db.Exec(fmt.Sprintf("PRAGMA threads = %d; %s", runtime.GOMAXPROCS(0), snapshotModes[s.mode]))
	return err
}

func (s *floorStore) run() error {
	var pending []stored
	for p := range s.in {
		pending = append(pending, p)
		if len(pending) == batch {
			if err := s.write(pending); err != nil {
				return err
			}
			pending = pending[:0]
		}
	}
	return s.write(pending)
}

func (s *floorStore) write(ps []stored) error {
	if len(ps) == 0 {
		return nil
	}
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	page, err := tx.PrepareContext(ctx, `INSERT INTO pages (url, status, fetched_at, body_zst) VALUES (?, 200, ?, ?)`)
	if err != nil {
		return err
	}
	rec, err := tx.PrepareContext(ctx, `INSERT INTO records (page_id, key, fields) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	creator, err := tx.PrepareContext(ctx, `INSERT INTO seen VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Format(time.RFC3339)
	var buf []byte
	for _, p := range ps {
		res, err := page.Exec(p.url, now, p.body)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		for _, r := range p.rows {
			fields := r.fields // texts are bound as TEXT, as gmvscope's records.fields
			if fields == "" {
				buf = appendTexts(buf[:0], "display_name", r.name, "followers", r.followers, "gmv", r.gmv,
					"units", r.units, "category", r.category, "region", r.region)
				fields = string(buf)
			}
			if _, err := rec.Exec(id, r.handle, fields); err != nil {
				return err
			}
			if r.fields == "" {
				if _, err := creator.Exec(r.handle, r.name, r.followers, r.gmv, r.units, r.category, r.region); err != nil {
					return err
				}
			}
		}
	}
	return tx.Commit()
}

// appendTexts appends a JSON object of name, text pairs.
func appendTexts(b []byte, pairs ...string) []byte {
	b = append(b, '{')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, pairs[i])
		b = append(b, ':')
		b = strconv.AppendQuote(b, pairs[i+1])
	}
	return append(b, '}')
}
