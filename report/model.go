// Package report turns a snapshot and its analysis into a self-contained
// HTML report, the data behind it as CSV, and charts.
package report

import (
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"gmvscope/market"
)

// Model is everything the report template shows, already formatted.
type Model struct {
	Title         string
	Source        market.SourceInfo
	SnapshotID    int64
	RunID         int64
	Status        market.RunStatus
	TakenAt       string
	Generated     string
	Window        string // first to last fetch
	Period        string
	Headline      []Figure
	Charts        map[string]Chart
	Tiers         []TierRow
	AboveWeight   []AboveRow
	AbovePool     int
	Concentration []Figure
	Products      []ProductRow
	ProductsNote  string
	Quality       Quality
	RateNote      string
	LocalCurrency string // the source's currency when it is not USD: tables show both
	Echarts       template.JS
	EchartsVer    string
	CSS           template.CSS
}

// Figure is one headline number with what it means.
type Figure struct {
	Label, Value, Note string
}

// TierRow is one follower tier.
type TierRow struct {
	Label, Creators, CreatorShare, GMVShare, MedianGMV, MedianPer1K string
}

// AboveRow is one creator who sells above their follower count.
type AboveRow struct {
	Handle, URL, Followers, GMV, Per1K string
	GMVLocal                           string // in the source's currency when it is not USD
	RankGMV, RankFollowers             int
	Estimate                           bool
}

// ProductRow is one product by estimated GMV.
type ProductRow struct {
	ID, Title, URL, Shop, Price, Units, EstGMV string
	Creators                                   int
	Estimate                                   bool
}

// Quality is the data-quality section.
type Quality struct {
	PagesOK, PagesFailed int
	Pages                []PageRow
	Rejects              int
	RejectGroups         []RejectGroup
	Ranges               []market.RangeStat
	RangeValues          int
	RangeGMV             int
	MissingFollowers     int
	MissingGMV           int
	ZeroGMV              int
	Crawl                []Figure // requests by status, retries, latency, ...; empty for an import
	Finish               string
	Coverage             []CoverageRow // listings against the size their pages or the config give
}

// CoverageRow is one listing's coverage: how many of its pages the run
// reached, failed or never asked for.
type CoverageRow struct {
	Kind, Pages, Reached, Failed, Missing, Rows, Read, Basis string
	Short                                                    bool // some pages were not read
}

// PageRow counts pages of one kind and outcome.
type PageRow struct {
	Kind, Outcome string
	Pages         int
	Bytes         string
}

// RejectGroup is rejects sharing a field and reason, with examples.
type RejectGroup struct {
	Field, Reason string
	Count         int
	Examples      []market.Reject
}

// Chart is one rendered chart: the echarts option as JSON safe to inline.
type Chart struct {
	ID, Title, Subtitle string
	Notes               []string
	Option              template.JS
	Height              int
}

