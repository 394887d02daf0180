package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// ImportCommand reads a vendor export (CSV or JSON) through a source's
// field mapping and stores it as a snapshot, like a crawl.
type ImportCommand struct {
	m       *Main
	config  string
	source  string
	kind    string
	db, out string
	file    string
	noRep   bool
}

// ParseFlags reads the import flags.
func (c *ImportCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("import", "import FILE --source NAME [--kind KIND] [--config FILE]")
	fs.StringVar(&c.config, "config", "config.yaml", "config file")
	fs.StringVar(&c.source, "source", "", "source whose field mapping reads the file (required)")
	fs.StringVar(&c.kind, "kind", "", "page kind that maps the file's columns (default: the source's only page kind)")
	storeFlags(fs, &c.db, &c.out)
	fs.BoolVar(&c.noRep, "no-report", false, "store the snapshot without writing its report")
	// Flags may come after FILE: gmvscope import export.csv --source x.
	files, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &UsageError{Msg: "import takes exactly one FILE"}
	}
	if c.source == "" {
		return &UsageError{Msg: "import needs --source NAME: the source whose fields map the file's columns"}
	}
	c.file = files[0]
	return nil
}

// Run imports the file.
func (c *ImportCommand) Run(ctx context.Context) error {
	cfg, db, err := loadWithStore(ctx, c.config, c.db, c.out)
	if err != nil {
		return err
	}
	defer db.Close()
	src, err := cfg.Source(c.source)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	kind := c.kind
	if kind == "" {
		if len(src.Pages) != 1 {
			var kinds []string
			for k := range src.Pages {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			return &UsageError{Msg: fmt.Sprintf("source %s has several page kinds (%s): name one with --kind", src.Name, strings.Join(kinds, ", "))}
		}
		for k := range src.Pages {
			kind = k
		}
	}
	ex, ok := src.extractors[kind]
	if !ok {
		return &UsageError{Msg: fmt.Sprintf("source %s has no page kind %q", src.Name, kind)}
	}
	info, err := os.Stat(c.file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	maxImport := int64(1 << 30)
	if src.Limits.ImportMB > 0 {
		maxImport = int64(src.Limits.ImportMB) << 20
	}
	if info.Size() > maxImport {
		return fmt.Errorf("import %s: %d bytes is over the %d-byte cap (limits.import_mb)", c.file, info.Size(), maxImport)
	}
	body, err := os.ReadFile(c.file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	abs, err := filepath.Abs(c.file)
	if err != nil {
		return err
	}
	fileURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)})
	res := ex.Extract(parse.Input{URL: fileURL, Body: body})

	now := c.m.Now()
	runID, err := db.BeginRun(ctx, src.Name, now, nil)
	if err != nil {
		return err
	}
	// The export's own time is its file's modification time: when the
	// vendor produced it, as near as a file can tell.
	page := market.Page{URL: fileURL.String(), Kind: kind, Status: 200, ContentType: contentType(c.file),
		FetchedAt: info.ModTime(), Attempts: 1, Bytes: int64(len(body)), Compressed: crawl.Compress(body)}
	if err := db.CommitBatch(ctx, runID, []market.PageResult{{Page: page, Records: res.Records, Rejects: res.Rejects}}); err != nil {
		db.FinishRun(ctx, runID, market.RunFailed, err.Error(), now, "{}", nil)
		return err
	}
	var as market.Assembler
	for _, r := range res.Records {
		as.Add(r, fileURL.String())
	}
	snap := &market.Draft{Source: cfg.Info(src), Merged: &as}
	snap.Source.StartURLs = []string{fileURL.String()}
	status, reason := market.RunOK, fmt.Sprintf("imported %s", filepath.Base(c.file))
	if len(res.Records) == 0 {
		status, reason, snap = market.RunFailed, "no records in the file: check the source's columns", nil
		if res.Failure != "" {
			reason = "no records in the file: " + res.Failure
		}
	}
	stats, _ := json.Marshal(map[string]int{"records": len(res.Records), "rejects": len(res.Rejects), "invalid_utf8_replaced": res.Repaired})
	snapID, err := db.FinishRun(ctx, runID, status, reason, c.m.Now(), string(stats), snap)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "imported %d records from %s (%d rejects, %d values with invalid UTF-8 or control characters replaced)\n",
		len(res.Records), c.file, len(res.Rejects), res.Repaired)
	if status != market.RunOK {
		return fmt.Errorf("import of %s failed: %s", c.file, reason)
	}
	fmt.Fprintf(c.m.Stdout, "snapshot %d of %s\n", snapID, src.Name)
	if c.noRep {
		return nil
	}
	path, err := c.m.writeReport(ctx, db, cfg.Output, snapID)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	return nil
}

func contentType(name string) string {
	if strings.EqualFold(filepath.Ext(name), ".json") {
		return "application/json"
	}
	return "text/csv"
}
