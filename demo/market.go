// Package demo is the bundled sample creator-commerce website: a seeded,
// deterministic market that gmvscope demo, the tests and the benchmarks
// crawl over HTTP. Every page says it is sample data.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Config sizes the market. The zero Config is 2,000 creators, seed 1,
// week 1.
type Config struct {
	Creators int
	Seed     uint64
	// Week is which week of the same market to serve (1 and up; 0 is 1).
	// Each week creators grow or fade, a few small accounts break out, a
	// few big ones collapse, and newcomers enter the leaderboard while the
	// weakest drop out of it: the leaderboard always lists Creators.
	Week int
}

// PerPage is how many rows a leaderboard page shows.
const PerPage = 50

// Creator is the ground truth about one sample creator.
type Creator struct {
	Handle      string   `json:"handle"`       // canonical: lower case ASCII
	ShownHandle string   `json:"shown_handle"` // as the profile JSON writes it (mixed case, full-width)
	DisplayName string   `json:"display_name"`
	Followers   int64    `json:"followers"`
	Views       int64    `json:"views_28d"`
	GMVCents    int64    `json:"gmv_28d_cents"`
	Units       int64    `json:"units_28d"`
	Category    string   `json:"category"`
	Region      string   `json:"region"`
	Products    []int    `json:"-"`
	ProductIDs  []string `json:"products"`
	Rank        int      `json:"rank"` // leaderboard rank by GMV, 1-based
	// GMV by channel: live (the sum of the creator's sessions), video and
	// the product showcase; they add up to GMVCents.
	LiveCents     int64    `json:"gmv_live_cents"`
	VideoCents    int64    `json:"gmv_video_cents"`
	ShowcaseCents int64    `json:"gmv_showcase_cents"`
	Lives         []string `json:"lives,omitempty"` // ids of the creator's live sessions
}

// Product is the ground truth about one sample product.
type Product struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Shop           string   `json:"shop"`
	PriceLowCents  int64    `json:"price_low_cents"`
	PriceHighCents int64    `json:"price_high_cents"` // equal to low for a single price
	Units          int64    `json:"units_sold"`
	Creators       []string `json:"creators"`
}

// Malformed is a value the leaderboard deliberately prints wrong; a correct
// crawl stores exactly these as rejects.
type Malformed struct {
	Page   int    `json:"page"`
	Handle string `json:"handle"`
	Field  string `json:"field"`
	Raw    string `json:"raw"`
}

// Market is a generated sample market.
type Market struct {
	Seed      uint64
	Week      int
	Creators  []Creator // in leaderboard order (GMV descending)
	Products  []Product
	Malformed []Malformed
	Lives     []Live
	Ranges    int // leaderboard GMV cells printed as a range ("$10K-$25K")
	byHandle  map[string]int
	byProduct map[string]int
	byLive    map[string]int
	cells     [][]string // leaderboard cell text per creator, computed once
}

var (
	categories = []string{"Beauty", "Fashion", "Home", "Food", "Health", "Tech", "Toys", "Sports", "Pets"}
	regions    = []string{"US", "US", "US", "US", "US", "US", "US", "CA", "GB", "MX"}
	firsts     = []string{"mia", "kai", "zoe", "liam", "ava", "noah", "luna", "ezra", "nia", "omar", "ivy", "leo", "maya", "sam", "jade", "ren", "tess", "yuki", "ana", "eli"}
	seconds    = []string{"beauty", "deals", "finds", "home", "eats", "fit", "style", "tech", "glow", "picks", "shop", "daily", "lab", "life", "haul"}
	names      = []string{"Mia & Co ✨", "Zoë's Finds", "Kai <Deals>", "小美 好物", "Luna \"Glow\" Lab", "Ava’s Home 🏠", "Noah & Ezra", "Jade 💄 Beauty", "Tess Café", "Omar's Picks 🔥", "Yuki ゆき", "Ren 'n' Sam"}
	things     = []string{"Lip Oil", "Cloud Slides", "Mini Fan", "Serum", "Phone Grip", "Protein Bar", "Hair Clips", "LED Strip", "Tote Bag", "Water Bottle", "Cat Toy", "Blush Stick"}
	adjectives = []string{"Glossy", "Cozy", "Mini", "Daily", "Pro", "Soft", "Bright", "Pocket"}
	shops      = []string{"GlowLab Store", "Casa & Co", "Tiny Tech", "Snack Hub", "Paws Planet", "FitGear"}
	badValues  = map[string][]string{
		"followers": {"1.2.3K", "12,34,5", "3..5M", "7k7"},
		"gmv":       {"$4.5KK", "$1.2B.4", "$12,3,4", "$-5K"},
		"units":     {"1.2.3", "12x", "4,5,6,7"},
	}
)

