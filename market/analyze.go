package market

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Tier is a follower band.
type Tier struct {
	Label          string
	Min, Max       float64 // followers in [Min, Max); Max is +Inf for the top tier
	Creators       int
	WithGMV        int     // creators with a usable GMV
	GMVShare       float64 // share of the snapshot's total GMV (USD)
	MedianGMV      float64 // USD
	MedianGMVPer1K float64 // USD per 1,000 followers
	CreatorShare   float64
}

// Tiers are the follower bands every report uses.
var Tiers = []Tier{
	{Label: "under 10K", Min: 0, Max: 1e4},
	{Label: "10K-100K", Min: 1e4, Max: 1e5},
	{Label: "100K-1M", Min: 1e5, Max: 1e6},
	{Label: "over 1M", Min: 1e6, Max: math.Inf(1)},
}

// Point is one creator in the followers-vs-GMV comparison.
type Point struct {
	Handle     string
	Followers  float64
	GMVUSD     float64
	Per1K      float64 // GMV (USD) per 1,000 followers
	RankGMV    int     // 1 = largest GMV
	RankFollow int     // 1 = most followers
	Residual   float64 // log10 residual of the fit; > 0 sells above the line
	Estimate   bool    // GMV came from a range
	At         int32   // the creator's index in the snapshot's Everyone()
}

// Analysis is everything a report shows about one snapshot. It is computed
// by Analyze and holds only numbers and handles.
type Analysis struct {
	Creators           int
	WithBoth           int // creators with followers and GMV
	MissingFollowers   int
	MissingGMV         int
	ZeroGMV            int // excluded from log-scale charts and the fit
	ZeroFollowers      int
	RangeGMV           int // creators whose GMV is a range midpoint
	TotalGMVUSD        float64
	MedianFollowers    float64
	Spearman           Correlation
	Fit                Fit
	Points             []Point // creators with followers > 0 and GMV > 0, by GMV descending
	Outliers           []Point // largest |residual|, labelled on the scatter
	AboveWeight        []Point // highest GMV per 1K followers among the top sellers
	AboveWeightPool    int     // how many top sellers AboveWeight was chosen from
	Tiers              []Tier
	Concentration      Concentration
	TopProducts        []ProductGMV
	ProductsNoEstimate int
	ProductsReported   int // products whose GMV the source gives (the rest are price × units)
	// Measure is what sales are measured by: "gmv", or "views" for a
	// ranking that gives no GMV (followers against views instead).
	Measure string
	// Selection is set when the list is itself a top N by GMV: the
	// source's rank orders GMV, so creators who sell less are not in it.
	Selection *Selection
	Live      LiveAnalysis
}

// Selection describes a list that is a top N by GMV.
type Selection struct {
	N         int
	MinGMVUSD float64 // the smallest GMV in the list
	Rho       float64 // Spearman's ρ of the source's rank against GMV (near −1)
}

// ProductGMV is a product with its GMV in USD: the source's own figure
// when it gives one (Reported), else price × units.
type ProductGMV struct {
	Product
	GMVUSD   float64
	Reported bool // the source's figure, not an estimate
	Estimate bool // a range: price, units or the reported GMV was one
}

// Analyze computes the report's numbers. outliers and top bound the list
// lengths. rateUSD converts product prices in the source currency.
func Analyze(s Snapshot, rateUSD float64, outliers, top int) Analysis {
	a, _ := AnalyzeAll(s, rateUSD, outliers, top, nil) // in memory: nothing to fail
	return a
}

