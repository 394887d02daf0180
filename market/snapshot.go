package market

import (
	"time"
)

// Period labels the window a GMV or units figure covers.
type Period string

// Known periods. Custom ones ("14d") are allowed by config validation.
const (
	Period1D         Period = "1d"
	Period7D         Period = "7d"
	Period28D        Period = "28d"
	Period30D        Period = "30d"
	PeriodMonth      Period = "month"
	PeriodCumulative Period = "cumulative"
	PeriodSession    Period = "session" // one live session's sales
)

// Creator is the merged view of one creator in a snapshot. Pointer fields are
// nil when no page gave a usable value: missing is never zero.
type Creator struct {
	Handle      string
	DisplayName string
	Followers   *Value
	GMV         *Value // in the source currency, minor units
	GMVUSD      float64
	Units       *Value
	Views       *Value
	Category    string
	Region      string
	URL         string // the profile page, or the first page that named the creator
	Products    []string
	// Rank is the rank the source showed (its own order), not the one
	// gmvscope computes.
	Rank *Value
	// GMV by channel, when the source splits it: sold in live sessions,
	// through videos, and from the product showcase (shop tab).
	GMVLive, GMVVideo, GMVShowcase *Value
	// Shown is, per numeric field that pages of more than one kind gave,
	// each kind's text as published, the winning one first: "profile
	// 35812 · leaderboard 35.8K".
	Shown map[string][]Shown
}

// Shown is one page kind's text of a value.
type Shown struct {
	Kind string `json:"kind"`
	Raw  string `json:"raw"`
}

// AppendShownJSON appends a creator's shown texts as a JSON object, fields
// in name order, as encoding/json would write the map (strings escaped
// as AppendJSON escapes them), without its reflection: a whole market's
// snapshot writes 600,000 of them.
func AppendShownJSON(b []byte, sh map[string][]Shown) []byte {
	return appendObject(b, sh, func(b []byte, ss []Shown) []byte {
		if ss == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for j, x := range ss {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = appendString(b, x.Kind)
			b = append(b, `,"raw":`...)
			b = append(appendString(b, x.Raw), '}')
		}
		return append(b, ']')
	})
}

// ShownText writes a field's texts as "profile 35812 · leaderboard 35.8K".
func ShownText(ss []Shown) string { return string(AppendShownText(nil, ss)) }

// AppendShownText appends ShownText(ss) to b.
func AppendShownText(b []byte, ss []Shown) []byte {
	for i, x := range ss {
		if i > 0 {
			b = append(b, " · "...)
		}
		b = append(append(append(b, x.Kind...), ' '), x.Raw...)
	}
	return b
}

// Product is the merged view of one product in a snapshot.
type Product struct {
	ID       string
	Title    string
	Shop     string
	Price    *Value
	Units    *Value
	GMV      *Value // the revenue the source gives, when it gives one
	URL      string
	Creators []string
}

// EstGMV returns price × units in minor units of the price's currency, using
// the geometric midpoint of a price range; ok is false if either is missing.
func (p Product) EstGMV() (float64, bool) {
	if p.Price == nil || p.Units == nil {
		return 0, false
	}
	return p.Price.Mid() * p.Units.Mid(), true
}

// Revenue returns the product's GMV in minor units: the source's own
// figure when it gives one, else price × units with estimated true.
func (p Product) Revenue() (v float64, currency string, estimated, ok bool) {
	if p.GMV != nil {
		return p.GMV.Mid(), p.GMV.Currency, p.GMV.Estimate, true
	}
	v, ok = p.EstGMV()
	if ok {
		currency = p.Price.Currency
	}
	return v, currency, true, ok
}

// Live is the merged view of one live-shopping session.
type Live struct {
	ID          string
	Creator     string // the creator's key (handle)
	Start       string // as the source wrote it; see StartTime
	Title       string
	URL         string
	Products    []string
	Duration    *Value // seconds
	Viewers     *Value
	PeakViewers *Value
	GMV         *Value
	GMVUSD      float64
	Units       *Value
}

// Hours returns the session's length in hours; ok is false without one.
func (l Live) Hours() (float64, bool) {
	if l.Duration == nil || l.Duration.Mid() <= 0 {
		return 0, false
	}
	return l.Duration.Mid() / 3600, true
}

// Repeat is a record that repeated one already merged: the same key from
// the same page kind (an export's row twice, a creator on two pages of a
// leaderboard). Identical repeats change nothing; a conflicting one lost
// to the first (equal precedence keeps the first) and Diffs say where.
type Repeat struct {
	Entity    Entity      `json:"entity"`
	Key       string      `json:"key"`
	Kind      string      `json:"kind"`
	URL       string      `json:"url"`
	Line      int         `json:"line,omitempty"`
	FirstURL  string      `json:"first_url"`
	FirstLine int         `json:"first_line,omitempty"`
	Identical bool        `json:"identical"`
	Diffs     []FieldDiff `json:"diffs,omitempty"`
}

// FieldDiff is one field a conflicting repeat disagreed on: the value the
// snapshot kept and the repeat's.
type FieldDiff struct {
	Field   string `json:"field"`
	Kept    string `json:"kept"`
	Dropped string `json:"dropped"`
}

// RepeatCounts counts a snapshot's repeats.
func RepeatCounts(rs []Repeat) (identical, conflicting int) {
	for _, r := range rs {
		if r.Identical {
			identical++
		} else {
			conflicting++
		}
	}
	return identical, conflicting
}

// SourceInfo is what a report says about where a snapshot came from.
type SourceInfo struct {
	Name      string
	StartURLs []string
	Region    string
	Currency  string
	Period    Period
	RateUSD   float64   // USD per unit of Currency
	RateAsOf  time.Time // date of that rate
	Sample    bool      // the bundled sample market, not real data
	Timezone  string    // IANA zone of the source's days and months
}

