package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gmvscope/market"
	"gmvscope/report"
)

// TestReportCSVsWrittenWithAnalysis: a report writes products.csv and
// lives.csv as its analysis reads the products and sessions from the
// store, once, and data.csv beside the analysis; the files equal what the
// snapshot gives when each is written on its own, and no temporary file
// is left beside them.
func TestReportCSVsWrittenWithAnalysis(t *testing.T) {
	d := sharedDemo(t)
	dir := filepath.Dir(d.report)
	if len(d.snap.Products) == 0 || len(d.snap.Lives) == 0 {
		t.Fatalf("the sample market has %d products and %d sessions", len(d.snap.Products), len(d.snap.Lives))
	}
	data := func(w io.Writer, s *market.Snapshot) error {
		return report.WriteCSV(w, s, market.Analyze(*s, s.Source.RateUSD, report.Outliers, report.Top), nil)
	}
	for name, write := range map[string]func(io.Writer, *market.Snapshot) error{
		"products.csv": report.WriteProductsCSV, "lives.csv": report.WriteLivesCSV, "data.csv": data} {
		var want bytes.Buffer
		if err := write(&want, d.snap); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(dir, name)); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: %d bytes, want %d:\n%.400s", name, len(got), want.Len(), got)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
