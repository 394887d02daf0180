package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"gmvscope/market"
	"gmvscope/templates"
)

// Options say where reports go, in which language, and what time it is.
type Options struct {
	Dir  string           // reports folder; each snapshot gets Dir/<snapshot>/
	Now  func() time.Time // the clock; fixed in tests so output is byte-identical
	Lang string           // a language tag (en, ar, ar-AE); "" is English
	// EachCreator, when set, gives every creator of the snapshot in
	// handle order, one at a time, for data.csv: a whole-market snapshot
	// is loaded as standings, without its creators (nil: s.Creators).
	EachCreator func(fn func(*market.Creator) error) error
	// Tee, when set, wrote products.csv and lives.csv as the analysis
	// read them, and data.csv beside it (see NewTee); a file it did not
	// finish is written here.
	Tee *Tee
}

// Outliers and Top bound the report's lists.
const (
	Outliers = 10
	Top      = 20
)

// Write renders the snapshot's report (index.html) and data (data.csv)
// from its analysis (market.Analyze, computed once by the caller) into
// Dir/<snapshot id>/ atomically and returns the HTML path.
//
// Beside it go summary.json (every headline figure at full precision),
// changes.csv (every creator of this snapshot or the one before, when
// there is one), alerts.json (the alerts that fired), and charts/: a page
// per chart to embed in an iframe, the data each chart drew as CSV, and
// the scripts those pages load.
func Write(s *market.Snapshot, a market.Analysis, x Context, o Options) (string, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	l, err := LoadLocale(o.Lang)
	if err != nil {
		return "", err
	}
	now := o.Now()
	dir := filepath.Join(o.Dir, strconv.FormatInt(s.ID, 10))
	if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	// Every creator, product and live session, where the report's tables
	// show the top ones: each CSV goes straight to its file, the three
	// side by side and beside the page's model (a whole market's are read
	// from the store as they are written). The standings are made once
	// before: everything below reads them.
	s.Everyone()
	var g errgroup.Group
	g.Go(func() error {
		if ok, err := o.Tee.placed("data.csv"); ok || err != nil {
			return err
		}
		return writeAtomicFunc(filepath.Join(dir, "data.csv"), func(w io.Writer) error { return WriteCSV(w, s, a, o.EachCreator) })
	})
	if s.ProductCount() > 0 {
		g.Go(func() error {
			if ok, err := o.Tee.placed("products.csv"); ok || err != nil {
				return err
			}
			return writeAtomicFunc(filepath.Join(dir, "products.csv"), func(w io.Writer) error { return WriteProductsCSV(w, s) })
		})
	}
	if s.LiveCount() > 0 {
		g.Go(func() error {
			if ok, err := o.Tee.placed("lives.csv"); ok || err != nil {
				return err
			}
			return writeAtomicFunc(filepath.Join(dir, "lives.csv"), func(w io.Writer) error { return WriteLivesCSV(w, s) })
		})
	}
	if x.Changes != nil { // every creator of either week
		g.Go(func() error {
			return writeAtomicFunc(filepath.Join(dir, "changes.csv"), func(w io.Writer) error { return WriteChanges(w, s, x.Changes) })
		})
	}
	m, err := model(s, a, x, now, l)
	var html []byte
	if err == nil {
		html, err = renderModel(m)
	}
	if werr := g.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return "", err
	}
	files := map[string][]byte{}
	var alerts bytes.Buffer
	if err := WriteAlerts(&alerts, s, x.Alerts); err != nil {
		return "", err
	}
	files["alerts.json"] = alerts.Bytes()
	sum, err := Summarize(s, a, now)
	if err != nil {
		return "", err
	}
	files["summary.json"] = sum
	if err := writeEmbeds(filepath.Join(dir, "charts"), m, files); err != nil {
		return "", err
	}
	for name, b := range files {
		if err := writeAtomic(filepath.Join(dir, name), b); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "index.html")
	if err := writeAtomic(path, html); err != nil {
		return "", err
	}
	return path, nil
}

// Render returns the report HTML in locale l (nil: English). The same
// snapshot, context, clock and locale give the same bytes.
func Render(s *market.Snapshot, a market.Analysis, x Context, now time.Time, l *Locale) ([]byte, error) {
	if l == nil {
		l = English()
	}
	m, err := model(s, a, x, now, l)
	if err != nil {
		return nil, err
	}
	return renderModel(m)
}

