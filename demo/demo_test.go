package demo

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := New(Config{Creators: 500, Seed: 9}).WriteTruth(&a); err != nil {
		t.Fatal(err)
	}
	if err := New(Config{Creators: 500, Seed: 9}).WriteTruth(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same seed gave two markets")
	}
	var c bytes.Buffer
	New(Config{Creators: 500, Seed: 10}).WriteTruth(&c)
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same market")
	}
}

func TestPagesSaySampleData(t *testing.T) {
	m := New(Config{Creators: 120})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	for _, path := range []string{"/leaderboard?page=1", "/leaderboard?page=3", "/creator/" + m.Creators[0].Handle, "/product/" + m.Products[0].ID} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Sample data") {
			t.Errorf("%s: status %d, sample notice present: %v", path, resp.StatusCode, strings.Contains(string(body), "Sample data"))
		}
	}
	for _, path := range []string{"/leaderboard?page=0", "/leaderboard?page=4", "/creator/nobody", "/product/p999999"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestMarketShape(t *testing.T) {
	m := New(Config{})
	if len(m.Creators) != 2000 || m.Pages() != 40 {
		t.Fatalf("%d creators on %d pages", len(m.Creators), m.Pages())
	}
	small, zero := 0, 0
	for i, c := range m.Creators {
		if i > 0 && c.GMVCents > m.Creators[i-1].GMVCents {
			t.Fatal("leaderboard is not ordered by GMV")
		}
		if c.Followers < 50000 && c.GMVCents >= 100000000 {
			small++
		}
		if c.GMVCents == 0 {
			zero++
		}
	}
	if small < 3 || zero < 10 {
		t.Errorf("want a few small accounts selling $1M+ (%d) and some zero sellers (%d)", small, zero)
	}
	if len(m.Malformed) < 10 || len(m.Malformed) > 60 {
		t.Errorf("%d malformed values, want about 1%% of rows", len(m.Malformed))
	}
}

// TestWeeks: week N of a market is the same whenever it is asked for;
// from week to week creators move, newcomers enter the leaderboard as
// the weakest drop out of it, and a few small sellers break out.
func TestWeeks(t *testing.T) {
	var a, b bytes.Buffer
	New(Config{Creators: 800, Week: 3}).WriteTruth(&a)
	New(Config{Creators: 800, Week: 3}).WriteTruth(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("week 3 came out two ways")
	}
	w1, w2 := New(Config{Creators: 2000}), New(Config{Creators: 2000, Week: 2})
	if len(w2.Creators) != 2000 || w2.Week != 2 {
		t.Fatalf("week 2 lists %d creators", len(w2.Creators))
	}
	entered, dropped, brokeOut, moved := 0, 0, 0, 0
	for _, c := range w2.Creators {
		p, ok := w1.Creator(c.Handle)
		switch {
		case !ok:
			entered++
		case p.GMVCents > 0 && p.GMVCents < 10_000_00 && c.GMVCents >= 3*p.GMVCents:
			brokeOut++
		}
		if ok && p.Rank != c.Rank {
			moved++
		}
	}
	for _, c := range w1.Creators {
		if _, ok := w2.Creator(c.Handle); !ok {
			dropped++
		}
	}
	if entered == 0 || entered != dropped || brokeOut < 3 || moved < 1500 {
		t.Errorf("week 2: %d entered, %d dropped, %d broke out, %d changed rank", entered, dropped, brokeOut, moved)
	}
}
