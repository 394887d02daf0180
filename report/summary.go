package report

import (
	"encoding/json"
	"math"
	"time"

	"gmvscope/market"
)

// Summary is summary.json: every headline figure of a report at full
// precision, for scripts and fact-checkers, who need not scrape the HTML
// (where ρ shows two decimals). A figure that cannot be computed (ρ of
// fewer than two creators) is null, never 0.
type Summary struct {
	Source       string            `json:"source"`
	Sample       bool              `json:"sample"`
	Snapshot     int64             `json:"snapshot"`
	Run          int64             `json:"run"`
	Status       string            `json:"status"`
	TakenAt      string            `json:"taken_at"`
	FetchedFrom  string            `json:"fetched_from"`
	FetchedTo    string            `json:"fetched_to"`
	Generated    string            `json:"generated"`
	StartURLs    []string          `json:"start_urls"`
	Period       string            `json:"period"`
	Currency     string            `json:"currency"`
	USDRate      float64           `json:"usd_rate"`
	USDRateAsOf  string            `json:"usd_rate_as_of"`
	Creators     summaryCreators   `json:"creators"`
	TotalGMVUSD  *float64          `json:"total_gmv_usd"`
	Median       *float64          `json:"median_followers"`
	Spearman     summarySpearman   `json:"spearman"`
	Fit          summaryFit        `json:"fit"`
	Concentr     summaryConcentr   `json:"concentration"`
	Tiers        []summaryTier     `json:"tiers"`
	Quality      summaryQuality    `json:"quality"`
	AboveWeight  []summaryCreator  `json:"above_weight"`
	Outliers     []summaryCreator  `json:"outliers"`
	ExcludedNote map[string]string `json:"excluded_reasons"`
	// Measure is what "gmv" means in this file: "gmv" (USD), or "views"
	// for a source that gives no GMV (then every gmv figure is views).
	Measure   string            `json:"measure"`
	Selection *summarySelection `json:"top_n_selection"` // null unless the list is itself a top N by GMV
	Live      *summaryLive      `json:"live"`            // null without live sessions or GMV by channel
}

type summarySelection struct {
	N         int     `json:"n"`
	MinGMVUSD float64 `json:"min_gmv_usd"`
	RankRho   float64 `json:"rank_gmv_rho"`
}

type summaryLive struct {
	Sessions      int      `json:"sessions"`
	WithGMV       int      `json:"sessions_with_gmv"`
	GMVUSD        float64  `json:"sessions_gmv_usd"`
	Hours         float64  `json:"hours_with_gmv"`
	GMVPerHour    *float64 `json:"gmv_per_live_hour_usd"`
	MedianPerHour *float64 `json:"median_session_gmv_per_hour_usd"`
	ViewersGMVRho *float64 `json:"viewers_gmv_rho"`
	ViewersGMVN   int      `json:"viewers_gmv_n"`
	LiveShare     *float64 `json:"live_share"`
	LiveShareFrom string   `json:"live_share_from"` // "channels", "sessions" or ""
	SplitCreators int      `json:"creators_with_channel_split"`
	LiveLed       int      `json:"live_led"`
	VideoLed      int      `json:"video_led"`
	Mixed         int      `json:"mixed"`
	LiveUSD       float64  `json:"channel_live_usd"`
	VideoUSD      float64  `json:"channel_video_usd"`
	ShowcaseUSD   float64  `json:"channel_showcase_usd"`
}

type summaryCreators struct {
	Total            int `json:"total"`
	WithBoth         int `json:"with_followers_and_gmv"`
	Plotted          int `json:"plotted"`
	ZeroGMV          int `json:"excluded_zero_gmv"`
	ZeroFollowers    int `json:"excluded_zero_followers"`
	MissingGMV       int `json:"excluded_missing_gmv"`
	MissingFollowers int `json:"excluded_missing_followers"`
	RangeGMV         int `json:"gmv_as_range"`
}

