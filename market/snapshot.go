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
	Repaired    int            `json:"repaired_texts"` // texts made valid UTF-8 or stripped of control characters
	Finish      string         `json:"finish"`
	Coverage    []Coverage     `json:"coverage"` // listings against what their pages or the config say they hold
	Pending     int            `json:"pending"`  // URLs never fetched (a budget stopped the run)
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
//
// A crawl's snapshot is held until the run finishes, so the assembler holds
// it without pointers: merged entries are plain structs whose strings are
// spans of an append-only arena, and the strings every value of a field
// shares (kind, currency, period) are one index into a table. The garbage
// collector then scans a few pointers per creator instead of a dozen: for
// the 20,000-creator benchmark crawl that was most of its collection work.
type Assembler struct {
	creatorIdx map[string]int32 // key → index into creators
	creators   []mergedCreator
	productIdx map[string]int32
	products   []mergedProduct
	units      []unit         // the shared parts of numeric values, see packed
	unitIdx    map[unit]int32 // index into units
	arena      arena
}

// The fields a snapshot keeps, by index into the precedence arrays.
var (
	creatorFields = []string{"display_name", "category", "region", "followers", "gmv", "units", "views", "products"}
	productFields = []string{"title", "shop", "price", "units", "creators"}
)

const unset = -1 << 30

type mergedCreator struct {
	displayName, category, region, url, products span
	vals                                         [4]packed // followers, gmv, units, views
	prec                                         [9]int32  // per creatorFields, then the URL's
}

type mergedProduct struct {
	title, shop, url, creators span
	vals                       [2]packed // price, units
	prec                       [6]int32  // per productFields, then the URL's
}

// packed is a numeric Value without the strings its field's values share,
// which are one entry of Assembler.units.
type packed struct {
	raw, text      span
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

// arena holds strings back to back in chunks that never move.
type arena struct {
	chunks [][]byte
}

// span is a string in an arena.
type span struct{ chunk, off, n uint32 }

const arenaChunk = 1 << 20

func (a *arena) put(s string) span {
	if s == "" {
		return span{}
	}
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+len(s) > cap(a.chunks[last]) {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunk, len(s))))
		last++
	}
	c := a.chunks[last]
	a.chunks[last] = append(c, s...)
	return span{uint32(last), uint32(len(c)), uint32(len(s))}
}

func (a *arena) get(sp span) string {
	if sp.n == 0 {
		return ""
	}
	return string(a.chunks[sp.chunk][sp.off : sp.off+sp.n])
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
	return packed{raw: as.arena.put(v.Raw), text: as.arena.put(v.Text), num: v.Num, low: v.Low, high: v.High, float: v.Float, unit: i + 1}
}

func (as *Assembler) unpack(p packed) *Value {
	if p.unit == 0 {
		return nil
	}
	u := as.units[p.unit-1]
	return &Value{Kind: u.kind, Raw: as.arena.get(p.raw), Num: p.num, Low: p.low, High: p.high, Estimate: u.estimate, Float: p.float,
		Text: as.arena.get(p.text), Currency: u.currency, Period: u.period, Open: u.open, Per: u.per}
}

// entry returns key's entry in *list, appending a new one (set up by
// init) the first time; *idx maps keys to positions.
func entry[T any](idx *map[string]int32, list *[]T, key string, init func(*T)) *T {
	i, ok := (*idx)[key]
	if !ok {
		if *idx == nil {
			*idx = map[string]int32{}
		}
		i = int32(len(*list))
		(*idx)[key] = i
		*list = append(*list, *new(T))
		init(&(*list)[i])
	}
	return &(*list)[i]
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
		m := entry(&as.creatorIdx, &as.creators, r.Key, func(m *mergedCreator) { newPrec(m.prec[:]) })
		for i, name := range creatorFields {
			v, ok := r.Fields[name]
			if !ok || m.prec[i] >= prec {
				continue
			}
			m.prec[i] = prec
			switch name {
			case "display_name":
				m.displayName = as.arena.put(v.Text)
			case "category":
				m.category = as.arena.put(v.Text)
			case "region":
				m.region = as.arena.put(v.Text)
			case "followers":
				m.vals[0] = as.pack(v)
			case "gmv":
				m.vals[1] = as.pack(v)
			case "units":
				m.vals[2] = as.pack(v)
			case "views":
				m.vals[3] = as.pack(v)
			case "products":
				m.products = as.arena.put(v.Text)
			}
		}
		if m.prec[8] < prec {
			m.url, m.prec[8] = as.arena.put(url), prec
		}
	case EntityProduct:
		m := entry(&as.productIdx, &as.products, r.Key, func(m *mergedProduct) { newPrec(m.prec[:]) })
		for i, name := range productFields {
			v, ok := r.Fields[name]
			if !ok || m.prec[i] >= prec {
				continue
			}
			m.prec[i] = prec
			switch name {
			case "title":
				m.title = as.arena.put(v.Text)
			case "shop":
				m.shop = as.arena.put(v.Text)
			case "price":
				m.vals[0] = as.pack(v)
			case "units":
				m.vals[1] = as.pack(v)
			case "creators":
				m.creators = as.arena.put(v.Text)
			}
		}
		if m.prec[5] < prec {
			m.url, m.prec[5] = as.arena.put(url), prec
		}
	}
}

// Len returns how many creators and products the assembler holds.
func (as *Assembler) Len() (creators, products int) {
	return len(as.creators), len(as.products)
}

// Creators yields the merged creators in handle order. rateUSD converts
// money in the source currency to USD. Each is built as it is yielded, so
// storing a large snapshot never holds it twice.
func (as *Assembler) Creators(rateUSD float64) iter.Seq[Creator] {
	return func(yield func(Creator) bool) {
		for _, k := range slices.Sorted(maps.Keys(as.creatorIdx)) {
			m := &as.creators[as.creatorIdx[k]]
			c := Creator{Handle: k, DisplayName: as.arena.get(m.displayName), Category: as.arena.get(m.category),
				Region: as.arena.get(m.region), URL: as.arena.get(m.url), Products: splitList(as.arena.get(m.products)),
				Followers: as.unpack(m.vals[0]), GMV: as.unpack(m.vals[1]), Units: as.unpack(m.vals[2]), Views: as.unpack(m.vals[3])}
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
		for _, k := range slices.Sorted(maps.Keys(as.productIdx)) {
			m := &as.products[as.productIdx[k]]
			p := Product{ID: k, Title: as.arena.get(m.title), Shop: as.arena.get(m.shop), URL: as.arena.get(m.url),
				Creators: splitList(as.arena.get(m.creators)), Price: as.unpack(m.vals[0]), Units: as.unpack(m.vals[1])}
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
