// Package store keeps runs, the crawl frontier, raw pages, observations,
// rejects and snapshots in SQLite (modernc.org/sqlite, pure Go).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"gmvscope/market"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a gmvscope store. It is safe for concurrent use; writes are
// serialised by SQLite.
type DB struct {
	db   *sql.DB
	path string

	mu     sync.Mutex
	pairMu sync.Mutex           // taking more than one connection of the pool (conns)
	stmts  map[string]*sql.Stmt // the multi-row INSERTs, by SQL
	// prepared holds the INSERTs (by prefix) whose statements of every
	// chunk size are in stmts.
	prepared map[string]bool
}

const timeFmt = time.RFC3339Nano

// Open opens (creating if needed) the store at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		createPaged(path)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(memory)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &DB{db: db, path: path}
	// Two processes that open a new store together can meet while one
	// turns it to WAL: SQLite then answers the other "busy" at once,
	// without waiting. The migration is tried again for a while.
	for attempt := 1; ; attempt++ {
		err = s.migrate(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || attempt == 100 {
			break
		}
		if werr := sleep(ctx, 20*time.Millisecond); werr != nil {
			err = werr
			break
		}
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the store.
func (s *DB) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts, s.prepared = nil, nil
	s.mu.Unlock()
	return s.db.Close()
}

// SQL returns the underlying database for read-only queries in tests and tools.
func (s *DB) SQL() *sql.DB { return s.db }

// migrate brings the schema up to date in one write transaction, which
// reads the version inside it: two processes opening a new store at once
// take turns, and the second finds nothing left to do.
func (s *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := s.db.BeginTx(ctx, nil) // immediate (_txlock): holds the write lock from here
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version >= len(names) {
		return nil
	}
	for i, name := range names {
		if i < version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(names))); err != nil {
		return err
	}
	return tx.Commit()
}

// pageSize is a new store's page size. SQLite's default is 4 KB; at 16 KB
// a whole market's finish went from 23 s to 19-20 s and its store from 2.3
// to 2.1 GB: a run's merge spills its sort to a file a page at a time, and
// a creator's row (about 1 KB) no longer overflows its page. A store made
// before keeps its pages (VACUUM after PRAGMA page_size changes them).
const pageSize = 16384

// createPaged creates an empty store at path with pageSize pages. The
// page size is fixed when the file's first page is written, and before
// WAL is turned on: the store's connections turn it on as they open, so
// the file is made here first. Best effort: a store that another process
// made first, or one that could not be made here, keeps what it has, and
// Open reports any real problem.
func createPaged(path string) {
	db, err := sql.Open("sqlite", "file:"+path+fmt.Sprintf("?_pragma=page_size(%d)", pageSize))
	if err != nil {
		return
	}
	defer db.Close()
	db.Exec(`VACUUM`) // writes the empty store's header, with its page size
}

// BeginRun records a new running run and its start URLs in the frontier.
func (s *DB) BeginRun(ctx context.Context, source string, now time.Time, start []market.Link) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin run: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO runs(source, started_at, status) VALUES (?, ?, ?)`,
		source, now.UTC().Format(timeFmt), market.RunRunning)
	if err != nil {
		return 0, fmt.Errorf("begin run: %w", err)
	}
	id, _ := res.LastInsertId()
	seen := map[string]bool{}
	for _, l := range start {
		if seen[l.URL] {
			continue
		}
		seen[l.URL] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO frontier_log(run_id, url, kind, state, updated_at) VALUES (?, ?, ?, 'pending', ?)`,
			id, l.URL, l.Kind, now.UTC().Format(timeFmt)); err != nil {
			return 0, fmt.Errorf("begin run: %w", err)
		}
	}
	return id, tx.Commit()
}

