package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gmvscope/market"
	"gmvscope/templates"
)

// indexRow is one snapshot in the index of reports.
type indexRow struct {
	ID                         int64
	Source, Date, Status, Href string
	Creators, GMV              Num
	Partial, Sample, HasReport bool
}

// WriteIndex writes Dir/index.html: every snapshot, newest first, with
// its date, source, status and headline figures, linked to its report.
func WriteIndex(dir string, all []market.Summary, now time.Time, lang string) (string, error) {
	l, err := LoadLocale(lang)
	if err != nil {
		return "", err
	}
	var rows []indexRow
	for i := len(all) - 1; i >= 0; i-- {
		m := all[i]
		r := indexRow{ID: m.ID, Source: m.Source, Date: l.DateTime(m.TakenAt), Status: string(m.Status),
			Creators: count(m.Creators), GMV: usd(m.TotalGMVUSD), Partial: m.Status == market.RunPartial, Sample: m.Sample,
			Href: strconv.FormatInt(m.ID, 10) + "/index.html"}
		_, err := os.Stat(filepath.Join(dir, strconv.FormatInt(m.ID, 10), "index.html"))
		r.HasReport = err == nil
		rows = append(rows, r)
	}
	t, err := template.New("index").Funcs(template.FuncMap{"t": l.HTML, "n": l.Num}).Parse(indexTmpl)
	if err != nil {
		return "", err
	}
	dirAttr := "ltr"
	if l.RTL {
		dirAttr = "rtl"
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, struct {
		Rows      []indexRow
		Generated string
		CSS       template.CSS
		Lang, Dir string
	}{rows, l.DateTime(now), templates.CSS(), l.Tag.String(), dirAttr}); err != nil {
		return "", fmt.Errorf("render the index of reports: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write the index of reports: %w", err)
	}
	path := filepath.Join(dir, "index.html")
	return path, writeAtomic(path, buf.Bytes())
}

const indexTmpl = `<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="gmvscope">
<title>{{t "index.title"}}</title><style>{{.CSS}}</style></head>
<body>
<header><p class="kicker">gmvscope</p><h1>{{t "index.h1"}}</h1>
<p class="lede">{{t "index.lede" "date" .Generated}}</p></header>
<main><div class="table-wrap" role="region" tabindex="0"><table>
<thead><tr><th>{{t "index.snapshot"}}</th><th>{{t "index.source"}}</th><th>{{t "index.taken"}}</th><th>{{t "index.status"}}</th><th class="n">{{t "col.creators"}}</th><th class="n">{{t "index.total_gmv"}}</th></tr></thead>
<tbody>{{range .Rows}}<tr{{if .Partial}} class="bad"{{end}}><td>{{if .HasReport}}<a href="{{.Href}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}</td><td><bdi>{{.Source}}</bdi>{{if .Sample}} {{t "index.sample"}}{{end}}</td><td>{{.Date}}</td><td>{{.Status}}</td><td class="n">{{n .Creators}}</td><td class="n">{{n .GMV}}</td></tr>{{end}}</tbody>
</table></div></main>
</body></html>
`

// Latest makes Dir/latest/<source>/ a copy of snapshot id's report: the
// newest complete report of the source at a stable path. It is a copy,
// not a link, so it survives being zipped, synced or served as is.
func Latest(dir, source string, id int64) (string, error) {
	from := filepath.Join(dir, strconv.FormatInt(id, 10))
	to := filepath.Join(dir, "latest", SafeName(source))
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return "", fmt.Errorf("latest report: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(to), "."+SafeName(source)+".*")
	if err != nil {
		return "", fmt.Errorf("latest report: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := copyFiles(from, tmp, true); err != nil {
		return "", fmt.Errorf("latest report: %w", err)
	}
	old := to + ".old"
	os.RemoveAll(old)
	if err := os.Rename(to, old); err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("latest report: %w", err)
	}
	if err := os.Rename(tmp, to); err != nil {
		return "", fmt.Errorf("latest report: %w", err)
	}
	os.RemoveAll(old)
	return filepath.Join(to, "index.html"), nil
}

// copyFiles copies the files of from into to, and with sub the files of
// its folders (charts/) one level down.
func copyFiles(from, to string, sub bool) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name()[0] == '.' {
			continue
		}
		if e.IsDir() {
			if sub {
				if err := os.MkdirAll(filepath.Join(to, e.Name()), 0o755); err != nil {
					return err
				}
				if err := copyFiles(filepath.Join(from, e.Name()), filepath.Join(to, e.Name()), false); err != nil {
					return err
				}
			}
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies a file without holding it: a whole market's data.csv
// is over 100 MB.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// SafeName makes text from a config or a page safe as a file name: letters,
// digits, dot, dash and underscore only.
func SafeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}
