package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gmvscope/demo"
	"gmvscope/market"
	"gmvscope/store"
)

// TestDemoMatchesGroundTruth crawls the sample market over HTTP into a fresh
// store: every creator is present with exact followers and GMV, the
// deliberately malformed values are rejects with reasons, nothing else is.
func TestDemoMatchesGroundTruth(t *testing.T) {
	run := sharedDemo(t)
	truth := demo.New(demo.Config{})
	snap := run.snap
	if snap.Status != market.RunOK {
		t.Fatalf("status %s", snap.Status)
	}
	got := map[string]market.Creator{}
	for _, c := range snap.Creators {
		got[c.Handle] = c
	}
	if len(got) != len(truth.Creators) {
		t.Errorf("%d creators in the snapshot, %d in the market", len(got), len(truth.Creators))
	}
	for _, want := range truth.Creators {
		c, ok := got[want.Handle]
		switch {
		case !ok:
			t.Errorf("creator %s missing", want.Handle)
		case c.Followers == nil || c.Followers.Estimate || c.Followers.Num != want.Followers:
			t.Errorf("%s followers %+v, want %d", want.Handle, c.Followers, want.Followers)
		case c.GMV == nil || c.GMV.Estimate || c.GMV.Num != want.GMVCents || c.GMV.Currency != "USD" || c.GMV.Period != "28d":
			t.Errorf("%s GMV %+v, want %d USD cents over 28d", want.Handle, c.GMV, want.GMVCents)
		case c.GMVUSD != float64(want.GMVCents)/100:
			t.Errorf("%s GMV USD %v, want %v", want.Handle, c.GMVUSD, float64(want.GMVCents)/100)
		case c.Units == nil || c.Units.Num != want.Units || c.Views == nil || c.Views.Num != want.Views:
			t.Errorf("%s units %+v views %+v, want %d and %d", want.Handle, c.Units, c.Views, want.Units, want.Views)
		case c.DisplayName != want.DisplayName:
			t.Errorf("%s display name %q, want %q", want.Handle, c.DisplayName, want.DisplayName)
		case c.Category != want.Category || c.Region != want.Region:
			t.Errorf("%s category/region %s/%s, want %s/%s", want.Handle, c.Category, c.Region, want.Category, want.Region)
		case strings.Join(c.Products, ",") != strings.Join(want.ProductIDs, ","):
			t.Errorf("%s products %v, want %v", want.Handle, c.Products, want.ProductIDs)
		case c.GMVLive == nil || c.GMVLive.Num != want.LiveCents || c.GMVVideo == nil || c.GMVVideo.Num != want.VideoCents ||
			c.GMVShowcase == nil || c.GMVShowcase.Num != want.ShowcaseCents:
			t.Errorf("%s GMV by channel %+v %+v %+v, want %d %d %d", want.Handle, c.GMVLive, c.GMVVideo, c.GMVShowcase,
				want.LiveCents, want.VideoCents, want.ShowcaseCents)
		}
	}

	// Each page kind's text stays next to the winning value: the profile's
	// exact count first, then the leaderboard's rounded one.
	for _, want := range truth.Creators[:50] {
		sh := got[want.Handle].Shown["followers"]
		if len(sh) != 2 || sh[0] != (market.Shown{Kind: "profile", Raw: fmt.Sprint(want.Followers)}) || sh[1].Kind != "leaderboard" || sh[1].Raw == "" {
			t.Errorf("%s followers shown %+v", want.Handle, sh)
		}
	}

	// Every live session linked from a profile, exactly as the market holds it.
	lives := map[string]market.Live{}
	for _, l := range snap.Lives {
		lives[l.ID] = l
	}
	if len(truth.Lives) < 200 || len(lives) != len(truth.Lives) {
		t.Errorf("%d live sessions in the snapshot, %d in the market", len(lives), len(truth.Lives))
	}
	for _, want := range truth.Lives {
		l, ok := lives[want.ID]
		switch {
		case !ok:
			t.Errorf("live session %s missing", want.ID)
		case l.Creator != want.Creator || l.Title != want.Title || l.Start != want.Start.Format(time.RFC3339):
			t.Errorf("live %s: %q %q %q, want %q %q %v", want.ID, l.Creator, l.Title, l.Start, want.Creator, want.Title, want.Start)
		case l.Duration == nil || l.Duration.Num != want.Seconds || l.Viewers == nil || l.Viewers.Num != want.Viewers ||
			l.PeakViewers == nil || l.PeakViewers.Num != want.Peak:
			t.Errorf("live %s: %+v %+v %+v, want %ds, %d viewers, %d at peak", want.ID, l.Duration, l.Viewers, l.PeakViewers, want.Seconds, want.Viewers, want.Peak)
		case l.GMV == nil || l.GMV.Num != want.GMVCents || l.GMV.Period != "session" || l.Units == nil || l.Units.Num != want.Units:
			t.Errorf("live %s: GMV %+v units %+v, want %d and %d", want.ID, l.GMV, l.Units, want.GMVCents, want.Units)
		case strings.Join(l.Products, ",") != strings.Join(want.Products, ","):
			t.Errorf("live %s products %v, want %v", want.ID, l.Products, want.Products)
		}
	}
	if len(snap.Repeats) != 0 {
		t.Errorf("repeats in a clean crawl: %+v", snap.Repeats[:min(3, len(snap.Repeats))])
	}

	type rej struct{ handle, field, raw string }
	wantRej := map[rej]bool{}
	for _, m := range truth.Malformed {
		wantRej[rej{m.Handle, m.Field, m.Raw}] = true
	}
	if len(wantRej) < 10 {
		t.Fatalf("the sample market should break some values, it broke %d", len(wantRej))
	}
	for _, r := range snap.Rejects {
		k := rej{r.Key, r.Field, r.Raw}
		if !wantRej[k] {
			t.Errorf("unexpected reject %+v", r)
			continue
		}
		if r.Reason == "" || !strings.Contains(r.URL, "/leaderboard?page=") {
			t.Errorf("reject %+v lacks a reason or its page URL", r)
		}
		delete(wantRej, k)
	}
	for k := range wantRej {
		t.Errorf("malformed value %+v was not rejected", k)
	}

	products := map[string]demo.Product{}
	for _, p := range truth.Products {
		products[p.ID] = p
	}
	if len(snap.Products) < len(truth.Products)*9/10 {
		t.Errorf("only %d of %d products crawled", len(snap.Products), len(truth.Products))
	}
	for _, p := range snap.Products {
		want := products[p.ID]
		lo, hi := p.Price.Num, p.Price.Num
		if p.Price.Estimate {
			lo, hi = p.Price.Low, p.Price.High
		}
		if lo != want.PriceLowCents || hi != want.PriceHighCents {
			t.Errorf("product %s price %d-%d, want %d-%d", p.ID, lo, hi, want.PriceLowCents, want.PriceHighCents)
		}
		// Units are shown rounded ("30.8K sold"): equal within the display's precision.
		if u := float64(p.Units.Num); want.Units > 0 && math.Abs(u-float64(want.Units))/float64(want.Units) > 0.05 {
			t.Errorf("product %s units %d, want about %d", p.ID, p.Units.Num, want.Units)
		}
		if p.Units.Period != "cumulative" {
			t.Errorf("product %s units period %q", p.ID, p.Units.Period)
		}
	}
	priceRanges := 0
	for _, p := range snap.Products {
		if products[p.ID].PriceHighCents != products[p.ID].PriceLowCents {
			priceRanges++
		}
	}
	wantRanges := []market.RangeStat{{Kind: "leaderboard", Field: "gmv", Values: truth.Ranges}, {Kind: "product", Field: "price", Values: priceRanges}}
	if fmt.Sprint(snap.Ranges) != fmt.Sprint(wantRanges) || truth.Ranges < 100 {
		t.Errorf("values published as ranges %+v, want %+v", snap.Ranges, wantRanges)
	}
	for _, ps := range snap.Pages {
		if ps.Outcome != "ok" {
			t.Errorf("%d %s pages failed: %s", ps.Pages, ps.Kind, ps.Outcome)
		}
	}
	if !snap.FirstFetch.Equal(clock) {
		t.Errorf("fetch time %v does not come from the injected clock", snap.FirstFetch)
	}
}

