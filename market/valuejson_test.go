package market

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
)

// TestDecodeValues: what AppendJSON writes, DecodeValues reads back as
// encoding/json does, for values of every kind and texts with quotes,
// backslashes, markup, control characters and non-ASCII.
func TestDecodeValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "35.8K", `say "hi"`, `back\slash`, "<b>&</b>", "tab\there", "小美 ✨", "\u2028", "caf\xe9", "a\x00b"}
	pick := func() string { return texts[r.IntN(len(texts))] }
	var scratch Scratch
	for range 2000 {
		fields := map[string]Value{}
		for _, name := range []string{"followers", "gmv", "rank", "views"}[:r.IntN(5)] {
			v := Value{Kind: Kinds[r.IntN(len(Kinds))], Raw: pick(), Text: pick(), Currency: pick(), Period: pick(), Open: pick(), Per: pick(), Unit: pick()}
			switch r.IntN(3) {
			case 0:
				v.Num = r.Int64N(1 << 40)
			case 1:
				v.Estimate, v.Low, v.High = true, r.Int64N(1000), r.Int64N(1<<40)
			default:
				v.Float = r.NormFloat64() * 1e6
			}
			fields[name] = v
		}
		b := AppendFieldsJSON(nil, fields)
		var want map[string]*Value
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		// Read in its own form, escapes and all, never by the fallback.
		if err := (&valueDecoder{b: string(b)}).object(func(string, *Value) {}); err != nil {
			t.Fatalf("%s: not read in the fast form: %v", b, err)
		}
		got := map[string]*Value{}
		if err := DecodeValues(string(b), func(name string, v *Value) { got[name] = v }); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if len(want) == 0 {
			want = map[string]*Value{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\ngot  %+v\nwant %+v", b, got, want)
		}
		// Lean: the same numbers and shared texts, from scratch, with
		// raw texts skipped (or kept, where encoding/json read them).
		lean := map[string]Value{}
		if err := DecodeValuesLean(string(b), &scratch, func(name string, v *Value) { lean[name] = *v }); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		for name, w := range want {
			l, ok := lean[name]
			if l.Raw == "" && l.Text == "" {
				l.Raw, l.Text = w.Raw, w.Text
			}
			if !ok || !reflect.DeepEqual(l, *w) {
				t.Fatalf("lean %s %s:\ngot  %+v\nwant %+v", b, name, l, *w)
			}
		}
		if len(lean) != len(want) {
			t.Fatalf("lean %s: %d values, want %d", b, len(lean), len(want))
		}
		// Into scratch: whole values, as DecodeValues reads them, in the
		// scratch the lean read just used.
		into := map[string]*Value{}
		if err := DecodeValuesInto(string(b), &scratch, func(name string, v *Value) { into[name] = v }); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(into, want) {
			t.Fatalf("into scratch %s:\ngot  %+v\nwant %+v", b, into, want)
		}
		for name, v := range into {
			if !inScratch(&scratch, v) {
				t.Fatalf("into scratch %s: %s on the heap", b, name)
			}
		}
	}
	// A form the fast path does not read is read whole all the same.
	into := map[string]*Value{}
	if err := DecodeValuesInto(`{"gmv": {"kind": "money", "raw": "$1", "num": 100, "new_key": 1}}`, &scratch, func(name string, v *Value) { into[name] = v }); err != nil || into["gmv"] == nil || into["gmv"].Raw != "$1" {
		t.Errorf("an unknown key, into scratch: %+v, %v", into, err)
	}
	if err := DecodeValues(`{"gmv": {"kind": "money", "raw": "$1", "num": 100, "new_key": 1}}`, func(string, *Value) {}); err != nil {
		t.Errorf("an unknown key is read by encoding/json: %v", err)
	}
	if err := DecodeValues(`{"gmv": `, func(string, *Value) {}); err == nil {
		t.Error("a cut object must be an error")
	}
}

func inScratch(s *Scratch, v *Value) bool {
	for i := range s.vals {
		if &s.vals[i] == v {
			return true
		}
	}
	return false
}