// New generates a market. The same Config always gives the same market.
func New(cfg Config) *Market {
	if cfg.Creators <= 0 {
		cfg.Creators = 2000
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Week <= 0 {
		cfg.Week = 1
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	m := &Market{Seed: cfg.Seed, Week: cfg.Week, byHandle: map[string]int{}, byProduct: map[string]int{}, byLive: map[string]int{}}
	np := max(50, cfg.Creators/4)
	for i := range np {
		lo := int64(299 + r.IntN(5700)) // $2.99 .. $59.99
		hi := lo
		if r.IntN(4) == 0 {
			hi = lo + int64(20+r.IntN(400))
		}
		m.Products = append(m.Products, Product{
			ID:            fmt.Sprintf("p%06d", i+1),
			Title:         fmt.Sprintf("%s %s No.%d", adjectives[r.IntN(len(adjectives))], things[r.IntN(len(things))], i+1),
			Shop:          shops[r.IntN(len(shops))],
			PriceLowCents: lo, PriceHighCents: hi,
		})
	}
	for i := range cfg.Creators {
		m.Creators = append(m.Creators, m.newCreator(r, i, np))
	}
	if cfg.Week > 1 {
		// Later weeks: the same creators, evolved, and newcomers; the
		// leaderboard lists the best Creators of them.
		m.Creators = m.evolve(m.Creators, cfg.Creators, np, cfg.Week)
	}
	sort.SliceStable(m.Creators, func(a, b int) bool {
		if m.Creators[a].GMVCents != m.Creators[b].GMVCents {
			return m.Creators[a].GMVCents > m.Creators[b].GMVCents
		}
		return m.Creators[a].Handle < m.Creators[b].Handle
	})
	if len(m.Creators) > cfg.Creators {
		m.Creators = m.Creators[:cfg.Creators]
	}
	for i := range m.Creators {
		c := &m.Creators[i]
		c.Rank = i + 1
		m.byHandle[c.Handle] = i
		for _, p := range c.Products {
			m.Products[p].Creators = append(m.Products[p].Creators, c.Handle)
			mid := (m.Products[p].PriceLowCents + m.Products[p].PriceHighCents) / 2
			m.Products[p].Units += c.GMVCents / mid / int64(len(c.Products))
		}
	}
	for i, p := range m.Products {
		m.byProduct[p.ID] = i
	}
	m.addLives()
	m.cells = make([][]string, len(m.Creators))
	for i := range m.Creators {
		m.cells[i] = m.leaderboardCells(i)
	}
	return m
}

func (m *Market) newCreator(r *rand.Rand, i, np int) Creator {
	zf := r.NormFloat64()
	zg := 0.45*zf + math.Sqrt(1-0.45*0.45)*r.NormFloat64()
	lf := 4.3 + 0.85*zf
	if lf < 2.7 || lf > 7.6 { // keep the tails inside what leaderboards list, without piling them on one value
		lf = 2.7 + 0.5*r.Float64()
	}
	lg := 3.7 + 0.75*zg
	if i%331 == 7 { // small following, huge sales: the market's real story
		lf = 3.8 + 0.8*r.Float64()
		lg = 6.0 + 0.4*r.Float64()
	}
	gmv := int64(math.Round(math.Pow(10, lg) * 100))
	if i%67 == 11 {
		gmv = 0
	}
	handle := fmt.Sprintf("%s%s%d", firsts[r.IntN(len(firsts))], seconds[r.IntN(len(seconds))], i)
	c := Creator{
		Handle:      handle,
		ShownHandle: "@" + handle,
		DisplayName: fmt.Sprintf("%s %d", names[r.IntN(len(names))], i),
		Followers:   int64(math.Round(math.Pow(10, lf))),
		GMVCents:    gmv,
		Category:    categories[r.IntN(len(categories))],
		Region:      regions[r.IntN(len(regions))],
	}
	c.Views = c.Followers * int64(1+r.IntN(20)) / 2
	c.Units = gmv / int64(800+r.IntN(4000))
	switch i % 29 {
	case 3:
		c.ShownHandle = "@" + capitalize(handle)
	case 5:
		c.ShownHandle = fullWidth("@" + handle)
	}
	for range 1 + r.IntN(4) {
		c.Products = appendUnique(c.Products, r.IntN(np))
	}
	for _, p := range c.Products {
		c.ProductIDs = append(c.ProductIDs, fmt.Sprintf("p%06d", p+1))
	}
	return c
}

func appendUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// fullWidth writes ASCII letters and digits as their full-width forms, as
// some East Asian pages do; NFKC folds them back.
func fullWidth(s string) string {
	out := []rune{}
	for _, c := range s {
		if c > ' ' && c < 0x7f {
			c += 0xFEE0
		}
		out = append(out, c)
	}
	return string(out)
}

// Pages is the number of leaderboard pages.
func (m *Market) Pages() int {
	return (len(m.Creators) + PerPage - 1) / PerPage
}

// Creator returns the creator with canonical handle h.
func (m *Market) Creator(h string) (Creator, bool) {
	i, ok := m.byHandle[h]
	if !ok {
		return Creator{}, false
	}
	return m.Creators[i], true
}
