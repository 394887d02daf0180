package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestStopAndRound: the stopped store holds every page of a small market
// and a run not finished; a round on a copy finishes it into a snapshot
// of every creator and leaves the stopped store as it was.
func TestStopAndRound(t *testing.T) {
	ctx := t.Context()
	base, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "stopped.db")
	at := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	pages, err := stop(ctx, 300, base, path, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if pages < 300 {
		t.Fatalf("%d pages stored for 300 creators' profiles", pages)
	}
	cp := filepath.Join(dir, "round.db")
	for range 2 { // the stopped store is still unfinished for the second round
		if err := copyStore(path, cp); err != nil {
			t.Fatal(err)
		}
		_, _, records, err := runRound(ctx, cp)
		if err != nil {
			t.Fatal(err)
		}
		if records < 600 { // a leaderboard row and a profile for each creator, at least
			t.Errorf("the round finished %d records", records)
		}
		n := snapshotCreators(t, cp)
		if n != 300 {
			t.Errorf("the round's snapshot holds %d creators, want 300", n)
		}
		if err := removeStore(cp); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := runRound(ctx, path); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := runRound(ctx, path); err == nil {
		t.Error("a finished store was taken for a stopped one")
	}
}

func snapshotCreators(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT n_creators FROM snapshots ORDER BY id DESC LIMIT 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
