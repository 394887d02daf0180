package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gmvscope/market"
)

// sliceStream gives products and sessions held in memory, as the store's
// stream gives them one at a time.
type sliceStream struct {
	products []market.Product
	lives    []market.Live
}

func (s sliceStream) EachProduct(fn func(*market.Product) error) error {
	for i := range s.products {
		if err := fn(&s.products[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s sliceStream) URLOf(string) string { return "" }

func (s sliceStream) EachLive(fn func(*market.Live) error) error {
	for i := range s.lives {
		if err := fn(&s.lives[i]); err != nil {
			return err
		}
	}
	return nil
}

// A file the analysis's pass wrote in full is moved into place; one whose
// pass stopped early is left to Write, and Close removes it.
func TestTeeWritesOnlyWholePasses(t *testing.T) {
	usd := func(raw string, n int64) *market.Value {
		return &market.Value{Kind: market.KindMoney, Raw: raw, Num: n, Currency: "USD"}
	}
	mem := &market.Snapshot{ID: 7, Source: market.SourceInfo{Name: "s", RateUSD: 1},
		Products: []market.Product{{ID: "p1", Title: "=cmd", Price: usd("$3", 300)}, {ID: "p2", Title: "Lamp"}},
		Lives:    []market.Live{{ID: "l1", Creator: "ana", GMV: usd("$9", 900), GMVUSD: 9}, {ID: "l2", Creator: "bo"}}}
	lean := *mem
	lean.Stream, lean.NProducts, lean.NLives = sliceStream{mem.Products, mem.Lives}, 2, 2
	lean.Products, lean.Lives = nil, nil
	dir := t.TempDir()
	tee, err := NewTee(dir, &lean)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if err := lean.EachProduct(func(*market.Product) error { return stop }); err != stop {
		t.Fatalf("the pass's own error: %v", err)
	}
	seen := 0
	if err := lean.EachLive(func(*market.Live) error { seen++; return nil }); err != nil || seen != 2 {
		t.Fatalf("lives: %v, %d seen", err, seen)
	}
	if err := lean.EachLive(func(*market.Live) error { seen++; return nil }); err != nil || seen != 4 {
		t.Fatalf("a second pass: %v, %d seen", err, seen)
	}
	folder := filepath.Join(dir, "7")
	if ok, err := tee.placed("products.csv"); ok || err != nil {
		t.Errorf("a pass that stopped early placed its file: %v %v", ok, err)
	}
	if ok, err := tee.placed("lives.csv"); !ok || err != nil {
		t.Fatalf("the whole pass's file was not placed: %v %v", ok, err)
	}
	var want bytes.Buffer
	if err := WriteLivesCSV(&want, mem); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(folder, "lives.csv")); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("lives.csv:\n%s\nwant\n%s", got, want.Bytes())
	}
	tee.Close()
	entries, _ := os.ReadDir(folder)
	if len(entries) != 1 || entries[0].Name() != "lives.csv" {
		t.Errorf("left in the folder: %v", entries)
	}
}

// data.csv is written beside the analysis from the moment its points are
// ranked, equal to what Write writes from the whole snapshot; a writer
// that fails leaves the file to Write, and nothing behind.
func TestTeeWritesDataBesideAnalysis(t *testing.T) {
	count := func(raw string, n int64) *market.Value {
		return &market.Value{Kind: market.KindCount, Raw: raw, Num: n}
	}
	usd := func(raw string, n int64) *market.Value {
		return &market.Value{Kind: market.KindMoney, Raw: raw, Num: n, Currency: "USD", Period: "28d"}
	}
	mem := &market.Snapshot{ID: 8, Source: market.SourceInfo{Name: "s", RateUSD: 1}}
	for i, h := range []string{"cy", "ana", "=bo", "dee"} {
		mem.Creators = append(mem.Creators, market.Creator{Handle: h, DisplayName: "Name, " + h,
			Followers: count(fmt.Sprint(1000*(i+1)), int64(1000*(i+1))), GMV: usd("$1", int64(100*(4-i))), GMVUSD: float64(4 - i)})
	}
	mem.Creators[3].Followers = nil // no point: no ranks
	a := market.Analyze(*mem, 1, Outliers, Top)
	var want bytes.Buffer
	if err := WriteCSV(&want, mem, a, nil); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(mem.Creators)
	slices.SortFunc(sorted, func(x, y market.Creator) int { return strings.Compare(x.Handle, y.Handle) })
	each := func(fail error) func(fn func(*market.Creator) error) error {
		return func(fn func(*market.Creator) error) error {
			for i := range sorted {
				if err := fn(&sorted[i]); err != nil {
					return err
				}
			}
			return fail
		}
	}
	for _, fail := range []error{nil, errors.New("store gone")} {
		lean := *mem
		lean.Standings, lean.Creators = mem.Everyone(), nil
		lean.Stream = sliceStream{}
		dir := t.TempDir()
		tee, err := NewTee(dir, &lean)
		if err != nil {
			t.Fatal(err)
		}
		got, err := market.AnalyzeAll(lean, 1, Outliers, Top, func(p []market.Point) { tee.StartData(&lean, p, each(fail)) })
		if err != nil || !reflect.DeepEqual(got.Points, a.Points) {
			t.Fatalf("analysis: %v", err)
		}
		ok, err := tee.placed("data.csv")
		if ok != (fail == nil) || err != nil {
			t.Fatalf("failing %v: placed %v, %v", fail, ok, err)
		}
		tee.Close()
		folder := filepath.Join(dir, "8")
		entries, _ := os.ReadDir(folder)
		if fail != nil {
			if len(entries) != 0 {
				t.Errorf("a writer that failed left %v", entries)
			}
			continue
		}
		if len(entries) != 1 || entries[0].Name() != "data.csv" {
			t.Errorf("left in the folder: %v", entries)
		}
		if b, _ := os.ReadFile(filepath.Join(folder, "data.csv")); !bytes.Equal(b, want.Bytes()) {
			t.Errorf("data.csv:\n%s\nwant\n%s", b, want.Bytes())
		}
	}
}
