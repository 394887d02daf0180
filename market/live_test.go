package market

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func usdValue(cents int64) *Value { return &Value{Kind: KindMoney, Num: cents, Currency: "USD"} }

// TestAnalyzeLive: the live-commerce figures from sessions and from
// creators' GMV by channel, by hand.
func TestAnalyzeLive(t *testing.T) {
	s := Snapshot{
		Creators: []Creator{
			{Handle: "ana", GMV: usdValue(100_00), GMVUSD: 100, GMVLive: usdValue(80_00), GMVVideo: usdValue(15_00), GMVShowcase: usdValue(5_00)},
			{Handle: "ben", GMV: usdValue(200_00), GMVUSD: 200, GMVLive: usdValue(0), GMVVideo: usdValue(150_00), GMVShowcase: usdValue(50_00)},
			{Handle: "cy", GMV: usdValue(50_00), GMVUSD: 50, GMVLive: usdValue(25_00), GMVVideo: usdValue(25_00)},
			{Handle: "dee", GMV: usdValue(10_00), GMVUSD: 10},
		},
		Lives: []Live{
			{ID: "1", Creator: "@Ana", GMV: usdValue(60_00), Duration: &Value{Kind: KindDuration, Num: 7200}, Viewers: &Value{Kind: KindCount, Num: 600}},
			{ID: "2", Creator: "ana", GMV: usdValue(20_00), Duration: &Value{Kind: KindDuration, Num: 1800}, Viewers: &Value{Kind: KindCount, Num: 100}},
			{ID: "3", Creator: "cy", GMV: usdValue(25_00), Viewers: &Value{Kind: KindCount, Num: 300}},
			{ID: "4", Creator: "zed", Viewers: &Value{Kind: KindCount, Num: 50}},
		},
	}
	a := AnalyzeLive(s, 1, 10)
	if a.Sessions != 4 || a.WithGMV != 3 || a.GMVUSD != 105 || a.Timed != 2 || a.Hours != 2.5 || a.CreatorsLive != 2 {
		t.Errorf("sessions %+v", a)
	}
	if a.GMVPerHour != 80/2.5 || a.MedianPerHr != (30+40)/2.0 {
		t.Errorf("per hour %v, median %v", a.GMVPerHour, a.MedianPerHr)
	}
	// live ÷ (live + video + showcase) over the three who split: (80+0+25) / (100+200+50)
	if a.ShareFrom != "channels" || math.Abs(a.LiveShare-105.0/350) > 1e-12 || a.Split != 3 {
		t.Errorf("share %v from %s over %d", a.LiveShare, a.ShareFrom, a.Split)
	}
	if a.LiveLed != 1 || a.VideoLed != 1 || a.Mixed != 1 || a.LiveLedUSD != 100 || a.VideoLedUSD != 200 {
		t.Errorf("leads %d %d %d", a.LiveLed, a.VideoLed, a.Mixed)
	}
	if got := []string{a.Sellers[0].Handle, a.Sellers[1].Handle, a.Sellers[2].Handle}; !slices.Equal(got, []string{"ben", "ana", "cy"}) {
		t.Errorf("sellers by GMV %v", got)
	}
	if len(a.Points) != 3 || a.Points[0].ID != "1" || a.Spearman.N != 3 {
		t.Errorf("points %+v, ρ over %d", a.Points, a.Spearman.N)
	}
	// Without a channel split: the sessions' GMV over their creators' GMV.
	for i := range s.Creators {
		s.Creators[i].GMVLive, s.Creators[i].GMVVideo, s.Creators[i].GMVShowcase = nil, nil, nil
	}
	if a := AnalyzeLive(s, 1, 10); a.ShareFrom != "sessions" || math.Abs(a.LiveShare-105.0/150) > 1e-12 {
		t.Errorf("share from sessions %v %s", a.LiveShare, a.ShareFrom)
	}
}

