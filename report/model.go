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
	LocalCurrency string     // the source's currency when it is not USD: tables show both
	Week          *Week      // what changed since the snapshot before
	Alerts        []AlertRow // the alert rules that fired
	HasHistory    bool       // two snapshots or more: the charts over the weeks
	Echarts       template.JS
	EchartsVer    string
	CSS           template.CSS
}

// Figure is one headline number with what it means. Text, when set, is
// shown instead of Value (a list such as responses by status).
type Figure struct {
	Label string
	Value Num
	Note  string
	Text  string
}

// Shown is the figure as the report writes it.
func (f Figure) Shown() string {
	if f.Text != "" {
		return f.Text
	}
	return f.Value.String()
}

// TierRow is one follower tier.
type TierRow struct {
	Label                                                    string
	Creators, CreatorShare, GMVShare, MedianGMV, MedianPer1K Num
}

// AboveRow is one creator who sells above their follower count.
type AboveRow struct {
	Handle, URL            string
	Followers, GMV, Per1K  Num
	GMVLocal               Num // in the source's currency when it is not USD
	RankGMV, RankFollowers Num
	Estimate               bool
}

// ProductRow is one product by estimated GMV.
type ProductRow struct {
	ID, Title, URL, Shop, Price string
	Units, EstGMV, Creators     Num
	Estimate                    bool
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
	Kind, Basis                                 string
	Pages, Reached, Failed, Missing, Rows, Read Num
	Short                                       bool // some pages were not read
}

// PageRow counts pages of one kind and outcome.
type PageRow struct {
	Kind, Outcome string
	Pages         int
	Bytes         Num
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
		{Label: "Creators", Value: count(a.Creators), Note: fmt.Sprintf("%s with both followers and GMV", Int(a.WithBoth))},
		{Label: "Total GMV", Value: usd(a.TotalGMVUSD), Note: totalNote(s.Source, a.TotalGMVUSD, m.Period)},
		{Label: "Median followers", Value: Num{V: a.MedianFollowers, Form: Compact}, Note: "per creator"},
		{Label: "Spearman ρ", Value: Num{V: a.Spearman.Rho, Form: Fixed2}, Note: fmt.Sprintf("%s, n = %s", ci, Int(a.Spearman.N))},
		{Label: "Elasticity", Value: Num{V: a.Fit.Slope, Form: Fixed2}, Note: "% change in GMV per 1% more followers (log-log fit)"},
		{Label: "R²", Value: Num{V: a.Fit.R2, Form: Fixed2}, Note: fmt.Sprintf("share of log-GMV variance explained by log-followers, n = %s", Int(a.Fit.N))},
	}
	for _, t := range a.Tiers {
		m.Tiers = append(m.Tiers, TierRow{Label: t.Label, Creators: count(t.Creators), CreatorShare: share(t.CreatorShare),
			GMVShare: share(t.GMVShare), MedianGMV: usd(t.MedianGMV), MedianPer1K: usd(t.MedianGMVPer1K)})
	}
	urls := map[string]string{}
	for _, c := range s.Creators {
		urls[c.Handle] = c.URL
	}
	for _, p := range a.AboveWeight {
		row := AboveRow{Handle: p.Handle, URL: urls[p.Handle], Followers: Num{V: p.Followers, Form: Compact},
			GMV: usd(p.GMVUSD), Per1K: usd(p.Per1K), RankGMV: count(p.RankGMV), RankFollowers: count(p.RankFollow), Estimate: p.Estimate}
		if m.LocalCurrency != "" {
			row.GMVLocal = Num{V: p.GMVUSD / s.Source.RateUSD, Form: Money, Cur: m.LocalCurrency}
		}
		m.AboveWeight = append(m.AboveWeight, row)
	}
	m.Concentration = []Figure{
		{Label: "Top 1% of creators", Value: share(a.Concentration.Top1), Note: "share of GMV"},
		{Label: "Top 10% of creators", Value: share(a.Concentration.Top10), Note: "share of GMV"},
		{Label: "Gini", Value: Num{V: a.Concentration.Gini, Form: Fixed3}, Note: "0 = everyone sells the same, 1 = one creator sells everything"},
	}
	for _, p := range a.TopProducts {
		m.Products = append(m.Products, ProductRow{ID: p.ID, Title: p.Title, URL: p.URL, Shop: p.Shop,
			Price: price(p.Price), Units: Num{V: p.Units.Mid(), Form: Compact}, EstGMV: usd(p.EstGMVUSD), Creators: count(len(p.Creators)), Estimate: p.Estimate})
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
	return fmt.Sprintf("USD, %s; %s at %s USD per %s (rate as of %s)", period, Num{V: usd / src.RateUSD, Form: Money, Cur: src.Currency},
		strconv.FormatFloat(src.RateUSD, 'f', -1, 64), src.Currency, src.RateAsOf.Format("2006-01-02"))
}