// Charts builds the snapshot's charts in locale l, in the report's order:
// the weeks' two charts first when the source has two snapshots or more.
func Charts(s *market.Snapshot, a market.Analysis, x Context, l *Locale) ([]Chart, error) {
	l = measured(l, a)
	period := periodLabel(s.Source.Period, l)
	var builds []func() (Chart, error)
	if a.Creators > 0 {
		builds = append(builds,
			func() (Chart, error) { return scatterChart(s, a, period, l) },
			func() (Chart, error) { return tierChart(s, a, l) },
			func() (Chart, error) { return lorenzChart(s, a, l) })
	}
	if len(a.Live.Points) > 0 {
		builds = append(builds, func() (Chart, error) { return liveChart(s, a.Live, l) })
	}
	if a.Live.Split > 0 {
		builds = append(builds, func() (Chart, error) { return channelsChart(s, a.Live, l) })
	}
	if len(x.History) >= 2 && a.Measure != "views" && a.Creators > 0 {
		builds = append(builds,
			func() (Chart, error) { return historyChart(s, x.History, l) },
			func() (Chart, error) { return seriesChart(s, x.History, x.Series, TopHandles(s, 5), l) })
	}
	var out []Chart
	for _, build := range builds {
		c, err := build()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func model(s *market.Snapshot, a market.Analysis, x Context, now time.Time, l *Locale) (Model, error) {
	l = measured(l, a)
	m := buildModel(s, a, now, l)
	m.Week = buildWeek(s, x, l)
	m.Alerts = alertRows(s, x.Alerts, l)
	var err error
	if m.Echarts, err = templates.Echarts(); err != nil {
		return m, err
	}
	m.EchartsVer = templates.EchartsVersion
	m.CSS = templates.CSS()
	m.ChartsJS = templates.ChartsJS()
	loc, err := json.Marshal(l.JS())
	if err != nil {
		return m, err
	}
	m.LocaleJS = template.JS(loc)
	cs, err := Charts(s, a, x, l)
	if err != nil {
		return m, err
	}
	m.Charts = map[string]Chart{}
	for _, c := range cs {
		m.Charts[c.ID] = c
		m.Order = append(m.Order, c.ID)
	}
	m.HasHistory = len(x.History) >= 2 && !m.Views && !m.NoCreators
	if m.Views || m.NoCreators {
		m.Week = nil // week-over-week movers are by GMV, which this source does not give
	}
	return m, nil
}

// measured is l in the words of what the analysis measures sales by:
// "views" messages for a source without GMV.
func measured(l *Locale, a market.Analysis) *Locale {
	if a.Measure == "views" && l.variant != "views" {
		return l.Variant("views")
	}
	return l
}

// funcs are the templates' functions, in the model's locale.
func funcs(m Model) template.FuncMap {
	l := m.L
	return template.FuncMap{
		"t":    l.HTML,
		"n":    l.Num,
		"int":  func(n int) string { return l.Num(count(n)) },
		"sub":  func(a, b int) int { return a - b },
		"add":  func(a, b int) int { return a + b },
		"id":   l.ID,
		"long": func(s string) bool { return utf8.RuneCountInString(s) > 9 }, // "٥٦٫٣ مليون دولار" takes a smaller type
		"fig": func(f Figure) string {
			if f.Text != "" {
				return f.Text
			}
			return l.Num(f.Value)
		},
		"handle": handleHTML,
		"link": func(href, text string) template.HTML {
			return template.HTML(`<a href="` + html.EscapeString(href) + `">` + html.EscapeString(text) + `</a>`)
		},
		"code": func(s string) template.HTML {
			return template.HTML("<code><bdi>" + html.EscapeString(s) + "</bdi></code>")
		},
		"urlOf": func(u string, link template.URL) template.HTML {
			if link == "" {
				return template.HTML("<bdi>" + html.EscapeString(u) + "</bdi>")
			}
			return template.HTML(`<a href="` + html.EscapeString(string(link)) + `" rel="nofollow noreferrer"><bdi>` + html.EscapeString(u) + `</bdi></a>`)
		},
		"codes": func(us []string) template.HTML {
			var parts []string
			for _, u := range us {
				parts = append(parts, "<code><bdi>"+html.EscapeString(u)+"</bdi></code>")
			}
			return template.HTML(strings.Join(parts, l.T("list_sep")))
		},
		"fileName": func(name string) string { return chartFile(m.Source.Name, m.SnapshotID, name) },
		"embed":    func(c Chart) string { return embedSnippet(c) },
		"csvJSON": func(b []byte) (template.JS, error) {
			j, err := json.Marshal(string(b))
			return template.JS(j), err
		},
	}
}

// handleHTML writes @handle, isolated, as a link when its URL is http(s).
func handleHTML(h string, u template.URL) template.HTML {
	text := "<bdi>@" + html.EscapeString(h) + "</bdi>"
	if u == "" {
		return template.HTML(text)
	}
	return template.HTML(`<a href="` + html.EscapeString(string(u)) + `" rel="nofollow noreferrer">` + text + `</a>`)
}

// chartFile names a chart's downloads: gmvscope-demo-2-scatter.
func chartFile(source string, id int64, name string) string {
	return SafeName("gmvscope-" + source + "-" + strconv.FormatInt(id, 10) + "-" + name)
}

// embedSnippet is the iframe a page pastes to show the chart.
func embedSnippet(c Chart) string {
	return fmt.Sprintf(`<iframe src="charts/%s.html" title="%s" width="100%%" height="%d" style="border:0;width:100%%" loading="lazy"></iframe>`,
		c.Name, html.EscapeString(string(c.meta.PlainTitle)), c.Height+230)
}

func renderModel(m Model) ([]byte, error) {
	t, err := templates.Report(funcs(m))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, m); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

// writeAtomic writes a temp file in the same folder, then renames it.
func writeAtomic(path string, data []byte) error {
	return writeAtomicFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomicFunc writes what fn writes (buffered) to path atomically: a
// reader sees the old file or the whole new one.
func writeAtomicFunc(path string, fn func(io.Writer) error) error {
	tmp, err := writeTemp(path, fn)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeTemp writes what fn writes (buffered) into a new hidden file beside
// path, readable by all, and returns its name for the caller to move into
// place; on an error no file is left.
func writeTemp(path string, fn func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return f.Name(), nil
}

// SafeCell defuses text a spreadsheet would run as a formula (=, +, -, @,
// tab, carriage return) by prefixing a quote, per OWASP's CSV injection advice.
func SafeCell(s string) string {
	if s != "" && formula(s[0]) {
		return "'" + s
	}
	return s
}

// formula reports whether a cell that starts with c is read by a
// spreadsheet as a formula.
func formula(c byte) bool { return strings.IndexByte("=+-@\t\r", c) >= 0 }

// CSVHeader is data.csv's header row.
var CSVHeader = []string{"handle", "display_name", "followers", "followers_raw", "gmv_usd", "gmv_local", "gmv_low", "gmv_high",
	"currency", "gmv_estimate", "gmv_raw", "period", "units", "views", "category", "region", "gmv_per_1k_followers",
	"rank_gmv", "rank_followers", "url", "source", "snapshot", "fetched_from", "fetched_to", "usd_rate", "usd_rate_as_of",
	"rank_source", "gmv_live_usd", "gmv_video_usd", "gmv_showcase_usd", "followers_shown", "gmv_shown", "units_shown", "views_shown"}

// WriteCSV writes one row per creator: exact values, their raw text, and
// where and when they were fetched. each gives the creators in handle
// order (nil: s.Creators).
func WriteCSV(w io.Writer, s *market.Snapshot, a market.Analysis, each func(fn func(*market.Creator) error) error) error {
	if each == nil {
		// In handle order, as the store gives them and as each creator's
		// point is found below.
		order := make([]*market.Creator, len(s.Creators))
		for i := range s.Creators {
			order[i] = &s.Creators[i]
		}
		slices.SortStableFunc(order, func(x, y *market.Creator) int { return strings.Compare(x.Handle, y.Handle) })
		each = func(fn func(*market.Creator) error) error {
			for _, c := range order {
				if err := fn(c); err != nil {
					return err
				}
			}
			return nil
		}
	}
	// The plotted point of Everyone()[i], which is in handle order as
	// the creators come.
	all := s.Everyone()
	pointOf := make([]int32, len(all))
	for i := range pointOf {
		pointOf[i] = -1
	}
	for i, p := range a.Points {
		pointOf[p.At] = int32(i)
	}
	at := 0
	cw, err := startCSV(w, CSVHeader)
	if err != nil {
		return err
	}
	if cw.Flush(); cw.Error() != nil { // the rows go straight to w
		return cw.Error()
	}
	// What every row repeats: where and when the snapshot was read.
	var same csvLine
	same.text(SafeCell(s.Source.Name))
	same.int(int(s.ID))
	same.text(s.FirstFetch.UTC().Format(time.RFC3339))
	same.text(s.LastFetch.UTC().Format(time.RFC3339))
	same.float(s.Source.RateUSD, -1)
	same.text(day(s.Source.RateAsOf))
	var l csvLine
	num := func(v *market.Value) {
		if v == nil {
			l.empty()
			return
		}
		l.float(v.Mid(), -1)
	}
	usd := func(v *market.Value) {
		if v == nil {
			l.empty()
			return
		}
		l.float(market.Major(v.Mid(), v.Currency)*s.Source.RateUSD, 2)
	}
	major := func(n int64, cur string) { l.float(market.Major(float64(n), cur), market.MinorUnits(cur)) }
	var shown []byte
	err = each(func(c *market.Creator) error {
		for at < len(all) && all[at].Handle < c.Handle {
			at++
		}
		point := int32(-1)
		if at < len(all) && all[at].Handle == c.Handle {
			point = pointOf[at]
		}
		l.text(SafeCell(c.Handle))
		l.text(SafeCell(c.DisplayName))
		num(c.Followers)
		if c.Followers != nil {
			l.text(SafeCell(c.Followers.Raw))
		} else {
			l.empty()
		}
		if c.GMV != nil {
			g := *c.GMV
			l.float(c.GMVUSD, 2)
			if g.Estimate {
				l.float(market.Major(g.Mid(), g.Currency), 2)
				major(g.Low, g.Currency)
				major(g.High, g.Currency)
			} else {
				major(g.Num, g.Currency)
				l.empty()
				l.empty()
			}
			l.text(g.Currency)
			l.bool(g.Estimate)
			l.text(SafeCell(g.Raw))
			l.text(g.Period)
		} else {
			for range 8 {
				l.empty()
			}
		}
		num(c.Units)
		num(c.Views)
		l.text(SafeCell(c.Category))
		l.text(SafeCell(c.Region))
		if point >= 0 {
			p := a.Points[point]
			l.float(p.Per1K, 2)
			l.int(p.RankGMV)
			l.int(p.RankFollow)
		} else {
			l.empty()
			l.empty()
			l.empty()
		}
		l.text(SafeCell(c.URL))
		l.cells(&same)
		num(c.Rank)
		usd(c.GMVLive)
		usd(c.GMVVideo)
		usd(c.GMVShowcase)
		for _, f := range [...]string{"followers", "gmv", "units", "views"} {
			shown = market.AppendShownText(shown[:0], c.Shown[f])
			l.safe(shown)
		}
		l.end()
		if len(l.b) < 1<<15 {
			return nil
		}
		_, err := w.Write(l.b)
		l.b = l.b[:0]
		return err
	})
	if err != nil {
		return err
	}
	_, err = w.Write(l.b)
	return err
}

// day writes t as YYYY-MM-DD, and no date (USD's rate of 1) as "".
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// WriteProductsCSV writes one row per product: price and units with their
// raw text, GMV in USD (the source's own, or price × units marked as an
// estimate), and where it was read.
func WriteProductsCSV(w io.Writer, s *market.Snapshot) error {
	return writeRows(w, s.EachProduct, productRows(s))
}

// WriteLivesCSV writes one row per live session.
func WriteLivesCSV(w io.Writer, s *market.Snapshot) error {
	return writeRows(w, s.EachLive, liveRows(s))
}

// tableRows is a CSV's header and how one row of it is made: row appends
// x's cells to l.
type tableRows[T any] struct {
	header []string
	row    func(l *csvLine, x *T)
}

// writeRows writes the header and a row for each item each gives.
func writeRows[T any](w io.Writer, each func(func(*T) error) error, r tableRows[T]) error {
	rw, err := startRows(w, r)
	if err != nil {
		return err
	}
	if err := each(rw.write); err != nil {
		return err
	}
	return rw.flush()
}

// rowWriter writes a table's rows to w, a buffer of them at a time.
type rowWriter[T any] struct {
	w    io.Writer
	rows tableRows[T]
	l    csvLine
}

// startRows writes the byte-order mark and the table's header.
func startRows[T any](w io.Writer, r tableRows[T]) (*rowWriter[T], error) {
	cw, err := startCSV(w, r.header)
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	return &rowWriter[T]{w: w, rows: r}, err
}

func (r *rowWriter[T]) write(x *T) error {
	r.rows.row(&r.l, x)
	r.l.end()
	if len(r.l.b) < 1<<15 {
		return nil
	}
	return r.flush()
}

func (r *rowWriter[T]) flush() error {
	_, err := r.w.Write(r.l.b)
	r.l.b = r.l.b[:0]
	return err
}

// startCSV writes the byte-order mark and the header.
func startCSV(w io.Writer, header []string) (*csv.Writer, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	return cw, cw.Write(header)
}

func productRows(s *market.Snapshot) tableRows[market.Product] {
	source, snap := SafeCell(s.Source.Name), strconv.FormatInt(s.ID, 10)
	return tableRows[market.Product]{
		header: []string{"id", "title", "shop", "price_low", "price_high", "currency", "price_raw", "units", "units_raw",
			"gmv_usd", "gmv_from", "gmv_raw", "url", "creators", "source", "snapshot"},
		row: func(l *csvLine, p *market.Product) {
			l.text(SafeCell(p.ID))
			l.text(SafeCell(p.Title))
			l.text(SafeCell(p.Shop))
			if v := p.Price; v != nil {
				lo, hi := v.Num, v.Num
				if v.Estimate {
					lo, hi = v.Low, v.High
				}
				l.float(market.Major(float64(lo), v.Currency), market.MinorUnits(v.Currency))
				l.float(market.Major(float64(hi), v.Currency), market.MinorUnits(v.Currency))
				l.text(v.Currency)
				l.text(SafeCell(v.Raw))
			} else {
				l.empty()
				l.empty()
				l.empty()
				l.empty()
			}
			if v := p.Units; v != nil {
				l.float(v.Mid(), -1)
				l.text(SafeCell(v.Raw))
			} else {
				l.empty()
				l.empty()
			}
			if g, c, _, ok := p.Revenue(); ok {
				l.float(market.Major(g, c)*s.Source.RateUSD, 2)
				if p.GMV != nil {
					l.text("source")
					l.text(SafeCell(p.GMV.Raw))
				} else {
					l.text("price × units")
					l.empty()
				}
			} else {
				l.empty()
				l.empty()
				l.empty()
			}
			l.text(SafeCell(p.URL))
			l.text(SafeCell(strings.Join(p.Creators, " ")))
			l.text(source)
			l.text(snap)
		},
	}
}

func liveRows(s *market.Snapshot) tableRows[market.Live] {
	source, snap := SafeCell(s.Source.Name), strconv.FormatInt(s.ID, 10)
	return tableRows[market.Live]{
		header: []string{"id", "creator", "start", "title", "duration_s", "viewers", "peak_viewers", "gmv_usd", "gmv_raw", "units",
			"products", "url", "source", "snapshot"},
		row: func(l *csvLine, x *market.Live) {
			num := func(v *market.Value) {
				if v == nil {
					l.empty()
					return
				}
				l.float(v.Mid(), -1)
			}
			l.text(SafeCell(x.ID))
			l.text(SafeCell(x.Creator))
			l.text(SafeCell(x.Start))
			l.text(SafeCell(x.Title))
			num(x.Duration)
			num(x.Viewers)
			num(x.PeakViewers)
			if x.GMV != nil {
				l.float(x.GMVUSD, 2)
				l.text(SafeCell(x.GMV.Raw))
			} else {
				l.empty()
				l.empty()
			}
			num(x.Units)
			l.text(SafeCell(strings.Join(x.Products, " ")))
			l.text(SafeCell(x.URL))
			l.text(source)
			l.text(snap)
		},
	}
}