func BenchmarkDecodeValues(b *testing.B) {
	js := string(AppendFieldsJSON(nil, map[string]Value{"followers": {Kind: KindCount, Raw: "35812", Num: 35812},
		"gmv":   {Kind: KindMoney, Raw: "$10K-$25K", Low: 1000000, High: 2500000, Estimate: true, Currency: "USD", Period: "28d"},
		"units": {Kind: KindCount, Raw: "1,234", Num: 1234, Period: "28d"}, "views": {Kind: KindCount, Raw: "2.1M", Num: 2100000, Period: "28d"}}))
	b.ReportAllocs()
	for b.Loop() {
		DecodeValues(js, func(string, *Value) {})
	}
}

func BenchmarkDecodeValuesJSON(b *testing.B) {
	js := AppendFieldsJSON(nil, map[string]Value{"followers": {Kind: KindCount, Raw: "35812", Num: 35812},
		"gmv":   {Kind: KindMoney, Raw: "$10K-$25K", Low: 1000000, High: 2500000, Estimate: true, Currency: "USD", Period: "28d"},
		"units": {Kind: KindCount, Raw: "1,234", Num: 1234, Period: "28d"}, "views": {Kind: KindCount, Raw: "2.1M", Num: 2100000, Period: "28d"}})
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]*Value
		json.Unmarshal(js, &m)
	}
}

// TestDecodeShown: shown texts as encoding/json writes them are read back
// as encoding/json reads them, escapes and all.
func TestDecodeShown(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	texts := []string{"", "35.8K", `say "hi"`, `back\slash`, "<b>&</b>", "tab\there", "小美 ✨", "\u2028", "a\x00b"}
	var into map[string][]Shown
	var buf []Shown
	for range 1000 {
		sh := map[string][]Shown{}
		for _, name := range []string{"followers", "gmv", "units", "views"}[:r.IntN(5)] {
			for range 1 + r.IntN(3) {
				sh[name] = append(sh[name], Shown{Kind: texts[r.IntN(len(texts))], Raw: texts[r.IntN(len(texts))]})
			}
		}
		b, err := json.Marshal(sh)
		if err != nil {
			t.Fatal(err)
		}
		var want, got map[string][]Shown
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if err := DecodeShown(string(b), &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\ngot  %+v\nwant %+v", b, got, want)
		}
		// Into the map and lists of the call before: the same texts.
		if buf, err = DecodeShownInto(string(b), &into, buf); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(into, want) {
			t.Fatalf("into %s:\ngot  %+v\nwant %+v", b, into, want)
		}
	}
	if _, err := DecodeShownInto(`{"gmv": [{"kind": "profile", "raw": "1", "new": 2}]}`, &into, buf); err != nil || len(into["gmv"]) != 1 || into["gmv"][0].Raw != "1" {
		t.Errorf("another form, into: %+v, %v", into, err)
	}
	var got map[string][]Shown
	if err := DecodeShown(`{"gmv": [{"kind": "profile"`, &got); err == nil {
		t.Error("a cut object must be an error")
	}
}

