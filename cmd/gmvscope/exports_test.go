package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gmvscope/market"
	"gmvscope/store"
)

// exportsDir holds small exports written in the shapes real vendor
// exports take: repeated rows, names with bytes that are not UTF-8, legacy
// encodings, N/A links, a range in two columns, a dated file name, live
// sessions, products with their own revenue.
const exportsDir = "testdata/exports"

// importInto imports file into db (made on first use) and returns the exit
// code and the test main with its streams.
func importInto(t *testing.T, db, file, source string, extra ...string) (int, *testMain) {
	t.Helper()
	m := newTestMain()
	args := append([]string{"import", filepath.Join(exportsDir, file), "--source", source, "--config", filepath.Join(exportsDir, "config.yaml"),
		"--db", db, "--out", filepath.Dir(db), "--no-report"}, extra...)
	return m.Run(t.Context(), args), m
}

func loadSnapshot(t *testing.T, db, source string) *market.Snapshot {
	t.Helper()
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, err := s.LatestSnapshot(t.Context(), source)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// importReport imports file with its report into a fresh folder and
// returns the report's folder.
func importReport(t *testing.T, file, source string) string {
	t.Helper()
	dir := t.TempDir()
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"import", filepath.Join(exportsDir, file), "--source", source,
		"--config", filepath.Join(exportsDir, "config.yaml"), "--db", filepath.Join(dir, "g.db"), "--out", dir}); code != 0 {
		t.Fatalf("import %s: exit %d: %s", file, code, m.errs)
	}
	return filepath.Join(dir, "reports", "1")
}

// readCSV reads a CSV gmvscope wrote, without its byte order mark.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(readFile(t, path), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func byHandle(snap *market.Snapshot) map[string]market.Creator {
	out := map[string]market.Creator{}
	for _, c := range snap.Creators {
		out[c.Handle] = c
	}
	return out
}