func ms(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e6, 'f', 1, 64) + " ms"
}

// price writes a product's price in its currency, a range as low–high.
func price(v *market.Value) string {
	if v == nil {
		return "n/a"
	}
	major := func(n int64) string {
		return Num{V: market.Major(float64(n), v.Currency), Form: Money, Cur: v.Currency}.String()
	}
	if v.Estimate {
		return major(v.Low) + "–" + major(v.High)
	}
	return major(v.Num)
}

func count(n int) Num     { return Num{V: float64(n), Form: Count} }
func count64(n int64) Num { return Num{V: float64(n), Form: Count} }
func usd(v float64) Num   { return Num{V: v, Form: Money} }
func share(v float64) Num { return Num{V: v, Form: Share} }
func bytesN(n int64) Num  { return Num{V: float64(n), Form: Bytes} }

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
			{Label: "Responses by status", Text: strings.Join(parts, ", ")},
			{Label: "Retries", Value: count(c.Retries), Note: "failed attempts tried again (network errors, timeouts, 408, 429, 5xx, walls, pages without their rows)"},
			{Label: "Downloaded", Value: bytesN(c.Bytes)},
			{Label: "Records", Value: count(c.Records), Note: "rows read from the pages (a creator's leaderboard row and profile are two); rejected values are listed below"},
			{Label: "Latency", Text: fmt.Sprintf("p50 %s, p95 %s", ms(c.LatencyP50), ms(c.LatencyP95)), Note: "per request"},
			{Label: "Robots.txt denials", Value: count(c.RobotsDeny), Note: "URLs not fetched because robots.txt disallows them"},
			{Label: "Robots.txt requests", Value: count(c.RobotsFetch), Note: "a stored robots.txt younger than robots_ttl (default 24 h) is reused; one that answered 5xx is asked for again later"},
			{Label: "Off-site links", Value: count(c.OffSite), Note: "links to origins outside allowed_hosts, not followed"},
			{Label: "Legacy charsets", Value: count(c.Decoded), Note: "pages converted to UTF-8"},
			{Label: "Repeated pages", Value: count(c.Repeated), Note: "pagination pages whose rows repeated an earlier page; that chain was stopped"},
			{Label: "Unchanged pages", Value: count(c.NotModified), Note: "answered 304 Not Modified to a conditional GET; the stored page was read again"},
			{Label: "Repaired texts", Value: count(c.Repaired), Note: "texts that were not valid UTF-8 (bytes replaced with �) or held control characters such as NUL (dropped)"},
		}
		if c.Pending > 0 {
			q.Crawl = append(q.Crawl, Figure{Label: "Not fetched", Value: count(c.Pending), Note: "URLs found but never fetched: a budget stopped the run"})
		}
	}
	for _, c := range s.Crawl.Coverage {
		row := CoverageRow{Kind: c.Kind, Pages: count64(c.Pages), Reached: count64(c.Reached), Failed: count64(c.Failed), Missing: count64(c.Missing),
			Rows: Num{NA: true}, Read: count64(c.Read), Basis: c.Basis, Short: c.Missing > 0 || c.Failed > 0}
		if c.Rows > 0 {
			row.Rows = count64(c.Rows)
		}
		q.Coverage = append(q.Coverage, row)
	}
	for _, p := range s.Pages {
		if p.Outcome == "ok" {
			q.PagesOK += p.Pages
		} else {
			q.PagesFailed += p.Pages
		}
		q.Pages = append(q.Pages, PageRow{Kind: p.Kind, Outcome: p.Outcome, Pages: p.Pages, Bytes: bytesN(p.Bytes)})
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
