package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gmvscope/market"
	"gmvscope/templates"
)

// Options say where reports go and what time it is.
type Options struct {
	Dir string           // reports folder; each snapshot gets Dir/<snapshot>/
	Now func() time.Time // the clock; fixed in tests so output is byte-identical
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
// Beside it go changes.csv (every creator of this snapshot or the one
// before, when there is one) and alerts.json (the alerts that fired).
func Write(s *market.Snapshot, a market.Analysis, x Context, o Options) (string, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	html, err := Render(s, a, x, o.Now())
	if err != nil {
		return "", err
	}
	dir := filepath.Join(o.Dir, strconv.FormatInt(s.ID, 10))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	var data bytes.Buffer
	if err := WriteCSV(&data, s, a); err != nil {
		return "", err
	}
	if err := writeAtomic(filepath.Join(dir, "data.csv"), data.Bytes()); err != nil {
		return "", err
	}
	if x.Changes != nil {
		var changes bytes.Buffer
		if err := WriteChanges(&changes, s, x.Changes); err != nil {
			return "", err
		}
		if err := writeAtomic(filepath.Join(dir, "changes.csv"), changes.Bytes()); err != nil {
			return "", err
		}
	}
	var alerts bytes.Buffer
	if err := WriteAlerts(&alerts, s, x.Alerts); err != nil {
		return "", err
	}
	if err := writeAtomic(filepath.Join(dir, "alerts.json"), alerts.Bytes()); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "index.html")
	if err := writeAtomic(path, html); err != nil {
		return "", err
	}
	return path, nil
}

// Render returns the report HTML. The same snapshot, context and clock
// give the same bytes.
func Render(s *market.Snapshot, a market.Analysis, x Context, now time.Time) ([]byte, error) {
	m := buildModel(s, a, now)
	m.Week = buildWeek(s, x)
	m.Alerts = alertRows(s, x.Alerts)
	var err error
	if m.Echarts, err = templates.Echarts(); err != nil {
		return nil, err
	}
	m.EchartsVer = templates.EchartsVersion
	m.CSS = templates.CSS()
	m.Charts = map[string]Chart{}
	for _, build := range []func() (Chart, error){
		func() (Chart, error) { return scatterChart(s, a, m.Period) },
		func() (Chart, error) { return tierChart(s, a) },
		func() (Chart, error) { return lorenzChart(s, a) },
	} {
		c, err := build()
		if err != nil {
			return nil, err
		}
		m.Charts[c.ID] = c
	}
	if len(x.History) >= 2 {
		c, err := historyChart(s, x.History)
		if err != nil {
			return nil, err
		}
		m.Charts[c.ID] = c
		if c, err = seriesChart(s, x.History, x.Series, TopHandles(s, 5)); err != nil {
			return nil, err
		}
		m.Charts[c.ID] = c
		m.HasHistory = true
	}
	t, err := templates.Report(template.FuncMap{"int": Int})
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
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// SafeCell defuses text a spreadsheet would run as a formula (=, +, -, @,
// tab, carriage return) by prefixing a quote, per OWASP's CSV injection advice.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVHeader is data.csv's header row.
var CSVHeader = []string{"handle", "display_name", "followers", "followers_raw", "gmv_usd", "gmv_local", "gmv_low", "gmv_high",
	"currency", "gmv_estimate", "gmv_raw", "period", "units", "views", "category", "region", "gmv_per_1k_followers",
	"rank_gmv", "rank_followers", "url", "source", "snapshot", "fetched_from", "fetched_to", "usd_rate", "usd_rate_as_of"}

// WriteCSV writes one row per creator: exact values, their raw text, and
// where and when they were fetched.
func WriteCSV(w *bytes.Buffer, s *market.Snapshot, a market.Analysis) error {
	ranks := map[string]market.Point{}
	for _, p := range a.Points {
		ranks[p.Handle] = p
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	num := func(v *market.Value, f func(market.Value) string) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	mid := func(v market.Value) string { return strconv.FormatFloat(v.Mid(), 'f', -1, 64) }
	major := func(n int64, cur string) string {
		return strconv.FormatFloat(market.Major(float64(n), cur), 'f', market.MinorUnits(cur), 64)
	}
	for _, c := range s.Creators {
		row := make([]string, 0, len(CSVHeader))
		row = append(row, SafeCell(c.Handle), SafeCell(c.DisplayName),
			num(c.Followers, mid), num(c.Followers, func(v market.Value) string { return SafeCell(v.Raw) }))
		if c.GMV != nil {
			g := *c.GMV
			local, lo, hi := "", "", ""
			if g.Estimate {
				lo, hi = major(g.Low, g.Currency), major(g.High, g.Currency)
				local = strconv.FormatFloat(market.Major(g.Mid(), g.Currency), 'f', 2, 64)
			} else {
				local = major(g.Num, g.Currency)
			}
			row = append(row, strconv.FormatFloat(c.GMVUSD, 'f', 2, 64), local, lo, hi, g.Currency,
				strconv.FormatBool(g.Estimate), SafeCell(g.Raw), g.Period)
		} else {
			row = append(row, "", "", "", "", "", "", "", "")
		}
		row = append(row, num(c.Units, mid), num(c.Views, mid), SafeCell(c.Category), SafeCell(c.Region))
		if p, ok := ranks[c.Handle]; ok {
			row = append(row, strconv.FormatFloat(p.Per1K, 'f', 2, 64), strconv.Itoa(p.RankGMV), strconv.Itoa(p.RankFollow))
		} else {
			row = append(row, "", "", "")
		}
		row = append(row, SafeCell(c.URL), SafeCell(s.Source.Name), strconv.FormatInt(s.ID, 10),
			s.FirstFetch.UTC().Format(time.RFC3339), s.LastFetch.UTC().Format(time.RFC3339),
			strconv.FormatFloat(s.Source.RateUSD, 'f', -1, 64), s.Source.RateAsOf.Format("2006-01-02"))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