func buildModel(s *market.Snapshot, a market.Analysis, now time.Time) Model {
	m := Model{
		Title:      fmt.Sprintf("Do followers sell? %s, snapshot %d", s.Source.Name, s.ID),
		Source:     s.Source,
		SnapshotID: s.ID, RunID: s.RunID, Status: s.Status,
		TakenAt:   s.TakenAt.UTC().Format("2006-01-02 15:04 MST"),
		Generated: now.UTC().Format("2006-01-02 15:04 MST"),
		Window:    s.FirstFetch.UTC().Format("2006-01-02 15:04:05") + " to " + s.LastFetch.UTC().Format("2006-01-02 15:04:05 MST"),
		Period:    periodLabel(s.Source.Period),
		AbovePool: a.AboveWeightPool,
	}
	if c := s.Source.Currency; c != "" && c != "USD" && s.Source.RateUSD > 0 {
		m.LocalCurrency = c
	}
	m.RateNote = fmt.Sprintf("%s → USD at %s (rate as of %s)", s.Source.Currency, strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", s.Source.RateUSD), "0"), "."), s.Source.RateAsOf.Format("2006-01-02"))
	ci := "n/a"
	if a.Spearman.HasInterval {
		ci = fmt.Sprintf("95%% CI %.2f to %.2f", a.Spearman.Low, a.Spearman.High)
	}
	m.Headline = []Figure{
		{"Creators", Int(a.Creators), fmt.Sprintf("%s with both followers and GMV", Int(a.WithBoth))},
		{"Total GMV", USD(a.TotalGMVUSD), totalNote(s.Source, a.TotalGMVUSD, m.Period)},
		{"Median followers", Compact(a.MedianFollowers), "per creator"},
		{"Spearman ρ", Fixed(a.Spearman.Rho, 2), fmt.Sprintf("%s, n = %s", ci, Int(a.Spearman.N))},
		{"Elasticity", Fixed(a.Fit.Slope, 2), "% change in GMV per 1% more followers (log-log fit)"},
		{"R²", Fixed(a.Fit.R2, 2), fmt.Sprintf("share of log-GMV variance explained by log-followers, n = %s", Int(a.Fit.N))},
	}
	for _, t := range a.Tiers {
		m.Tiers = append(m.Tiers, TierRow{Label: t.Label, Creators: Int(t.Creators), CreatorShare: Pct(t.CreatorShare),
			GMVShare: Pct(t.GMVShare), MedianGMV: USD(t.MedianGMV), MedianPer1K: USD(t.MedianGMVPer1K)})
	}
	urls := map[string]string{}
	for _, c := range s.Creators {
		urls[c.Handle] = c.URL
	}
	for _, p := range a.AboveWeight {
		row := AboveRow{Handle: p.Handle, URL: urls[p.Handle], Followers: Compact(p.Followers),
			GMV: USD(p.GMVUSD), Per1K: USD(p.Per1K), RankGMV: p.RankGMV, RankFollowers: p.RankFollow, Estimate: p.Estimate}
		if m.LocalCurrency != "" {
			row.GMVLocal = m.LocalCurrency + " " + Compact(p.GMVUSD/s.Source.RateUSD)
		}
		m.AboveWeight = append(m.AboveWeight, row)
	}
	m.Concentration = []Figure{
		{"Top 1% of creators", Pct(a.Concentration.Top1), "share of GMV"},
		{"Top 10% of creators", Pct(a.Concentration.Top10), "share of GMV"},
		{"Gini", Fixed(a.Concentration.Gini, 3), "0 = everyone sells the same, 1 = one creator sells everything"},
	}
	for _, p := range a.TopProducts {
		m.Products = append(m.Products, ProductRow{ID: p.ID, Title: p.Title, URL: p.URL, Shop: p.Shop,
			Price: money(p.Price), Units: Compact(p.Units.Mid()), EstGMV: USD(p.EstGMVUSD), Creators: len(p.Creators), Estimate: p.Estimate})
	}
	if a.ProductsNoEstimate > 0 {
		m.ProductsNote = fmt.Sprintf("%s products had no usable price or units and are not ranked.", Int(a.ProductsNoEstimate))
	}
	m.Quality = quality(s, a)
	return m
}

// totalNote says what the USD total is, and in a non-USD market the total
// in the source's own currency with the rate and date that converted it.
func totalNote(src market.SourceInfo, usd float64, period string) string {
	if src.Currency == "" || src.Currency == "USD" || src.RateUSD <= 0 {
		return "USD, " + period
	}
	return fmt.Sprintf("USD, %s; %s %s at %s USD per %s (rate as of %s)", period, src.Currency, Compact(usd/src.RateUSD),
		strconv.FormatFloat(src.RateUSD, 'f', -1, 64), src.Currency, src.RateAsOf.Format("2006-01-02"))
}

func ms(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e6, 'f', 1, 64) + " ms"
}

func money(v *market.Value) string {
	if v == nil {
		return "n/a"
	}
	major := func(n int64) string { return fmt.Sprintf("%.2f", market.Major(float64(n), v.Currency)) }
	if v.Estimate {
		return v.Currency + " " + major(v.Low) + "–" + major(v.High)
	}
	return v.Currency + " " + major(v.Num)
}

func periodLabel(p market.Period) string {
	switch p {
	case market.PeriodCumulative:
		return "cumulative"
	case market.PeriodMonth:
		return "calendar month"
	}
	return "last " + strings.TrimSuffix(string(p), "d") + " days"
}

