package market

import (
	"iter"
	"maps"
	"slices"
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
}

// Product is the merged view of one product in a snapshot.
type Product struct {
	ID       string
	Title    string
	Shop     string
	Price    *Value
	Units    *Value
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
	Finish      string         `json:"finish"`
}

// RangeStat counts values a page kind published as ranges, per field.
type RangeStat struct {
	Kind   string
	Field  string
	Values int
}

// Snapshot is one run's merged view of a source.
type Snapshot struct {
	ID                    int64
	RunID                 int64
	Source                SourceInfo
	Status                RunStatus
	StartedAt             time.Time
	TakenAt               time.Time
	Creators              []Creator
	Products              []Product
	Rejects               []Reject
	Pages                 []PageStat
	Ranges                []RangeStat // values published as ranges, before merging
	Crawl                 CrawlStats  // how the run went, for the data-quality section
	Reason                string      // why the run finished as it did
	FirstFetch, LastFetch time.Time
}

// Assembler merges records into creators and products as they stream in.
// For each key and field the record with the highest precedence wins; ties
// keep the first. It keeps only the fields a snapshot uses (every value
// stays in the store's records). The zero Assembler is ready to use.
type Assembler struct {
	creators map[string]*mergedCreator
	products map[string]*mergedProduct
	units    []unit         // the shared parts of numeric values, see packed
	unitIdx  map[unit]int32 // index into units
}

// The fields a snapshot keeps, by index into the precedence arrays.
var (
	creatorFields = []string{"display_name", "category", "region", "followers", "gmv", "units", "views", "products"}
	productFields = []string{"title", "shop", "price", "units", "creators"}
)

const unset = -1 << 30

// mergedCreator holds its numeric values packed (followers, gmv, units,
// views): a crawl's snapshot is kept in memory until the run finishes, and
// a Value repeats strings that every value of its field shares.
type mergedCreator struct {
	c    Creator // numeric fields nil until Result
	vals [4]packed
	prec [9]int32 // per creatorFields, then the URL's
}

type mergedProduct struct {
	p    Product   // numeric fields nil until Result
	vals [2]packed // price, units
	prec [6]int32  // per productFields, then the URL's
}

// packed is a numeric Value without the strings its field's values share,
// which are one entry of Assembler.units.
type packed struct {
	raw, text      string
	num, low, high int64
	float          float64
	unit           int32 // 1 + index into Assembler.units; 0: no value
}

// unit is what many values of one field have in common.
type unit struct {
	kind                        Kind
	currency, period, open, per string
	estimate                    bool
}

// pack keeps v if it is a count or an amount: a text where a number
// belongs is not turned into one.
func (as *Assembler) pack(v Value) packed {
	if !v.IsNumeric() {
		return packed{}
	}
	u := unit{v.Kind, v.Currency, v.Period, v.Open, v.Per, v.Estimate}
	i, ok := as.unitIdx[u]
	if !ok {
		if as.unitIdx == nil {
			as.unitIdx = map[unit]int32{}
		}
		i = int32(len(as.units))
		as.units = append(as.units, u)
		as.unitIdx[u] = i
	}
	return packed{raw: v.Raw, text: v.Text, num: v.Num, low: v.Low, high: v.High, float: v.Float, unit: i + 1}
}

func (as *Assembler) unpack(p packed) *Value {
	if p.unit == 0 {
		return nil
	}
	u := as.units[p.unit-1]
	return &Value{Kind: u.kind, Raw: p.raw, Num: p.num, Low: p.low, High: p.high, Estimate: u.estimate, Float: p.float,
		Text: p.text, Currency: u.currency, Period: u.period, Open: u.open, Per: u.per}
}

func newPrec(p []int32) {
	for i := range p {
		p[i] = unset
	}
}

// Add merges one record seen on url.
func (as *Assembler) Add(r Record, url string) {
	prec := int32(r.Precedence)
	switch r.Entity {
	case EntityCreator:
		if as.creators == nil {
			as.creators = map[string]*mergedCreator{}
		}
		m := as.creators[r.Key]
		if m == nil {
			m = &mergedCreator{c: Creator{Handle: r.Key}}
			newPrec(m.prec[:])
			as.creators[r.Key] = m
		}
		c := &m.c
		for i, name := range creatorFields {
			v, ok := r.Fields[name]
			if !ok || m.prec[i] >= prec {
				continue
			}
			m.prec[i] = prec
			switch name {
			case "display_name":
				c.DisplayName = v.Text
			case "category":
				c.Category = v.Text
			case "region":
				c.Region = v.Text
			case "followers":
				m.vals[0] = as.pack(v)
			case "gmv":
				m.vals[1] = as.pack(v)
			case "units":
				m.vals[2] = as.pack(v)
			case "views":
				m.vals[3] = as.pack(v)
			case "products":
				c.Products = splitList(v.Text)
			}
		}
		if m.prec[8] < prec {
			c.URL, m.prec[8] = url, prec
		}
	case EntityProduct:
		if as.products == nil {
			as.products = map[string]*mergedProduct{}
		}
		m := as.products[r.Key]
		if m == nil {
			m = &mergedProduct{p: Product{ID: r.Key}}
			newPrec(m.prec[:])
			as.products[r.Key] = m
		}
		p := &m.p
		for i, name := range productFields {
			v, ok := r.Fields[name]
			if !ok || m.prec[i] >= prec {
				continue
			}
			m.prec[i] = prec
			switch name {
			case "title":
				p.Title = v.Text
			case "shop":
				p.Shop = v.Text
			case "price":
				m.vals[0] = as.pack(v)
			case "units":
				m.vals[1] = as.pack(v)
			case "creators":
				p.Creators = splitList(v.Text)
			}
		}
		if m.prec[5] < prec {
			p.URL, m.prec[5] = url, prec
		}
	}
}

// Len returns how many creators and products the assembler holds.
func (as *Assembler) Len() (creators, products int) {
	return len(as.creators), len(as.products)
}

// Creators yields the merged creators in handle order. rateUSD converts
// money in the source currency to USD. Values are unpacked one creator at a
// time, so storing a large snapshot never holds it twice.
func (as *Assembler) Creators(rateUSD float64) iter.Seq[Creator] {
	return func(yield func(Creator) bool) {
		for _, k := range slices.Sorted(maps.Keys(as.creators)) {
			m := as.creators[k]
			c := m.c
			c.Followers, c.GMV, c.Units, c.Views = as.unpack(m.vals[0]), as.unpack(m.vals[1]), as.unpack(m.vals[2]), as.unpack(m.vals[3])
			if c.GMV != nil {
				c.GMVUSD = Major(c.GMV.Mid(), c.GMV.Currency) * rateUSD
			}
			if !yield(c) {
				return
			}
		}
	}
}

// Products yields the merged products in id order.
func (as *Assembler) Products() iter.Seq[Product] {
	return func(yield func(Product) bool) {
		for _, k := range slices.Sorted(maps.Keys(as.products)) {
			m := as.products[k]
			p := m.p
			p.Price, p.Units = as.unpack(m.vals[0]), as.unpack(m.vals[1])
			if !yield(p) {
				return
			}
		}
	}
}

// Draft is a snapshot before it is stored: the source it describes and
// the assembler holding its merged creators and products.
type Draft struct {
	Source SourceInfo
	Merged *Assembler
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