// TestSharedTextsCollide: texts that land on the same slot of the shared
// table each read back as themselves, from any number of goroutines.
func TestSharedTextsCollide(t *testing.T) {
	var texts []string
	for i := 0; len(texts) < 3; i++ {
		s := fmt.Sprintf("p%dd", i)
		if slotOf(s) == slotOf("p0d") {
			texts = append(texts, s)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				want := texts[(i+g)%len(texts)]
				js := `{"units":{"kind":"count","raw":"1","num":1,"period":"` + want + `"}}`
				if err := DecodeValues(js, func(_ string, v *Value) {
					if v.Period != want {
						t.Errorf("period %q, want %q", v.Period, want)
					}
				}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkAppendFieldsJSON is one leaderboard row's record as the crawl
// stores it.
func BenchmarkAppendFieldsJSON(b *testing.B) {
	fields := map[string]Value{"handle": {Kind: KindText, Raw: "anabeauty10127", Text: "anabeauty10127"},
		"display_name": {Kind: KindText, Raw: "Yuki ゆき 10127", Text: "Yuki ゆき 10127"},
		"followers":    {Kind: KindCount, Raw: "283.3K", Num: 283300},
		"gmv":          {Kind: KindMoney, Raw: "$5K-$10K", Low: 500000, High: 1000000, Estimate: true, Currency: "USD", Period: "28d"},
		"units":        {Kind: KindCount, Raw: "433", Num: 433, Period: "28d"},
		"category":     {Kind: KindText, Raw: "Home", Text: "Home"}, "region": {Kind: KindText, Raw: "US", Text: "US"}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFieldsJSON(buf[:0], fields)
	}
}

// TestDecodeFieldsInto: records decoded in turn into one map leave it as
// DecodeValues makes each, whatever fields the one before had; a record
// of the same fields as the one before allocates nothing.
func TestDecodeFieldsInto(t *testing.T) {
	recs := []string{
		`{"followers":{"kind":"count","raw":"35.8K","num":35800},"gmv":{"kind":"money","raw":"$2.1M","num":210000000,"currency":"USD","period":"28d"},"units":{"kind":"count","raw":"433","num":433}}`,
		`{"followers":{"kind":"count","raw":"4.0M","num":4000000},"region":{"kind":"text","raw":"US","text":"US"}}`,
		`{}`,
		`{"gmv":{"kind":"money","raw":"$1","num":100,"new_key":1},"views":{"kind":"count","raw":"1K-5K","low":1000,"high":5000,"estimate":true}}`,
		`{"followers":{"kind":"count","raw":"12","num":12},"gmv":{"kind":"money","raw":"$5","num":500},"units":{"kind":"count","raw":"1","num":1},"views":{"kind":"count","raw":"9","num":9}}`,
	}
	fields := map[string]Value{}
	var scratch Scratch
	for _, order := range [][]int{{0, 1, 2, 3, 4}, {4, 3, 0, 2, 1}, {3, 4, 1, 0}} {
		for _, i := range order {
			want := map[string]Value{}
			if err := DecodeValues(recs[i], func(name string, v *Value) { want[name] = *v }); err != nil {
				t.Fatal(err)
			}
			if err := DecodeFieldsInto(recs[i], &scratch, fields); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fields, want) {
				t.Fatalf("record %d after the one before:\ngot  %+v\nwant %+v", i, fields, want)
			}
		}
	}
	if err := DecodeFieldsInto(`{"gmv": `, &scratch, fields); err == nil {
		t.Error("a cut object must be an error")
	}
	DecodeFieldsInto(recs[0], &scratch, fields)
	if n := testing.AllocsPerRun(100, func() { DecodeFieldsInto(recs[0], &scratch, fields) }); n != 0 {
		t.Errorf("the same fields again: %.0f allocations, want 0", n)
	}
}

// TestUnescape: a string with escapes reads as encoding/json reads it,
// for every string json.Marshal writes (markup, control characters, list
// separators, bytes that are not UTF-8, emoji), and what unescape leaves
// to encoding/json (surrogates, bad escapes, raw control characters) it
// says so.
func TestUnescape(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	parts := []string{"p0123", "\x1f", `"`, `\`, "/", "<b>&</b>", "\b\f\n\r\t", "\x00", "\u2028", "caf\xe9", "小美", "🌿", " ", "\x7f"}
	for range 5000 {
		var s string
		for range r.IntN(8) {
			s += parts[r.IntN(len(parts))]
		}
		q, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(q, &want); err != nil {
			t.Fatal(err)
		}
		got, ok := unescape(string(q[1 : len(q)-1]))
		if !ok || got != want {
			t.Fatalf("%s: got %q, %v; want %q", q, got, ok, want)
		}
	}
	for _, inner := range []string{`\ud83c\udf3f`, `\ud83c`, `\x41`, `\u12`, `\u12G4`, `\u+123`, `a\`, "tab\tin", "caf\xe9", `\U0041`} {
		if got, ok := unescape(inner); ok {
			var want string
			err := json.Unmarshal([]byte(`"`+inner+`"`), &want)
			t.Errorf("%q: read as %q, not left to encoding/json (which gives %q, %v)", inner, got, want, err)
		}
	}
	// And through the decoder: a fallback string still reads right.
	got := map[string]*Value{}
	if err := DecodeValues(`{"gmv": {"kind": "money", "raw": "\ud83c\udf3f \u0041\/", "num": 1}}`, func(name string, v *Value) { got[name] = v }); err != nil || got["gmv"].Raw != "🌿 A/" {
		t.Errorf("a surrogate pair: %+v, %v", got["gmv"], err)
	}
}

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`a\u001fb`, `\"\\\/\b\f\n\r\t`, `\ud83c\udf3f`, `\u00e9`, "caf\xe9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inner string) {
		got, ok := unescape(inner)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal([]byte(`"`+inner+`"`), &want); err != nil || got != want {
			t.Fatalf("%q: got %q; encoding/json %q, %v", inner, got, want, err)
		}
	})
}
