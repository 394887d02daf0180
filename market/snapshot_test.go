package market

import (
	"reflect"
	"slices"
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
	if mia.URL != "http://x/mia" || ann.URL != "http://x/top" {
		t.Errorf("urls %q %q", mia.URL, ann.URL)
	}
}