type summarySpearman struct {
	Rho    *float64 `json:"rho"`
	Low    *float64 `json:"ci95_low"`
	High   *float64 `json:"ci95_high"`
	N      int      `json:"n"`
	Method string   `json:"method"`
}

type summaryFit struct {
	Elasticity *float64 `json:"elasticity"`
	Intercept  *float64 `json:"intercept_log10"`
	R2         *float64 `json:"r2"`
	N          int      `json:"n"`
	Method     string   `json:"method"`
}

type summaryConcentr struct {
	Gini  *float64 `json:"gini"`
	Top1  *float64 `json:"top1_share"`
	Top10 *float64 `json:"top10_share"`
	N     int      `json:"n"`
}

type summaryTier struct {
	Label        string   `json:"label"`
	Min          float64  `json:"followers_min"`
	Max          *float64 `json:"followers_max"`
	Creators     int      `json:"creators"`
	CreatorShare *float64 `json:"creator_share"`
	GMVShare     *float64 `json:"gmv_share"`
	MedianGMV    *float64 `json:"median_gmv_usd"`
	MedianPer1K  *float64 `json:"median_gmv_per_1k_followers_usd"`
}

type summaryQuality struct {
	PagesOK            int            `json:"pages_ok"`
	PagesFailed        int            `json:"pages_failed"`
	Rejects            int            `json:"rejects"`
	RepeatsIdentical   int            `json:"repeats_identical"`
	RepeatsConflicting int            `json:"repeats_conflicting"`
	Missing            map[string]int `json:"marked_missing"`
	Encoding           string         `json:"encoding,omitempty"`
	Undecodable        int            `json:"undecodable_bytes"`
}

type summaryCreator struct {
	Handle    string   `json:"handle"`
	Followers float64  `json:"followers"`
	GMVUSD    float64  `json:"gmv_usd"`
	Per1K     float64  `json:"gmv_per_1k_followers_usd"`
	RankGMV   int      `json:"rank_gmv"`
	RankFol   int      `json:"rank_followers"`
	Residual  *float64 `json:"residual_log10,omitempty"`
	Estimate  bool     `json:"gmv_estimate"`
}

