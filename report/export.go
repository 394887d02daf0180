package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gmvscope/internal/suggest"
	"gmvscope/market"
)

// Size is an exported image's size in CSS pixels; PNGs are twice that.
type Size struct {
	Name string
	W, H int
}

// Sizes are the presets of gmvscope export --size, the default first.
var Sizes = []Size{
	{"article", 800, 500},  // an article's column; the default, and the page's download buttons
	{"wide", 1200, 675},    // 16:9, slides and video
	{"card", 1200, 628},    // link previews (Open Graph, X, LinkedIn)
	{"square", 1080, 1080}, // square social posts
}

// DefaultSize is the size of exports and of the report's download buttons.
var DefaultSize = Sizes[0]

// Formats are the export formats, in the order they are written.
var Formats = []string{"csv", "svg", "png"}

// ParseSize reads a preset name or WxH (320 to 4000 pixels a side).
func ParseSize(s string) (Size, error) {
	var names []string
	for _, p := range Sizes {
		if strings.EqualFold(s, p.Name) {
			return p, nil
		}
		names = append(names, p.Name)
	}
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil {
		return Size{}, &ChoiceError{fmt.Sprintf("size %q: want WIDTHxHEIGHT in pixels such as 1200x675, or a preset: %s%s", s, presetList(), suggest.Hint(s, names))}
	}
	if w < 320 || h < 240 || w > 4000 || h > 4000 {
		return Size{}, &ChoiceError{fmt.Sprintf("size %q: width from 320 and height from 240, both at most 4000 pixels", s)}
	}
	return Size{Name: fmt.Sprintf("%dx%d", w, h), W: w, H: h}, nil
}

func presetList() string {
	var parts []string
	for _, p := range Sizes {
		parts = append(parts, fmt.Sprintf("%s (%d×%d)", p.Name, p.W, p.H))
	}
	return strings.Join(parts, ", ")
}

// ChoiceError is a chart or format that cannot be exported: a command
// line mistake.
type ChoiceError struct{ Msg string }

func (e *ChoiceError) Error() string { return e.Msg }

// CheckExport says whether the chart names and formats are ones gmvscope
// exports, naming the closest when not.
func CheckExport(charts, formats []string) error {
	for _, f := range formats {
		if !slices.Contains(Formats, f) {
			return &ChoiceError{fmt.Sprintf("format %q: gmvscope exports %s%s", f, strings.Join(Formats, ", "), suggest.Hint(f, Formats))}
		}
	}
	for _, c := range charts {
		if !slices.Contains(ChartNames, c) {
			return &ChoiceError{fmt.Sprintf("chart %q: the charts are %s%s", c, strings.Join(ChartNames, ", "), suggest.Hint(c, ChartNames))}
		}
	}
	return nil
}

// ExportOptions say what gmvscope export writes.
type ExportOptions struct {
	Dir      string   // the snapshot's export folder
	Charts   []string // chart names (ChartNames); none: every chart the snapshot has
	Formats  []string // of Formats; none: all
	Size     Size
	Lang     string
	Chromium string // the browser for PNGs; "" with png asked for: CSV and SVG are written, then ErrNoChromium
}

// Export writes the snapshot's charts as CSV (the data each drew), SVG
// (drawn by echarts in goja, no browser) and PNG (that SVG drawn by
// headless Chromium at twice its size) into o.Dir, and returns the files
// it wrote. Every image carries its title, subtitle, notes, source line
// and snapshot date.
func Export(ctx context.Context, s *market.Snapshot, a market.Analysis, x Context, o ExportOptions) ([]string, error) {
	l, err := LoadLocale(o.Lang)
	if err != nil {
		return nil, err
	}
	if o.Size.W == 0 {
		o.Size = DefaultSize
	}
	formats := o.Formats
	if len(formats) == 0 {
		formats = Formats
	}
	if err := CheckExport(o.Charts, formats); err != nil {
		return nil, err
	}
	all, err := Charts(s, a, x, l)
	if err != nil {
		return nil, err
	}
	var have []string
	for _, c := range all {
		have = append(have, c.Name)
	}
	var charts []Chart
	for _, name := range o.Charts {
		if !slices.Contains(have, name) {
			return nil, &ChoiceError{fmt.Sprintf("chart %q: snapshot %d has no %s chart yet (it needs two snapshots of the source); it has %s", name, s.ID, name, strings.Join(have, ", "))}
		}
	}
	for _, c := range all {
		if len(o.Charts) == 0 || slices.Contains(o.Charts, c.Name) {
			charts = append(charts, c)
		}
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	suffix := ""
	if l.Lang != "en" {
		suffix = "." + SafeName(l.Tag.String())
	}
	want := func(f string) bool { return slices.Contains(formats, f) }
	var written []string
	write := func(name string, b []byte) error {
		p := filepath.Join(o.Dir, name)
		if err := writeAtomic(p, b); err != nil {
			return err
		}
		written = append(written, p)
		return nil
	}
	base := func(c Chart) string { return fmt.Sprintf("%s-%dx%d%s", c.Name, o.Size.W, o.Size.H, suffix) }
	if want("csv") {
		for _, c := range charts {
			if err := write(c.Name+suffix+".csv", c.CSV); err != nil {
				return written, err
			}
		}
	}
	if !want("svg") && !want("png") {
		return written, nil
	}
	r, err := NewSVGRenderer()
	if err != nil {
		return written, err
	}
	svgs := make([]string, len(charts))
	for i, c := range charts {
		if svgs[i], err = r.Render(c, o.Size.W, o.Size.H, l); err != nil {
			return written, err
		}
		if want("svg") {
			if err := write(base(c)+".svg", []byte(svgs[i])); err != nil {
				return written, err
			}
		}
	}
	if !want("png") {
		return written, nil
	}
	if o.Chromium == "" {
		return written, ErrNoChromium
	}
	p, err := NewPNGRenderer(ctx, o.Chromium)
	if err != nil {
		return written, err
	}
	defer p.Close()
	for i, c := range charts {
		png, err := p.Render(svgs[i], o.Size.W, o.Size.H)
		if err != nil {
			return written, err
		}
		if err := write(base(c)+".png", png); err != nil {
			return written, err
		}
	}
	return written, nil
}
