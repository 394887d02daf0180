package parse

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gmvscope/market"
)

func init() {
	Register("csv", newCSVFile)
}

// csvExtractor reads a vendor export: one record per CSV row, fields by
// column name from the header.
type csvExtractor struct {
	spec   PageSpec
	fields []field
}

func newCSVFile(s PageSpec, o Options) (Extractor, error) {
	fs, err := compileFields(s, o)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.spec.Column == "" {
			return nil, specErr("fields."+f.name+".column", "missing: the CSV column this field is read from")
		}
		if f.spec.Selector != "" || f.spec.Path != "" {
			return nil, specErr("fields."+f.name+".column", "csv extractors read columns, not selectors or paths")
		}
	}
	if s.Rows != "" || s.Script != "" || s.Next != nil || len(s.Follow) > 0 {
		return nil, specErr("rows", "csv extractors read every row; rows, script, next and follow do not apply")
	}
	return &csvExtractor{spec: s, fields: fs}, nil
}

func (e *csvExtractor) Extract(in Input) Result {
	var res Result
	body := bytes.TrimPrefix(in.Body, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		res.Rejects = append(res.Rejects, pageReject(in, "", "no CSV header: "+err.Error()))
		return res
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, f := range e.fields {
		if _, ok := col[f.spec.Column]; !ok && !f.spec.Optional {
			res.Rejects = append(res.Rejects, pageReject(in, strings.Join(header, ","),
				fmt.Sprintf("column %q is not in the header", f.spec.Column)))
			return res
		}
	}
	r.FieldsPerRecord = len(header)
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			res.Rejects = append(res.Rejects, market.Reject{URL: lineURL(in, line), Entity: e.spec.Entity,
				Raw: truncate(strings.ToValidUTF8(strings.Join(row, ","), "\uFFFD"), 300), Reason: "malformed CSV: " + unwrapCSV(err).Error()})
			continue
		}
		b := newRow(e.spec, in.URL)
		for _, f := range e.fields {
			i, ok := col[f.spec.Column]
			if !ok {
				b.add(f, nil, false)
				continue
			}
			v := row[i]
			if !utf8.ValidString(v) {
				v = strings.ToValidUTF8(v, "\uFFFD")
				res.Repaired++
			}
			b.add(f, []string{v}, true)
		}
		rec, rej := b.finish(func() string { return strings.Join(row, ",") })
		for i := range rej {
			rej[i].URL = lineURL(in, line) // the line, as file:///export.csv#L12
		}
		if rec != nil {
			res.Records = append(res.Records, *rec)
		}
		res.Rejects = append(res.Rejects, rej...)
	}
	return res
}

func unwrapCSV(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lineURL points at one line of the file: file:///export.csv#L12.
func lineURL(in Input, line int) string {
	u := *in.URL
	u.Fragment = fmt.Sprintf("L%d", line)
	return u.String()
}