// TestImportRepeatsAndDates: rows a scraper repeated are merged and said
// (identical and conflicting, with lines and what differed); the snapshot
// is of the date in the file's name; a range in two columns is one value;
// N/A and empty links are missing, counted, never URLs; the same file
// twice makes no second snapshot unless asked.
func TestImportRepeatsAndDates(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	code, m := importInto(t, db, "creators_2026-10-28.csv", "shopcreators")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	out := m.out.String()
	for _, want := range []string{
		"imported 9 records",
		"repeated rows: 3 merged into the row they repeat (2 identical, 1 conflicting: the first row's values kept; petpals lines 8 and 9)",
		"marked missing (N/A, empty): gmv_live 2, gmv_video 2, profile 2",
		"as of 2026-10-28 (from the file name)",
		"encoding: utf-8 (valid UTF-8)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	snap := loadSnapshot(t, db, "shopcreators")
	if got := snap.TakenAt.Format("2006-01-02"); got != "2026-10-28" {
		t.Errorf("snapshot of %s, want the export's date 2026-10-28", got)
	}
	cs := byHandle(snap)
	glow, home, fit, pets := cs["glowlab"], cs["homefinds"], cs["fitfam"], cs["petpals"]
	switch {
	case len(cs) != 6 || len(snap.Rejects) != 0:
		t.Errorf("%d creators, %d rejects %v", len(cs), len(snap.Rejects), snap.Rejects)
	case glow.DisplayName != "Glow Lab &amp; Co":
		t.Errorf("a name that holds &amp; keeps it: %q", glow.DisplayName)
	case !glow.GMV.Estimate || glow.GMV.Low != 200000000 || glow.GMV.High != 250000000 || glow.GMV.Raw != "$2,000,000 - $2,500,000":
		t.Errorf("two-column range: %+v", glow.GMV)
	case glow.Rank == nil || glow.Rank.Num != 1 || glow.GMVLive.Num != 180000000 || glow.GMVVideo.Num != 40000000:
		t.Errorf("rank and channels: %+v %+v %+v", glow.Rank, glow.GMVLive, glow.GMVVideo)
	case home.GMVLive == nil || home.GMVLive.Num != 0:
		t.Errorf("$0 live GMV is zero, not missing: %+v", home.GMVLive)
	case fit.GMV.Open != "above" || fit.GMV.Low != 2500000:
		t.Errorf("a range without its high end is open: %+v", fit.GMV)
	case pets.Followers.Num != 12000 || pets.GMVLive != nil:
		t.Errorf("first row kept, N/A missing: %+v", pets)
	}
	if same, diff := market.RepeatCounts(snap.Repeats); same != 2 || diff != 1 {
		t.Fatalf("repeats %+v", snap.Repeats)
	}
	for _, r := range snap.Repeats {
		if r.Identical {
			continue
		}
		want := []market.FieldDiff{{Field: "followers", Kept: "12K", Dropped: "15K"}, {Field: "gmv", Kept: "$50K - $100K", Dropped: "$50K - $120K"}}
		if r.Key != "petpals" || r.FirstLine != 8 || r.Line != 9 || len(r.Diffs) != 2 || r.Diffs[0] != want[0] || r.Diffs[1] != want[1] {
			t.Errorf("conflicting repeat %+v", r)
		}
	}

	code, m = importInto(t, db, "creators_2026-10-28.csv", "shopcreators")
	if code != 1 || !strings.Contains(m.errs.String(), "already imported as snapshot 1 of shopcreators (of 2026-10-28): the same content makes no second snapshot; pass --again") {
		t.Errorf("second import: exit %d: %s", code, m.errs)
	}
	if code, m = importInto(t, db, "creators_2026-10-28.csv", "shopcreators", "--again", "--as-of", "2026-10-29"); code != 0 {
		t.Fatalf("--again: exit %d: %s", code, m.errs)
	}
	if snap := loadSnapshot(t, db, "shopcreators"); snap.ID != 2 || snap.TakenAt.Format("2006-01-02") != "2026-10-29" {
		t.Errorf("--again --as-of: snapshot %d of %s", snap.ID, snap.TakenAt)
	}
	// An export of an earlier week imported last sits at its own date:
	// history and the week before go by the date the data is of.
	if code, m = importInto(t, db, "creators_2026-10-28.csv", "shopcreators", "--again", "--as-of", "2026-10-21"); code != 0 {
		t.Fatalf("an older export: exit %d: %s", code, m.errs)
	}
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hist, err := st.History(t.Context(), "shopcreators")
	if err != nil || len(hist) != 3 || hist[0].ID != 3 || hist[1].ID != 1 || hist[2].ID != 2 {
		t.Errorf("history by date: %+v %v", hist, err)
	}
	if prev, ok, err := st.Previous(t.Context(), 1); !ok || prev != 3 || err != nil {
		t.Errorf("the week before snapshot 1 is snapshot 3 (2026-10-21): %d %v %v", prev, ok, err)
	}
	if _, ok, _ := st.Previous(t.Context(), 3); ok {
		t.Error("snapshot 3 is the first by date")
	}
	if id, ok, err := st.LatestComplete(t.Context(), "shopcreators", false); !ok || id != 2 || err != nil {
		t.Errorf("the latest by date is snapshot 2 (2026-10-29), not the one imported last: %d %v %v", id, ok, err)
	}
	if code, m := importInto(t, db, "creators_2026-10-28.csv", "shopcreators", "--as-of", "28/10/2026"); code != 2 || !strings.Contains(m.errs.String(), "--as-of") {
		t.Errorf("a date not YYYY-MM-DD: exit %d: %s", code, m.errs)
	}
}

// TestImportEncodings: names whose bytes are not UTF-8 stay distinct
// creators (no two become one); windows-1252 named in config and UTF-16
// with a byte order mark decode to the same text.
func TestImportEncodings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	code, m := importInto(t, db, "channels.csv", "channels")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	if !strings.Contains(m.out.String(), "encoding: utf-8 (UTF-8, with bytes that are not); 6 bytes are not text in it") {
		t.Errorf("summary: %s", m.out)
	}
	cs := byHandle(loadSnapshot(t, db, "channels"))
	for _, h := range []string{"김치큰", `김\xec\xb9`, `김\xec`, `caf\xe9`, `caf\xe8`, `ma\xf1ana`, "日本語"} {
		if _, ok := cs[h]; !ok {
			t.Errorf("no channel %q in %d", h, len(cs))
		}
	}
	if len(cs) != 7 || cs["김치큰"].Followers.Num != 30400000 || cs["김치큰"].Views.Num != 12100000000 {
		t.Errorf("%d channels: %v", len(cs), cs["김치큰"])
	}
	for _, f := range []struct{ file, source, how string }{{"legacy-1252.csv", "legacy", "windows-1252 (config)"},
		{"legacy-utf16.csv", "legacy", "utf-16le (byte order mark)"},
		{"excel-unicode.txt", "legacy", "utf-16le (byte order mark)"}, // a spreadsheet's "Unicode text": UTF-16, tabs
		{"european.csv", "european", "utf-8 (valid UTF-8)"}} {         // semicolons, decimal commas
		db := filepath.Join(t.TempDir(), "g.db")
		code, m := importInto(t, db, f.file, f.source)
		if code != 0 || !strings.Contains(m.out.String(), "encoding: "+f.how) {
			t.Errorf("%s: exit %d: %s%s", f.file, code, m.out, m.errs)
			continue
		}
		cs := byHandle(loadSnapshot(t, db, f.source))
		if cs["zoe"].DisplayName != "Zoë Café" || cs["ren"].DisplayName != "Ren — Shop" || cs["zoe"].GMV.Num != 1230000 || cs["zoe"].GMV.Currency != "EUR" ||
			cs["zoe"].Followers.Num != 12500 || cs["mia"].GMV.Num != 450000 {
			t.Errorf("%s: %+v %+v", f.file, cs["zoe"], cs["ren"])
		}
		if f.source == "european" && cs["mia"].DisplayName != "Mía; Tienda" {
			t.Errorf("a quoted semicolon is part of the field: %q", cs["mia"].DisplayName)
		}
	}
}

