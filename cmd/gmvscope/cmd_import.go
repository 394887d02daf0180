package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gmvscope/market"
	"gmvscope/parse"
	"gmvscope/pipeline"
)

// ImportCommand reads a vendor export (CSV or JSON) through a source's
// field mapping and stores it as a snapshot, like a crawl.
type ImportCommand struct {
	m      *Main
	where  where
	source string
	kind   string
	file   string
	noRep  bool
	asOf   string
	again  bool
}

// ParseFlags reads the import flags.
func (c *ImportCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("import", "import FILE --source NAME [--kind KIND] [--as-of DATE] [--again] [--lang TAG] [--config FILE] [--db FILE] [--out DIR] [--no-report]\n\n"+
		"Read a vendor export (CSV or JSON) through a source's column mapping into a run and snapshot, as a crawl would.\n"+
		"The snapshot is of the export's date: --as-of, else the page kind's as_of (a column or the file name), else the file's time.",
		"gmvscope import kalodata-export.csv --source kalodata")
	c.where.add(fs)
	c.where.addLang(fs)
	fs.StringVar(&c.source, "source", "", "the source `NAME` whose field mapping reads the file (required)")
	fs.StringVar(&c.kind, "kind", "", "the page `KIND` that maps the file's columns (default: the source's only page kind)")
	fs.BoolVar(&c.noRep, "no-report", false, "store the snapshot without writing its report")
	fs.StringVar(&c.asOf, "as-of", "", "the `DATE` the export is of (YYYY-MM-DD), for its snapshot and history")
	fs.BoolVar(&c.again, "again", false, "import a file whose content was imported before, as a new snapshot")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	hint := `Run "gmvscope import --help" for its flags.`
	if len(files) != 1 {
		return &UsageError{Msg: "import takes exactly one FILE", Hint: hint}
	}
	if c.source == "" {
		return &UsageError{Msg: "import needs --source NAME: the source whose fields map the file's columns", Hint: hint}
	}
	c.file = files[0]
	return nil
}

// summary prints what the import read, kept, merged and could not read.
func (c *ImportCommand) summary(res pipeline.ImportResult) {
	w := c.m.Stdout
	fmt.Fprintf(w, "imported %d records from %s (%d rejects, %d values with invalid UTF-8 or control characters replaced)\n",
		res.Records, c.file, res.Rejects, res.Repaired)
	if res.Encoding != "" {
		enc := fmt.Sprintf("encoding: %s (%s)", res.Encoding, res.EncodingHow)
		if res.Undecodable > 0 {
			enc += fmt.Sprintf("; %d bytes are not text in it: kept as \\xHH in keys, so no two names become one", res.Undecodable)
		}
		fmt.Fprintln(w, enc)
	}
	if len(res.Repeats) > 0 {
		same, diff := market.RepeatCounts(res.Repeats)
		line := fmt.Sprintf("repeated rows: %d merged into the row they repeat (%d identical, %d conflicting: the first row's values kept", len(res.Repeats), same, diff)
		var where []string
		for _, r := range res.Repeats {
			if !r.Identical && len(where) < 5 {
				where = append(where, fmt.Sprintf("%s lines %d and %d", r.Key, r.FirstLine, r.Line))
			}
		}
		if len(where) > 0 {
			line += "; " + strings.Join(where, ", ")
		}
		fmt.Fprintln(w, line+")")
	}
	if len(res.Missing) > 0 {
		var parts []string
		for _, f := range slices.Sorted(maps.Keys(res.Missing)) {
			parts = append(parts, fmt.Sprintf("%s %d", f, res.Missing[f]))
		}
		fmt.Fprintf(w, "marked missing (N/A, empty): %s\n", strings.Join(parts, ", "))
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(c.m.Stderr, "gmvscope: warning: %s\n", warn)
	}
	if !res.TakenAt.IsZero() && res.Records > 0 {
		fmt.Fprintf(w, "as of %s (from %s)\n", res.TakenAt.Format("2006-01-02"), res.AsOfFrom)
	}
}

// Run imports the file.
func (c *ImportCommand) Run(ctx context.Context) error {
	cfg, err := c.m.loadConfig(c.where)
	if err != nil {
		return err
	}
	src, err := cfg.Source(c.source)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	kind, err := pipeline.Kind(src, c.kind)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	opts := pipeline.ImportOptions{Kind: kind, Again: c.again}
	if c.asOf != "" {
		if opts.AsOf, err = parse.Date(c.asOf, "2006-01-02", src.Location()); err != nil {
			return &UsageError{Msg: "--as-of: " + err.Error()}
		}
	}
	if !c.noRep {
		if err := checkAssets(); err != nil {
			return err
		}
	}
	p, err := c.m.open(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	res, err := p.Import(ctx, src, c.file, opts)
	if errors.Is(err, pipeline.ErrImported) {
		return err
	}
	c.summary(res)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "snapshot %d of %s\n", res.SnapshotID, src.Name)
	if c.noRep {
		return nil
	}
	path, err := p.Report(ctx, res.SnapshotID)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stdout, "report: %s\n", path)
	return nil
}
