package main

import (
	"encoding/csv"
	"gmvscope/config"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gmvscope/market"
	"gmvscope/parse"
)

// realdata is ../shared/realdata beside the checkout: real pages that real
// sites served. The project never copies them; these tests skip without them.
const realdata = "../../../shared/realdata"

func realFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realdata, rel))
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: real-page conformance tests need ../shared/realdata beside the checkout", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// extract runs the bundled config's extractor for source/kind on a real page.
func extract(t *testing.T, source, kind, page string, body []byte) parse.Result {
	t.Helper()
	cfg, err := config.Load("../../config.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := cfg.Source(source)
	if err != nil {
		t.Fatal(err)
	}
	ex := src.Extractors()[kind]
	if ex == nil {
		t.Fatalf("source %s has no page kind %s", source, kind)
	}
	u, _ := url.Parse(page)
	return ex.Extract(parse.Input{URL: u, Body: body})
}

func num(t *testing.T, r market.Record, field string) int64 {
	t.Helper()
	v, ok := r.Fields[field]
	if !ok {
		t.Fatalf("%s has no %s: %+v", r.Key, field, r.Fields)
	}
	return v.Num
}

func TestRealTikTokShopProduct(t *testing.T) {
	body := realFile(t, "tiktokshop-pdp/sample_product.html")
	page := "https://www.tiktok.com/shop/pdp/square-neck-bodysuit-co-ord-high-waist-wide-leg-trousers-by-katchme/1729447605324124806"
	res := extract(t, "tiktokshop", "product", page, body)
	if len(res.Records) != 1 || len(res.Rejects) != 0 {
		t.Fatalf("%d records, rejects %+v", len(res.Records), res.Rejects)
	}
	p := res.Records[0]
	price := p.Fields["price"]
	switch {
	case p.Key != "1729447605324124806":
		t.Errorf("product id %q", p.Key)
	case !strings.HasPrefix(p.Fields["title"].Text, "Women's Trendy Square Neck Shaping Bodysuit"):
		t.Errorf("title %q", p.Fields["title"].Text)
	case price.Raw != "$24.17 - 24.69" || !price.Estimate || price.Low != 2417 || price.High != 2469 || price.Currency != "USD":
		t.Errorf("price %+v", price)
	case num(t, p, "units") != 30762:
		t.Errorf("units sold %d, want 30762", num(t, p, "units"))
	case p.Fields["rating"].Float != 4.5 || num(t, p, "reviews") != 2868:
		t.Errorf("rating %v, reviews %d", p.Fields["rating"].Float, num(t, p, "reviews"))
	case p.Fields["shop"].Text != "KatchMe US":
		t.Errorf("shop %q", p.Fields["shop"].Text)
	}
	// The visible "30.8K sold" agrees with the exact count within its rounding.
	vis := extract(t, "tiktokshop", "product_visible", page, body)
	if len(vis.Records) != 1 || vis.Records[0].Key != p.Key {
		t.Fatalf("visible records %+v, rejects %+v", vis.Records, vis.Rejects)
	}
	shown := vis.Records[0].Fields["units"]
	if shown.Raw != "30.8K sold" || shown.Num != 30800 {
		t.Errorf("visible units %+v", shown)
	}
	if d := shown.Num - 30762; d < -50 || d > 50 { // "30.8K" rounds to the nearest 100
		t.Errorf("visible %d and exact 30762 disagree beyond rounding", shown.Num)
	}
}

func TestRealInfluenceGridLeaderboard(t *testing.T) {
	data := realFile(t, "influencegrid-tiktok-top/top-250-tiktokers.csv")
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ country, followers, views, likes, engagement string }
	want := map[string]row{}
	for _, r := range rows[1:] {
		want[market.CanonicalHandle(r[1])] = row{r[2], r[3], r[4], r[5], r[6]}
	}
	p := func(kind market.Kind, s string) market.Value {
		v, err := parse.Value(kind, s, parse.Options{})
		if err != nil {
			t.Fatalf("CSV value %q: %v", s, err)
		}
		return v
	}
	seen, compared := map[string]bool{}, 0
	for i := 1; i <= 12; i++ {
		name := "influencegrid-tiktok-top/page" + itoa(i) + ".html"
		res := extract(t, "influencegrid", "leaderboard", "https://www.influencegrid.com/tiktok-influencers", realFile(t, name))
		if len(res.Records) != 20 || len(res.Rejects) != 0 {
			t.Errorf("%s: %d rows, rejects %+v", name, len(res.Records), res.Rejects)
		}
		for _, r := range res.Records {
			seen[r.Key] = true
			w, ok := want[r.Key]
			if !ok {
				continue
			}
			compared++
			// The CSV rounds as the page does ("25.9m"), except that it writes
			// "12.90%" for the page's "12.9%": compare parsed values.
			// The one place the students' CSV departs from the page it was
			// built from: page11 shows @katjaglieson's country as "U.S.A".
			if r.Key == "katjaglieson" && w.country == "Australia" {
				w.country = "U.S.A"
			}
			if got := r.Fields["region"].Text; got != w.country {
				t.Errorf("%s country %q, CSV %q", r.Key, got, w.country)
			}
			for field, csvText := range map[string]string{"followers": w.followers, "views_per_video": w.views, "likes_per_video": w.likes} {
				if got, exp := num(t, r, field), p(market.KindCount, csvText).Num; got != exp {
					t.Errorf("%s %s %d (%q), CSV %q", r.Key, field, got, r.Fields[field].Raw, csvText)
				}
			}
			if got, exp := r.Fields["engagement"].Float, p(market.KindPercent, w.engagement).Float; got != exp {
				t.Errorf("%s engagement %v, CSV %q", r.Key, got, w.engagement)
			}
		}
	}
	// PROVENANCE: 240 rows give 235 unique handles, 234 of them in the CSV.
	if len(seen) != 235 || compared < 234 {
		t.Errorf("%d unique handles, %d rows compared with the CSV", len(seen), compared)
	}
}

