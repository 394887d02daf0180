// Package report turns a snapshot and its analysis into a self-contained
// HTML report, the data behind it as CSV, and charts.
package report

import (
	"cmp"
	"html/template"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gmvscope/market"
)

// Model is everything the report template shows, already formatted in
// the report's locale.
type Model struct {
	L             *Locale
	Lang          string // the html lang attribute: en, ar
	Dir           string // ltr or rtl
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
	Order         []string // chart ids in the page's order
	Tiers         []TierRow
	AboveWeight   []AboveRow
	AbovePool     int
	Concentration []Figure
	Products      []ProductRow
	ProductsNote  string
	ReportedNote  string        // how many products carry the source's own GMV
	AllProducts   int           // products in the snapshot (the table shows the top ones)
	AllCreators   int           // creators in the snapshot
	Selection     template.HTML // the list is itself a top N by GMV: what that does to correlation
	Live          *LiveModel    // the live-commerce section; nil without sessions or a channel split
	Quality       Quality
	RateNote      template.HTML
	LocalCurrency string     // the source's currency when it is not USD: tables show both
	Views         bool       // the source gives no GMV: followers against views
	NoCreators    bool       // the snapshot holds no creators (live sessions only): their sections are left out
	Week          *Week      // what changed since the snapshot before
	Alerts        []AlertRow // the alert rules that fired
	HasHistory    bool       // two snapshots or more: the charts over the weeks
	Echarts       template.JS
	EchartsVer    string
	ChartsJS      template.JS
	LocaleJS      template.JS
	CSS           template.CSS
	PrintSource   string // the source line on every printed page
	ExportW       int    // the download buttons' image size (DefaultSize)
	ExportH       int
}

// Figure is one headline number with what it means. Text, when set, is
// shown instead of Value (a list such as responses by status).
type Figure struct {
	Label string
	Value Num
	Note  template.HTML
	Text  string
}

// Shown is the figure as an English report writes it.
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
	Handle                 string
	URL                    template.URL // empty unless the creator's URL is http(s)
	Followers, GMV, Per1K  Num
	GMVLocal               Num // in the source's currency when it is not USD
	RankGMV, RankFollowers Num
	Estimate               bool
}

// ProductRow is one product by GMV: the source's figure (Reported) or
// price × units.
type ProductRow struct {
	ID, Title, Shop, Price string
	URL                    template.URL
	Units, GMV, Creators   Num
	Reported, Estimate     bool
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
	Repeats              []RepeatRow   // examples: every conflicting repeat first, then identical ones
	RepeatsSame          int
	RepeatsDiff          int
	Marked               string // values marked missing, per field ("profile 2, gmv_live 2")
	Encoding             string // an import's encoding and how it was found
	Undecodable          int
	Warnings             []string
	AsOf                 string // where an import's date came from
}

// RepeatRow is one repeated record: where it and the record it repeated
// were, and what differed.
type RepeatRow struct {
	Key, Kind, First, Then string
	Identical              bool
	Diffs                  string
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
	Examples      []RejectExample
}

// RejectExample is one rejected value with where it was published.
type RejectExample struct {
	market.Reject
	Link template.URL // the page, when its URL is http(s)
}

// Link returns u as a link target when it is an absolute http or https
// URL, and "" otherwise: the page then shows the URL as text. Scraped and
// imported URLs ("javascript:", "N/A", "tiktok.com/@x") never become
// links, and html/template never has to replace one with #ZgotmplZ.
func Link(u string) template.URL {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return template.URL(p.String())
}

