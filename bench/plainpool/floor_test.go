package main

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"gmvscope/demo"
)

// serveFloor serves mk and opens a floor store for the pool (with -full
// if fullCrawl); the test's cleanup puts both back.
func serveFloor(t *testing.T, mk *demo.Market, fullCrawl bool) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(mk.Handler())
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "floor.db")
	var err error
	if floor, err = openFloor(path, "keyed"); err != nil {
		t.Fatal(err)
	}
	full = fullCrawl
	t.Cleanup(func() { floor, full = nil, false })
	return srv, path
}

// crawlFloor runs the pool over srv's market and closes the floor store.
func crawlFloor(t *testing.T, srv *httptest.Server) (pages, rows, failed int) {
	t.Helper()
	pages, rows, failed = pool(srv.Client(), srv.URL+"/leaderboard?page=1", 4)
	if err := floor.close(); err != nil {
		t.Fatal(err)
	}
	return pages, rows, failed
}

// TestFloorStoresEveryPage crawls a small sample market through the pool
// with -store and checks that the floor wrote what it claims to: every page
// as served, a record per leaderboard row and profile with the row's texts,
// and one snapshot row per creator under its handle.
func TestFloorStoresEveryPage(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 130})
	srv, path := serveFloor(t, mk, false)
	pages, rows, failed := crawlFloor(t, srv)
	wantPages := mk.Pages() + len(mk.Creators)
	if pages != wantPages || rows != 2*len(mk.Creators) || failed != 0 {
		t.Fatalf("pool: %d pages, %d rows, %d failed; want %d, %d, 0", pages, rows, failed, wantPages, 2*len(mk.Creators))
	}

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM pages`); n != wantPages {
		t.Errorf("%d pages stored, want %d", n, wantPages)
	}
	if n := count(`SELECT count(*) FROM records`); n != 2*len(mk.Creators) {
		t.Errorf("%d records stored, want %d", n, 2*len(mk.Creators))
	}

	// Each stored body is the page as served.
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	var url string
	var body []byte
	if err := db.QueryRow(`SELECT url, body_zst FROM pages WHERE url LIKE '%page=2'`).Scan(&url, &body); err != nil {
		t.Fatal(err)
	}
	got, err := dec.DecodeAll(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != string(want) {
		t.Errorf("%s: stored body (%d bytes) is not the page served (%d bytes)", url, len(got), len(want))
	}

	// The snapshot holds each creator once, under its handle, with the
	// texts of its leaderboard record.
	var handles []string
	rs, err := db.Query(`SELECT c.handle, c.followers, c.gmv, r.fields FROM creators c JOIN records r ON r.key = c.handle AND r.fields LIKE '{"display_name"%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var h, followers, gmv, fields string
		if err := rs.Scan(&h, &followers, &gmv, &fields); err != nil {
			t.Fatal(err)
		}
		var texts map[string]string
		if err := json.Unmarshal([]byte(fields), &texts); err != nil {
			t.Fatalf("%s: record %q: %v", h, fields, err)
		}
		if followers == "" || texts["followers"] != followers || texts["gmv"] != gmv {
			t.Errorf("%s: snapshot says %q, %q; its record %s", h, followers, gmv, fields)
		}
		handles = append(handles, h)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(handles) != len(mk.Creators) {
		t.Errorf("snapshot: %d creators, want %d", len(handles), len(mk.Creators))
	}
	if n := count(`SELECT pk FROM pragma_table_info('creators') WHERE name = 'handle'`); n != 1 {
		t.Errorf("the snapshot is not keyed by handle (pk %d)", n)
	}
}

func TestFloorModes(t *testing.T) {
	dir := t.TempDir()
	if _, err := openFloor(filepath.Join(dir, "x.db"), "sorted"); err == nil || !strings.Contains(err.Error(), "want append, index or keyed") {
		t.Errorf("an unknown -snapshot: %v", err)
	}
	for _, mode := range []string{"append", "index", "keyed"} {
		s, err := openFloor(filepath.Join(dir, mode+".db"), mode)
		if err != nil {
			t.Fatal(err)
		}
		s.put("http://x/creator/b", []byte("<p>b</p>"), []row{{handle: "b", name: "B", followers: "2K", gmv: "$1"}})
		s.put("http://x/creator/a", []byte("<p>a</p>"), []row{{handle: "a", name: "A", followers: "1K", gmv: "$2"}})
		if err := s.close(); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, mode+".db")+"?mode=ro")
		table := map[string]string{"append": "seen", "index": "seen INDEXED BY seen_handle", "keyed": "creators"}[mode]
		var first string
		if err := db.QueryRow(`SELECT handle FROM ` + table + ` WHERE handle >= '' LIMIT 1`).Scan(&first); err != nil {
			t.Errorf("%s: %v", mode, err)
		} else if want := map[string]string{"append": "b", "index": "a", "keyed": "a"}[mode]; first != want {
			t.Errorf("%s: first creator %q, want %q", mode, first, want)
		}
		db.Close()
	}
}

// TestFullFollowsProductsAndLives: with -full the pool fetches each linked
// product and live session once, and the floor keeps a record of each with
// its texts.
func TestFullFollowsProductsAndLives(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 90})
	srv, path := serveFloor(t, mk, true)
	pages, _, failed := crawlFloor(t, srv)
	products, lives := map[string]bool{}, 0
	for _, c := range mk.Creators {
		for _, id := range c.ProductIDs {
			products[id] = true
		}
		lives += len(c.Lives)
	}
	if want := mk.Pages() + len(mk.Creators) + len(products) + lives; pages != want || failed != 0 || lives == 0 {
		t.Fatalf("%d pages, %d failed; want %d (%d products, %d live sessions)", pages, failed, want, len(products), lives)
	}
	db, _ := sql.Open("sqlite", "file:"+path+"?mode=ro")
	defer db.Close()
	p := mk.Products[0]
	var fields string
	if err := db.QueryRow(`SELECT fields FROM records WHERE key = ?`, p.ID).Scan(&fields); err != nil {
		t.Fatalf("product %s: %v", p.ID, err)
	}
	var texts map[string]string
	if err := json.Unmarshal([]byte(fields), &texts); err != nil || texts["title"] != p.Title || !strings.HasSuffix(texts[".sold"], "sold") {
		t.Errorf("product %s (%q): record %s (%v)", p.ID, p.Title, fields, err)
	}
}
