package report

import (
	"bytes"
	"fmt"
	"path/filepath"

	"gmvscope/templates"
)

// writeEmbeds writes charts/: one page per chart that works in an iframe
// and follows its size, the data each chart drew (<name>.csv), and the
// two scripts the pages share (echarts.min.js, charts.js), so the folder
// can be copied to a web server as it is. Files that go into the report's
// own folder are added to files.
func writeEmbeds(dir string, m Model, files map[string][]byte) error {
	ech, err := templates.EchartsSource()
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "echarts.min.js"), ech); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "charts.js"), templates.ChartsSource()); err != nil {
		return err
	}
	t, err := templates.Embed(funcs(m))
	if err != nil {
		return err
	}
	for _, id := range m.Order {
		c := m.Charts[id]
		var b bytes.Buffer
		if err := t.Execute(&b, struct {
			M Model
			C Chart
		}{m, c}); err != nil {
			return fmt.Errorf("render the embed page of %s: %w", c.Name, err)
		}
		if err := writeAtomic(filepath.Join(dir, c.Name+".html"), b.Bytes()); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, c.Name+".csv"), c.CSV); err != nil {
			return err
		}
	}
	return nil
}