func buildModel(s *market.Snapshot, a market.Analysis, now time.Time, l *Locale) Model {
	m := Model{
		L: l, Lang: l.Tag.String(), Dir: "ltr",
		Title:      l.T("report.title", "source", s.Source.Name, "id", l.ID(s.ID)),
		Source:     s.Source,
		SnapshotID: s.ID, RunID: s.RunID, Status: s.Status,
		TakenAt:   l.DateTime(s.TakenAt),
		Generated: l.DateTime(now),
		Window:    l.T("report.window", "from", l.DateTime(s.FirstFetch), "to", l.DateTime(s.LastFetch)),
		Period:    periodLabel(s.Source.Period, l),
		AbovePool: a.AboveWeightPool,
	}
	if l.RTL {
		m.Dir = "rtl"
	}
	m.ExportW, m.ExportH = DefaultSize.W, DefaultSize.H
	m.PrintSource = l.T("report.print_source", "source", s.Source.Name, "id", l.ID(s.ID), "date", l.Date(s.TakenAt))
	// Sales are GMV in USD; for a source without GMV, views (counts).
	amt := usd
	m.Views = a.Measure == "views"
	if m.Views {
		amt = func(v float64) Num { return Num{V: v, Form: Compact} }
	}
	if c := s.Source.Currency; c != "" && c != "USD" && s.Source.RateUSD > 0 && !m.Views {
		m.LocalCurrency = c
	}
	m.RateNote = l.HTML("report.rate_note", "cur", s.Source.Currency, "rate", rateText(s.Source.RateUSD), "date", s.Source.RateAsOf.Format("2006-01-02"))
	if c := s.Source.Currency; c == "" || c == "USD" {
		m.RateNote = l.HTML("report.rate_note_usd")
	}
	m.NoCreators = a.Creators == 0
	ci := l.T("na")
	if a.Spearman.HasInterval {
		ci = l.T("report.ci", "low", Num{V: a.Spearman.Low, Form: Fixed2}, "high", Num{V: a.Spearman.High, Form: Fixed2})
	}
	m.Headline = []Figure{
		{Label: l.T("head.creators"), Value: count(a.Creators), Note: l.HTML("head.creators_note", "both", a.WithBoth, "plotted", len(a.Points))},
		{Label: l.T("head.total_gmv"), Value: amt(a.TotalGMVUSD), Note: totalNote(s.Source, a.TotalGMVUSD, m.Period, l)},
		{Label: l.T("head.median_followers"), Value: Num{V: a.MedianFollowers, Form: Compact}, Note: l.HTML("head.median_followers_note", "n", a.Creators-a.MissingFollowers)},
		{Label: l.T("head.rho"), Value: Num{V: a.Spearman.Rho, Form: Fixed2}, Note: l.HTML("head.rho_note", "ci", ci, "n", a.Spearman.N)},
		{Label: l.T("head.elasticity"), Value: Num{V: a.Fit.Slope, Form: Fixed2}, Note: l.HTML("head.elasticity_note", "n", a.Fit.N)},
		{Label: l.T("head.r2"), Value: Num{V: a.Fit.R2, Form: Fixed2}, Note: l.HTML("head.r2_note", "n", a.Fit.N)},
	}
	for _, t := range a.Tiers {
		m.Tiers = append(m.Tiers, TierRow{Label: tierLabel(t, l), Creators: count(t.Creators), CreatorShare: share(t.CreatorShare),
			GMVShare: share(t.GMVShare), MedianGMV: amt(t.MedianGMV), MedianPer1K: amt(t.MedianGMVPer1K)})
	}
	for _, p := range a.AboveWeight {
		row := AboveRow{Handle: p.Handle, URL: Link(s.URLOf(p.Handle)), Followers: Num{V: p.Followers, Form: Compact},
			GMV: amt(p.GMVUSD), Per1K: amt(p.Per1K), RankGMV: count(p.RankGMV), RankFollowers: count(p.RankFollow), Estimate: p.Estimate}
		if m.LocalCurrency != "" {
			row.GMVLocal = Num{V: p.GMVUSD / s.Source.RateUSD, Form: Money, Cur: m.LocalCurrency}
		}
		m.AboveWeight = append(m.AboveWeight, row)
	}
	m.Concentration = []Figure{
		{Label: l.T("conc.top1"), Value: share(a.Concentration.Top1), Note: l.HTML("conc.top1_note", "k", topK(a.Concentration.N, 0.01))},
		{Label: l.T("conc.top10"), Value: share(a.Concentration.Top10), Note: l.HTML("conc.top10_note", "k", topK(a.Concentration.N, 0.10))},
		{Label: l.T("conc.gini"), Value: Num{V: a.Concentration.Gini, Form: Fixed3}, Note: l.HTML("conc.gini_note", "n", a.Concentration.N)},
	}
	for _, p := range a.TopProducts {
		units := Num{NA: true}
		if p.Units != nil {
			units = Num{V: p.Units.Mid(), Form: Compact}
		}
		m.Products = append(m.Products, ProductRow{ID: p.ID, Title: p.Title, URL: Link(p.URL), Shop: p.Shop,
			Price: price(p.Price, l), Units: units, GMV: usd(p.GMVUSD), Creators: count(len(p.Creators)), Reported: p.Reported, Estimate: p.Estimate})
	}
	if a.ProductsNoEstimate > 0 {
		m.ProductsNote = l.T("products.no_estimate", "n", a.ProductsNoEstimate)
	}
	if a.ProductsReported > 0 {
		m.ReportedNote = l.T("products.reported", "n", a.ProductsReported, "all", s.ProductCount())
	}
	if sel := a.Selection; sel != nil {
		m.Selection = l.HTML("selection.note", "n", sel.N, "min", usd(sel.MinGMVUSD), "rho", Num{V: sel.Rho, Form: Fixed2})
	}
	m.Live = liveModel(s, a.Live, l)
	m.AllProducts, m.AllCreators = s.ProductCount(), s.CreatorCount()
	m.Quality = quality(s, a, l)
	return m
}

