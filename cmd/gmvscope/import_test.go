package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gmvscope/market"
)

// importFile runs gmvscope import into a fresh store and returns the snapshot.
func importFile(t *testing.T, file, config, source string) (*market.Snapshot, *testMain) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"import", file, "--source", source, "--config", config, "--db", db, "--out", dir}); code != 0 {
		t.Fatalf("import exit %d: %s", code, m.errs)
	}
	return loadSnapshot(t, db, source), m
}

func TestImportVendorExport(t *testing.T) {
	snap, m := importFile(t, "testdata/import/vendor-export.csv", "testdata/import/config.yaml", "vendor")
	if !strings.Contains(m.out.String(), "imported 5 records") || !strings.Contains(m.out.String(), "1 values with invalid UTF-8 or control characters replaced") {
		t.Errorf("summary: %s", m.out)
	}
	got := map[string]market.Creator{}
	for _, c := range snap.Creators {
		got[c.Handle] = c
	}
	mia, kai, zoe, luna, yuki := got["miabeauty"], got["kai.deals"], got["zoe_finds"], got["lunalab"], got["yuki"]
	switch {
	case len(got) != 5:
		t.Errorf("creators %v", got)
	case mia.DisplayName != `Mia "Glow" & Co ✨` || mia.Followers.Num != 35800 || mia.GMV.Num != 210000000 || mia.Units.Num != 1234:
		t.Errorf("quoted field with emoji: %+v", mia)
	case kai.DisplayName != "Kai\nDeals 🔥" || !kai.GMV.Estimate || kai.GMV.Low != 1000000 || kai.GMV.High != 2500000:
		t.Errorf("quoted newline and range: %+v", kai)
	case zoe.DisplayName != "Zo\uFFFD Finds" || zoe.Followers != nil:
		t.Errorf("invalid UTF-8 replaced, bad count missing not zero: %+v", zoe)
	case luna.Followers.Num != 2100 || luna.GMV != nil || luna.Units != nil:
		t.Errorf("full-width handle, N/A and -- missing: %+v", luna)
	case yuki.Followers.Num != 23000 || yuki.GMV.Num != 210000000 || yuki.GMV.Currency != "CNY" || yuki.Units.Num != 1097000:
		t.Errorf("East Asian units: %+v", yuki)
	}
	want := map[string]string{
		"L5:followers": "malformed number", "L6:": "malformed CSV: extraneous or missing \" in quoted-field",
		"L7:": "malformed CSV: 2 fields where the header has 5", "L8:gmv": "missing value", "L8:units": "missing value",
	}
	for _, r := range snap.Rejects {
		_, line, _ := strings.Cut(r.URL, "#")
		k := line + ":" + r.Field
		if want[k] != r.Reason {
			t.Errorf("reject %s %q: %q", k, r.Raw, r.Reason)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("no reject for %s", k)
	}
}

func TestRealInstagramImport(t *testing.T) {
	file := filepath.Join(realdata, "instagram-top200/top_insta_influencers_data.csv")
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		t.Skip("../shared/realdata is absent")
	}
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	nanRate, nanCountry := 0, 0
	for _, r := range rows[1:] {
		if r[6] == "NaN%" {
			nanRate++
		}
		if r[9] == "NaN" {
			nanCountry++
		}
	}
	snap, _ := importFile(t, file, "../../config.yaml", "instagram-top200")
	if len(snap.Creators) != 200 || len(rows) != 201 {
		t.Fatalf("%d creators imported from %d rows", len(snap.Creators), len(rows)-1)
	}
	byField := map[string]int{}
	for _, r := range snap.Rejects {
		if r.Reason != "missing value" {
			t.Errorf("unexpected reject %+v", r)
		}
		byField[r.Field]++
	}
	if byField["engagement"] != nanRate || byField["region"] != nanCountry || len(snap.Rejects) != nanRate+nanCountry || nanCountry == 0 {
		t.Errorf("missing values %v, want %d NaN%% rates and %d NaN countries", byField, nanRate, nanCountry)
	}
	for _, c := range snap.Creators {
		if c.Handle == "cristiano" && (c.Followers.Num != 475800000 || c.Region != "Spain") {
			t.Errorf("cristiano: %+v", c)
		}
	}
}