// TestImportLivesAndProducts: live sessions with their lengths in the
// forms exports write them, and products with the vendor's revenue.
func TestImportLivesAndProducts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	if code, m := importInto(t, db, "lives.csv", "lives"); code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	snap := loadSnapshot(t, db, "lives")
	if len(snap.Rejects) != 0 {
		t.Errorf("rejects %+v", snap.Rejects)
	}
	// "34.7" in an "Items/min" column is a rate of items per minute, not
	// money and not a reject.
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := st.RunRecords(t.Context(), snap.RunID)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[0].Fields["rate"]; r.Kind != market.KindRate || r.Float != 34.7 || r.Per != "minute" || r.Unit != "items" || r.Currency != "" {
		t.Errorf("items per minute: %+v", r)
	}
	want := map[string]struct {
		creator           string
		secs, gmv, viewer int64
	}{"L100": {"glowlab", 9000, 31000000, 120000}, "L101": {"glowlab", 6300, 20500000, 95000}, "L102": {"kitchenqueen", 5400, 4800000, 40000},
		"L103": {"homefinds", 2700, 120000, 8000}, "L104": {"deal.daily", 10800, 2200000, -1}}
	if len(snap.Lives) != len(want) {
		t.Fatalf("%d live sessions", len(snap.Lives))
	}
	for _, l := range snap.Lives {
		w := want[l.ID]
		viewers := int64(-1)
		if l.Viewers != nil {
			viewers = l.Viewers.Num
		}
		if strings.TrimPrefix(l.Creator, "@") != w.creator || l.Duration.Num != w.secs || l.GMV.Num != w.gmv || viewers != w.viewer {
			t.Errorf("%s: %+v (duration %+v, gmv %+v)", l.ID, l, l.Duration, l.GMV)
		}
	}
	if code, m := importInto(t, db, "products.csv", "products"); code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	ps := loadSnapshot(t, db, "products").Products
	if len(ps) != 4 || ps[0].GMV.Num != 206000000 || ps[2].GMV != nil {
		t.Fatalf("products %+v", ps)
	}
	if v, _, est, _ := ps[0].Revenue(); v != 206000000 || est {
		t.Errorf("the vendor's revenue is used, not an estimate: %v %v", v, est)
	}
	if v, _, est, ok := ps[2].Revenue(); !ok || !est || v != 1250*4000 {
		t.Errorf("without it, price × units, labelled an estimate: %v %v", v, est)
	}
}