// CommitBatch stores fetched pages, their records, rejects and discovered
// links in one transaction, and appends each page's outcome to the
// frontier log. A result's links must be new to the run, and a link's
// result must not come in an earlier batch than the page that found it.
func (s *DB) CommitBatch(ctx context.Context, runID int64, batch []market.PageResult) error {
	if err := s.prepare(ctx, batchInserts); err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	defer tx.Rollback()
	// Page ids are assigned here, inside the write transaction, so records
	// and rejects can refer to them without a round trip per page.
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM pages`).Scan(&next); err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	pages, records, rejects := s.rowsOf(insertPages), s.rowsOf(insertRecords), s.rowsOf(insertRejects)
	links, done := s.rowsOf(insertLinks), s.rowsOf(insertDone)
	// A link fetched in the batch that found it needs no pending row: its
	// outcome is written in the same transaction.
	var buf []byte
	settled := make(map[string]bool, len(batch))
	for _, r := range batch {
		settled[r.Page.URL] = true
	}
	for _, r := range batch {
		p := r.Page
		at := p.FetchedAt.UTC().Format(timeFmt)
		pageID := next
		next++
		var same any
		if p.SameAs > 0 {
			same = p.SameAs
		}
		l := p.Listing
		pages.add(pageID, runID, p.URL, p.Kind, p.Status, p.ContentType, at, p.Attempts, p.Bytes, p.Failure, p.ETag, p.LastModified, same, p.Compressed,
			nullInt(l.Total), nullInt(l.Pages), nullInt(l.Page), nullInt(l.Last), len(r.Records), nullText(p.SHA256))
		for _, rec := range r.Records {
			buf = market.AppendFieldsJSON(buf[:0], rec.Fields)
			records.add(pageID, rec.Entity, rec.Key, rec.Precedence, string(buf), nullInt(int64(rec.Line)))
		}
		for _, rj := range r.Rejects {
			rejects.add(runID, pageID, rj.URL, rj.Entity, rj.Key, rj.Field, rj.Raw, rj.Reason)
		}
		for _, l := range r.Links {
			if !settled[l.URL] {
				links.add(runID, l.URL, l.Kind, "pending", at)
			}
		}
		state, next := "done", any(nil)
		switch {
		case !r.RetryAt.IsZero():
			state, next = "pending", r.RetryAt.UTC().Format(timeFmt)
		case p.Failure != "":
			state = "failed"
		}
		done.add(runID, p.URL, p.Kind, state, p.Attempts, next, p.Failure, at)
	}
	// links before done: in the log, a link's outcome follows its discovery.
	for _, rs := range []*rowSet{pages, records, rejects, links, done} {
		if err := rs.exec(ctx, tx); err != nil {
			return fmt.Errorf("commit batch: %w", err)
		}
	}
	return tx.Commit()
}

// nullText stores "" (none) as NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullInt stores zero (unknown) as NULL.
func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// rowSet collects rows for multi-row INSERTs, which SQLite runs far faster
// than one statement per row. Rows are written in chunks of fixed sizes
// whose statements are prepared once per connection and kept (see stmt),
// so a batch does not parse SQL with thousands of placeholders again.
// addNow writes full chunks as they fill, so a large snapshot never holds
// all its rows' arguments at once.
type rowSet struct {
	db     *DB
	prefix string
	cols   int
	args   []any
}

// chunkSizes are the rows per statement, largest first; a remainder is
// written with the smaller ones. 128 rows keep statements well under
// SQLite's 32,766 variables.
var chunkSizes = []int{128, 32, 8, 1}

// insert is a table's multi-row INSERT: the text before its rows, and
// its columns.
type insert struct {
	prefix string
	cols   int
}

func (s *DB) rowsOf(i insert) *rowSet { return &rowSet{db: s, prefix: i.prefix, cols: i.cols} }

// The INSERTs of a crawl's batches, and of a snapshot.
var (
	insertPages    = insert{`INSERT INTO pages(id, run_id, url, kind, status, content_type, fetched_at, attempts, bytes, failure, etag, last_modified, same_as, body_zst, listing_total, listing_pages, listing_page, listing_last, records, sha256) VALUES `, 20}
	insertRecords  = insert{`INSERT INTO records(page_id, entity, key, precedence, fields, line) VALUES `, 6}
	insertRejects  = insert{`INSERT INTO rejects(run_id, page_id, url, entity, key, field, raw, reason) VALUES `, 8}
	insertLinks    = insert{`INSERT INTO frontier_log(run_id, url, kind, state, updated_at) VALUES `, 5}
	insertDone     = insert{`INSERT INTO frontier_log(run_id, url, kind, state, attempts, next_attempt, reason, updated_at) VALUES `, 8}
	insertCreators = insert{`INSERT INTO creators(snapshot_id, handle, display_name, followers, gmv, gmv_low, gmv_high, gmv_estimate, currency, period, gmv_usd, units, views, category, region, url, products, values_json, rank, gmv_live, gmv_video, gmv_showcase, shown) VALUES `, 23}
	insertChunks   = insert{`INSERT INTO standing_chunks(snapshot_id, seq, packed) VALUES `, 3}
	insertProducts = insert{`INSERT INTO products(snapshot_id, id, title, shop, price_low, price_high, currency, units, url, creators, values_json, gmv) VALUES `, 12}
	insertLives    = insert{`INSERT INTO lives(snapshot_id, id, creator, start, title, url, products, duration_s, viewers, peak_viewers, gmv, currency, gmv_usd, units, values_json) VALUES `, 15}
	insertRepeats  = insert{`INSERT INTO repeats(snapshot_id, entity, key, kind, url, line, first_url, first_line, identical, diffs) VALUES `, 10}
	insertMovers   = insert{`INSERT INTO movers(snapshot_id, list, pos, handle, status, followers_prev, followers_now, gmv_prev_usd, gmv_now_usd, rank_prev, rank_now) VALUES `, 11}

	batchInserts    = []insert{insertPages, insertRecords, insertRejects, insertLinks, insertDone}
	snapshotInserts = []insert{insertCreators, insertChunks, insertProducts, insertLives, insertRepeats, insertMovers}
)

// prepare prepares the statements of ins, for every chunk size, that are
// not prepared yet. Called before a transaction begins: preparing takes a
// connection of the pool, and a transaction that waited for one while
// the others waited for its write lock would wait until SQLite's busy
// timeout.
// Each table's are built and looked up once: a crawl commits a batch
// every 200 ms.
func (s *DB) prepare(ctx context.Context, ins []insert) error {
	for _, i := range ins {
		s.mu.Lock()
		done := s.prepared[i.prefix]
		s.mu.Unlock()
		if done {
			continue
		}
		r := s.rowsOf(i)
		for _, k := range chunkSizes {
			if _, err := s.stmt(ctx, r.query(k)); err != nil {
				return err
			}
		}
		s.mu.Lock()
		if s.prepared == nil {
			s.prepared = map[string]bool{}
		}
		s.prepared[i.prefix] = true
		s.mu.Unlock()
	}
	return nil
}

func (r *rowSet) add(vals ...any) { r.args = append(r.args, vals...) }

// addNow adds a row and writes the chunk once it is full.
func (r *rowSet) addNow(ctx context.Context, tx *sql.Tx, vals ...any) error {
	r.add(vals...)
	if len(r.args) < chunkSizes[0]*r.cols {
		return nil
	}
	return r.exec(ctx, tx)
}

// take returns the collected rows as a batch and starts a new one.
func (r *rowSet) take() rowBatch {
	b := rowBatch{r, r.args}
	r.args = make([]any, 0, cap(r.args))
	return b
}

// exec writes every collected row.
func (r *rowSet) exec(ctx context.Context, tx *sql.Tx) error {
	if err := r.execArgs(ctx, tx, r.args); err != nil {
		return err
	}
	clear(r.args) // let the rows' values be collected
	r.args = r.args[:0]
	return nil
}

// execArgs writes rows of r's table, given as their values in order.
func (r *rowSet) execArgs(ctx context.Context, tx *sql.Tx, args []any) error {
	rows := len(args) / r.cols
	start := 0
	for _, k := range chunkSizes {
		for ; rows-start >= k; start += k {
			st, err := r.db.stmt(ctx, r.query(k))
			if err != nil {
				return err
			}
			if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args[start*r.cols:(start+k)*r.cols]...); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *rowSet) query(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", r.cols), ",") + ")"
	return r.prefix + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// stmt returns the prepared statement for query, preparing it the first
// time. database/sql prepares it again on each connection that runs it
// and keeps that too.
func (s *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

// mergeApart is the number of a run's records from which the merge reads
// them from a connection of its own: 600,000 merged in 6.7-7.2 s where
// they took 7.4-7.8 s on one.
const mergeApart = 100_000

// conns returns n connections of the pool. More than one are taken
// together, one caller at a time, so that callers that each hold some
// cannot wait for each other's next.
func (s *DB) conns(ctx context.Context, n int) ([]*sql.Conn, error) {
	if n > 1 {
		s.pairMu.Lock()
		defer s.pairMu.Unlock()
	}
	cs := make([]*sql.Conn, 0, n)
	for range n {
		c, err := s.db.Conn(ctx)
		if err != nil {
			for _, c := range cs {
				c.Close()
			}
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// FinishRun ends a run. For ok and partial runs it writes snap as the
// run's snapshot in the same transaction, so a snapshot never exists for a
// run that did not finish, and a failed run never replaces a good one.
func (s *DB) FinishRun(ctx context.Context, runID int64, status market.RunStatus, reason string, now time.Time, stats string, snap *market.Draft) (int64, error) {
	// A cancelled context must still be able to record that the run was cancelled.
	ctx = context.WithoutCancel(ctx)
	if snap != nil {
		if err := s.prepare(ctx, snapshotInserts); err != nil {
			return 0, fmt.Errorf("finish run %d: %w", runID, err)
		}
	}
	// Many records are merged from a connection of their own, read while
	// the snapshot is written on this one: SQLite runs one call at a time
	// on a connection, and the records were all committed before. A few
	// are read on this one: a second connection's cache and sort are
	// memory a small run does without (5-8 MB at 40,000 records).
	// With many, the run's pages are counted on a third connection while
	// the records merge (1.5 s of a whole market's finish, which counted
	// them after the merge).
	merge := snap != nil && snap.Merged == nil
	apart := merge && snap.Records >= mergeApart
	n := 1
	if apart {
		n = 3
	}
	cs, err := s.conns(ctx, n)
	if err != nil {
		return 0, fmt.Errorf("finish run %d: %w", runID, err)
	}
	for _, c := range cs {
		defer c.Close()
	}
	conn := cs[0]
	sorts := conn      // the connection that reads and sorts the records
	var counts querier // the connection that counts the pages, if not tx
	if apart {
		sorts, counts = cs[1], cs[2]
	}
	if merge {
		// The merge sorts every record of the run: that sort must spill
		// to a file, not be held in memory (the store's temp_store is
		// memory, for its small sorts), and it sorts its chunks on helper
		// threads, one per core (a whole market's merge went from 9.8 s
		// to 8.4 s). Set outside any transaction, where SQLite allows it
		// whatever the connection did before.
		for _, pragma := range []string{`PRAGMA temp_store = FILE`, fmt.Sprintf(`PRAGMA threads = %d`, runtime.GOMAXPROCS(0))} {
			if _, err := sorts.ExecContext(ctx, pragma); err != nil {
				return 0, fmt.Errorf("finish run %d: %w", runID, err)
			}
		}
		defer sorts.ExecContext(ctx, `PRAGMA threads = 0`)
		defer sorts.ExecContext(ctx, `PRAGMA temp_store = MEMORY`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("finish run %d: %w", runID, err)
	}
	var src querier = tx // the records, read inside the transaction or beside it
	if apart {
		src = sorts
	}
	defer tx.Rollback()
	if stats == "" {
		stats = "{}"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, reason = ?, finished_at = ?, stats = ? WHERE id = ?`,
		status, reason, now.UTC().Format(timeFmt), stats, runID); err != nil {
		return 0, fmt.Errorf("finish run %d: %w", runID, err)
	}
	var snapID int64
	if snap != nil && (status == market.RunOK || status == market.RunPartial) {
		if snapID, err = s.writeSnapshot(ctx, src, counts, tx, runID, status, now, snap); err != nil {
			return 0, fmt.Errorf("finish run %d: %w", runID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("finish run %d: %w", runID, err)
	}
	return snapID, nil
}

// Runs lists runs, newest first.
func (s *DB) Runs(ctx context.Context) ([]market.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, source, started_at, coalesce(finished_at, ''), status, reason FROM runs ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []market.Run
	for rows.Next() {
		var r market.Run
		var st, fin string
		if err := rows.Scan(&r.ID, &r.Source, &st, &fin, &r.Status, &r.Reason); err != nil {
			return nil, err
		}
		r.StartedAt, _ = time.Parse(timeFmt, st)
		r.FinishedAt, _ = time.Parse(timeFmt, fin)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LatestSnapshot returns the id of the newest snapshot of source (any
// source when empty), or sql.ErrNoRows.
func (s *DB) LatestSnapshot(ctx context.Context, source string) (int64, error) {
	var id int64
	q := `SELECT id FROM snapshots WHERE source = ? ORDER BY id DESC LIMIT 1`
	args := []any{source}
	if source == "" {
		q, args = `SELECT id FROM snapshots ORDER BY id DESC LIMIT 1`, nil
	}
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("latest snapshot of %q: %w", source, err)
	}
	return id, nil
}

// zdec decompresses stored pages; DecodeAll is safe for concurrent use.
var zdec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))

// PageBody returns the stored (decompressed) body of the newest fetch of
// url in run, for re-parsing without the network.
func (s *DB) PageBody(ctx context.Context, runID int64, url string) ([]byte, error) {
	var z []byte
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(p.body_zst, o.body_zst) FROM pages p LEFT JOIN pages o ON o.id = p.same_as
		WHERE p.run_id = ? AND p.url = ? ORDER BY p.id DESC LIMIT 1`, runID, url).Scan(&z)
	if err != nil {
		return nil, fmt.Errorf("page %s of run %d: %w", url, runID, err)
	}
	body, err := zdec.DecodeAll(z, nil)
	if err != nil {
		return nil, fmt.Errorf("page %s of run %d: %w", url, runID, err)
	}
	return body, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