// TestSelection: a list whose own rank orders GMV, with no creator at
// zero, is a top N by GMV; one that is not ranked by GMV is not.
func TestSelection(t *testing.T) {
	var cs []Creator
	for i := range 50 {
		g := float64(1e6 / (i + 1))
		cs = append(cs, Creator{Handle: fmt.Sprint(i), Rank: &Value{Kind: KindCount, Num: int64(i + 1)}, GMV: usdValue(int64(g * 100)), GMVUSD: g,
			Followers: &Value{Kind: KindCount, Num: int64(1000 + 37*i%11*1000)}})
	}
	a := Analyze(Snapshot{Creators: cs}, 1, 5, 10)
	if a.Selection == nil || a.Selection.N != 50 || a.Selection.MinGMVUSD != 1e6/50 || a.Selection.Rho > -0.99 {
		t.Errorf("top 50 by GMV: %+v", a.Selection)
	}
	for i := range cs {
		cs[i].Rank.Num = int64((i*17)%50 + 1) // ranked by something else
	}
	if a := Analyze(Snapshot{Creators: cs}, 1, 5, 10); a.Selection != nil {
		t.Errorf("a list ranked by other than GMV: %+v", a.Selection)
	}
	cs[3].GMV, cs[3].GMVUSD = usdValue(0), 0
	for i := range cs {
		cs[i].Rank.Num = int64(i + 1)
	}
	if a := Analyze(Snapshot{Creators: cs}, 1, 5, 10); a.Selection != nil {
		t.Errorf("a list with a zero seller is not cut at a GMV: %+v", a.Selection)
	}
}

// TestViewsMeasure: creators with views and no GMV are analysed by views.
func TestViewsMeasure(t *testing.T) {
	var cs []Creator
	for i := range 20 {
		f := int64(1000 * (i + 1))
		cs = append(cs, Creator{Handle: fmt.Sprint(i), Followers: &Value{Kind: KindCount, Num: f}, Views: &Value{Kind: KindCount, Num: f * int64(3+i%4)}})
	}
	a := Analyze(Snapshot{Creators: cs}, 1, 5, 10)
	if a.Measure != "views" || a.WithBoth != 20 || len(a.Points) != 20 || a.Spearman.Rho < 0.9 || a.TotalGMVUSD == 0 {
		t.Errorf("by views: measure %s, %d with both, ρ %v", a.Measure, a.WithBoth, a.Spearman.Rho)
	}
	cs[0].GMV, cs[0].GMVUSD = usdValue(100), 1
	if a := Analyze(Snapshot{Creators: cs}, 1, 5, 10); a.Measure != "gmv" {
		t.Errorf("one GMV makes it a GMV market: %s", a.Measure)
	}
}

// TestLiveSellersAsSorted: the top sellers by split GMV, kept as the
// creators pass, are the first of a stable sort of every seller, ties in
// the order the creators come, at several list lengths.
func TestLiveSellersAsSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := Snapshot{}
	for range 3000 {
		st := Standing{Handle: fmt.Sprintf("c%04d", r.IntN(100000)), Has: HasGMV}
		if r.IntN(3) != 0 {
			st.Live, st.Has = float64(r.IntN(20)*10), st.Has|HasLive
		}
		if r.IntN(3) != 0 {
			st.Video, st.Has = float64(r.IntN(20)*10), st.Has|HasVideo
		}
		s.Standings = append(s.Standings, st) // handles out of order, and repeated
	}
	var all []ChannelSeller
	for _, c := range s.Everyone() {
		if t := c.Live + c.Video + c.Showcase; t > 0 {
			all = append(all, ChannelSeller{Handle: c.Handle, LiveUSD: c.Live, VideoUSD: c.Video, Has: [3]bool{c.Is(HasLive), c.Is(HasVideo), false}})
		}
	}
	slices.SortStableFunc(all, func(x, y ChannelSeller) int {
		return cmp.Compare(y.LiveUSD+y.VideoUSD+y.ShowcaseUSD, x.LiveUSD+x.VideoUSD+x.ShowcaseUSD)
	})
	for _, top := range []int{1, 10, 100, 5000} {
		a := AnalyzeLive(s, 1, top)
		var got []string
		for _, c := range a.Sellers {
			got = append(got, c.Handle)
		}
		var want []string
		for _, c := range all[:min(top, len(all))] {
			want = append(want, c.Handle)
		}
		if !slices.Equal(got, want) {
			t.Errorf("top %d: %d sellers %v…, want %d %v…", top, len(got), got[:min(3, len(got))], len(want), want[:min(3, len(want))])
		}
	}
}
