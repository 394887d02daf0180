package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"gmvscope/internal/testkit"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"gmvscope/market"
	"gmvscope/store"
)

// hostileSite is a one-page leaderboard in the sample market's layout
// whose rows and profiles carry what a hostile or broken site sends: a
// handle linked percent-encoded (lower case) while its profile writes it
// in Chinese, a profile of 2 MB of nested JSON, a follower count of two
// million digits, and a name with NUL and bytes that are not UTF-8.
func hostileSite(t *testing.T) *httptest.Server {
	t.Helper()
	row := func(link, handle, followers, gmv string) string {
		return fmt.Sprintf(`<tr><td class="rank">1</td><td class="handle"><a href="/creator/%s">@%s</a></td><td class="name">N</td><td class="followers">%s</td><td class="gmv">%s</td><td class="units">1</td><td class="category">Beauty</td><td class="region">US</td></tr>`,
			link, handle, followers, gmv)
	}
	leaderboard := `<!doctype html><html><head><meta charset="utf-8"><title>Top</title></head><body><table class="leaderboard"><tbody>` +
		row("%e5%b0%8f%e7%be%8e", "小美", "35.8K", "$2.1M") +
		row("deep", "deep", "1,234", "$10K") +
		row("longdigits", "longdigits", strings.Repeat("7", 2_000_000), "$5K") +
		row("badbytes", "badbytes", "2,000", "$1K") +
		`</tbody></table><p class="count">Showing 1–4 of 4 creators · Page 1 of 1</p></body></html>`
	profile := func(data string) string {
		return `<!doctype html><html><head><meta charset="utf-8"><title>P</title></head><body><script type="application/json" id="creator-data">` + data + `</script></body></html>`
	}
	pages := map[string]string{
		"/leaderboard?page=1":                 leaderboard,
		"/creator/%E5%B0%8F%E7%BE%8E":         profile(`{"handle":"小美","display_name":"小美 好物","followers":35812,"gmv_28d":2100000.55,"units_28d":10,"views_28d":99}`),
		"/creator/deep":                       profile(strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000)),
		"/creator/longdigits":                 profile(`{"handle":"longdigits","display_name":"L","followers":1,"gmv_28d":5000,"units_28d":1,"views_28d":1}`),
		"/creator/badbytes":                   profile("{\"handle\":\"badbytes\",\"display_name\":\"Bad\\u0000Name \xff\xfe end\",\"followers\":2000,\"gmv_28d\":1000,\"units_28d\":1,\"views_28d\":1}"),
		"/robots.txt":                         "User-agent: *\nAllow: /\n",
		"/creator/%e5%b0%8f%e7%be%8e-unasked": "",
	}
	var mu sync.Mutex
	asked := map[string]int{}
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked[r.URL.RequestURI()]++
		n := asked[r.URL.RequestURI()]
		mu.Unlock()
		body, ok := pages[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if n > 1 && r.URL.RequestURI() != "/creator/deep" {
			t.Errorf("%s asked for %d times", r.URL.RequestURI(), n)
		}
		if strings.HasPrefix(body, "<") {
			w.Header().Set("Content-Type", "text/html")
		}
		w.Write([]byte(body))
	}))
	return srv
}