// TestCheckPrintsWhatCrawlStores runs `check` on a page saved from the
// crawl and compares it with the records the crawl stored for that page.
func TestCheckPrintsWhatCrawlStores(t *testing.T) {
	run := sharedDemo(t)
	ctx := t.Context()
	db, err := store.Open(ctx, run.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, urls, err := db.RunRecords(ctx, run.snap.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"leaderboard", "profile", "product"} {
		var pageURL string
		for _, u := range urls {
			if strings.Contains(u, map[string]string{"leaderboard": "page=2", "profile": "/creator/", "product": "/product/"}[kind]) {
				pageURL = u
				break
			}
		}
		body, err := db.PageBody(ctx, run.snap.RunID, pageURL)
		if err != nil {
			t.Fatal(err)
		}
		saved := filepath.Join(t.TempDir(), "page.html")
		if err := os.WriteFile(saved, body, 0o644); err != nil {
			t.Fatal(err)
		}
		m := newTestMain()
		if code := m.Run(ctx, []string{"check", "--config", "../../config.yaml", "--source", "demo", "--kind", kind, "--url", pageURL, saved}); code != 0 {
			t.Fatalf("check exit %d: %s", code, m.errs)
		}
		var out checkOutput
		if err := json.Unmarshal(m.out.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		var stored []checkRecord
		for i, r := range recs {
			if urls[i] == pageURL {
				stored = append(stored, checkRecord{Entity: r.Entity, Key: r.Key, Fields: r.Fields})
			}
		}
		a, _ := json.Marshal(out.Records)
		b, _ := json.Marshal(stored)
		if len(stored) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: check printed\n%s\nthe crawl stored\n%s", kind, a, b)
		}
	}
}

// TestReportByteIdentical renders the same snapshot again with the same
// clock, and crawls the market a second time into a new store: the reports
// must match byte for byte (the second crawl once its loopback port, the
// only thing that differs, is written the same).
func TestReportByteIdentical(t *testing.T) {
	first := sharedDemo(t)
	again := t.TempDir()
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"report", "--config", "../../config.yaml", "--db", first.db, "--out", again, "--source", "demo"}); code != 0 {
		t.Fatalf("report exit %d: %s", code, m.errs)
	}
	second := runDemo(t.Context(), t.TempDir())
	if second.err != nil {
		t.Fatal(second.err)
	}
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	for _, name := range []string{"index.html", "data.csv"} {
		a := readFile(t, filepath.Join(filepath.Dir(first.report), name))
		if b := readFile(t, filepath.Join(again, "reports", "1", name)); !bytes.Equal(a, b) {
			t.Errorf("%s differs when the same snapshot is rendered twice", name)
		}
		b := readFile(t, filepath.Join(filepath.Dir(second.report), name))
		if !bytes.Equal(port.ReplaceAll(a, []byte("HOST")), port.ReplaceAll(b, []byte("HOST"))) {
			t.Errorf("%s differs between two crawls of the same market", name)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReportContents checks what a reader relies on in the HTML and CSV.
func TestReportContents(t *testing.T) {
	run := sharedDemo(t)
	html, err := os.ReadFile(run.report)
	if err != nil {
		t.Fatal(err)
	}
	a := market.Analyze(*run.snap, 1, 10, 20)
	for _, want := range []string{
		"Sample data.", "Spearman ρ", fmt.Sprintf("%.2f", a.Spearman.Rho), "Elasticity",
		"Top 1% of creators", "Gini", "Top products by GMV", "Data quality", "Methodology and sources",
		`id="chart-scatter"`, `id="chart-tiers"`, `id="chart-lorenz"`, fmt.Sprintf("%d values or rows rejected", len(run.snap.Rejects)),
	} {
		if !bytes.Contains(html, []byte(want)) && !strings.Contains(pageText(string(html)), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script src", "<link", "@import", "go-echarts.github.io", "cdn."} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("report refers to %q: it must need no network", bad)
		}
	}
	csv, err := os.ReadFile(filepath.Join(filepath.Dir(run.report), "data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != len(run.snap.Creators)+1 {
		t.Errorf("data.csv has %d rows, want %d creators plus a header", len(lines)-1, len(run.snap.Creators))
	}
	if rho := a.Spearman.Rho; rho < 0.3 || rho > 0.5 {
		t.Errorf("sample market Spearman %.2f, want the real market's weak 0.3-0.5", rho)
	}
}
