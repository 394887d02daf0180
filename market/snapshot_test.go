package market

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The assembler keeps numeric values packed; what comes out must be what
// went in, the highest precedence winning per field, and a text where a
// number belongs must not become one.
func TestAssemblerKeepsValues(t *testing.T) {
	followers := Value{Kind: KindCount, Raw: "35.8K", Num: 35800}
	exact := Value{Kind: KindCount, Raw: "35812", Num: 35812}
	gmv := Value{Kind: KindMoney, Raw: "$10K-$25K", Low: 1000000, High: 2500000, Estimate: true, Currency: "USD", Period: "28d"}
	open := Value{Kind: KindMoney, Raw: "$1M+", Low: 100000000, Estimate: true, Open: "above", Currency: "USD", Period: "28d"}
	rate := Value{Kind: KindRate, Raw: "12/h", Num: 12, Per: "hour"}
	price := Value{Kind: KindMoney, Raw: "Rp 2,1 jt", Num: 210000000, Currency: "IDR"}
	var as Assembler
	as.Add(Record{Entity: EntityCreator, Key: "mia", Precedence: 1, Fields: map[string]Value{
		"followers": followers, "gmv": gmv, "units": {Kind: KindText, Raw: "n/a", Text: "n/a"}, "views": rate,
		"display_name": {Kind: KindText, Raw: "Mia ✨", Text: "Mia ✨"}, "category": {Kind: KindText, Raw: "Beauty", Text: "Beauty"},
		"products": {Kind: KindText, Raw: "p1 | p2", Text: "p1" + ListSep + "p2"},
	}}, "http://x/top")
	as.Add(Record{Entity: EntityCreator, Key: "mia", Precedence: 2, Fields: map[string]Value{"followers": exact}}, "http://x/mia")
	as.Add(Record{Entity: EntityCreator, Key: "ann", Precedence: 1, Fields: map[string]Value{"gmv": open}}, "http://x/top")
	as.Add(Record{Entity: EntityProduct, Key: "p1", Precedence: 1, Fields: map[string]Value{"price": price, "units": followers}}, "http://x/p1")
	creators, products := slices.Collect(as.Creators(1)), slices.Collect(as.Products())
	if len(creators) != 2 || len(products) != 1 {
		t.Fatalf("%d creators, %d products", len(creators), len(products))
	}
	ann, mia := creators[0], creators[1]
	check := func(name string, got *Value, want *Value) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	check("mia followers", mia.Followers, &exact)
	check("mia gmv", mia.GMV, &gmv)
	check("mia units", mia.Units, nil)
	check("mia views", mia.Views, &rate)
	check("ann gmv", ann.GMV, &open)
	check("ann followers", ann.Followers, nil)
	check("p1 price", products[0].Price, &price)
	check("p1 units", products[0].Units, &followers)
	if mia.URL != "http://x/mia" || ann.URL != "http://x/top" || products[0].URL != "http://x/p1" {
		t.Errorf("urls %q %q %q", mia.URL, ann.URL, products[0].URL)
	}
	if mia.DisplayName != "Mia ✨" || mia.Category != "Beauty" || !slices.Equal(mia.Products, []string{"p1", "p2"}) || ann.DisplayName != "" {
		t.Errorf("texts: %q %q %q, ann %q", mia.DisplayName, mia.Category, mia.Products, ann.DisplayName)
	}
}

// Strings longer than a chunk, and many short ones, come back whole.
func TestArena(t *testing.T) {
	var a arena
	long := string(make([]byte, arenaChunk+10))
	var spans []span
	var want []string
	for i := range 3000 {
		s := fmt.Sprintf("creator-%d-%s", i, strings.Repeat("x", i%700))
		if i == 1500 {
			s = long
		}
		spans = append(spans, a.put(s))
		want = append(want, s)
	}
	for i, sp := range spans {
		if got := a.get(sp); got != want[i] {
			t.Fatalf("string %d: got %d bytes, want %d", i, len(got), len(want[i]))
		}
	}
	if a.get(a.put("")) != "" {
		t.Error("empty string")
	}
}

// A key seen twice from the same page kind is a repeat, identical or with
// what differed; from another kind it is a merge, with each kind's text
// kept, the winner's first.
func TestAssemblerRepeatsAndShown(t *testing.T) {
	cnt := func(raw string, n int64) Value { return Value{Kind: KindCount, Raw: raw, Num: n} }
	var as Assembler
	as.AddFrom(Record{Entity: EntityCreator, Key: "mia", Precedence: 1, Line: 2, Fields: map[string]Value{"followers": cnt("35.8K", 35800)}}, "f.csv", "export")
	as.AddFrom(Record{Entity: EntityCreator, Key: "mia", Precedence: 1, Line: 3, Fields: map[string]Value{"followers": cnt("35.8K", 35800)}}, "f.csv", "export")
	as.AddFrom(Record{Entity: EntityCreator, Key: "mia", Precedence: 1, Line: 4, Fields: map[string]Value{"followers": cnt("36K", 36000)}}, "f.csv", "export")
	as.AddFrom(Record{Entity: EntityCreator, Key: "mia", Precedence: 2, Fields: map[string]Value{"followers": cnt("35812", 35812)}}, "https://x/mia", "profile")
	as.AddFrom(Record{Entity: EntityProduct, Key: "p1", Precedence: 1, Fields: map[string]Value{"units": cnt("5", 5)}}, "https://x/p1", "product")
	reps := as.Repeats()
	if len(reps) != 2 || !reps[0].Identical || reps[0].FirstLine != 2 || reps[0].Line != 3 || reps[1].Identical ||
		len(reps[1].Diffs) != 1 || reps[1].Diffs[0] != (FieldDiff{Field: "followers", Kept: "35.8K", Dropped: "36K"}) {
		t.Fatalf("repeats %+v", reps)
	}
	c := slices.Collect(as.Creators(1))[0]
	if c.Followers.Num != 35812 || !reflect.DeepEqual(c.Shown["followers"], []Shown{{"profile", "35812"}, {"export", "35.8K"}}) {
		t.Errorf("followers %v shown %+v", c.Followers, c.Shown)
	}
	if ShownText(c.Shown["followers"]) != "profile 35812 · export 35.8K" {
		t.Errorf("shown text %q", ShownText(c.Shown["followers"]))
	}
}