// fp is a figure for JSON: nil for NaN or ±Inf.
func fp(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Summarize writes summary.json.
func Summarize(s *market.Snapshot, a market.Analysis, now time.Time) ([]byte, error) {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	sum := Summary{Source: s.Source.Name, Sample: s.Source.Sample, Snapshot: s.ID, Run: s.RunID, Status: string(s.Status),
		TakenAt: ts(s.TakenAt), FetchedFrom: ts(s.FirstFetch), FetchedTo: ts(s.LastFetch), Generated: ts(now),
		StartURLs: s.Source.StartURLs, Period: string(s.Source.Period), Currency: s.Source.Currency, USDRate: s.Source.RateUSD,
		USDRateAsOf: day(s.Source.RateAsOf),
		Creators: summaryCreators{Total: a.Creators, WithBoth: a.WithBoth, Plotted: len(a.Points), ZeroGMV: a.ZeroGMV,
			ZeroFollowers: a.ZeroFollowers, MissingGMV: a.MissingGMV, MissingFollowers: a.MissingFollowers, RangeGMV: a.RangeGMV},
		TotalGMVUSD: fp(a.TotalGMVUSD), Median: fp(a.MedianFollowers),
		Spearman: summarySpearman{N: a.Spearman.N, Method: "Spearman rank correlation over creators with both followers and GMV, zeros included; 95% interval from Fisher's z with variance 1.06/(n-3)"},
		Fit:      summaryFit{N: a.Fit.N, Method: "least squares of log10 GMV on log10 followers over creators with both above zero; elasticity is the slope"},
		Concentr: summaryConcentr{Gini: fp(a.Concentration.Gini), Top1: fp(a.Concentration.Top1), Top10: fp(a.Concentration.Top10), N: a.Concentration.N},
		Quality:  summaryQuality{Rejects: len(s.Rejects)},
		ExcludedNote: map[string]string{
			"excluded_zero_gmv":          "GMV of exactly 0: in ρ and the concentration figures, not on the log-scale scatter or in the fit",
			"excluded_zero_followers":    "0 followers: in ρ, not on the scatter or in the fit",
			"excluded_missing_gmv":       "no GMV value (absent or rejected): in no figure that uses GMV",
			"excluded_missing_followers": "no follower count (absent or rejected): in no figure that uses followers",
		},
	}
	sum.Measure = a.Measure
	sum.Quality.RepeatsIdentical, sum.Quality.RepeatsConflicting = market.RepeatCounts(s.Repeats)
	sum.Quality.Missing, sum.Quality.Encoding, sum.Quality.Undecodable = s.Crawl.Missing, s.Crawl.Encoding, s.Crawl.Undecodable
	if sel := a.Selection; sel != nil {
		sum.Selection = &summarySelection{N: sel.N, MinGMVUSD: sel.MinGMVUSD, RankRho: sel.Rho}
	}
	if lv := a.Live; lv.Has() {
		sum.Live = &summaryLive{Sessions: lv.Sessions, WithGMV: lv.WithGMV, GMVUSD: lv.GMVUSD, Hours: lv.Hours,
			ViewersGMVN: lv.Spearman.N, LiveShare: fp(lv.LiveShare), LiveShareFrom: lv.ShareFrom, SplitCreators: lv.Split,
			LiveLed: lv.LiveLed, VideoLed: lv.VideoLed, Mixed: lv.Mixed, LiveUSD: lv.LiveUSD, VideoUSD: lv.VideoUSD, ShowcaseUSD: lv.ShowcaseUSD}
		if lv.Timed > 0 {
			sum.Live.GMVPerHour, sum.Live.MedianPerHour = fp(lv.GMVPerHour), fp(lv.MedianPerHr)
		}
		if lv.Spearman.N >= 2 {
			sum.Live.ViewersGMVRho = fp(lv.Spearman.Rho)
		}
	}
	if a.Spearman.N >= 2 {
		sum.Spearman.Rho = fp(a.Spearman.Rho)
	}
	if a.Spearman.HasInterval {
		sum.Spearman.Low, sum.Spearman.High = fp(a.Spearman.Low), fp(a.Spearman.High)
	}
	if a.Fit.N >= 2 {
		sum.Fit.Elasticity, sum.Fit.Intercept, sum.Fit.R2 = fp(a.Fit.Slope), fp(a.Fit.Intercept), fp(a.Fit.R2)
	}
	for _, t := range a.Tiers {
		sum.Tiers = append(sum.Tiers, summaryTier{Label: t.Label, Min: t.Min, Max: fp(t.Max), Creators: t.Creators,
			CreatorShare: fp(t.CreatorShare), GMVShare: fp(t.GMVShare), MedianGMV: fp(t.MedianGMV), MedianPer1K: fp(t.MedianGMVPer1K)})
	}
	for _, p := range s.Pages {
		if p.Outcome == "ok" {
			sum.Quality.PagesOK += p.Pages
		} else {
			sum.Quality.PagesFailed += p.Pages
		}
	}
	cr := func(p market.Point, res bool) summaryCreator {
		c := summaryCreator{Handle: p.Handle, Followers: p.Followers, GMVUSD: p.GMVUSD, Per1K: p.Per1K, RankGMV: p.RankGMV, RankFol: p.RankFollow, Estimate: p.Estimate}
		if res {
			c.Residual = fp(p.Residual)
		}
		return c
	}
	for _, p := range a.AboveWeight {
		sum.AboveWeight = append(sum.AboveWeight, cr(p, false))
	}
	for _, p := range a.Outliers {
		sum.Outliers = append(sum.Outliers, cr(p, true))
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
