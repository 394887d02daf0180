package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/templates"
)

// fullSnapshot has something in every section of the report: a partial
// run, crawl figures, coverage, ranges, rejects, products, a local
// currency, and the week before with caveats and alerts.
func fullSnapshot() (*market.Snapshot, Context) {
	s := synthSnapshot(400, 9)
	s.Status, s.Reason = market.RunPartial, "3 leaderboard pages never reached"
	s.Source.Currency, s.Source.RateUSD = "IDR", 0.000063
	s.Crawl = market.CrawlStats{ByStatus: map[string]int{"200": 40, "503": 2}, Retries: 2, Records: 80, Bytes: 1 << 20, Pending: 3,
		Coverage: []market.Coverage{{Kind: "leaderboard", Pages: 10, Reached: 7, Failed: 1, Missing: 3, Rows: 500, Read: 350, Basis: "its pages"}}}
	s.Ranges = []market.RangeStat{{Kind: "leaderboard", Field: "gmv", Values: 12}}
	s.Rejects = []market.Reject{{URL: "https://shop.example/top", Field: "followers", Raw: "1.2.3K", Reason: "malformed number", Key: "c00001"},
		{URL: "N/A", Field: "gmv", Raw: "??", Reason: "no digits"}}
	s.Pages = []market.PageStat{{Kind: "leaderboard", Outcome: "ok", Pages: 7, Bytes: 1 << 20}, {Kind: "leaderboard", Outcome: "HTTP 503", Pages: 1}}
	s.Products = []market.Product{{ID: "p1", Title: "Lip tint", URL: "https://shop.example/p/1", Shop: "Tiny",
		Price: &market.Value{Kind: market.KindMoney, Num: 129900, Currency: "IDR"}, Units: &market.Value{Kind: market.KindCount, Num: 30800}},
		{ID: "p2", Title: "No price"}}
	s.Creators[0].GMV.Estimate, s.Creators[0].GMV.Low, s.Creators[0].GMV.High = true, 1000000, 2500000
	prev := synthSnapshot(380, 10)
	prev.ID, prev.Status, prev.Source.Period = 3, market.RunPartial, "7d"
	x := weeksContext(s)
	ch := market.Compare(prev, s, market.Summary{ID: 3, TakenAt: testkit.Day.AddDate(0, 0, -7)}, 10)
	x.Changes = &ch
	x.Alerts = []market.Alert{{Rule: "small account", Handle: "c00002", Values: map[string]any{"followers": 1234.0, "gmv_rank": 3.0}}}
	for i := range 7 {
		x.Alerts = append(x.Alerts, market.Alert{Rule: "GMV doubled", Handle: "c0001" + string(rune('0'+i)), Values: map[string]any{"gmv_change_pct": 150.0}})
	}
	return s, x
}

// TestEveryMessageExists renders a report with every section, its index
// and every chart in each language and asks the locale which messages it
// lacked: a missing key is caught here, not by a reader.
func TestEveryMessageExists(t *testing.T) {
	for _, lang := range templates.Langs() {
		t.Run(lang, func(t *testing.T) {
			l, err := LoadLocale(lang)
			if err != nil {
				t.Fatal(err)
			}
			s, x := fullSnapshot()
			a := market.Analyze(*s, s.Source.RateUSD, Outliers, Top)
			_, err = Render(s, a, x, testkit.Day, l)
			needEcharts(t, err)
			if _, err := WriteIndex(t.TempDir(), x.History, testkit.Day, lang); err != nil {
				t.Fatal(err)
			}
			if m := l.Missing(); len(m) > 0 {
				t.Errorf("templates/lang/%s.yaml lacks %v", lang, m)
			}
		})
	}
}

