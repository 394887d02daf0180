package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gmvscope/market"
)

func TestReopenAndObserved(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	run, err := db.BeginRun(ctx, "s", at, []market.Link{{URL: "http://x/top", Kind: "top"}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.CommitBatch(ctx, run, []market.PageResult{{
		Page: market.Page{URL: "http://x/top", Kind: "top", Status: 200, FetchedAt: at, Attempts: 1},
		Records: []market.Record{{Entity: market.EntityCreator, Key: "mia", Fields: map[string]market.Value{
			"followers": {Kind: market.KindCount, Raw: "35.8K", Num: 35800},
			"gmv":       {Kind: market.KindMoney, Raw: "$10K-$25K", Low: 1000000, High: 2500000, Estimate: true, Currency: "USD", Period: "28d"},
		}}},
		Links: []market.Link{{URL: "http://x/mia", Kind: "profile"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A second open must not re-run migrations.
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw string
	var num, low, high any
	err = db.SQL().QueryRowContext(ctx, `SELECT raw, num FROM observed WHERE key = 'mia' AND field = 'followers'`).Scan(&raw, &num)
	if err != nil || raw != "35.8K" || num != int64(35800) {
		t.Errorf("followers: %q %v %v", raw, num, err)
	}
	err = db.SQL().QueryRowContext(ctx, `SELECT raw, low, high FROM observed WHERE key = 'mia' AND field = 'gmv' AND estimate = 1`).Scan(&raw, &low, &high)
	if err != nil || raw != "$10K-$25K" || low != int64(1000000) || high != int64(2500000) {
		t.Errorf("gmv: %q %v %v %v", raw, low, high, err)
	}
	pending, seen, err := db.Frontier(ctx, run)
	if err != nil || len(pending) != 1 || pending[0].URL != "http://x/mia" || len(seen) != 2 {
		t.Errorf("pending %v, seen %v, %v", pending, seen, err)
	}
	// A failed run writes no snapshot even when handed one.
	if id, err := db.FinishRun(ctx, run, market.RunFailed, "boom", at, "", &market.Draft{Merged: &market.Assembler{}}); err != nil || id != 0 {
		t.Errorf("failed run wrote snapshot %d (%v)", id, err)
	}
	if _, err := db.LatestSnapshot(ctx, "s"); err == nil {
		t.Error("a failed run left a snapshot")
	}
}

// A link fetched in the batch that found it is written once, with its
// outcome; links to pages fetched later stay pending; a retry stays pending
// with its next attempt.
func TestCommitBatchFrontier(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	run, err := db.BeginRun(ctx, "s", at, []market.Link{{URL: "http://x/top", Kind: "top"}})
	if err != nil {
		t.Fatal(err)
	}
	page := func(u, kind string, attempts int, failure string, links ...string) market.PageResult {
		r := market.PageResult{Page: market.Page{URL: u, Kind: kind, Status: 200, FetchedAt: at, Attempts: attempts, Failure: failure}}
		for _, l := range links {
			r.Links = append(r.Links, market.Link{URL: l, Kind: "profile"})
		}
		return r
	}
	retry := page("http://x/c", "profile", 1, "HTTP 503")
	retry.RetryAt = at.Add(time.Minute)
	top := page("http://x/top", "top", 1, "", "http://x/a", "http://x/b", "http://x/c", "http://x/d")
	top.Page.Listing = market.Listing{Total: 4, Pages: 1, Page: 1, Last: 4}
	for _, h := range []string{"a", "b"} {
		top.Records = append(top.Records, market.Record{Entity: market.EntityCreator, Key: h,
			Fields: map[string]market.Value{"followers": {Kind: market.KindCount, Raw: "1", Num: 1}}})
	}
	batch := []market.PageResult{top, page("http://x/a", "profile", 1, ""), page("http://x/b", "profile", 3, "HTTP 404"), retry}
	if err := db.CommitBatch(ctx, run, batch); err != nil {
		t.Fatal(err)
	}
	// The outcome's counts: c waits for its retry and d to be fetched.
	tally, err := db.Tally(ctx, run, false)
	if err != nil {
		t.Fatal(err)
	}
	wantTally := market.Tally{Records: 2, Retries: 1, Kinds: []market.KindTally{
		{Kind: "profile", Done: 1, Failed: 1, Pending: 2, Failures: map[string]int{"HTTP 404": 1}},
		{Kind: "top", Done: 1, ListingTotal: 4, ListingPages: 1, MaxRows: 2, Rows: 2}}}
	if !reflect.DeepEqual(tally, wantTally) {
		t.Errorf("tally:\n got %+v\nwant %+v", tally, wantTally)
	}
	want := map[string]string{
		"http://x/top": "top done 1 ", "http://x/a": "profile done 1 ", "http://x/b": "profile failed 3 HTTP 404",
		"http://x/c": "profile pending 1 HTTP 503", "http://x/d": "profile pending 0 ",
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT url, kind, state, attempts, reason, coalesce(next_attempt, '') FROM frontier WHERE run_id = ?`, run)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var u, kind, state, reason, next string
		var attempts int
		if err := rows.Scan(&u, &kind, &state, &attempts, &reason, &next); err != nil {
			t.Fatal(err)
		}
		n++
		if got := fmt.Sprintf("%s %s %d %s", kind, state, attempts, reason); got != want[u] {
			t.Errorf("%s: %q, want %q", u, got, want[u])
		}
		if (u == "http://x/c") != (next != "") {
			t.Errorf("%s: next attempt %q", u, next)
		}
	}
	if n != len(want) {
		t.Errorf("%d frontier rows, want %d", n, len(want))
	}
	pending, _, err := db.Frontier(ctx, run)
	if err != nil || len(pending) != 2 {
		t.Errorf("pending %v (%v), want c and d", pending, err)
	}
	// The retry succeeds and d is fetched: nothing is left, and the log
	// keeps every state c went through.
	if err := db.CommitBatch(ctx, run, []market.PageResult{page("http://x/c", "profile", 2, ""), page("http://x/d", "profile", 1, "")}); err != nil {
		t.Fatal(err)
	}
	if pending, seen, err := db.Frontier(ctx, run); err != nil || len(pending) != 0 || len(seen) != 5 {
		t.Errorf("after the second batch: pending %v, seen %v (%v)", pending, seen, err)
	}
	// Every URL settled: counted without the distinct URLs, the same.
	wantTally.Kinds[0].Done, wantTally.Kinds[0].Pending = 3, 0
	for _, settled := range []bool{false, true} {
		if tally, err := db.Tally(ctx, run, settled); err != nil || !reflect.DeepEqual(tally, wantTally) {
			t.Errorf("settled %v: %v\n got %+v\nwant %+v", settled, err, tally, wantTally)
		}
	}
	var states string
	db.SQL().QueryRowContext(ctx, `SELECT group_concat(state || ':' || attempts, ' ') FROM (SELECT state, attempts FROM frontier_log WHERE url = 'http://x/c' ORDER BY id)`).Scan(&states)
	if states != "pending:1 done:2" {
		t.Errorf("log of c: %q, want the retry then the success", states)
	}
}

// A store made before the frontier log keeps its frontier: the rows move
// into the log and the frontier view shows them as they were.
func TestMigrateFrontierLog(t *testing.T) {
	ctx := t.Context()
	db := openOld(t, 2, `INSERT INTO runs(id, source, started_at, status) VALUES (1, 's', '2026-11-16T09:00:00Z', 'running');
		INSERT INTO frontier(run_id, url, kind, state, attempts, next_attempt, reason, updated_at) VALUES
		  (1, 'http://x/top', 'top', 'done', 1, NULL, '', '2026-11-16T09:00:01Z'),
		  (1, 'http://x/a', 'profile', 'pending', 2, '2026-11-16T09:05:00Z', 'HTTP 503', '2026-11-16T09:00:02Z'),
		  (1, 'http://x/b', 'profile', 'failed', 3, NULL, 'HTTP 404', '2026-11-16T09:00:03Z')`)
	var got []string
	rows, err := db.SQL().QueryContext(ctx, `SELECT url, kind, state, attempts, coalesce(next_attempt, '-'), reason FROM frontier WHERE run_id = 1 ORDER BY url`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, kind, state, next, reason string
		var attempts int
		if err := rows.Scan(&u, &kind, &state, &attempts, &next, &reason); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %d %s %s", u, kind, state, attempts, next, reason))
	}
	want := []string{
		"http://x/a profile pending 2 2026-11-16T09:05:00Z HTTP 503",
		"http://x/b profile failed 3 - HTTP 404",
		"http://x/top top done 1 - ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("frontier after migration:\n%q\nwant\n%q", got, want)
	}
	pending, seen, err := db.Frontier(ctx, 1)
	if err != nil || len(pending) != 1 || pending[0].URL != "http://x/a" || pending[0].Attempts != 2 || len(seen) != 3 {
		t.Errorf("Frontier: pending %v, seen %v, %v", pending, seen, err)
	}
}

// TestPruneKeepsReusedBodies: a body a newer page still points at (a 304
// that reused it) is not pruned with its old page.
func TestPruneKeepsReusedBodies(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	old := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	now := old.AddDate(0, 0, 30)
	r1, _ := db.BeginRun(ctx, "s", old, nil)
	if err := db.CommitBatch(ctx, r1, []market.PageResult{
		{Page: market.Page{URL: "https://x.example/a", Kind: "k", Status: 200, FetchedAt: old, Compressed: []byte("a")}},
		{Page: market.Page{URL: "https://x.example/b", Kind: "k", Status: 200, FetchedAt: old, Compressed: []byte("b")}},
	}); err != nil {
		t.Fatal(err)
	}
	r2, _ := db.BeginRun(ctx, "s", now, nil)
	if err := db.CommitBatch(ctx, r2, []market.PageResult{
		{Page: market.Page{URL: "https://x.example/a", Kind: "k", Status: 304, FetchedAt: now, SameAs: 1}},
	}); err != nil {
		t.Fatal(err)
	}
	n, _, err := db.Prune(ctx, now.AddDate(0, 0, -7), now)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1: page b only", n, err)
	}
	var a, b int
	db.SQL().QueryRow(`SELECT count(*) FROM pages WHERE id = 1 AND body_zst IS NOT NULL`).Scan(&a)
	db.SQL().QueryRow(`SELECT count(*) FROM pages WHERE id = 2 AND body_zst IS NULL AND pruned_at IS NOT NULL`).Scan(&b)
	if a != 1 || b != 1 {
		t.Errorf("page a kept %d, page b pruned %d", a, b)
	}
}

// The history reads each snapshot's totals as written, and counts an
// older snapshot's (written before the totals were kept) from its
// creators: the same figures either way.
func TestHistoryTotals(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	at := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
	for week := range 2 {
		run, err := db.BeginRun(ctx, "s", at, nil)
		if err != nil {
			t.Fatal(err)
		}
		var as market.Assembler
		as.Add(market.Record{Entity: market.EntityCreator, Key: "mia", Fields: map[string]market.Value{
			"followers": {Kind: market.KindCount, Raw: "1K", Num: 1000}, "gmv": {Kind: market.KindMoney, Raw: "$12.50", Num: 1250, Currency: "USD"}}}, "http://x/top")
		as.Add(market.Record{Entity: market.EntityCreator, Key: "ann", Fields: map[string]market.Value{
			"followers": {Kind: market.KindCount, Raw: "2K", Num: 2000 + int64(week)}}}, "http://x/top")
		if _, err := db.FinishRun(ctx, run, market.RunOK, "ok", at.AddDate(0, 0, 7*week), "{}",
			&market.Draft{Source: market.SourceInfo{Name: "s", RateUSD: 1}, Merged: &as}); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := db.History(ctx, "s")
	if err != nil || len(kept) != 2 {
		t.Fatalf("%v %v", kept, err)
	}
	if h := kept[0]; h.Creators != 2 || h.TotalGMVUSD != 12.5 || h.WithGMV != 1 || h.WithFollowers != 2 {
		t.Errorf("totals %+v", h)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE snapshots SET n_creators = NULL, total_gmv_usd = NULL, n_with_gmv = NULL, n_with_followers = NULL WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	counted, err := db.History(ctx, "s")
	if err != nil || !reflect.DeepEqual(counted, kept) {
		t.Errorf("counted %+v, kept %+v (%v)", counted, kept, err)
	}
}

// A snapshot merged by the store from the run's records, one key at a
// time, is the one the assembler makes holding every record: precedence
// (ties keep the first stored), repeats identical and conflicting, both
// page kinds' texts, sparse fields, products and live sessions, across
// batches and pages.
func TestMergeFromRecordsMatchesAssembler(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	at := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
	count := func(raw string, n int64) market.Value { return market.Value{Kind: market.KindCount, Raw: raw, Num: n} }
	usd := func(raw string, n int64) market.Value {
		return market.Value{Kind: market.KindMoney, Raw: raw, Num: n, Currency: "USD", Period: "28d"}
	}
	text := func(s string) market.Value { return market.Value{Kind: market.KindText, Raw: s, Text: s} }
	rec := func(e market.Entity, key string, prec, line int, f map[string]market.Value) market.Record {
		return market.Record{Entity: e, Key: key, Precedence: prec, Line: line, Fields: f}
	}
	var batches [][]market.PageResult
	for b := range 3 {
		var batch []market.PageResult
		for p := range 4 {
			page := market.Page{URL: fmt.Sprintf("https://x.example/top?page=%d", 4*b+p+1), Kind: "leaderboard", Status: 200, FetchedAt: at}
			var recs []market.Record
			for i := range 30 {
				n := (4*b+p)*30 + i
				key := fmt.Sprintf("c%03d", n%70) // a creator on several pages: repeats, some identical
				f := map[string]market.Value{"followers": count(fmt.Sprintf("%dK", n%70), int64(1000*(n%70))),
					"display_name": text("Name " + key), "category": text([]string{"Beauty", "Home"}[n%2])}
				if n%3 == 0 {
					f["gmv"] = usd(fmt.Sprintf("$%d", n), int64(100*n))
				}
				if n%7 == 0 {
					f["rank"] = count(fmt.Sprint(n), int64(n))
				}
				recs = append(recs, rec(market.EntityCreator, key, 1, i+1, f))
			}
			recs = append(recs, rec(market.EntityProduct, fmt.Sprintf("p%d", p), 0, 31, map[string]market.Value{
				"title": text("Product"), "units": count("12", 12), "price": usd("$3.00", 300), "creators": text("c001\x1fc002")}))
			batch = append(batch, market.PageResult{Page: page, Records: recs})
		}
		prof := market.Page{URL: fmt.Sprintf("https://x.example/@c%03d", b), Kind: "profile", Status: 200, FetchedAt: at}
		batch = append(batch, market.PageResult{Page: prof, Records: []market.Record{
			rec(market.EntityCreator, fmt.Sprintf("c%03d", b), 5, 0, map[string]market.Value{"followers": count("1234", 1234), "gmv_live": usd("$9", 900)}),
			rec(market.EntityLive, fmt.Sprintf("l%d", b), 0, 0, map[string]market.Value{"creator": text(fmt.Sprintf("c%03d", b)), "viewers": count("1.2K", 1200),
				"gmv": usd("$50", 5000), "duration": {Kind: market.KindDuration, Raw: "1h", Num: 3600}}),
		}})
		batches = append(batches, batch)
	}
	var snaps [2]*market.Snapshot
	for i := range snaps {
		run, err := db.BeginRun(ctx, "s", at, nil)
		if err != nil {
			t.Fatal(err)
		}
		var as market.Assembler
		for _, batch := range batches {
			if err := db.CommitBatch(ctx, run, batch); err != nil {
				t.Fatal(err)
			}
			for _, r := range batch {
				for _, rec := range r.Records {
					as.AddFrom(rec, r.Page.URL, r.Page.Kind)
				}
			}
		}
		draft := &market.Draft{Source: market.SourceInfo{Name: "s", RateUSD: 1}}
		if i == 0 {
			draft.Merged = &as
		}
		id, err := db.FinishRun(ctx, run, market.RunOK, "ok", at, "{}", draft)
		if err != nil {
			t.Fatal(err)
		}
		if snaps[i], err = db.Snapshot(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	a, b := snaps[0], snaps[1]
	if len(a.Creators) != 70 || len(a.Products) != 4 || len(a.Lives) != 3 || len(a.Repeats) == 0 {
		t.Fatalf("in memory: %d creators, %d products, %d lives, %d repeats", len(a.Creators), len(a.Products), len(a.Lives), len(a.Repeats))
	}
	for _, x := range []*market.Snapshot{a, b} {
		x.ID, x.RunID = 0, 0
	}
	if !reflect.DeepEqual(a.Creators, b.Creators) {
		for i := range a.Creators {
			if !reflect.DeepEqual(a.Creators[i], b.Creators[i]) {
				t.Fatalf("creator %d:\nin memory %+v\nby store  %+v", i, a.Creators[i], b.Creators[i])
			}
		}
	}
	for name, pair := range map[string][2]any{"products": {a.Products, b.Products}, "lives": {a.Lives, b.Lives},
		"repeats": {a.Repeats, b.Repeats}, "ranges": {a.Ranges, b.Ranges}} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ:\nin memory %+v\nby store  %+v", name, pair[0], pair[1])
		}
	}
	if a.Creators[1].Shown == nil || a.Creators[1].GMVLive == nil {
		t.Errorf("c001 lacks both kinds' texts or its live GMV: %+v", a.Creators[1])
	}
}

// A report reads each creator's standing packed in the standings table; a
// snapshot stored before standings were packed has its creators' values
// decoded instead, and both equal the standing made from the full
// creator.
func TestStandingsPackedAndDecoded(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	var as market.Assembler
	usd := func(n int64) market.Value {
		return market.Value{Kind: market.KindMoney, Raw: "x", Num: n, Currency: "USD"}
	}
	const n = 700 // more than two of the store's read batches
	for i := range n {
		f := map[string]market.Value{"followers": {Kind: market.KindCount, Raw: "35.8K", Num: int64(1000 * i)}}
		switch i % 4 {
		case 0:
			f["gmv"] = market.Value{Kind: market.KindMoney, Raw: "$10K-$25K", Estimate: true, Low: 1000000, High: 2500001, Currency: "USD"}
			f["views"] = market.Value{Kind: market.KindCount, Raw: "1K-5K", Estimate: true, Low: 1000, High: 5001}
		case 1:
			f["gmv"], f["gmv_live"], f["gmv_video"], f["gmv_showcase"] = usd(int64(i*100)), usd(50), usd(25), usd(int64(i))
			f["rank"] = market.Value{Kind: market.KindCount, Raw: "7", Num: 7}
		case 2:
			delete(f, "followers")
		}
		as.Add(market.Record{Entity: market.EntityCreator, Key: fmt.Sprintf("c%03d", i), Fields: f}, fmt.Sprintf("https://x.example/@c%03d", i))
	}
	id := storeMerged(t, db, &as)
	full, err := db.Snapshot(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := full.Everyone()
	if len(want) != n || want[0].Has&market.GMVRange == 0 || want[1].Live != 0.5 || !slices.IsSortedFunc(full.Creators, func(a, b market.Creator) int {
		return strings.Compare(a.Handle, b.Handle)
	}) {
		t.Fatalf("standings from creators: %+v", want[:2])
	}
	var chunks int
	db.SQL().QueryRow(`SELECT count(*) FROM standing_chunks WHERE snapshot_id = ?`, id).Scan(&chunks)
	if chunks != 2 {
		t.Errorf("%d creators in %d chunks, want 2", n, chunks)
	}
	for _, step := range []string{"packed", "packed by version 10", "packed by version 9", "decoded"} {
		if step == "packed by version 10" { // a row per creator in the standings table
			if _, err := db.SQL().Exec(`CREATE TABLE kept_chunks AS SELECT * FROM standing_chunks; DELETE FROM standing_chunks`); err != nil {
				t.Fatal(err)
			}
			for _, st := range want {
				if _, err := db.SQL().Exec(`INSERT INTO standings(snapshot_id, handle, packed) VALUES (?, ?, ?)`, id, st.Handle, st.AppendPacked(nil)); err != nil {
					t.Fatal(err)
				}
			}
		}
		change := map[string]string{
			// Version 9 packed them beside each creator.
			"packed by version 9": `CREATE TABLE kept AS SELECT * FROM standings; DELETE FROM standings;
				UPDATE creators SET standing = (SELECT packed FROM kept k WHERE k.snapshot_id = creators.snapshot_id AND k.handle = creators.handle)`,
			"decoded": `UPDATE creators SET standing = NULL`,
		}[step]
		if _, err := db.SQL().Exec(change); change != "" && err != nil {
			t.Fatal(err)
		}
		lean, err := db.SnapshotLean(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// A lean snapshot's standings hold no links: its stream looks
		// up the few a report shows.
		got := slices.Clone(lean.Standings)
		for i := range got {
			if got[i].URL != "" {
				t.Fatalf("%s: a lean standing holds its link: %+v", step, got[i])
			}
			got[i].URL = want[i].URL
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s standings:\n got %+v\nwant %+v", step, got[:4], want[:4])
		}
		if u := lean.URLOf("c042"); u != "https://x.example/@c042" || lean.URLOf("nobody") != "" {
			t.Errorf("%s: links %q", step, u)
		}
	}
	var packed []byte
	if _, err := db.SQL().Exec(`INSERT INTO standings SELECT * FROM kept; UPDATE standings SET packed = x'02' WHERE handle = 'c003'`); err != nil {
		t.Fatal(err)
	}
	db.SQL().QueryRow(`SELECT packed FROM standings WHERE handle = 'c003'`).Scan(&packed)
	if _, err := db.SnapshotLean(ctx, id); err == nil || !strings.Contains(err.Error(), "c003") {
		t.Errorf("a damaged standing (%x) reads: %v", packed, err)
	}
	// A chunk cut short, or of another format, is an error, not fewer creators.
	for _, damage := range []string{`substr(packed, 1, 1000)`, `x'02' || substr(packed, 2)`} {
		if _, err := db.SQL().Exec(`DELETE FROM standing_chunks; INSERT INTO standing_chunks SELECT * FROM kept_chunks;
			UPDATE standing_chunks SET packed = ` + damage + ` WHERE seq = 1`); err != nil {
			t.Fatal(err)
		}
		if snap, err := db.SnapshotLean(ctx, id); err == nil {
			t.Errorf("a chunk damaged by %s reads: %d standings", damage, len(snap.Standings))
		}
	}
	db.SQL().Exec(`DELETE FROM standing_chunks`)
	// Creators are decoded in batches side by side and handed over in
	// order; a damaged one, or fn's own error, stops the read with it.
	db.SQL().Exec(`UPDATE creators SET values_json = '{"followers": [' WHERE handle = 'c600'`)
	seen := 0
	err = db.EachCreator(ctx, id, func(c *market.Creator) error { seen++; return nil })
	if err == nil || !strings.Contains(err.Error(), "c600") || seen != 600 {
		t.Errorf("a damaged creator: %d read before it, %v", seen, err)
	}
	stop := errors.New("enough")
	seen = 0
	if err := db.EachCreator(ctx, id, func(c *market.Creator) error { seen++; return stop }); err != stop || seen != 1 {
		t.Errorf("fn's error: %v after %d", err, seen)
	}
}

// StreamCreators gives the creators EachCreator gives, in the same order,
// though each creator's values, texts and products reuse those of one read
// before it: over enough creators that every batch is used again.
func TestStreamCreatorsAsEach(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	var as market.Assembler
	const n = 9000 // 35 batches of 256, more than are ever in flight
	for i := range n {
		key := fmt.Sprintf("c%05d", (i*7919)%n) // not in handle order
		f := map[string]market.Value{"followers": {Kind: market.KindCount, Raw: fmt.Sprintf("%d.%dK", i%90, i%10), Num: int64(100 * i)}}
		if i%3 != 0 {
			f["gmv"] = market.Value{Kind: market.KindMoney, Raw: "$10K-$25K", Estimate: true, Low: 1000000, High: 2500001, Currency: "USD", Period: "28d"}
		}
		if i%5 == 0 {
			f["products"] = market.Value{Kind: market.KindText, Raw: "p1,p2", Text: strings.Repeat("p", 1+i%4) + "\x1fq"}
		}
		as.AddFrom(market.Record{Entity: market.EntityCreator, Key: key, Precedence: 1, Fields: f}, "https://x.example/top", "leaderboard")
		if i%2 == 0 { // a second kind's texts: shown beside the winner's
			as.AddFrom(market.Record{Entity: market.EntityCreator, Key: key, Precedence: 2, Fields: map[string]market.Value{
				"followers": {Kind: market.KindCount, Raw: fmt.Sprint(100*i + 7), Num: int64(100*i + 7)}}}, "https://x.example/@"+key, "profile")
		}
	}
	id := storeMerged(t, db, &as)
	read := func(each func(context.Context, int64, func(*market.Creator) error) error) []string {
		var out []string
		if err := each(ctx, id, func(c *market.Creator) error {
			b, err := json.Marshal(c) // the values and texts as they are now
			out = append(out, string(b))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := read(db.EachCreator), read(db.StreamCreators)
	if len(want) != n || !strings.Contains(want[0], `"Shown":{"followers"`) || !strings.Contains(want[0], `"Products":["p`) {
		t.Fatalf("%d creators; the first: %s", len(want), want[0])
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("creator %d streamed:\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
}

// Movers are stored with each snapshot and read back as market.Compare
// gives them; when an older snapshot is written later (an export
// imported late), the next one's are computed again against it.
func TestMoversStoredAndRefreshed(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	week := func(w int) time.Time { return time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC).AddDate(0, 0, 7*w) }
	write := func(w int) int64 {
		run, err := db.BeginRun(ctx, "s", week(w), nil)
		if err != nil {
			t.Fatal(err)
		}
		var as market.Assembler
		for i := range 300 {
			if (i+w)%10 == 0 {
				continue // some creators enter and drop each week
			}
			g := int64((i*7919+w*104729)%100000 + 1)
			if i%50 == w {
				g = 5
			}
			as.Add(market.Record{Entity: market.EntityCreator, Key: fmt.Sprintf("c%03d", i), Fields: map[string]market.Value{
				"followers": {Kind: market.KindCount, Raw: "x", Num: int64(1000 + i*w)},
				"gmv":       {Kind: market.KindMoney, Raw: "x", Num: g, Currency: "USD"}}}, "http://x/top")
		}
		id, err := db.FinishRun(ctx, run, market.RunOK, "ok", week(w), "{}", &market.Draft{Source: market.SourceInfo{Name: "s", RateUSD: 1}, Merged: &as})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	check := func(prevID, id int64) {
		t.Helper()
		got, ok, err := db.Movers(ctx, id, 10)
		if err != nil || !ok {
			t.Fatalf("movers of %d: %v %v", id, ok, err)
		}
		a, _ := db.SnapshotLean(ctx, prevID)
		b, _ := db.SnapshotLean(ctx, id)
		want := market.Compare(a, b, market.Summary{}, 10)
		if got.Prev.ID != prevID || got.Counts != want.Counts || got.Together != want.Together {
			t.Errorf("movers of %d vs %d: %+v %+v, want %+v %+v", id, got.Prev.ID, got.Counts, got.Together, want.Counts, want.Together)
		}
		cut := func(cs []market.Change) []market.Change { return cs[:min(10, len(cs))] }
		for name, pair := range map[string][2][]market.Change{"up": {got.Up, want.Up}, "down": {got.Down, want.Down},
			"entered": {got.Entered, cut(want.Entered)}, "dropped": {got.Dropped, cut(want.Dropped)}, "breakouts": {got.Breakouts, cut(want.Breakouts)}} {
			if len(pair[1]) == 0 {
				t.Errorf("%s: none to compare", name)
			}
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Errorf("%s of %d:\n got %+v\nwant %+v", name, id, pair[0], pair[1])
			}
		}
	}
	w1 := write(1)
	if _, ok, err := db.Movers(ctx, w1, 10); ok || err != nil {
		t.Fatalf("the first week has movers: %v %v", ok, err)
	}
	w3 := write(3)
	check(w1, w3)
	w2 := write(2) // imported late: week 3's movers are now against it, as stored
	var vs int64
	db.SQL().QueryRow(`SELECT movers_vs FROM snapshots WHERE id = ?`, w3).Scan(&vs)
	if vs != w2 {
		t.Errorf("week 3's movers are stored against %d, want %d", vs, w2)
	}
	check(w1, w2)
	check(w2, w3)
	// A store from before movers were kept: computed when asked for.
	db.SQL().Exec(`UPDATE snapshots SET movers_vs = NULL, movers = NULL WHERE id = ?`, w3)
	db.SQL().Exec(`DELETE FROM movers WHERE snapshot_id = ?`, w3)
	check(w2, w3)
}

// A run's pages are counted by each URL's last attempt, as grouping every
// URL would count them, with retries and a retry the run never made.
func TestRunPagesLastAttempt(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	at := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
	run, err := db.BeginRun(ctx, "s", at, nil)
	if err != nil {
		t.Fatal(err)
	}
	page := func(u string, attempts int, failure string, bytes int64, min int) market.PageResult {
		r := market.PageResult{Page: market.Page{URL: "https://x.example/" + u, Kind: "k", Status: 200, FetchedAt: at.Add(time.Duration(min) * time.Minute),
			Attempts: attempts, Failure: failure, Bytes: bytes}}
		if failure != "" {
			r.Page.Status = 503
			r.RetryAt = at.Add(time.Hour)
		}
		return r
	}
	batches := [][]market.PageResult{
		{page("a", 1, "", 10, 0), page("b", 1, "status 503", 1, 1), page("c", 1, "status 503", 1, 2), page("d", 1, "status 503", 1, 3)},
		{page("b", 2, "", 20, 4), page("c", 2, "status 503", 1, 5)},
		{page("c", 3, "status 503", 2, 6)}, // c failed three times; d's retry never came
	}
	for _, b := range batches {
		if err := db.CommitBatch(ctx, run, b); err != nil {
			t.Fatal(err)
		}
	}
	got, first, last, err := db.RunPages(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	want := []market.PageStat{{Kind: "k", Outcome: "ok", Pages: 2, Bytes: 30}, {Kind: "k", Outcome: "status 503", Pages: 2, Bytes: 3}}
	if !reflect.DeepEqual(got, want) || !first.Equal(at) || !last.Equal(at.Add(6*time.Minute)) {
		t.Errorf("pages %+v from %v to %v, want %+v", got, first, last, want)
	}
	// The same as grouping every URL.
	var n int
	db.SQL().QueryRow(`SELECT count(*) FROM pages WHERE id IN (SELECT max(id) FROM pages WHERE run_id = ? GROUP BY url)`, run).Scan(&n)
	if n != 4 {
		t.Errorf("%d URLs' last pages, want 4", n)
	}
}

// storeMerged stores what as merged as the snapshot of a new run of
// source "s", and returns its id.
func storeMerged(t *testing.T, db *DB, as *market.Assembler) int64 {
	t.Helper()
	at := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
	run, err := db.BeginRun(t.Context(), "s", at, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.FinishRun(t.Context(), run, market.RunOK, "ok", at, "{}", &market.Draft{Source: market.SourceInfo{Name: "s", RateUSD: 1}, Merged: as})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// openTemp opens a new store in a temporary folder, closed when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "g.db"))
}

// openAt opens the store at path, closed when the test ends.
func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A store of version 9 keeps its creators' packed standings where they
// are, and a report reads them as before; a snapshot from before they were
// packed is decoded; a snapshot written after has its standings in
// standing_chunks.
func TestMigrateStandingsApart(t *testing.T) {
	ctx := t.Context()
	ana := market.Standing{Handle: "ana", Followers: 35800, GMVUSD: 2e6, Has: market.HasFollowers | market.HasGMV}
	bo := market.Standing{Handle: "bo", Followers: 430000, Has: market.HasFollowers}
	db := openOld(t, 9, `INSERT INTO runs(id, source, started_at, status) VALUES (1, 's', '2026-11-16T09:00:00Z', 'ok'), (2, 's', '2026-11-23T09:00:00Z', 'ok');
		INSERT INTO snapshots(id, run_id, source, status, taken_at, source_info) VALUES
		  (1, 1, 's', 'ok', '2026-11-16T09:00:00Z', '{}'), (2, 2, 's', 'ok', '2026-11-23T09:00:00Z', '{}');
		INSERT INTO creators(snapshot_id, handle, values_json, standing) VALUES (1, 'ana', '{}', ?), (1, 'bo', '{}', ?),
		  (2, 'cy', '{"followers":{"kind":"count","raw":"12","num":12}}', NULL)`, ana.AppendPacked(nil), bo.AppendPacked(nil))
	for id, want := range map[int64][]market.Standing{1: {ana, bo}, 2: {{Handle: "cy", Followers: 12, Has: market.HasFollowers}}} {
		snap, err := db.SnapshotStandings(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(snap.Standings, want) {
			t.Errorf("snapshot %d: %+v, want %+v", id, snap.Standings, want)
		}
	}
	run, err := db.BeginRun(ctx, "s", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	var as market.Assembler
	as.Add(market.Record{Entity: market.EntityCreator, Key: "dee", Fields: map[string]market.Value{
		"followers": {Kind: market.KindCount, Raw: "7", Num: 7}}}, "https://x.example/@dee")
	id, err := db.FinishRun(ctx, run, market.RunOK, "ok", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), "{}", &market.Draft{Merged: &as})
	if err != nil {
		t.Fatal(err)
	}
	var chunks, inTable, beside int
	db.SQL().QueryRow(`SELECT count(*) FROM standing_chunks WHERE snapshot_id = ?`, id).Scan(&chunks)
	db.SQL().QueryRow(`SELECT count(*) FROM standings WHERE snapshot_id = ?`, id).Scan(&inTable)
	db.SQL().QueryRow(`SELECT count(standing) FROM creators WHERE snapshot_id = ?`, id).Scan(&beside)
	if chunks != 1 || inTable != 0 || beside != 0 {
		t.Errorf("a new snapshot's standings: %d chunks, %d in the table, %d beside its creators", chunks, inTable, beside)
	}
}

// openOld makes a store of schema version (its first migrations only),
// runs setup in it (with args), and opens it as gmvscope does: migrated
// to now. It is closed when the test ends.
func openOld(t *testing.T, version int, setup string, args ...any) *DB {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names[:version] {
		body, _ := migrations.ReadFile(name)
		if _, err := old.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := old.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d;\n", version)+setup, args...); err != nil {
		t.Fatal(err)
	}
	old.Close()
	return openAt(t, path)
}

// A new store is made with 16 KB pages, in WAL mode; a store made with
// SQLite's default pages keeps them and opens as before.
func TestNewStorePageSize(t *testing.T) {
	ctx := t.Context()
	pragmas := func(db *DB) (size int, mode string) {
		db.SQL().QueryRow(`PRAGMA page_size`).Scan(&size)
		db.SQL().QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		return
	}
	db := openTemp(t)
	if size, mode := pragmas(db); size != pageSize || mode != "wal" {
		t.Errorf("new store: %d-byte pages, journal %s", size, mode)
	}
	db = openOld(t, 0, `CREATE TABLE kept (x)`) // made with SQLite's default pages
	if size, mode := pragmas(db); size != 4096 || mode != "wal" {
		t.Errorf("a 4 KB store: %d-byte pages, journal %s", size, mode)
	}
	if _, err := db.BeginRun(ctx, "s", time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC), nil); err != nil {
		t.Errorf("a 4 KB store migrated: %v", err)
	}
}

// More runs than the store's pool has connections finish at once, all
// merging their records from a connection beside the one that writes
// (as a run of many records does) but one on that one: all of them finish,
// each with its own creator.
func TestFinishRunsTogether(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	const n = 9
	runs := make([]int64, n)
	for i := range runs {
		run, err := db.BeginRun(ctx, fmt.Sprintf("s%d", i), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = run
		err = db.CommitBatch(ctx, run, []market.PageResult{{
			Page: market.Page{URL: fmt.Sprintf("http://x/top%d", i), Kind: "top", Status: 200, FetchedAt: at, Attempts: 1},
			Records: []market.Record{{Entity: market.EntityCreator, Key: fmt.Sprintf("c%d", i), Fields: map[string]market.Value{
				"followers": {Kind: market.KindCount, Raw: strconv.Itoa(i + 1), Num: int64(i + 1)}}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, n)
	for i, run := range runs {
		go func() {
			draft := &market.Draft{Source: market.SourceInfo{Name: fmt.Sprintf("s%d", i), RateUSD: 1}}
			if i != 0 {
				draft.Records = mergeApart // read beside the writing connection
			}
			id, err := db.FinishRun(ctx, run, market.RunOK, "ok", at, "{}", draft)
			if err == nil {
				var handle string
				var followers int64
				err = db.SQL().QueryRowContext(ctx, `SELECT handle, followers FROM creators WHERE snapshot_id = ?`, id).Scan(&handle, &followers)
				if err == nil && (handle != fmt.Sprintf("c%d", i) || followers != int64(i+1)) {
					err = fmt.Errorf("run %d: snapshot %d holds %s with %d followers", run, id, handle, followers)
				}
			}
			if err == nil { // its pages counted, beside the merge for a large run
				var pc pageCounts
				var js string
				err = db.SQL().QueryRowContext(ctx, `SELECT pages FROM snapshots WHERE id = ?`, id).Scan(&js)
				if err == nil {
					err = json.Unmarshal([]byte(js), &pc)
				}
				want := []market.PageStat{{Kind: "top", Outcome: "ok", Pages: 1}}
				if err == nil && (!reflect.DeepEqual(pc.Stats, want) || !pc.First.Equal(at) || !pc.Last.Equal(at)) {
					err = fmt.Errorf("run %d: snapshot %d counts its pages %+v, want %+v from %v", run, id, pc, want, at)
				}
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