// AnalyzeAll is Analyze for a snapshot whose products and live sessions
// may be read from the store as they are analysed (Snapshot.Stream): an
// error is the store's. ranked, when set, is given the points (Analysis.Points)
// as soon as their ranks are final, while the rest is analysed: they are
// not changed after, so it may read them beside the analysis (a report
// starts data.csv there).
func AnalyzeAll(s Snapshot, rateUSD float64, outliers, top int, ranked func([]Point)) (Analysis, error) {
	all := s.Everyone()
	a := Analysis{Creators: len(all), Measure: "gmv"}
	// Products and live sessions are analysed beside the creators: read
	// from the store, they are most of a whole market's analysis.
	var g errgroup.Group
	var products analysedProducts
	var live LiveAnalysis
	g.Go(func() (err error) {
		products.top, products.missing, products.reported, err = topProducts(&s, rateUSD, top)
		return err
	})
	g.Go(func() (err error) {
		live, err = AnalyzeLiveAll(s, rateUSD, top)
		return err
	})
	if byViews(all) {
		// A ranking without sales: followers against views, the same
		// statistics, never a page of zeros.
		a.Measure = "views"
		cs := make([]Standing, len(all))
		for i, c := range all {
			c.GMVUSD, c.Has = 0, c.Has&^(HasGMV|GMVRange)
			if c.Is(HasViews) {
				c.GMVUSD, c.Has = c.Views, c.Has|HasGMV
				if c.Is(ViewsRange) {
					c.Has |= GMVRange
				}
			}
			cs[i] = c
		}
		all = cs
	}
	// Sized once: appends that double would leave a whole market's
	// worth of garbage each time.
	n := len(all)
	followers, gmvAll, sx, sy := make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n)
	a.Points = make([]Point, 0, n)
	for i := range all {
		c := &all[i]
		if !c.Is(HasFollowers) {
			a.MissingFollowers++
		} else {
			followers = append(followers, c.Followers)
		}
		if !c.Is(HasGMV) {
			a.MissingGMV++
			continue
		}
		if c.Is(GMVRange) {
			a.RangeGMV++
		}
		gmvAll = append(gmvAll, c.GMVUSD)
		a.TotalGMVUSD += c.GMVUSD
		if !c.Is(HasFollowers) {
			continue
		}
		a.WithBoth++
		sx = append(sx, c.Followers)
		sy = append(sy, c.GMVUSD)
		switch {
		case c.GMVUSD <= 0:
			a.ZeroGMV++
		case c.Followers <= 0:
			a.ZeroFollowers++
		default:
			a.Points = append(a.Points, Point{
				Handle: c.Handle, Followers: c.Followers, GMVUSD: c.GMVUSD,
				Per1K: c.GMVUSD / c.Followers * 1000, Estimate: c.Is(GMVRange), At: int32(i),
			})
		}
	}
	px, py := make([]float64, len(a.Points)), make([]float64, len(a.Points))
	for i, p := range a.Points {
		px[i], py[i] = p.Followers, p.GMVUSD
	}
	a.Fit = LogLogFit(px, py)
	for i := range a.Points {
		if a.Fit.Residuals != nil {
			a.Points[i].Residual = a.Fit.Residuals[i]
		}
	}
	rank(a.Points, func(p Point) float64 { return p.Followers }, func(p *Point, r int) { p.RankFollow = r })
	rank(a.Points, func(p Point) float64 { return p.GMVUSD }, func(p *Point, r int) { p.RankGMV = r })
	// In GMV rank order: the ranks are 1 to n, each once, so each point is
	// swapped into its place.
	for i := range a.Points {
		for j := a.Points[i].RankGMV - 1; j != i; j = a.Points[i].RankGMV - 1 {
			a.Points[i], a.Points[j] = a.Points[j], a.Points[i]
		}
	}
	if ranked != nil {
		ranked(a.Points) // as soon as can be: what data.csv needs is known
	}
	a.MedianFollowers = Median(followers)
	a.Spearman = Spearman(sx, sy)

	// The largest |residual|, ties in rank order: the first k of the
	// points sorted so, kept as they pass, without a sorted copy of all.
	a.Outliers = firstK(a.Points, outliers, func(p, q Point) int {
		return cmp.Or(cmp.Compare(math.Abs(q.Residual), math.Abs(p.Residual)), cmp.Compare(p.RankGMV, q.RankGMV))
	})

	// Tiny accounts with a few sales top any per-follower list, so the
	// table looks only at creators who matter to the market: the top 10% by
	// GMV, at least 100 of them.
	a.AboveWeightPool = min(len(a.Points), max(100, len(a.Points)/10))
	pool := append([]Point(nil), a.Points[:a.AboveWeightPool]...)
	slices.SortFunc(pool, func(p, q Point) int { return cmp.Or(cmp.Compare(q.Per1K, p.Per1K), cmp.Compare(p.RankGMV, q.RankGMV)) })
	a.AboveWeight = slices.Clone(pool[:min(top, len(pool))])

	a.Tiers = tiers(all, a.TotalGMVUSD)
	a.Concentration = Concentrate(gmvAll, 100)
	if a.Measure == "gmv" {
		a.Selection = selection(all)
	}
	err := g.Wait()
	a.TopProducts, a.ProductsNoEstimate, a.ProductsReported, a.Live = products.top, products.missing, products.reported, live
	return a, err
}

type analysedProducts struct {
	top               []ProductGMV
	missing, reported int
}

