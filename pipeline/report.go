package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"gmvscope/market"
	"gmvscope/report"
)

// Written is a report written for a snapshot.
type Written struct {
	Snapshot int64
	Path     string
	Missing  bool // the snapshot had none: a process died between storing it and writing its report
	Alerts   []market.Alert
}

// Movers is how many climbers and fallers a report lists.
const Movers = 10

// Report writes snapshot id's report into the config's output folder:
// the snapshot analysed once, compared with the snapshot before it, the
// source's weeks, and the alerts that fired. It then rewrites the index
// of reports and, for a complete snapshot, latest/<source>/, records that
// the report was written, and returns its HTML path.
func (p *Pipeline) Report(ctx context.Context, id int64) (string, error) {
	w, err := p.report(ctx, id)
	return w.Path, err
}

func (p *Pipeline) report(ctx context.Context, id int64) (Written, error) {
	out := Written{Snapshot: id}
	var st stages
	dir := filepath.Join(p.Config.Output, "reports")
	// products.csv and lives.csv are written as the analysis reads them,
	// data.csv beside it.
	tee := func(snap *market.Snapshot) (*report.Tee, error) { return report.NewTee(dir, snap) }
	snap, a, x, written, err := p.prepare(ctx, id, &st, tee)
	defer st.unlimit()
	defer written.Close()
	if err != nil {
		return out, err
	}
	began := time.Now()
	each := func(fn func(*market.Creator) error) error { return p.Store.StreamCreators(ctx, id, fn) }
	if out.Path, err = report.Write(snap, a, x, report.Options{Dir: dir, Now: p.Now, Lang: p.Config.Lang, EachCreator: each, Tee: written}); err != nil {
		return out, err
	}
	// How long each stage took, for bench/scale (GMVSCOPE_LOG=debug).
	p.log().Debug("report stages", "snapshot", id, "creators", snap.CreatorCount(), "load_ms", st.load.Milliseconds(),
		"analysis_ms", st.analysis.Milliseconds(), "context_ms", st.context.Milliseconds(), "write_ms", time.Since(began).Milliseconds())
	out.Alerts = x.Alerts
	if err := p.Store.MarkReported(ctx, id, p.now()); err != nil {
		return out, err
	}
	return out, p.refreshIndex(ctx, snap.Source.Name)
}

// Prepare loads snapshot id with what its report and charts show: its
// analysis, the comparison with the snapshot before it, the source's
// weeks up to it, and the alerts that fired. The snapshot holds its
// creators' standings, not the creators (Store.EachCreator reads those).
func (p *Pipeline) Prepare(ctx context.Context, id int64) (*market.Snapshot, market.Analysis, report.Context, error) {
	var st stages
	snap, a, x, _, err := p.prepare(ctx, id, &st, nil)
	st.unlimit()
	return snap, a, x, err
}

// stages are the wall times of a report's stages (not the test clock's:
// they are measurements, logged, never written into a report), and the
// memory limit the report runs under.
type stages struct {
	load, analysis, context time.Duration
	restore                 func() // puts back the memory limit from before
}

func (st *stages) unlimit() {
	if st.restore != nil {
		st.restore()
		st.restore = nil
	}
}

// ReportMemory is the soft memory limit a report of a snapshot of n
// creators runs under, in a process that runs one thing at a time
// (Pipeline.OneAtATime) and when GOMEMLIMIT is not set (GOMEMLIMIT=off
// runs it without one): 400 MiB, or 675 bytes per creator when that is
// more (1.8 times what a report holds live per creator, measured at
// 600,000). Go's collector lets the heap grow to twice what is live; near
// this limit it collects sooner instead, so a whole market's report stays
// under 500 MB at little cost in time. It is a soft limit: a report that
// needs more gets it.
func ReportMemory(n int) int64 { return max(400<<20, 675*int64(n)) }

// limitMemory sets ReportMemory(n) as the soft memory limit, unless
// GOMEMLIMIT says what it is (GOMEMLIMIT=off: none) or one is set, and
// returns what puts the old one back.
func limitMemory(n int) func() {
	old := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") != "" || old != math.MaxInt64 {
		return func() {}
	}
	debug.SetMemoryLimit(ReportMemory(n))
	return func() { debug.SetMemoryLimit(old) }
}