// TestHostileInput crawls hostileSite: the two spellings of 小美 are one
// creator fetched once, the nested JSON is refused by its depth before it
// is built, the two-million-digit count is a reject (its raw text clipped)
// rather than seconds of big-number parsing, and the name's NUL and bad
// bytes never reach the store or data.csv, which is valid UTF-8; each
// repair is counted.
func TestHostileInput(t *testing.T) {
	srv := hostileSite(t)
	cfg, db := siteConfig(t, srv.URL)
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitPartial {
		t.Fatalf("exit %d: %s", code, lastLines(m.errs.String(), 3))
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, r, _ := finalState(t, s, 1, "/creator/deep"); st != "failed" || r != "JSON nested more than 100 levels deep (limits.json_depth)" {
		t.Errorf("nested JSON: %s %q", st, r)
	}
	snap, err := s.Snapshot(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	byHandle := map[string]market.Creator{}
	for _, c := range snap.Creators {
		byHandle[c.Handle] = c
	}
	if len(snap.Creators) != 4 || byHandle["小美"].Followers == nil || byHandle["小美"].Followers.Num != 35812 {
		t.Errorf("creators %v: want 4, 小美 once with the profile's 35,812 followers", keys(byHandle))
	}
	var long *market.Reject
	for i, r := range snap.Rejects {
		if r.Key == "longdigits" && r.Field == "followers" {
			long = &snap.Rejects[i]
		}
	}
	if long == nil || long.Reason != "too long for a number: 2000000 characters" || len(long.Raw) > 1100 || !strings.HasSuffix(long.Raw, "(2000000 bytes in all)") {
		t.Errorf("the two-million-digit count: %+v", long)
	}
	if byHandle["longdigits"].Followers == nil || byHandle["longdigits"].Followers.Num != 1 {
		t.Errorf("longdigits keeps its profile's exact count: %+v", byHandle["longdigits"].Followers)
	}
	if n := byHandle["badbytes"].DisplayName; n != "BadName \uFFFD\uFFFD end" {
		t.Errorf("repaired name %q", n)
	}
	if snap.Crawl.Repaired != 1 {
		t.Errorf("%d repaired texts counted, want 1", snap.Crawl.Repaired)
	}
	var nul int
	s.SQL().QueryRow(`SELECT count(*) FROM records WHERE instr(fields, char(0)) > 0 OR instr(fields, '\u0000') > 0`).Scan(&nul)
	if nul != 0 {
		t.Errorf("%d records hold a NUL", nul)
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(db), "reports", "1", "data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		t.Errorf("data.csv is not clean UTF-8")
	}
	if _, err := csv.NewReader(bytes.NewReader(data)).ReadAll(); err != nil {
		t.Errorf("data.csv: %v", err)
	}
	var urls int
	s.SQL().QueryRow(`SELECT count(*) FROM frontier WHERE run_id = 1 AND url LIKE '%/creator/%'`).Scan(&urls)
	if urls != 4 {
		t.Errorf("%d profile URLs in the frontier, want 4 (one spelling of 小美)", urls)
	}
}

func keys(m map[string]market.Creator) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestImportHostileCSV imports a file with a field over its cap and an
// unterminated quote: each costs a reject for its own line, the oversize
// field is not stored, and every other line is imported.
func TestImportHostileCSV(t *testing.T) {
	dir := t.TempDir()
	conf, err := os.ReadFile("testdata/import/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(strings.Replace(string(conf), "    period: 30d\n", "    period: 30d\n    limits: {csv_field_kb: 1}\n", 1)), 0o644)
	file := filepath.Join(dir, "export.csv")
	lines := []string{
		"Creator,Display Name,Followers,GMV (30d),Items Sold",
		"@one,One,1K,$1K,1",
		`@huge,"` + strings.Repeat("x", 5000) + `",2K,$2K,2`, // line 3: a field over 1 KB
		"@two,Two,3K,$3K,3",
		`@open,"never closed,4K,$4K,4`, // line 5: an unterminated quote
		"@three,Three,5K,$5K,5",
		"@four,Four,6K,$6K,6",
	}
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	snap, m := importFile(t, file, cfg, "vendor")
	if !strings.Contains(m.out.String(), "imported 4 records") {
		t.Errorf("summary: %s", m.out)
	}
	got := map[string]bool{}
	for _, c := range snap.Creators {
		got[c.Handle] = true
	}
	for _, h := range []string{"one", "two", "three", "four"} {
		if !got[h] {
			t.Errorf("%s (after a bad line) was not imported: %v", h, got)
		}
	}
	want := map[string]string{
		"L3": "malformed CSV: field over the size limit: a field of line 3 is over 1024 bytes (limits.csv_field_kb)",
		"L5": `malformed CSV: a quoted field is never closed (unterminated ")`,
	}
	for _, r := range snap.Rejects {
		_, line, _ := strings.Cut(r.URL, "#")
		if want[line] != r.Reason || len(r.Raw) > 310 {
			t.Errorf("reject %s %q (%d bytes): %q", line, r.Raw[:min(40, len(r.Raw))], len(r.Raw), r.Reason)
		}
		delete(want, line)
	}
	for line := range want {
		t.Errorf("no reject for %s", line)
	}
	if strings.Contains(fmt.Sprint(snap.Rejects), strings.Repeat("x", 400)) {
		t.Error("the oversize field was stored")
	}
}
