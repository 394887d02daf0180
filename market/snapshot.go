package market

import (
	"sort"
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
}

// PageStat counts pages of a run by kind and outcome.
type PageStat struct {
	Kind    string
	Outcome string // "ok" or the failure reason
	Pages   int
	Bytes   int64
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
	FirstFetch, LastFetch time.Time
}

// Assemble merges records into creators and products. For each key and
// field the record with the highest precedence wins; records are otherwise
// taken in the order given. rateUSD converts money in the source currency.
func Assemble(recs []Record, urls []string, rateUSD float64) ([]Creator, []Product) {
	type acc struct {
		fields map[string]Value
		prec   map[string]int
		url    string
		urlP   int
	}
	byKey := map[Entity]map[string]*acc{EntityCreator: {}, EntityProduct: {}}
	order := map[Entity][]string{}
	for i, r := range recs {
		m := byKey[r.Entity]
		if m == nil {
			continue
		}
		a := m[r.Key]
		if a == nil {
			a = &acc{fields: map[string]Value{}, prec: map[string]int{}, urlP: -1 << 30}
			m[r.Key] = a
			order[r.Entity] = append(order[r.Entity], r.Key)
		}
		for f, v := range r.Fields {
			if p, ok := a.prec[f]; ok && p >= r.Precedence {
				continue
			}
			a.fields[f] = v
			a.prec[f] = r.Precedence
		}
		if i < len(urls) && r.Precedence > a.urlP {
			a.url, a.urlP = urls[i], r.Precedence
		}
	}
	var creators []Creator
	for _, k := range order[EntityCreator] {
		a := byKey[EntityCreator][k]
		c := Creator{Handle: k, URL: a.url}
		c.DisplayName = a.fields["display_name"].Text
		c.Category = a.fields["category"].Text
		c.Region = a.fields["region"].Text
		c.Followers = numeric(a.fields, "followers")
		c.GMV = numeric(a.fields, "gmv")
		c.Units = numeric(a.fields, "units")
		c.Views = numeric(a.fields, "views")
		if c.GMV != nil {
			c.GMVUSD = Major(c.GMV.Mid(), c.GMV.Currency) * rateUSD
		}
		if v, ok := a.fields["products"]; ok && v.Text != "" {
			c.Products = splitList(v.Text)
		}
		creators = append(creators, c)
	}
	var products []Product
	for _, k := range order[EntityProduct] {
		a := byKey[EntityProduct][k]
		p := Product{ID: k, URL: a.url, Title: a.fields["title"].Text, Shop: a.fields["shop"].Text}
		p.Price = numeric(a.fields, "price")
		p.Units = numeric(a.fields, "units")
		if v, ok := a.fields["creators"]; ok && v.Text != "" {
			p.Creators = splitList(v.Text)
		}
		products = append(products, p)
	}
	sort.SliceStable(creators, func(i, j int) bool { return creators[i].Handle < creators[j].Handle })
	sort.SliceStable(products, func(i, j int) bool { return products[i].ID < products[j].ID })
	return creators, products
}

func numeric(f map[string]Value, name string) *Value {
	v, ok := f[name]
	if !ok || !v.IsNumeric() {
		return nil
	}
	return &v
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