// PageStat counts pages of a run by kind and outcome.
type PageStat struct {
	Kind    string
	Outcome string // "ok" or the failure reason
	Pages   int
	Bytes   int64
}

// CrawlStats summarise a run's fetching. The zero value means none were
// recorded (an import).
type CrawlStats struct {
	ByStatus    map[string]int `json:"by_status"`
	Retries     int            `json:"retries"`
	Records     int            `json:"records"`
	Bytes       int64          `json:"bytes"`
	LatencyP50  int64          `json:"latency_p50"` // nanoseconds
	LatencyP95  int64          `json:"latency_p95"`
	RobotsDeny  int            `json:"robots_deny"`
	RobotsFetch int            `json:"robots_fetches"`
	OffSite     int            `json:"off_site"`
	Decoded     int            `json:"decoded"`
	Repeated    int            `json:"repeated_pages"`
	NotModified int            `json:"not_modified"`
	Repaired    int            `json:"repaired_texts"` // texts made valid UTF-8 or stripped of control characters
	Missing     map[string]int `json:"missing"`        // values the source marks as missing ("N/A", empty) in optional fields, per field
	// An import's file: its encoding and how it was found, bytes that were
	// not text in it, warnings (an optional column not in the header), and
	// where the snapshot's date came from.
	Encoding    string     `json:"encoding"`
	EncodingHow string     `json:"encoding_how"`
	Undecodable int        `json:"undecodable_bytes"`
	Warnings    []string   `json:"warnings"`
	AsOfFrom    string     `json:"as_of_from"`
	Finish      string     `json:"finish"`
	Coverage    []Coverage `json:"coverage"` // listings against what their pages or the config say they hold
	Pending     int        `json:"pending"`  // URLs never fetched (a budget stopped the run)
}

// RangeStat counts values a page kind published as ranges, per field.
type RangeStat struct {
	Kind   string
	Field  string
	Values int
}

// Snapshot is one run's merged view of a source.
type Snapshot struct {
	ID        int64
	RunID     int64
	Source    SourceInfo
	Status    RunStatus
	StartedAt time.Time
	TakenAt   time.Time
	Creators  []Creator
	// Standings are every creator's numbers, in handle order: what the
	// analysis reads. A whole-market report loads these and not Creators
	// (see Everyone).
	Standings []Standing
	// Products and Lives hold every product and live session, unless the
	// snapshot was loaded lean: Stream then gives them one at a time
	// (see EachProduct, EachLive) and NProducts, NLives count them.
	Products              []Product
	Lives                 []Live
	Repeats               []Repeat // records merged into one already there from the same page kind
	Rejects               []Reject
	Pages                 []PageStat
	Ranges                []RangeStat // values published as ranges, before merging
	Crawl                 CrawlStats  // how the run went, for the data-quality section
	Reason                string      // why the run finished as it did
	FirstFetch, LastFetch time.Time
	Stream                Stream
	NProducts, NLives     int
}

// Stream reads a lean snapshot's products and live sessions, one at a
// time, in id order (fn must not keep the pointer).
type Stream interface {
	EachProduct(fn func(*Product) error) error
	EachLive(fn func(*Live) error) error
	// URLOf is a creator's link ("" when it has none): a lean snapshot's
	// standings hold no links, which its tables look up one at a time.
	URLOf(handle string) string
}

// EachProduct calls fn with each product, in id order.
func (s *Snapshot) EachProduct(fn func(*Product) error) error {
	if s.Stream != nil {
		return s.Stream.EachProduct(fn)
	}
	for i := range s.Products {
		if err := fn(&s.Products[i]); err != nil {
			return err
		}
	}
	return nil
}

// EachLive calls fn with each live session, in id order.
func (s *Snapshot) EachLive(fn func(*Live) error) error {
	if s.Stream != nil {
		return s.Stream.EachLive(fn)
	}
	for i := range s.Lives {
		if err := fn(&s.Lives[i]); err != nil {
			return err
		}
	}
	return nil
}

// ProductCount is how many products the snapshot holds.
func (s *Snapshot) ProductCount() int {
	if s.Stream != nil {
		return s.NProducts
	}
	return len(s.Products)
}

// LiveCount is how many live sessions the snapshot holds.
func (s *Snapshot) LiveCount() int {
	if s.Stream != nil {
		return s.NLives
	}
	return len(s.Lives)
}

// Draft is a snapshot before it is stored: the source it describes and
// the assembler holding its merged creators and products, or none: the
// store then merges the run's stored records as it writes the snapshot.
type Draft struct {
	Source SourceInfo
	Merged *Assembler
	// Records is how many records the run stored, when known (its
	// tally's): a merge of many reads them from a connection of its own.
	Records int
	// TakenAt is the date the data is of when it is not the run's end:
	// an export's own date. Zero: when the run finished.
	TakenAt time.Time
}

// ListSep separates the items of a list field (product ids of a creator).
const ListSep = "\x1f"

func splitList(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ListSep[0] {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Summary is one stored snapshot in a line: for the index of reports and
// the market's totals week by week.
type Summary struct {
	ID, RunID     int64
	Source        string
	Status        RunStatus
	Reason        string
	TakenAt       time.Time
	Creators      int
	WithGMV       int
	WithFollowers int
	TotalGMVUSD   float64
	Sample        bool
}

// SeriesPoint is one creator in one snapshot.
type SeriesPoint struct {
	Snapshot     int64
	TakenAt      time.Time
	GMVUSD       float64
	HasGMV       bool
	Followers    int64
	HasFollowers bool
}
