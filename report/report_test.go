package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"gmvscope/market"
)

// tags matches HTML tags, to read a page's text.
var tags = regexp.MustCompile(`<[^>]+>`)

const evil = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`

func hostileSnapshot() *market.Snapshot {
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	s := &market.Snapshot{ID: 7, RunID: 3, Status: market.RunOK, TakenAt: at, FirstFetch: at, LastFetch: at,
		Source: market.SourceInfo{Name: "shop", Currency: "USD", Period: "28d", RateUSD: 1, RateAsOf: at,
			StartURLs: []string{"https://shop.example/top?a=1&b=<x>"}}}
	for i := range 120 {
		f := &market.Value{Kind: market.KindCount, Num: int64(1000 * (i + 1))}
		g := &market.Value{Kind: market.KindMoney, Num: int64(50000 * (120 - i)), Currency: "USD", Raw: "=cmd|' /C calc'!A0"}
		s.Creators = append(s.Creators, market.Creator{Handle: "h" + evil + string(rune('a'+i%26)) + strings.Repeat("x", i),
			DisplayName: "+SUM(1,2)" + evil, Followers: f, GMV: g, GMVUSD: float64(g.Num) / 100,
			URL: "javascript:alert(3)", Category: "@cat"})
	}
	s.Products = []market.Product{{ID: "p1", Title: evil, URL: "javascript:alert(4)", Shop: evil,
		Price: &market.Value{Kind: market.KindMoney, Num: 999, Currency: "USD"}, Units: &market.Value{Kind: market.KindCount, Num: 10}}}
	s.Rejects = []market.Reject{{URL: "javascript:alert(5)", Field: "followers", Raw: evil, Reason: "malformed number", Key: evil}}
	s.Pages = []market.PageStat{{Kind: "top" + evil, Outcome: "ok", Pages: 1}}
	return s
}

func TestRenderEscapesScrapedText(t *testing.T) {
	s := hostileSnapshot()
	a := market.Analyze(*s, 1, Outliers, Top)
	html, err := Render(s, a, Context{}, time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC), nil)
	needEcharts(t, err)
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, "onerror=alert(2)>"} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("scraped text reached the HTML unescaped: %q", bad)
		}
	}
	// Exactly our own scripts: echarts, charts.js, the locale, the loader,
	// and each chart's option, text and data.
	if n := bytes.Count(html, []byte("<script")); n != 4+3*3 {
		t.Errorf("%d <script> tags, want %d (echarts, charts.js, locale, loader, 3 × option, meta, CSV)", n, 4+3*3)
	}
	if !bytes.Contains(html, []byte(`\u003c/script\u003e`)) {
		t.Error("chart options should carry scraped names JSON-escaped")
	}
}

// needEcharts skips when the echarts build was not fetched (make assets),
// except on CI, where it fails.
func needEcharts(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(err)
	}
	t.Skip(err)
}

func TestRenderDeterministic(t *testing.T) {
	s := hostileSnapshot()
	a := market.Analyze(*s, 1, Outliers, Top)
	now := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	one, err := Render(s, a, Context{}, now, nil)
	needEcharts(t, err)
	two, _ := Render(s, market.Analyze(*s, 1, Outliers, Top), Context{}, now, nil)
	if !bytes.Equal(one, two) {
		t.Error("the same snapshot and clock rendered different HTML")
	}
}

func TestCSVFormulaSafe(t *testing.T) {
	s := hostileSnapshot()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, s, market.Analyze(*s, 1, Outliers, Top), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(bom)) {
		t.Error("data.csv must start with a UTF-8 BOM, or Excel on Windows garbles non-ASCII names")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(s.Creators)+1 || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts a formula: %q", CSVHeader[i], cell)
			}
		}
	}
	if rows[1][1] != "'+SUM(1,2)"+evil || rows[1][10] != "'=cmd|' /C calc'!A0" {
		t.Errorf("display name %q, gmv raw %q", rows[1][1], rows[1][10])
	}
}

func TestLocalCurrencyBesideUSD(t *testing.T) {
	s := hostileSnapshot()
	s.Source.Currency, s.Source.RateUSD = "IDR", 0.000063
	for i := range s.Creators {
		g := *s.Creators[i].GMV
		g.Currency = "IDR"
		s.Creators[i].GMV = &g
		s.Creators[i].GMVUSD = float64(g.Num) * 0.000063
	}
	html, err := Render(s, market.Analyze(*s, s.Source.RateUSD, Outliers, Top), Context{}, time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC), nil)
	needEcharts(t, err)
	html = tags.ReplaceAll(html, nil)
	for _, want := range []string{"GMV (IDR)", "at 0.000063 USD per IDR (rate as of 2026-11-16)", "IDR → USD at 0.000063 (rate as of 2026-11-16)"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestQualityFetchingFigures: the run's stats reach the data-quality
// section's fetching table, each under its own label.
func TestQualityFetchingFigures(t *testing.T) {
	s := hostileSnapshot()
	s.Crawl = market.CrawlStats{ByStatus: map[string]int{"200": 1200, "503": 7}, Retries: 9, Records: 2400, Bytes: 3 << 20,
		LatencyP50: 2e6, LatencyP95: 9e6, RobotsDeny: 4, RobotsFetch: 1, NotModified: 300}
	q := quality(s, market.Analyze(*s, 1, Outliers, Top), English())
	got := map[string]string{}
	for _, f := range q.Crawl {
		got[f.Label] = f.Shown()
	}
	for label, want := range map[string]string{"Responses by status": "200: 1,200, 503: 7", "Retries": "9", "Records": "2,400",
		"Robots.txt denials": "4", "Robots.txt requests": "1", "Unchanged pages": "300", "Latency": "p50 2.0 ms, p95 9.0 ms"} {
		if got[label] != want {
			t.Errorf("%s: %q, want %q", label, got[label], want)
		}
	}
}

// TestFormat: one formatter writes every figure: exact counts with
// thousands separators (negative ones too), shares, compact counts, and
// money in its currency's own minor units.
func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		n    Num
		want string
	}{
		{Num{V: -123, Form: Count}, "-123"},
		{Num{V: 1234567, Form: Count}, "1,234,567"},
		{Num{V: -1234567, Form: Count}, "-1,234,567"},
		{Num{V: 35812, Form: Compact}, "35.8K"},
		{Num{V: 999960, Form: Compact}, "1.0M"},
		{Num{V: 0.375, Form: Share}, "37.5%"},
		{Num{V: 0.37549, Form: Share}, "37.5%"},
		// Money: three significant digits under 1,000, compact above; a
		// value that rounds to 1,000 is compact, never "$1000.00".
		{Num{V: 853.39, Form: Money}, "$853"},
		{Num{V: 46.76, Form: Money}, "$46.8"},
		{Num{V: 8.534, Form: Money}, "$8.53"},
		{Num{V: 9.996, Form: Money}, "$10.0"},
		{Num{V: 99.96, Form: Money}, "$100"},
		{Num{V: 999.995, Form: Money}, "$1.0K"},
		{Num{V: 2600, Form: Money}, "$2.6K"},
		{Num{V: 2100000, Form: Money}, "$2.1M"},
		{Num{V: -2100000, Form: Money}, "-$2.1M"},
		{Num{V: 12345, Form: Money, Cur: "PYG"}, "₲12.3K"},
		{Num{V: 12345, Form: Money, Cur: "XAG"}, "XAG 12.3K"},
		{Num{V: 12345, Form: Money, Cur: "EUR"}, "€12.3K"},
		{Num{V: 2100000, Form: Money, Cur: "IDR"}, "Rp2.1M"},
		// A price is exact, in its currency's minor units.
		{Num{V: 12.99, Form: Price}, "$12.99"},
		{Num{V: 853.39, Form: Price}, "$853.39"},
		{Num{V: 500, Form: Price, Cur: "XPF"}, "XPF 500"},
		{Num{V: 5.125, Form: Price, Cur: "KWD"}, "KWD 5.125"},
		{Num{NA: true, Form: Count}, "n/a"},
	} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.n, got, tc.want)
		}
	}
}
