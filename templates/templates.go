// Package templates holds the report's html/template files, its stylesheet
// and the echarts build that reports inline, all embedded in the binary.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
)

//go:embed report.html.tmpl report.css assets
var files embed.FS

// ErrNoEcharts means the pinned echarts build was not fetched before building.
var ErrNoEcharts = errors.New("echarts is not embedded: run `make assets` (npm ci in templates/) and rebuild")

// EchartsVersion is the pinned echarts release (templates/package.json).
const EchartsVersion = "5.6.0"

// Echarts returns the embedded echarts build, made safe to inline in a <script>.
func Echarts() (template.JS, error) {
	b, err := fs.ReadFile(files, "assets/echarts.min.js")
	if err != nil {
		return "", ErrNoEcharts
	}
	return template.JS(strings.ReplaceAll(string(b), "</script", `<\/script`)), nil
}

// CSS returns the report stylesheet.
func CSS() template.CSS {
	b, _ := fs.ReadFile(files, "report.css")
	return template.CSS(b)
}

// Report parses the report template with funcs.
func Report(funcs template.FuncMap) (*template.Template, error) {
	t, err := template.New("report.html.tmpl").Funcs(funcs).ParseFS(files, "report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse report template: %w", err)
	}
	return t, nil
}
