package pipeline

import (
	"context"
	"fmt"
	"path/filepath"

	"gmvscope/market"
	"gmvscope/report"
)

// Written is a report written for a snapshot.
type Written struct {
	Snapshot int64
	Path     string
	Missing  bool // the snapshot had none: a process died between storing it and writing its report
}

// Report analyses snapshot id once, renders its report into the config's
// output folder, records that it did, and returns the HTML path.
func (p *Pipeline) Report(ctx context.Context, id int64) (string, error) {
	snap, err := p.Store.Snapshot(ctx, id)
	if err != nil {
		return "", err
	}
	a := market.Analyze(*snap, snap.Source.RateUSD, report.Outliers, report.Top)
	path, err := report.Write(snap, a, report.Options{Dir: filepath.Join(p.Config.Output, "reports"), Now: p.Now})
	if err != nil {
		return "", err
	}
	return path, p.Store.MarkReported(ctx, id, p.now())
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
		path, err := p.Report(ctx, id)
		if err != nil {
			return out, fmt.Errorf("write the missing report of snapshot %d: %w", id, err)
		}
		p.log().Info("wrote a missing report", "snapshot", id, "path", path)
		out = append(out, Written{Snapshot: id, Path: path, Missing: true})
	}
	return out, nil
}
