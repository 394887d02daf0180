// Package templates holds the report's html/template files, its stylesheet,
// the charts' own JavaScript (charts.js), one message file per language
// (lang/*.yaml) and the echarts build that reports inline, all embedded in
// the binary.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed report.html.tmpl chart.html.tmpl report.css charts.js assets lang
var files embed.FS

// ErrNoEcharts means the pinned echarts build was not fetched before building.
var ErrNoEcharts = errors.New("echarts is not embedded: run `make assets` (npm ci in templates/) and rebuild")

// EchartsVersion is the pinned echarts release (templates/package.json).
const EchartsVersion = "5.6.0"

// EchartsSource returns the embedded echarts build as it is.
func EchartsSource() ([]byte, error) {
	b, err := fs.ReadFile(files, "assets/echarts.min.js")
	if err != nil {
		return nil, ErrNoEcharts
	}
	return b, nil
}

// Echarts returns the embedded echarts build, made safe to inline in a <script>.
func Echarts() (template.JS, error) {
	b, err := EchartsSource()
	if err != nil {
		return "", err
	}
	return template.JS(strings.ReplaceAll(string(b), "</script", `<\/script`)), nil
}

// ChartsSource returns charts.js, gmvscope's own chart code.
func ChartsSource() []byte {
	b, _ := fs.ReadFile(files, "charts.js")
	return b
}

// ChartsJS returns charts.js, safe to inline.
func ChartsJS() template.JS {
	return template.JS(strings.ReplaceAll(string(ChartsSource()), "</script", `<\/script`))
}

// CSS returns the report stylesheet.
func CSS() template.CSS {
	b, _ := fs.ReadFile(files, "report.css")
	return template.CSS(b)
}

// Report parses the report template with funcs.
func Report(funcs template.FuncMap) (*template.Template, error) {
	return parse("report.html.tmpl", funcs)
}

// Embed parses the per-chart embed page's template with funcs.
func Embed(funcs template.FuncMap) (*template.Template, error) {
	return parse("chart.html.tmpl", funcs)
}

func parse(name string, funcs template.FuncMap) (*template.Template, error) {
	t, err := template.New(name).Funcs(funcs).ParseFS(files, name)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return t, nil
}

// Langs returns the languages that have a message file, sorted: en, ar, ...
func Langs() []string {
	entries, _ := fs.ReadDir(files, "lang")
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Lang returns the message file of a language.
func Lang(code string) ([]byte, error) {
	b, err := fs.ReadFile(files, path.Join("lang", code+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no message file for language %q", code)
	}
	return b, nil
}
