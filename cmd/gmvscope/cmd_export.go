package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gmvscope/report"
)

// ExportCommand writes a snapshot's charts as PNG, SVG and CSV.
type ExportCommand struct {
	m        *Main
	where    where
	snapshot int64
	source   string
	charts   listFlag
	formats  string
	size     string
}

// listFlag is a repeatable flag that also takes comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// ParseFlags reads the export flags.
func (c *ExportCommand) ParseFlags(args []string) error {
	var sizes []string
	for _, s := range report.Sizes {
		sizes = append(sizes, fmt.Sprintf("%s %d×%d", s.Name, s.W, s.H))
	}
	fs := c.m.newFlags("export", "export [--snapshot ID | --source NAME] [--chart NAME]... [--format png,svg,csv] [--size WxH|PRESET] [--lang TAG] [--config FILE] [--db FILE] [--out DIR]\n\n"+
		"Write a snapshot's charts (every one, or those named) as PNG, SVG and the CSV of the data each drew,\n"+
		"with title, subtitle, notes, source and date inside every image, into OUT/exports/<snapshot>/.\n"+
		"SVG is drawn without a browser; PNG needs headless Chromium (or GMVSCOPE_CHROMIUM).\n"+
		"Charts: "+strings.Join(report.ChartNames, ", ")+" (history and top-sellers from the second snapshot of a source).\n"+
		"Sizes: "+strings.Join(sizes, ", ")+" (PNGs are twice that in pixels).",
		"gmvscope export --source demo --chart scatter --size wide\ngmvscope export --format svg,csv --lang ar")
	c.where.add(fs)
	c.where.addLang(fs)
	fs.Int64Var(&c.snapshot, "snapshot", 0, "the snapshot `ID` (default: the newest complete snapshot of --source, or of the source of the newest snapshot)")
	fs.StringVar(&c.source, "source", "", "export the newest complete snapshot of source `NAME`")
	fs.Var(&c.charts, "chart", "export only the chart `NAME` (repeat or separate with commas)")
	fs.StringVar(&c.formats, "format", "png,svg,csv", "the `FORMATS` to write, comma-separated")
	fs.StringVar(&c.size, "size", report.DefaultSize.Name, "the image `SIZE`: WIDTHxHEIGHT or a preset")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return fs.noArgs(pos)
}

// Run exports the charts and prints each file written.
func (c *ExportCommand) Run(ctx context.Context) error {
	hint := `Run "gmvscope export --help" for the charts, formats and sizes.`
	size, err := report.ParseSize(c.size)
	if err != nil {
		return &UsageError{Msg: "--size: " + err.Error(), Hint: hint}
	}
	var formats []string
	for _, f := range strings.Split(c.formats, ",") {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			formats = append(formats, f)
		}
	}
	if err := report.CheckExport(c.charts, formats); err != nil {
		return &UsageError{Msg: err.Error(), Hint: hint}
	}
	cfg, p, err := c.m.openStored(ctx, c.where, c.source)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	id := c.snapshot
	if id == 0 {
		source := c.source
		if source == "" {
			// The source of the newest snapshot, whichever it is.
			newest, err := p.Store.LatestSnapshot(ctx, "")
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("no snapshot in %s yet (run gmvscope run or demo first)", cfg.Store)
			} else if err != nil {
				return err
			}
			if source, err = p.Store.SourceOf(ctx, newest); err != nil {
				return err
			}
		}
		var ok bool
		if id, ok, err = p.Store.LatestComplete(ctx, source, false); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("no complete snapshot of %s in %s yet (run gmvscope run or demo first, or name a partial one with --snapshot)", source, cfg.Store)
		}
	}
	snap, a, x, err := p.Prepare(ctx, id)
	if err != nil {
		return err
	}
	chromium := ""
	for _, f := range formats {
		if f == "png" {
			if chromium, err = report.FindChromium(c.m.getenv); err != nil && !errors.Is(err, report.ErrNoChromium) {
				return err
			}
		}
	}
	dir := filepath.Join(cfg.Output, "exports", strconv.FormatInt(id, 10))
	files, err := report.Export(ctx, snap, a, x, report.ExportOptions{Dir: dir, Charts: c.charts, Formats: formats,
		Size: size, Lang: cfg.Lang, Chromium: chromium})
	for _, f := range files {
		fmt.Fprintf(c.m.Stdout, "wrote %s\n", f)
	}
	if errors.Is(err, report.ErrNoChromium) {
		if len(files) > 0 {
			return fmt.Errorf("%w; the %d other files were written to %s", err, len(files), dir)
		}
		return err
	}
	var choice *report.ChoiceError
	if errors.As(err, &choice) {
		return &UsageError{Msg: err.Error(), Hint: hint}
	}
	return err
}
