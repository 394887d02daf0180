package main

import (
	"context"
	"fmt"

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
}

// ParseFlags reads the import flags.
func (c *ImportCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("import", "import FILE --source NAME [--kind KIND] [--lang TAG] [--config FILE] [--db FILE] [--out DIR] [--no-report]\n\n"+
		"Read a vendor export (CSV or JSON) through a source's column mapping into a run and snapshot, as a crawl would.",
		"gmvscope import kalodata-export.csv --source kalodata")
	c.where.add(fs)
	c.where.addLang(fs)
	fs.StringVar(&c.source, "source", "", "the source `NAME` whose field mapping reads the file (required)")
	fs.StringVar(&c.kind, "kind", "", "the page `KIND` that maps the file's columns (default: the source's only page kind)")
	fs.BoolVar(&c.noRep, "no-report", false, "store the snapshot without writing its report")
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
	res, err := p.Import(ctx, src, kind, c.file)
	fmt.Fprintf(c.m.Stdout, "imported %d records from %s (%d rejects, %d values with invalid UTF-8 or control characters replaced)\n",
		res.Records, c.file, res.Rejects, res.Repaired)
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