// TestImportColumnMistakes: every required column not in the header is
// named at once with the nearest header names, on stderr; an optional one
// is a warning and the import goes on.
func TestImportColumnMistakes(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(exportsDir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(cfg), "{column: Followers, kind: count}", "{column: Follower, kind: count}", 1)
	s = strings.Replace(s, "{column: Rank, kind: count}", "{column: Rnak, kind: count}", 1)
	s = strings.Replace(s, "{column: Video GMV, kind: money, optional: true}", "{column: Video Gmv Total, kind: money, optional: true}", 1)
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(conf, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	m := newTestMain()
	code := m.Run(t.Context(), []string{"import", filepath.Join(exportsDir, "creators_2026-10-28.csv"), "--source", "shopcreators",
		"--config", conf, "--db", filepath.Join(dir, "g.db"), "--no-report"})
	errs := m.errs.String()
	for _, want := range []string{
		`no records in the file: 2 columns are not in the header: "Follower" (field followers; closest: "Followers"), "Rnak" (field rank; closest: "Rank")`,
		`warning: optional column "Video Gmv Total" (field gmv_video; closest: "Video GMV") is not in the header: the field has no values`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}
}

// TestCrawlRepeats: a creator on two pages of a leaderboard (the list
// shifted while it was read) is one creator, and the repeat is counted
// with both pages' URLs and what differed, in the snapshot and the report.
func TestCrawlRepeats(t *testing.T) {
	pages := map[string]string{
		"/top?page=1": `<tr><td class="h">@ana</td><td class="f">12K</td></tr><tr><td class="h">@ben</td><td class="f">9K</td></tr>` +
			`<a rel="next" href="/top?page=2">next</a>`,
		"/top?page=2": `<tr><td class="h">@ben</td><td class="f">9K</td></tr><tr><td class="h">@ana</td><td class="f">12.5K</td></tr>` +
			`<tr><td class="h">@cy</td><td class="f">3K</td></tr>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><table class=top>%s</table></body></html>", body)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`user_agent: "gmvscope-test (+https://example.org)"
store: %s/g.db
output: %s
sources:
  - name: shifty
    base_url: %s
    start: [{url: '/top?page=1', kind: top}]
    period: 28d
    politeness: {rps: 0, robots: false}
    pages:
      top:
        type: css
        entity: creator
        rows: table.top tr
        key: handle
        fields:
          handle:    {selector: td.h, kind: text}
          followers: {selector: td.f, kind: count}
        next: {selector: 'a[rel=next]'}
`, dir, dir, srv.URL)), 0o644)
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "shifty"}); code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	snap := loadSnapshot(t, filepath.Join(dir, "g.db"), "shifty")
	if len(snap.Creators) != 3 {
		t.Errorf("%d creators", len(snap.Creators))
	}
	if same, diff := market.RepeatCounts(snap.Repeats); same != 1 || diff != 1 {
		t.Fatalf("repeats %+v", snap.Repeats)
	}
	for _, r := range snap.Repeats {
		if r.Key == "ana" && (r.Identical || !strings.HasSuffix(r.FirstURL, "/top?page=1") || !strings.HasSuffix(r.URL, "/top?page=2") ||
			len(r.Diffs) != 1 || r.Diffs[0] != (market.FieldDiff{Field: "followers", Kept: "12K", Dropped: "12.5K"})) {
			t.Errorf("ana's repeat %+v", r)
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, "reports", strconv.FormatInt(snap.ID, 10), "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<strong><bdi>2</bdi></strong> rows repeated one already read", "<strong><bdi>1</bdi></strong> identical, <strong><bdi>1</bdi></strong> conflicting",
		"followers: 12K kept, 12.5K dropped"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestViewsReport: a ranking without GMV (followers and views only) gets
// a report of followers against views, never a page of zero GMV.
func TestViewsReport(t *testing.T) {
	dir := importReport(t, "channels.csv", "channels")
	page := string(readFile(t, filepath.Join(dir, "index.html")))
	for _, want := range []string{"Followers vs views", "Total views", "The source gives no GMV", "Share of views", "Watched above its following"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"Followers vs GMV", "Total GMV", "$0", "Top products"} {
		if strings.Contains(page, bad) {
			t.Errorf("a report without GMV shows %q", bad)
		}
	}
}

// TestLivesReport: a source of live sessions only gets a report about
// its sessions, not a page of creators with zero followers and GMV.
func TestLivesReport(t *testing.T) {
	dir := importReport(t, "lives.csv", "lives")
	page := string(readFile(t, filepath.Join(dir, "index.html")))
	for _, want := range []string{"Live shopping", "Live sessions: viewers vs GMV", "GMV per live hour", "Top live sessions by GMV", "$586.2K"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"Followers vs GMV", "Follower tiers", "Spearman ρ</div>", ">$0<"} {
		if strings.Contains(page, bad) {
			t.Errorf("a report of live sessions shows %q", bad)
		}
	}
	// Every session is in lives.csv beside it, the table says so.
	if rows := readCSV(t, filepath.Join(dir, "lives.csv")); len(rows) != 6 || rows[0][0] != "id" || rows[1][0] != "L100" || rows[1][4] != "9000" || rows[1][7] != "310000.00" {
		t.Errorf("lives.csv %v", rows)
	}
	if !strings.Contains(page, "The table shows <bdi>5</bdi> of <bdi>5</bdi>;") {
		t.Error("the sessions table does not say it is capped")
	}
}

// TestProductsCSV: every product is in products.csv, its GMV said to be
// the source's or price × units.
func TestProductsCSV(t *testing.T) {
	dir := importReport(t, "products.csv", "products")
	rows := readCSV(t, filepath.Join(dir, "products.csv"))
	if len(rows) != 5 {
		t.Fatalf("products.csv %v", rows)
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[0]] = r
	}
	if p1, p3 := got["P1"], got["P3"]; p1[9] != "2060000.00" || p1[10] != "source" || p3[9] != "50000.00" || p3[10] != "price × units" {
		t.Errorf("P1 %v, P3 %v", p1, p3)
	}
}

// TestChannelsReport: GMV by channel from an export that gives live and
// video only: the showcase is n/a, never $0, and a real $0 stays $0.
func TestChannelsReport(t *testing.T) {
	dir := importReport(t, "creators_2026-10-28.csv", "shopcreators")
	page := string(readFile(t, filepath.Join(dir, "index.html")))
	row := func(handle string) string {
		i := strings.Index(page, `<tr><td class="who"><a href="https://shop.example/@`+handle)
		if i < 0 {
			i = strings.Index(page, `<tr><td class="who"><bdi>@`+handle)
		}
		if i < 0 {
			return ""
		}
		return page[i : i+strings.Index(page[i:], "</tr>")]
	}
	page = page[strings.Index(page, `id="live"`):] // the channels table, not the above-weight one
	if r := row("glowlab"); !strings.Contains(r, "<td class=\"n\">n/a</td>") || strings.Count(r, "$0<") != 0 {
		t.Errorf("glowlab's channels: %s", r)
	}
	if r := row("homefinds"); !strings.Contains(r, ">$0<") {
		t.Errorf("homefinds sold $0 live, and the table says so: %s", r)
	}
	if !strings.Contains(page, "<strong><bdi>2</bdi></strong> live-led") {
		t.Error("live-led count")
	}
}

// TestImportXLSX: a vendor's workbook export is read from the sheet the
// config names, each cell as the workbook shows it: a number cell, a
// number with a thousands format, a currency format, text as written.
func TestImportXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Summary")
	f.SetCellValue("Summary", "A1", "Top creators, exported 2026-10-28")
	if _, err := f.NewSheet("Creators"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{{"Rank", "Creator", "Followers", "GMV (28d)"}, {1, "@glowlab", 35812, 2100000.5}, {2, "@homefinds", "430K", "$1.2M"}, {3, "@pets", 12000, nil}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Creators", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	thousands, _ := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	dollars, _ := f.NewStyle(&excelize.Style{NumFmt: 0, CustomNumFmt: ptr("$#,##0.00")})
	f.SetCellStyle("Creators", "C2", "C2", thousands)
	f.SetCellStyle("Creators", "D2", "D2", dollars)
	dir := t.TempDir()
	path := filepath.Join(dir, "creators.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	m := newTestMain()
	db := filepath.Join(dir, "g.db")
	code := m.Run(t.Context(), []string{"import", path, "--source", "workbook", "--config", filepath.Join(exportsDir, "config.yaml"), "--db", db, "--no-report"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	if !strings.Contains(m.out.String(), `encoding: xlsx (sheet "Creators" of a workbook)`) || !strings.Contains(m.out.String(), "imported 3 records") {
		t.Errorf("summary: %s", m.out)
	}
	cs := byHandle(loadSnapshot(t, db, "workbook"))
	glow, home, pets := cs["glowlab"], cs["homefinds"], cs["pets"]
	switch {
	case glow.Followers.Num != 35812 || glow.Followers.Raw != "35,812" || glow.GMV.Num != 210000050 || glow.Rank.Num != 1:
		t.Errorf("formatted numbers: %+v %+v", glow.Followers, glow.GMV)
	case home.Followers.Num != 430000 || home.GMV.Num != 120000000:
		t.Errorf("text cells: %+v %+v", home.Followers, home.GMV)
	case pets.GMV != nil:
		t.Errorf("an empty cell is missing: %+v", pets.GMV)
	}
	s := loadSnapshot(t, db, "workbook")
	if len(s.Rejects) != 1 || s.Rejects[0].Reason != "missing value" || !strings.HasSuffix(s.Rejects[0].URL, "#L4") {
		t.Errorf("rejects %+v", s.Rejects)
	}
	// A sheet that is not there is said, with the sheets there are.
	text, _ := os.ReadFile(filepath.Join(exportsDir, "config.yaml"))
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(strings.Replace(string(text), "sheet: Creators", "sheet: Creator", 1)), 0o644)
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"import", path, "--source", "workbook", "--config", cfg, "--db", filepath.Join(dir, "h.db"), "--no-report"}); code != 1 ||
		!strings.Contains(m.errs.String(), `no sheet "Creator" in the workbook; it has Summary, Creators`) {
		t.Errorf("exit %d: %s", code, m.errs)
	}
}

func ptr[T any](v T) *T { return &v }

// TestImportTitleRows: an export with a title and a blank line above its
// header is read from the header on, and says where it found it.
func TestImportTitleRows(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "channels-titled.csv")
	os.WriteFile(path, []byte("Top channels by subscribers\nexported 2026-10-28\n\nRank;Channel;Subscribers;Video Views\n1;@a;1.1M;200M\n2;@b;900K;150M\n"), 0o644)
	m := newTestMain()
	db := filepath.Join(dir, "g.db")
	if code := m.Run(t.Context(), []string{"import", path, "--source", "channels", "--config", filepath.Join(exportsDir, "config.yaml"), "--db", db, "--no-report"}); code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	if !strings.Contains(m.errs.String(), "warning: the header is on line 4: the 3 lines above it were skipped (a title or a spreadsheet's sep= line, not rows)") {
		t.Errorf("stderr: %s", m.errs)
	}
	cs := byHandle(loadSnapshot(t, db, "channels"))
	if len(cs) != 2 || cs["a"].Followers.Num != 1100000 || cs["b"].Views.Num != 150000000 {
		t.Errorf("%+v", cs)
	}
}

// TestImportSepLine: Excel's "sep=;" hint line above the header.
func TestImportSepLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "channels-sep.csv")
	os.WriteFile(path, []byte("sep=;\r\nRank;Channel;Subscribers;Video Views\r\n1;@a;1.1M;200M\r\n"), 0o644)
	m := newTestMain()
	db := filepath.Join(dir, "g.db")
	if code := m.Run(t.Context(), []string{"import", path, "--source", "channels", "--config", filepath.Join(exportsDir, "config.yaml"), "--db", db, "--no-report"}); code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	if !strings.Contains(m.errs.String(), "the header is on line 2: the line above it was skipped") {
		t.Errorf("stderr: %s", m.errs)
	}
	if cs := byHandle(loadSnapshot(t, db, "channels")); len(cs) != 1 || cs["a"].Views.Num != 200000000 {
		t.Errorf("%+v", cs)
	}
}
