package demo

import (
	"fmt"
	"html"
	"math"
	"net/http"
	"time"
)

// LiveShare is the share of a week's selling creators who went live in
// its 28 days.
const LiveShare = 0.2

// Live is the ground truth about one sample live-shopping session.
type Live struct {
	ID       string    `json:"id"`
	Creator  string    `json:"creator"` // the host's canonical handle
	Title    string    `json:"title"`
	Start    time.Time `json:"start"`
	Seconds  int64     `json:"duration_s"`
	Viewers  int64     `json:"viewers"`
	Peak     int64     `json:"peak_viewers"`
	GMVCents int64     `json:"gmv_cents"`
	Units    int64     `json:"units"`
	Products []string  `json:"products"`
}

// WeekEnd is the day a week's 28-day window ends: week 1 ends on
// 2026-11-02, each later week seven days after.
func WeekEnd(week int) time.Time {
	return time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*(max(week, 1)-1))
}

// addLives gives about LiveShare of the selling creators one or two live
// sessions in the week's window, and splits every creator's GMV by
// channel: live (the sum of their sessions), video, and the product
// showcase. Each creator's draw is its own, so the rest of the market is
// as it was without lives.
func (m *Market) addLives() {
	end := WeekEnd(m.Week)
	for i := range m.Creators {
		c := &m.Creators[i]
		c.Lives = nil
		if c.GMVCents == 0 {
			c.LiveCents, c.VideoCents, c.ShowcaseCents = 0, 0, 0
			continue
		}
		r := m.weekRand(c.Handle, 1000+m.Week)
		live := int64(0)
		if r.Float64() < LiveShare {
			k := 1 + r.IntN(2)
			live = int64(math.Round(float64(c.GMVCents) * (0.3 + 0.6*r.Float64())))
			left := live
			for j := range k {
				g := left
				if j < k-1 {
					g = live * int64(35+r.IntN(30)) / 100
				}
				left -= g
				l := Live{
					ID:       fmt.Sprintf("lv%d-%s-%d", m.Week, c.Handle, j+1),
					Creator:  c.Handle,
					Title:    fmt.Sprintf("%s live #%d", c.DisplayName, j+1),
					Start:    end.AddDate(0, 0, -1-r.IntN(27)).Add(time.Duration(10+r.IntN(12)) * time.Hour).Add(time.Duration(r.IntN(4)*15) * time.Minute),
					Seconds:  int64(2+r.IntN(15)) * 900,
					GMVCents: g,
				}
				// Viewers follow sales loosely: a dollar per viewer, give or
				// take a factor of three either way.
				l.Viewers = max(1, int64(float64(g)/100*math.Exp(0.6*r.NormFloat64())))
				l.Peak = max(1, l.Viewers/int64(6+r.IntN(14)))
				l.Units = g / int64(800+r.IntN(4000))
				for n, p := range c.ProductIDs {
					if n == 0 || r.IntN(2) == 0 {
						l.Products = append(l.Products, p)
					}
				}
				c.Lives = append(c.Lives, l.ID)
				m.byLive[l.ID] = len(m.Lives)
				m.Lives = append(m.Lives, l)
			}
		}
		c.LiveCents = live
		c.VideoCents = (c.GMVCents - live) * 8 / 10
		c.ShowcaseCents = c.GMVCents - live - c.VideoCents
	}
}

// Live returns the session with id.
func (m *Market) Live(id string) (Live, bool) {
	i, ok := m.byLive[id]
	if !ok {
		return Live{}, false
	}
	return m.Lives[i], true
}

// hm writes a length as live pages do: "2h 30m", "45m", "4h".
func hm(secs int64) string {
	h, mins := secs/3600, secs%3600/60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", mins)
	case mins == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh %02dm", h, mins)
}

func (m *Market) live(w http.ResponseWriter, r *http.Request) {
	l, ok := m.Live(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	b := head(w, l.Title)
	fmt.Fprintf(b, "<main class=\"live\" data-id=\"%s\">\n<h1 class=\"title\">%s</h1>\n<p>Hosted by <a class=\"host\" href=\"/creator/%s\">@%s</a></p>\n<dl class=\"stats\">\n",
		l.ID, html.EscapeString(l.Title), l.Creator, l.Creator)
	fmt.Fprintf(b, "<dt>Started</dt><dd class=\"start\"><time datetime=\"%s\">%s</time></dd>\n", l.Start.Format(time.RFC3339), l.Start.Format("2 Jan 2006, 15:04 UTC"))
	fmt.Fprintf(b, "<dt>Length</dt><dd class=\"length\">%s</dd>\n<dt>Viewers</dt><dd class=\"viewers\">%s</dd>\n<dt>Peak viewers</dt><dd class=\"peak\">%s</dd>\n",
		hm(l.Seconds), commas(l.Viewers), commas(l.Peak))
	fmt.Fprintf(b, "<dt>GMV</dt><dd class=\"gmv\">$%s.%02d</dd>\n<dt>Items sold</dt><dd class=\"units\">%s</dd>\n</dl>\n<ul class=\"products\">\n",
		commas(l.GMVCents/100), l.GMVCents%100, commas(l.Units))
	for _, p := range l.Products {
		fmt.Fprintf(b, "<li><a href=\"/product/%s\">%s</a></li>\n", p, html.EscapeString(m.Products[m.byProduct[p]].Title))
	}
	b.WriteString("</ul>\n</main>\n</body></html>\n")
	send(w, r, b.String())
}
