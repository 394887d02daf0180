// Command history measures the weekly history at the whole market's size
// (issue 14): it writes -weeks snapshots of -creators creators each into a
// fresh store (generated in SQL, the same creators week after week with
// their numbers moving), then times what a report asks of the history:
// the weeks' totals, one creator's weeks, the top five's weeks, the week
// before, the week's movers as stored with its snapshot, and every
// creator's change as a report computes it (both weeks' standings, then
// compared).
//
//	go run ./bench/history [-weeks 52] [-creators 600000] [-keep DIR]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"gmvscope/market"
	"gmvscope/store"
)

func main() {
	weeks := flag.Int("weeks", 52, "weekly snapshots")
	creators := flag.Int("creators", 600000, "creators in each")
	keep := flag.String("keep", "", "write the store into this folder and keep it (default: a temporary one)")
	flag.Parse()
	if err := run(*weeks, *creators, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "history:", err)
		os.Exit(1)
	}
}

func run(weeks, creators int, keep string) error {
	ctx := context.Background()
	dir := keep
	if dir == "" {
		d, err := os.MkdirTemp("", "gmvscope-history-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	db, err := store.Open(ctx, filepath.Join(dir, "gmvscope.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	began := time.Now()
	var last, prev int64
	for w := range weeks {
		at := start.AddDate(0, 0, 7*w)
		id, err := writeWeek(ctx, db, w, creators, at)
		if err != nil {
			return err
		}
		prev, last = last, id
		if w == 0 {
			if err := checkStandings(ctx, db, id); err != nil {
				return err
			}
		}
	}
	// A crawl's snapshot computes its movers as it is written; these were
	// written in SQL, so the last week's are computed here (the weeks
	// before are not asked for).
	moversAt := time.Now()
	if err := db.RefreshMovers(ctx, last); err != nil {
		return err
	}
	moversTook := time.Since(moversAt)
	gen := time.Since(began)
	var size int64
	for _, f := range []string{"gmvscope.db", "gmvscope.db-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
			size += fi.Size()
		}
	}
	fmt.Printf("wrote %d weekly snapshots × %d creators (%d rows) in %.1fs; store %.1f GB\n\n", weeks, creators, weeks*creators,
		gen.Seconds(), float64(size)/(1<<30))
	timed := func(name string, f func() error) error {
		t := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("| %s | %.0f ms |\n", name, float64(time.Since(t).Microseconds())/1000)
		return nil
	}
	fmt.Printf("the last week's movers computed and stored (as a run does when it writes its snapshot) in %.1fs\n\n", moversTook.Seconds())
	fmt.Println("| query | time |")
	fmt.Println("|---|---|")
	steps := []struct {
		name string
		f    func() error
	}{
		{"the weeks' totals (History: one row per snapshot)", func() error {
			h, err := db.History(ctx, "bench")
			if err == nil && len(h) != weeks {
				err = fmt.Errorf("%d weeks", len(h))
			}
			return err
		}},
		{"one creator's weeks (Series, 1 handle)", func() error {
			s, err := db.Series(ctx, "bench", []string{fmt.Sprintf("c%07d", creators/2)})
			if err == nil && len(s[fmt.Sprintf("c%07d", creators/2)]) != weeks {
				err = fmt.Errorf("%d weeks", len(s))
			}
			return err
		}},
		{"the top five's weeks (Series, 5 handles)", func() error {
			_, err := db.Series(ctx, "bench", []string{"c0000001", "c0000002", "c0000003", "c0000004", "c0000005"})
			return err
		}},
		{"the week before (Previous)", func() error {
			p, ok, err := db.Previous(ctx, last)
			if err == nil && (!ok || p != prev) {
				err = fmt.Errorf("previous of %d is %d", last, p)
			}
			return err
		}},
		{"the week's movers as stored with the snapshot (Movers: 10 of each list, the counts)", func() error {
			ch, ok, err := db.Movers(ctx, last, 10)
			if err == nil && (!ok || len(ch.Up) != 10 || ch.Prev.ID != prev) {
				err = fmt.Errorf("movers: %v, %d up, against %d", ok, len(ch.Up), ch.Prev.ID)
			}
			return err
		}},
		{"every creator's change as a report computes it (both weeks' standings, then Compare)", func() error {
			a, err := db.SnapshotLean(ctx, prev)
			if err != nil {
				return err
			}
			b, err := db.SnapshotLean(ctx, last)
			if err != nil {
				return err
			}
			ch := market.Compare(a, b, market.Summary{}, 10)
			if len(ch.Up) == 0 {
				return fmt.Errorf("no movers")
			}
			return nil
		}},
	}
	for _, st := range steps {
		if err := timed(st.name, st.f); err != nil {
			return err
		}
	}
	// Again, with the store's pages now in the operating system's cache,
	// as a report finds them after a run has just written the week.
	fmt.Println("\nagain (warm):\n\n| query | time |\n|---|---|")
	for _, st := range steps {
		if err := timed(st.name, st.f); err != nil {
			return err
		}
	}
	return nil
}

// writeWeek writes week w's run and snapshot and its creators, generated
// in SQL: creator i's followers and GMV follow from i and drift with w.
func writeWeek(ctx context.Context, db *store.DB, w, n int, at time.Time) (int64, error) {
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ts := at.Format(time.RFC3339Nano)
	res, err := tx.ExecContext(ctx, `INSERT INTO runs(source, started_at, finished_at, status, reason) VALUES ('bench', ?, ?, 'ok', 'generated')`, ts, ts)
	if err != nil {
		return 0, err
	}
	run, _ := res.LastInsertId()
	res, err = tx.ExecContext(ctx, `INSERT INTO snapshots(run_id, source, status, taken_at, source_info) VALUES (?, 'bench', 'ok', ?, '{"Name":"bench","Currency":"USD","RateUSD":1}')`, run, ts)
	if err != nil {
		return 0, err
	}
	id, _ := res.LastInsertId()
	_, err = tx.ExecContext(ctx, `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1),
		v AS (SELECT i, 500 + (i * 7919 + ? * 131) % 2000000 AS f, (i * 104729 + ? * 1299709) % 500000000 AS g FROM seq)
		INSERT INTO creators(snapshot_id, handle, followers, gmv, currency, period, gmv_usd, values_json)
		SELECT ?, printf('c%07d', i), f, g, 'USD', '28d', g / 100.0,
			'{"followers":{"kind":"count","raw":"' || f || '","num":' || f || '},"gmv":{"kind":"money","raw":"' || g || '","num":' || g || ',"currency":"USD","period":"28d"}}'
		FROM v`, n, w, w, id)
	if err != nil {
		return 0, err
	}
	if err := writeChunks(ctx, tx, id); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET (n_creators, total_gmv_usd, n_with_gmv, n_with_followers) =
		(SELECT count(*), coalesce(sum(gmv_usd), 0), count(gmv_usd), count(followers) FROM creators WHERE snapshot_id = ?) WHERE id = ?`, id, id); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// writeChunks packs the week's standings as gmvscope does when it writes
// a snapshot (market.AppendChunk, 512 creators to a row of
// standing_chunks): followers and GMV in USD.
func writeChunks(ctx context.Context, tx *sql.Tx, id int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT handle, followers, gmv_usd FROM creators WHERE snapshot_id = ? ORDER BY handle`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var chunks [][]byte
	var chunk []byte
	var prev string
	n := 0
	for rows.Next() {
		st := market.Standing{Has: market.HasFollowers | market.HasGMV}
		if err := rows.Scan(&st.Handle, &st.Followers, &st.GMVUSD); err != nil {
			return err
		}
		chunk, prev = market.AppendChunk(chunk, prev, &st), st.Handle
		if n++; n == 512 {
			chunks, chunk, n = append(chunks, chunk), nil, 0
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n > 0 {
		chunks = append(chunks, chunk)
	}
	for seq, c := range chunks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO standing_chunks(snapshot_id, seq, packed) VALUES (?, ?, ?)`, id, seq, c); err != nil {
			return err
		}
	}
	return nil
}

// checkStandings holds the generated week's packed standings to what
// gmvscope makes of the creators' values.
func checkStandings(ctx context.Context, db *store.DB, id int64) error {
	lean, err := db.SnapshotLean(ctx, id)
	if err != nil {
		return err
	}
	i := 0
	return db.EachCreator(ctx, id, func(c *market.Creator) error {
		want := market.StandingOf(c)
		if got := lean.Standings[i]; !reflect.DeepEqual(got, want) {
			return fmt.Errorf("creator %s: packed standing %+v, from its values %+v", c.Handle, got, want)
		}
		i++
		return nil
	})
}