func TestRealSocialBladeVideos(t *testing.T) {
	body := realFile(t, "socialblade-pewdiepie-videos/pewdiepie_videos_2017-11.html")
	page := "https://socialblade.com/youtube/user/pewdiepie/videos"
	ch := extract(t, "socialblade", "channel", page, body)
	if len(ch.Records) != 1 || len(ch.Rejects) != 0 {
		t.Fatalf("channel %+v, rejects %+v", ch.Records, ch.Rejects)
	}
	c := ch.Records[0]
	if c.Key != "pewdiepie" || num(t, c, "followers") != 57782841 || num(t, c, "followers_shown") != 57782841 ||
		num(t, c, "uploads") != 3338 || num(t, c, "views") != 16361996869 {
		t.Errorf("channel %s: %+v", c.Key, c.Fields)
	}
	if raw := c.Fields["followers_shown"].Raw; raw != "57,782,841" {
		t.Errorf("visible subscribers raw %q", raw)
	}
	v := extract(t, "socialblade", "videos", page, body)
	if len(v.Records) != 50 || len(v.Rejects) != 0 {
		t.Fatalf("%d videos, rejects %+v", len(v.Records), v.Rejects)
	}
	first := v.Records[0]
	e := first.Fields["earnings"]
	if first.Fields["date"].Text != "2017-11-05" || num(t, first, "views") != 2700000 || num(t, first, "ratings") != 192000 ||
		first.Fields["rating"].Float != 96.5 || num(t, first, "comments") != 29000 ||
		e.Low != 130000 || e.High != 1060000 || e.Currency != "USD" || !e.Estimate {
		t.Errorf("first video %s: %+v", first.Key, first.Fields)
	}
}

func TestRealSocialBladeSummary(t *testing.T) {
	body := realFile(t, "socialblade-natoo-summary/natoo_summary_2019-10.html")
	page := "https://socialblade.com/youtube/user/ptitenatou"
	ch := extract(t, "socialblade", "channel", page, body)
	if len(ch.Records) != 1 || len(ch.Rejects) != 0 {
		t.Fatalf("channel %+v, rejects %+v", ch.Records, ch.Rejects)
	}
	c := ch.Records[0]
	// Here even the hidden span is abbreviated: "4.92M".
	if num(t, c, "followers") != 4920000 || c.Fields["followers"].Raw != "4.92M" || num(t, c, "uploads") != 95 || num(t, c, "views") != 712495887 {
		t.Errorf("channel %+v", c.Fields)
	}
	for field, want := range map[string][2]int64{"monthly_earnings": {210000, 3350000}, "yearly_earnings": {2510000, 40220000}} {
		v := c.Fields[field]
		if v.Low != want[0] || v.High != want[1] || v.Currency != "EUR" || !v.Estimate {
			t.Errorf("%s %+v, want EUR %d-%d cents", field, v, want[0], want[1])
		}
	}
	d := extract(t, "socialblade", "daily", page, body)
	if len(d.Records) != 14 {
		t.Fatalf("%d daily rows, want 14", len(d.Records))
	}
	// The subscriber change is "--" on every row: missing, never zero.
	if len(d.Rejects) != 14 {
		t.Errorf("%d rejects, want the 14 missing subscriber changes: %+v", len(d.Rejects), d.Rejects)
	}
	for _, r := range d.Rejects {
		if r.Field != "followers_change" || r.Raw != "--" || r.Reason != "missing value" {
			t.Errorf("reject %+v", r)
		}
	}
	first := d.Records[0]
	e := first.Fields["earnings"]
	if first.Key != "2019-10-03" || num(t, first, "views_change") != 419324 || num(t, first, "views") != 709313601 ||
		num(t, first, "followers") != 4920000 || e.Low != 9500 || e.High != 150000 || e.Currency != "EUR" || e.Period != "1d" {
		t.Errorf("first day %s: %+v", first.Key, first.Fields)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