// TestLanguagesMatch: every message file has the same keys as en.yaml,
// each message keeps the same {placeholders}, and plural messages have
// the forms their language needs.
func TestLanguagesMatch(t *testing.T) {
	en := English()
	for _, lang := range templates.Langs() {
		l, err := LoadLocale(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range en.Keys() {
			if !slices.Contains(l.Keys(), k) {
				t.Errorf("%s.yaml lacks %s", lang, k)
				continue
			}
			if a, b := en.Placeholders(k), l.Placeholders(k); !slices.Equal(a, b) {
				t.Errorf("%s.yaml: %s uses %v, en.yaml %v", lang, k, b, a)
			}
		}
		for _, k := range l.Keys() {
			if !slices.Contains(en.Keys(), k) {
				t.Errorf("%s.yaml has %s, which en.yaml does not", lang, k)
			}
		}
	}
}

// TestLocaleNumbers: numbers, plurals and dates in English, Arabic
// (Arabic-Indic digits from CLDR) and Arabic of the UAE (Latin digits).
func TestLocaleNumbers(t *testing.T) {
	ar, _ := LoadLocale("ar")
	ae, err := LoadLocale("ar-AE")
	if err != nil {
		t.Fatal(err)
	}
	en := English()
	day := time.Date(2026, 12, 1, 8, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		l         *Locale
		got, want string
	}{
		{en, en.Num(Num{V: 1234567, Form: Count}), "1,234,567"},
		{ar, ar.Num(Num{V: 1234567, Form: Count}), "١٬٢٣٤٬٥٦٧"},
		{ae, ae.Num(Num{V: 1234567, Form: Count}), "1,234,567"},
		{ar, ar.Num(Num{V: 35812, Form: Compact}), "٣٥٫٨ ألف"},
		{ar, ar.Num(Num{V: 2.1e6, Form: Money}), "٢٫١ مليون دولار"},
		{ar, ar.Num(Num{V: 0.375, Form: Share}), "٣٧٫٥٪\u061c"},
		{en, en.Date(day), "1 December 2026"},
		{ar, ar.Date(day), "١ ديسمبر ٢٠٢٦"},
		{en, en.DateTime(day), "1 December 2026, 08:05 UTC"},
		{en, en.T("report.alerts", "n", 1), "1 alert from the rules in the config:"},
		{en, en.T("report.alerts", "n", 18), "18 alerts from the rules in the config:"},
		{ar, ar.T("report.alerts", "n", 2), "تنبيهان من قواعد الإعدادات:"},
		{ar, ar.T("report.alerts", "n", 5), "٥ تنبيهات من قواعد الإعدادات:"},
		{ar, ar.T("report.alerts", "n", 18), "١٨ تنبيهًا من قواعد الإعدادات:"},
		{en, tierLabel(market.Tiers[1], en), "10K–100K"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.l.Tag, tc.got, tc.want)
		}
	}
}

// TestBidiIsolation: in Arabic, handles and numbers inside a message are
// isolated: <bdi> in the page, first-strong isolates in chart text, and
// each message drawn in a chart is a right-to-left isolate.
func TestBidiIsolation(t *testing.T) {
	ar, _ := LoadLocale("ar")
	h := string(ar.HTML("quality.example_key", "raw", "1.2K", "key", "@lina_<b>", "url", "https://x"))
	if !strings.Contains(h, "<bdi>@lina_&lt;b&gt;</bdi>") || !strings.Contains(h, "<bdi>1.2K</bdi>") {
		t.Errorf("HTML message: %s", h)
	}
	c := ar.Chart("chart.history.title")
	if !strings.HasPrefix(c, rli) || !strings.HasSuffix(c, pdi) {
		t.Errorf("chart text %q is not a right-to-left isolate", c)
	}
	if c := ar.Chart("week.prev", "id", "2", "date", "x"); !strings.Contains(c, fsi+"2"+pdi) {
		t.Errorf("chart text %q does not isolate its arguments", c)
	}
	if English().Chart("week.prev", "id", "2", "date", "x") != "snapshot 2 of x" {
		t.Error("English chart text carries isolates")
	}
}

// TestLinks: only absolute http(s) URLs become links; anything else is
// shown as text and html/template never writes #ZgotmplZ.
func TestLinks(t *testing.T) {
	for u, want := range map[string]string{
		"https://www.tiktok.com/@a": "https://www.tiktok.com/@a", "http://x.example/p?a=1&b=2": "http://x.example/p?a=1&b=2",
		"javascript:alert(1)": "", "N/A": "", "tiktok.com/@a": "", "": "", "data:text/html,hi": "", "//evil.example/x": "",
	} {
		if got := string(Link(u)); got != want {
			t.Errorf("Link(%q) = %q, want %q", u, got, want)
		}
	}
	s, x := fullSnapshot()
	s.Creators[0].URL = "N/A"
	s.Creators[1].URL = "tiktok://user/1"
	html, err := Render(s, market.Analyze(*s, s.Source.RateUSD, Outliers, Top), x, testkit.Day, nil)
	needEcharts(t, err)
	if strings.Contains(string(html), "ZgotmplZ") {
		t.Error("a link became #ZgotmplZ")
	}
}
