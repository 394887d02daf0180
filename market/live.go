package market

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// LiveAnalysis is the live-commerce section: what live sessions sold, per
// hour and against their audience, and how creators split GMV between
// live, video and the product showcase.
type LiveAnalysis struct {
	Sessions     int     // live sessions in the snapshot
	WithGMV      int     // with a GMV
	GMVUSD       float64 // their GMV
	Timed        int     // with a GMV and a length
	Hours        float64 // the length of those
	GMVPerHour   float64 // their GMV over their hours (USD)
	MedianPerHr  float64 // the median session's GMV per hour
	Spearman     Correlation
	Points       []LivePoint // sessions with viewers and GMV > 0, by GMV descending
	Top          []LivePoint // the top sessions by GMV
	CreatorsLive int         // creators with at least one session

	// From creators' GMV by channel (gmv_live, gmv_video, gmv_showcase).
	Split                           int // creators with a channel split
	LiveUSD, VideoUSD, ShowcaseUSD  float64
	LiveLed, VideoLed, Mixed        int     // creators by where two thirds of their split GMV came from
	LiveLedUSD, VideoLedUSD, MixUSD float64 // and their GMV
	Sellers                         []ChannelSeller

	// Share of GMV from live: from the channel split when there is one
	// (ShareFrom "channels"), else sessions' GMV over the GMV of the
	// creators who held them ("sessions"); NaN without either.
	LiveShare float64
	ShareFrom string
}

// LivePoint is one live session for charts and tables.
type LivePoint struct {
	ID, Creator, Start, Title string
	Viewers, GMVUSD, Hours    float64
	PerHour                   float64 // 0 without a length
}

// ChannelSeller is one creator's GMV by channel.
type ChannelSeller struct {
	Handle                         string
	LiveUSD, VideoUSD, ShowcaseUSD float64 // 0 where the source does not give the channel: see Has
	Has                            [3]bool // live, video, showcase: the source gave the channel
	LiveShare                      float64
	Lead                           string // "live", "video" or "mixed"
}

// leadOf says where two thirds of a creator's GMV came from: live, video
// (with the showcase, which videos feed), or neither (mixed).
func leadOf(live, video, showcase float64) string {
	t := live + video + showcase
	switch {
	case t <= 0:
		return ""
	case live >= t*2/3:
		return "live"
	case video+showcase >= t*2/3:
		return "video"
	}
	return "mixed"
}

// CreatorKey is a live session's creator as a creator's key: handles are
// keyed without "@" and in lower case.
func CreatorKey(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// AnalyzeLive computes the live-commerce section; top bounds its lists.
func AnalyzeLive(s Snapshot, rateUSD float64, top int) LiveAnalysis {
	a, _ := AnalyzeLiveAll(s, rateUSD, top) // in memory: nothing to fail
	return a
}

// AnalyzeLiveAll is AnalyzeLive over live sessions that may be read from
// the store as they are analysed; an error is the store's.
func AnalyzeLiveAll(s Snapshot, rateUSD float64, top int) (LiveAnalysis, error) {
	a := LiveAnalysis{Sessions: s.LiveCount(), LiveShare: math.NaN()}
	usd := func(v *Value) float64 { return Major(v.Mid(), v.Currency) * rateUSD }
	var perHour, vx, vy []float64
	held := map[string]float64{}
	var all []LivePoint
	err := s.EachLive(func(l *Live) error {
		if l.GMV == nil {
			return nil
		}
		a.WithGMV++
		g := usd(l.GMV)
		a.GMVUSD += g
		held[CreatorKey(l.Creator)] += g
		p := LivePoint{ID: l.ID, Creator: CreatorKey(l.Creator), Start: l.Start, Title: l.Title, GMVUSD: g}
		if h, ok := l.Hours(); ok {
			a.Timed++
			a.Hours += h
			p.Hours, p.PerHour = h, g/h
			perHour = append(perHour, p.PerHour)
		}
		if l.Viewers != nil {
			p.Viewers = l.Viewers.Mid()
			vx, vy = append(vx, p.Viewers), append(vy, g)
		}
		all = append(all, p)
		return nil
	})
	if err != nil {
		return a, err
	}
	var timedGMV float64
	for _, p := range all {
		if p.Hours > 0 {
			timedGMV += p.GMVUSD
		}
	}
	if a.Hours > 0 {
		a.GMVPerHour = timedGMV / a.Hours
	}
	a.MedianPerHr = Median(perHour)
	a.Spearman = Spearman(vx, vy)
	slices.SortStableFunc(all, func(x, y LivePoint) int { return cmp.Compare(y.GMVUSD, x.GMVUSD) })
	for _, p := range all {
		if p.Viewers > 0 && p.GMVUSD > 0 {
			a.Points = append(a.Points, p)
		}
	}
	a.Top = slices.Clone(all[:min(top, len(all))]) // not the whole market's sessions behind it
	a.CreatorsLive = len(held)

	var creatorGMV, knownLive float64
	everyone := s.Everyone()
	// The top sellers by split GMV, ties in the order the creators come,
	// kept as they pass: not a sorted copy of the whole market's.
	type seller struct {
		ChannelSeller
		t  float64
		at int
	}
	sellers := topOf(top, func(x, y seller) int { return cmp.Or(cmp.Compare(y.t, x.t), cmp.Compare(x.at, y.at)) })
	for i := range everyone {
		c := &everyone[i]
		if g, ok := held[c.Handle]; ok && c.Is(HasGMV) && g > 0 {
			creatorGMV += c.GMVUSD
			knownLive += g
		}
		if c.Has&(HasLive|HasVideo|HasShowcase) == 0 {
			continue
		}
		cs := ChannelSeller{Handle: c.Handle, Has: [3]bool{c.Is(HasLive), c.Is(HasVideo), c.Is(HasShowcase)}}
		cs.LiveUSD, cs.VideoUSD, cs.ShowcaseUSD = c.Live*rateUSD, c.Video*rateUSD, c.Showcase*rateUSD
		t := cs.LiveUSD + cs.VideoUSD + cs.ShowcaseUSD
		if t <= 0 {
			continue
		}
		a.Split++
		a.LiveUSD, a.VideoUSD, a.ShowcaseUSD = a.LiveUSD+cs.LiveUSD, a.VideoUSD+cs.VideoUSD, a.ShowcaseUSD+cs.ShowcaseUSD
		cs.LiveShare, cs.Lead = cs.LiveUSD/t, leadOf(cs.LiveUSD, cs.VideoUSD, cs.ShowcaseUSD)
		switch cs.Lead {
		case "live":
			a.LiveLed++
			a.LiveLedUSD += t
		case "video":
			a.VideoLed++
			a.VideoLedUSD += t
		default:
			a.Mixed++
			a.MixUSD += t
		}
		sellers.add(seller{cs, t, i})
	}
	for _, x := range sellers.items {
		a.Sellers = append(a.Sellers, x.ChannelSeller)
	}
	switch t := a.LiveUSD + a.VideoUSD + a.ShowcaseUSD; {
	case t > 0:
		a.LiveShare, a.ShareFrom = a.LiveUSD/t, "channels"
	case creatorGMV > 0:
		a.LiveShare, a.ShareFrom = math.Min(1, knownLive/creatorGMV), "sessions"
	}
	return a, nil
}

// Has reports whether there is anything live to show.
func (a LiveAnalysis) Has() bool { return a.Sessions > 0 || a.Split > 0 }
