package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"

	"gmvscope/market"
)

// csvSeeds are fields encoding/csv quotes, and some it does not.
var csvSeeds = []string{"", "plain", "a,b", `say "hi"`, "two\nlines", "cr\r", `\.`, `\.x`, " lead", "\tlead", "\u00a0nbsp",
	"\u3000ideographic", "trail ", "é,", "\xff bad utf-8", "'=formula", "😀 emoji", `""`, ","}

// FuzzCSVField: a field appended by csvLine is what encoding/csv writes.
func FuzzCSVField(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.Write([]string{a, b, a})
		cw.Flush()
		var l csvLine
		l.text(a)
		l.text(b)
		l.cell()
		l.b = appendCSVField(l.b, []byte(a))
		l.end()
		if !bytes.Equal(l.b, want.Bytes()) {
			t.Errorf("%q %q: %q, want %q", a, b, l.b, want.Bytes())
		}
	})
}

// TestDataCSVReadsBack: data.csv's hostile texts (quotes, commas, line
// breaks, formulas, leading spaces) read back as the cells they were, each
// in its column, and its numbers as written.
func TestDataCSVReadsBack(t *testing.T) {
	count := func(raw string, n int64) *market.Value {
		return &market.Value{Kind: market.KindCount, Raw: raw, Num: n}
	}
	var cs []market.Creator
	for i, s := range csvSeeds {
		c := market.Creator{Handle: "h" + string(rune('a'+i)), DisplayName: s, Category: s, Region: s, URL: "https://x.test/" + s,
			Followers: count(s, int64(1000+i)), Units: &market.Value{Kind: market.KindCount, Estimate: true, Low: 10, High: 40},
			GMV:    &market.Value{Kind: market.KindMoney, Raw: s, Num: 12345, Currency: "JPY", Period: "28d"},
			GMVUSD: 81.5, Shown: map[string][]market.Shown{"followers": {{Kind: "leaderboard", Raw: s}, {Kind: "profile", Raw: "1"}}}}
		if s != "" {
			c.Shown["gmv"] = []market.Shown{{Kind: s, Raw: "$1"}}
		}
		cs = append(cs, c)
	}
	snap := &market.Snapshot{ID: 3, Source: market.SourceInfo{Name: "=src", RateUSD: 0.0066}, Creators: cs}
	var out bytes.Buffer
	if err := WriteCSV(&out, snap, market.Analyze(*snap, 0.0066, Outliers, Top), nil); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), bom))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range CSVHeader {
		col[h] = i
	}
	if len(recs) != len(cs)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(cs)+1)
	}
	for i, r := range recs[1:] {
		c, s := cs[i], csvSeeds[i]
		want := map[string]string{"handle": c.Handle, "display_name": SafeCell(s), "category": SafeCell(s), "region": SafeCell(s),
			"followers": strconv.Itoa(1000 + i), "followers_raw": SafeCell(s), "gmv_raw": SafeCell(s), "gmv_local": "12345",
			"currency": "JPY", "period": "28d", "gmv_usd": "81.50", "units": "20", "source": "'=src", "usd_rate": "0.0066",
			"followers_shown": SafeCell("leaderboard " + s + " · profile 1"), "gmv_shown": SafeCell(market.ShownText(c.Shown["gmv"])),
			"url": "https://x.test/" + s, "snapshot": "3", "gmv_estimate": "false"}
		for name, v := range want {
			if got := r[col[name]]; got != v {
				t.Errorf("row %d (%q) %s = %q, want %q", i, s, name, got, v)
			}
		}
	}
}

// FuzzCSVFloat: a number appended by csvLine is what strconv writes.
func FuzzCSVFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 35812, 1<<53 - 1, 1 << 53, 1e15, 1e21, 0.5, -3.25, 1e-7,
		math.NaN(), math.Inf(1), math.Inf(-1), 7071.0678} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		for _, prec := range []int{-1, 2, 0} {
			var l csvLine
			l.float(x, prec)
			if want := strconv.FormatFloat(x, 'f', prec, 64); string(l.b) != want {
				t.Errorf("%v at %d: %q, want %q", x, prec, l.b, want)
			}
		}
	})
}