func quality(s *market.Snapshot, a market.Analysis) Quality {
	q := Quality{RangeGMV: a.RangeGMV, MissingFollowers: a.MissingFollowers, MissingGMV: a.MissingGMV, ZeroGMV: a.ZeroGMV,
		Rejects: len(s.Rejects), Ranges: s.Ranges}
	for _, r := range s.Ranges {
		q.RangeValues += r.Values
	}
	q.Finish = s.Reason
	if c := s.Crawl; len(c.ByStatus) > 0 {
		codes := make([]string, 0, len(c.ByStatus))
		for code := range c.ByStatus {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		var parts []string
		for _, code := range codes {
			parts = append(parts, fmt.Sprintf("%s: %s", code, Int(c.ByStatus[code])))
		}
		q.Crawl = []Figure{
			{"Responses by status", strings.Join(parts, ", "), ""},
			{"Retries", Int(c.Retries), "failed attempts tried again (network errors, timeouts, 408, 429, 5xx)"},
			{"Downloaded", Compact(float64(c.Bytes)) + "B", ""},
			{"Records", Int(c.Records), "rows read from the pages (a creator's leaderboard row and profile are two); rejected values are listed below"},
			{"Latency", fmt.Sprintf("p50 %s, p95 %s", ms(c.LatencyP50), ms(c.LatencyP95)), "per request"},
			{"Robots.txt denials", Int(c.RobotsDeny), "URLs not fetched because robots.txt disallows them"},
			{"Robots.txt requests", Int(c.RobotsFetch), "a stored robots.txt younger than robots_ttl (default 24 h) is reused; one that answered 5xx is asked for again later"},
			{"Off-site links", Int(c.OffSite), "links to hosts outside allowed_hosts, not followed"},
			{"Legacy charsets", Int(c.Decoded), "pages converted to UTF-8"},
			{"Repeated pages", Int(c.Repeated), "pagination pages whose rows repeated an earlier page; that chain was stopped"},
			{"Unchanged pages", Int(c.NotModified), "answered 304 Not Modified to a conditional GET; the stored page was read again"},
			{"Repaired texts", Int(c.Repaired), "texts that were not valid UTF-8 (bytes replaced with �) or held control characters such as NUL (dropped)"},
		}
		if c.Pending > 0 {
			q.Crawl = append(q.Crawl, Figure{"Not fetched", Int(c.Pending), "URLs found but never fetched: a budget stopped the run"})
		}
	}
	for _, c := range s.Crawl.Coverage {
		row := CoverageRow{Kind: c.Kind, Pages: Int(int(c.Pages)), Reached: Int(int(c.Reached)), Failed: Int(int(c.Failed)), Missing: Int(int(c.Missing)),
			Basis: c.Basis, Short: c.Missing > 0 || c.Failed > 0}
		if c.Rows > 0 {
			row.Rows, row.Read = Int(int(c.Rows)), Int(int(c.Read))
		}
		q.Coverage = append(q.Coverage, row)
	}
	for _, p := range s.Pages {
		if p.Outcome == "ok" {
			q.PagesOK += p.Pages
		} else {
			q.PagesFailed += p.Pages
		}
		q.Pages = append(q.Pages, PageRow{Kind: p.Kind, Outcome: p.Outcome, Pages: p.Pages, Bytes: Compact(float64(p.Bytes)) + "B"})
	}
	groups := map[string]*RejectGroup{}
	for _, r := range s.Rejects {
		reason, _, _ := strings.Cut(r.Reason, ":")
		k := r.Field + "\x00" + reason
		g := groups[k]
		if g == nil {
			g = &RejectGroup{Field: r.Field, Reason: reason}
			groups[k] = g
		}
		g.Count++
		if len(g.Examples) < 3 {
			g.Examples = append(g.Examples, r)
		}
	}
	for _, g := range groups {
		q.RejectGroups = append(q.RejectGroups, *g)
	}
	sort.Slice(q.RejectGroups, func(i, j int) bool {
		gi, gj := q.RejectGroups[i], q.RejectGroups[j]
		if gi.Count != gj.Count {
			return gi.Count > gj.Count
		}
		return gi.Field+gi.Reason < gj.Field+gj.Reason
	})
	return q
}