// firstK returns the first k of ps as sorted by cmp (a total order), in
// that order, holding k of them at a time.
func firstK[T any](ps []T, k int, cmp func(a, b T) int) []T {
	t := topOf(k, cmp)
	for _, p := range ps {
		t.add(p)
	}
	return t.items
}

// topK keeps the first k of what it is given, as sorted by cmp (a total
// order).
type topK[T any] struct {
	k     int
	cmp   func(a, b T) int
	items []T
}

func topOf[T any](k int, cmp func(a, b T) int) *topK[T] { return &topK[T]{k: max(k, 0), cmp: cmp} }

func (t *topK[T]) add(p T) {
	if t.k == 0 || (len(t.items) == t.k && t.cmp(p, t.items[t.k-1]) >= 0) {
		return
	}
	i, _ := slices.BinarySearchFunc(t.items, p, t.cmp)
	t.items = slices.Insert(t.items, i, p)
	if len(t.items) > t.k {
		t.items = t.items[:t.k]
	}
}

// byViews reports whether creators give views but no GMV at all.
func byViews(cs []Standing) bool {
	views := false
	for i := range cs {
		if cs[i].Is(HasGMV) {
			return false
		}
		views = views || cs[i].Is(HasViews)
	}
	return views
}

// selection finds a list that is a top N by GMV: the source shows a rank
// for most creators, and that rank orders GMV (ρ ≤ −0.9). Such a list
// holds no creator below its smallest GMV, whatever their followers, so
// any correlation it shows is weakened (range restriction).
func selection(cs []Standing) *Selection {
	var rk, g []float64
	minG := math.Inf(1)
	for i := range cs {
		c := &cs[i]
		if !c.Is(HasRank | HasGMV) {
			continue
		}
		rk, g = append(rk, c.Rank), append(g, c.GMVUSD)
		minG = math.Min(minG, c.GMVUSD)
	}
	if len(rk) < 10 || len(rk)*10 < len(cs)*9 {
		return nil
	}
	if r := Spearman(rk, g); r.N > 0 && r.Rho <= -0.9 {
		return &Selection{N: len(rk), MinGMVUSD: minG, Rho: r.Rho}
	}
	return nil
}

func rank(ps []Point, key func(Point) float64, set func(*Point, int)) {
	ks := make([]valueAt, len(ps))
	for i := range ps {
		ks[i] = valueAt{key(ps[i]), int32(i)}
	}
	sortValues(ks, true)
	for r, k := range ks {
		set(&ps[k.i], r+1)
	}
}

func tiers(cs []Standing, total float64) []Tier {
	out := append([]Tier(nil), Tiers...)
	gmv := make([][]float64, len(out))
	per := make([][]float64, len(out))
	withF := 0
	for i := range cs {
		c := &cs[i]
		if !c.Is(HasFollowers) {
			continue
		}
		withF++
		f := c.Followers
		for i := range out {
			if f < out[i].Min || f >= out[i].Max {
				continue
			}
			out[i].Creators++
			if c.Is(HasGMV) {
				out[i].WithGMV++
				out[i].GMVShare += c.GMVUSD
				gmv[i] = append(gmv[i], c.GMVUSD)
				if f > 0 {
					per[i] = append(per[i], c.GMVUSD/f*1000)
				}
			}
		}
	}
	for i := range out {
		if total > 0 {
			out[i].GMVShare /= total
		}
		if withF > 0 {
			out[i].CreatorShare = float64(out[i].Creators) / float64(withF)
		}
		out[i].MedianGMV = Median(gmv[i])
		out[i].MedianGMVPer1K = Median(per[i])
	}
	return out
}

// topProducts ranks products by GMV: the source's own figure where it
// gives one, else price × units (an estimate, and said so). It keeps the
// top ones as the products pass.
func topProducts(s *Snapshot, rateUSD float64, top int) (out []ProductGMV, missing, reported int, err error) {
	t := topOf(top, func(p, q ProductGMV) int { return cmp.Or(cmp.Compare(q.GMVUSD, p.GMVUSD), strings.Compare(p.ID, q.ID)) })
	err = s.EachProduct(func(p *Product) error {
		g, cur, _, ok := p.Revenue()
		if !ok {
			missing++
			return nil
		}
		pg := ProductGMV{Product: *p, GMVUSD: Major(g, cur) * rateUSD, Reported: p.GMV != nil}
		if pg.Reported {
			reported++
			pg.Estimate = p.GMV.Estimate
		} else {
			pg.Estimate = p.Price.Estimate || p.Units.Estimate
		}
		t.add(pg)
		return nil
	})
	return t.items, missing, reported, err
}