// prepare is Prepare, with each stage's time in st; tee, when set, wraps
// the snapshot before the analysis reads it.
func (p *Pipeline) prepare(ctx context.Context, id int64, st *stages, tee func(*market.Snapshot) (*report.Tee, error)) (*market.Snapshot, market.Analysis, report.Context, *report.Tee, error) {
	var x report.Context
	began := time.Now()
	// The week before is loaded beside this one: only its standings,
	// for the comparison.
	type loaded struct {
		snap *market.Snapshot
		err  error
	}
	before := make(chan loaded, 1)
	go func() {
		prevID, ok, err := p.Store.Previous(ctx, id)
		if err != nil || !ok {
			before <- loaded{nil, err}
			return
		}
		prev, err := p.Store.SnapshotStandings(ctx, prevID)
		before <- loaded{prev, err}
	}()
	// Standings, not creators: data.csv reads those one at a time.
	snap, err := p.Store.SnapshotLean(ctx, id)
	prev := <-before
	if err == nil {
		err = prev.err
	}
	if err != nil {
		return nil, market.Analysis{}, x, nil, err
	}
	st.load = time.Since(began)
	if p.OneAtATime {
		st.restore = limitMemory(snap.CreatorCount())
	}
	var written *report.Tee
	var ranked func([]market.Point)
	if tee != nil {
		if written, err = tee(snap); err != nil {
			return nil, market.Analysis{}, x, nil, err
		}
		// data.csv is written beside the rest of the analysis, from the
		// moment the points are ranked.
		ranked = func(points []market.Point) {
			written.StartData(snap, points, func(fn func(*market.Creator) error) error { return p.Store.StreamCreators(ctx, id, fn) })
		}
	}
	// The analysis, and the comparison with the week before and the
	// alerts, side by side: neither reads the other's results.
	snap.Everyone() // made once, before both read it
	began = time.Now()
	var a market.Analysis
	analysed := make(chan error, 1)
	go func() {
		var err error
		a, err = market.AnalyzeAll(*snap, snap.Source.RateUSD, report.Outliers, report.Top, ranked)
		st.analysis = time.Since(began)
		analysed <- err
	}()
	err = p.reportContext(ctx, id, snap, prev.snap, &x)
	st.context = time.Since(began)
	if aerr := <-analysed; err == nil {
		err = aerr
	}
	if err != nil {
		return nil, a, x, written, err
	}
	return snap, a, x, written, nil
}

// reportContext fills x with what a report shows beside snap's own analysis:
// the source's weeks, the comparison with prev (the snapshot before; nil:
// none), and the alerts that fired.
func (p *Pipeline) reportContext(ctx context.Context, id int64, snap, prev *market.Snapshot, x *report.Context) error {
	var err error
	if x.History, err = p.Store.History(ctx, snap.Source.Name); err != nil {
		return err
	}
	if prev != nil {
		var info market.Summary
		for _, h := range x.History {
			if h.ID == prev.ID {
				info = h
			}
		}
		ch := market.Compare(prev, snap, info, Movers)
		x.Changes = &ch
	}
	// The weeks up to this snapshot, by the date the data is of: a report
	// of week 3 does not show week 5, even when week 5 was stored first.
	for i, h := range x.History {
		if h.ID == id {
			x.History = x.History[:i+1]
			break
		}
	}
	if len(x.History) >= 2 {
		if x.Series, err = p.Store.Series(ctx, snap.Source.Name, report.TopHandles(snap, 5)); err != nil {
			return err
		}
	}
	x.Alerts, err = p.alerts(snap, x.Changes)
	return err
}

// refreshIndex rewrites the index of reports, and latest/<source>/ from
// the source's newest complete snapshot.
func (p *Pipeline) refreshIndex(ctx context.Context, source string) error {
	dir := filepath.Join(p.Config.Output, "reports")
	all, err := p.Store.History(ctx, "")
	if err != nil {
		return err
	}
	if _, err := report.WriteIndex(dir, all, p.now(), p.Config.Lang); err != nil {
		return err
	}
	latest, ok, err := p.Store.LatestComplete(ctx, source, true)
	if err != nil || !ok {
		return err
	}
	if _, err := report.Latest(dir, source, latest); err != nil {
		return fmt.Errorf("latest report of %s: %w", source, err)
	}
	return nil
}

// alerts evaluates the config's rules over every creator's facts.
func (p *Pipeline) alerts(s *market.Snapshot, ch *market.Changes) ([]market.Alert, error) {
	rules := p.Config.Alerts.Rules
	if len(rules) == 0 {
		return nil, nil
	}
	var out []market.Alert
	var ferr error
	market.EachFact(s, ch, func(f *market.Facts) {
		for i := range rules {
			if ferr != nil {
				return
			}
			r := &rules[i]
			fired, err := r.Fires(*f)
			if err != nil {
				ferr = err
				return
			}
			if !fired {
				continue
			}
			vals := map[string]any{}
			for _, name := range r.Uses() {
				vals[name] = f.Value(name)
			}
			out = append(out, market.Alert{Rule: r.Name, Source: f.Source, Handle: f.Handle, Status: f.Status, Values: vals})
		}
	})
	if ferr != nil {
		return nil, ferr
	}
	return out, nil
}

// MissingReports writes the report of every snapshot of the sources (all
// when none is named) that has none, oldest first.
func (p *Pipeline) MissingReports(ctx context.Context, sources ...string) ([]Written, error) {
	ids, err := p.Store.Unreported(ctx, sources...)
	if err != nil {
		return nil, err
	}
	var out []Written
	for _, id := range ids {
		w, err := p.report(ctx, id)
		if err != nil {
			return out, fmt.Errorf("write the missing report of snapshot %d: %w", id, err)
		}
		w.Missing = true
		p.log().Info("wrote a missing report", "snapshot", id, "path", w.Path)
		out = append(out, w)
	}
	return out, nil
}

// RefreshIndex rewrites the index of reports and every source's latest/.
func (p *Pipeline) RefreshIndex(ctx context.Context) error {
	for _, name := range p.Config.Names() {
		if err := p.refreshIndex(ctx, name); err != nil {
			return err
		}
	}
	if len(p.Config.Sources) == 0 {
		return p.refreshIndex(ctx, "")
	}
	return nil
}