// topK is how many creators the top share p of n is: ⌈n·p⌉.
func topK(n int, p float64) int { return int(math.Ceil(float64(n) * p)) }

func rateText(r float64) string {
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(r, 'f', 6, 64), "0"), ".")
}

// totalNote says what the USD total is, and in a non-USD market the total
// in the source's own currency with the rate and date that converted it.
func totalNote(src market.SourceInfo, usd float64, period string, l *Locale) template.HTML {
	if src.Currency == "" || src.Currency == "USD" || src.RateUSD <= 0 || l.variant == "views" {
		return l.HTML("head.total_note", "period", period)
	}
	return l.HTML("head.total_note_local", "period", period, "local", Num{V: usd / src.RateUSD, Form: Money, Cur: src.Currency},
		"rate", strconv.FormatFloat(src.RateUSD, 'f', -1, 64), "cur", src.Currency, "date", src.RateAsOf.Format("2006-01-02"))
}

func ms(ns int64, l *Locale) string {
	return l.T("unit.ms", "v", l.fixed(float64(ns)/1e6, 1))
}

// price writes a product's price in its currency, exactly ($12.99); a
// range as low–high.
func price(v *market.Value, l *Locale) string {
	if v == nil {
		return l.T("na")
	}
	major := func(n int64) string {
		return l.Num(Num{V: market.Major(float64(n), v.Currency), Form: Price, Cur: v.Currency})
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

func periodLabel(p market.Period, l *Locale) string {
	switch p {
	case market.PeriodCumulative:
		return l.T("period.cumulative")
	case market.PeriodMonth:
		return l.T("period.month")
	}
	days, err := strconv.Atoi(strings.TrimSuffix(string(p), "d"))
	if err != nil {
		return string(p)
	}
	return l.T("period.days", "n", days)
}

func quality(s *market.Snapshot, a market.Analysis, l *Locale) Quality {
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
			parts = append(parts, l.T("fetch.status_count", "code", code, "n", c.ByStatus[code]))
		}
		fig := func(key string, v int) Figure {
			return Figure{Label: l.T("fetch." + key), Value: count(v), Note: l.HTML("fetch." + key + "_note")}
		}
		q.Crawl = []Figure{
			{Label: l.T("fetch.status"), Text: strings.Join(parts, l.T("list_sep"))},
			fig("retries", c.Retries),
			{Label: l.T("fetch.downloaded"), Value: bytesN(c.Bytes)},
			fig("records", c.Records),
			{Label: l.T("fetch.latency"), Text: l.T("fetch.latency_value", "p50", ms(c.LatencyP50, l), "p95", ms(c.LatencyP95, l)), Note: l.HTML("fetch.latency_note")},
			fig("robots_deny", c.RobotsDeny),
			fig("robots_fetch", c.RobotsFetch),
			fig("offsite", c.OffSite),
			fig("decoded", c.Decoded),
			fig("repeated", c.Repeated),
			fig("not_modified", c.NotModified),
			fig("repaired", c.Repaired),
		}
		if c.Pending > 0 {
			q.Crawl = append(q.Crawl, fig("pending", c.Pending))
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
	q.RepeatsSame, q.RepeatsDiff = market.RepeatCounts(s.Repeats)
	for _, pass := range []bool{false, true} {
		for _, r := range s.Repeats {
			if r.Identical != pass || len(q.Repeats) >= 12 {
				continue
			}
			row := RepeatRow{Key: r.Key, Kind: r.Kind, First: where(r.FirstURL, r.FirstLine, l), Then: where(r.URL, r.Line, l), Identical: r.Identical}
			var ds []string
			for _, d := range r.Diffs {
				ds = append(ds, l.T("quality.diff", "field", d.Field, "kept", orNA(d.Kept, l), "dropped", orNA(d.Dropped, l)))
			}
			row.Diffs = strings.Join(ds, "; ")
			q.Repeats = append(q.Repeats, row)
		}
	}
	if len(s.Crawl.Missing) > 0 {
		names := make([]string, 0, len(s.Crawl.Missing))
		for f := range s.Crawl.Missing {
			names = append(names, f)
		}
		sort.Strings(names)
		var parts []string
		for _, f := range names {
			parts = append(parts, l.T("quality.marked_field", "field", f, "n", count(s.Crawl.Missing[f])))
		}
		q.Marked = strings.Join(parts, l.T("list_sep"))
	}
	if c := s.Crawl; c.Encoding != "" {
		q.Encoding = l.T("quality.encoding", "enc", c.Encoding, "how", c.EncodingHow)
		q.Undecodable = c.Undecodable
	}
	q.Warnings, q.AsOf = s.Crawl.Warnings, s.Crawl.AsOfFrom
	groups := map[string]*RejectGroup{}
	// Examples in an order of their own, not the order pages were stored
	// in: a crawl at full concurrency stores pages in any order, and the
	// same market must give the same report.
	rejects := slices.Clone(s.Rejects)
	slices.SortStableFunc(rejects, func(a, b market.Reject) int {
		return cmp.Or(naturalCompare(a.URL, b.URL), strings.Compare(a.Key, b.Key), strings.Compare(a.Field, b.Field), strings.Compare(a.Raw, b.Raw))
	})
	for _, r := range rejects {
		reason, _, _ := strings.Cut(r.Reason, ":")
		k := r.Field + "\x00" + reason
		g := groups[k]
		if g == nil {
			g = &RejectGroup{Field: r.Field, Reason: reason}
			groups[k] = g
		}
		g.Count++
		if len(g.Examples) < 3 {
			g.Examples = append(g.Examples, RejectExample{Reject: r, Link: Link(r.URL)})
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

// where is a record's place: its line of a file, else its page's URL.
func where(u string, line int, l *Locale) string {
	if line > 0 {
		return l.T("quality.line", "n", line)
	}
	return u
}

func orNA(s string, l *Locale) string {
	if s == "" {
		return l.T("na")
	}
	return s
}

// naturalCompare orders strings with their digit runs as numbers, so
// page=2 comes before page=10.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
