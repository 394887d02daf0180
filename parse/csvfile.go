package parse

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gmvscope/internal/suggest"
	"gmvscope/market"
)

func init() {
	Register("csv", newCSVFile)
}

// csvExtractor reads a vendor export: one record per CSV row, fields by
// column name from the header.
type csvExtractor struct {
	sep    rune // the field separator config names; 0: read from the header
	spec   PageSpec
	fields []field
	expect expectation
	limits Limits
}

func newCSVFile(s PageSpec, o Options) (Extractor, error) {
	fs, err := compileFields(s, o)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if len(f.spec.Columns) > 0 {
			if len(f.spec.Columns) != 2 || f.spec.Column != "" {
				return nil, specErr("fields."+f.name+".columns", "a range in two columns names exactly two, [low, high], and no column")
			}
			if k := f.spec.Kind; k != market.KindRange && k != market.KindMoney && k != market.KindCount {
				return nil, specErr("fields."+f.name+".columns", "two columns make a range: kind range, money or count, not %s", k)
			}
			continue
		}
		if f.spec.Column == "" && f.spec.From == "" {
			return nil, specErr("fields."+f.name+".column", "missing: the CSV column this field is read from")
		}
		if f.spec.Selector != "" || f.spec.Path != "" {
			return nil, specErr("fields."+f.name+".column", "csv extractors read columns, not selectors or paths")
		}
	}
	if s.Rows != "" || s.Script != "" || s.Next != nil || len(s.Follow) > 0 {
		return nil, specErr("rows", "csv extractors read every row; rows, script, next and follow do not apply")
	}
	x, err := compileExpect(s, o)
	if err != nil {
		return nil, err
	}
	if len(x.fields) > 0 {
		return nil, specErr("expect", "a CSV file has no listing to read: use stated_total for the rows it should hold")
	}
	var sep rune
	switch s.Delimiter {
	case "":
	case ",", ";", "|":
		sep = rune(s.Delimiter[0])
	case "\t", "tab", "\\t":
		sep = '\t'
	default:
		return nil, specErr("delimiter", "must be a comma, a semicolon, a tab (\"\\t\" or tab) or |, not %q", s.Delimiter)
	}
	return &csvExtractor{spec: s, fields: fs, expect: x, limits: o.Limits, sep: sep}, nil
}

func (e *csvExtractor) Extract(in Input) Result {
	var res Result
	body := bytes.TrimPrefix(in.Body, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	sp := &csvSplitter{body: body, line: 1, maxField: e.limits.fieldBytes(), maxRecord: e.limits.lineBytes(), sep: e.sep}
	if sp.sep == 0 {
		sp.sep = detectSeparator(body)
	}
	var header []string
	for header == nil {
		rec, ok := sp.next()
		if !ok {
			res.Rejects = append(res.Rejects, pageReject(in, "", "no CSV header: the file is empty"))
			res.Failure = "no CSV header"
			return res
		}
		if rec.err != nil {
			res.Rejects = append(res.Rejects, pageReject(in, string(rec.raw), "no CSV header: "+rec.err.Error()))
			res.Failure = "no CSV header"
			return res
		}
		header = rec.fields
	}
	col, missing := e.columns(header, &res)
	if len(missing) > 0 {
		// Exports often put a title (and a blank or a date line) above the
		// header: the header is the first of the next lines that holds
		// every column the fields need.
		save := *sp
		for tries := 0; tries < 20; tries++ {
			rec, ok := sp.next()
			if !ok {
				break
			}
			if rec.err != nil || len(rec.fields) < 2 {
				continue
			}
			var scratch Result
			if c, m := e.columns(rec.fields, &scratch); len(m) == 0 {
				header, col, missing = rec.fields, c, nil
				above := fmt.Sprintf("the %d lines above it were skipped", rec.line-1)
				if rec.line == 2 {
					above = "the line above it was skipped"
				}
				res.Warnings = append(scratch.Warnings, fmt.Sprintf("the header is on line %d: %s (a title or a spreadsheet's sep= line, not rows)", rec.line, above))
				break
			}
		}
		if missing != nil {
			*sp = save
		}
	}
	sp.width = len(header)
	if len(missing) > 0 {
		why := "column " + missing[0] + " is not in the header"
		if len(missing) > 1 {
			why = fmt.Sprintf("%d columns are not in the header: %s", len(missing), strings.Join(missing, ", "))
		}
		res.Rejects = append(res.Rejects, pageReject(in, strings.Join(header, ","), why))
		res.Failure = why
		return res
	}
	asOf := -1
	if a := e.spec.AsOf; a != nil && a.Column != "" {
		asOf = col[a.Column]
	}
	for {
		rec, ok := sp.next()
		if !ok {
			break
		}
		if rec.err != nil {
			res.Rejects = append(res.Rejects, market.Reject{URL: lineURL(in, rec.line), Entity: e.spec.Entity,
				Raw: truncate(string(rec.raw), 300), Reason: "malformed CSV: " + rec.err.Error()})
			continue
		}
		row := rec.fields
		if asOf >= 0 {
			if v := strings.TrimSpace(row[asOf]); v != "" && !slices.Contains(res.AsOf, v) && len(res.AsOf) < 10 {
				res.AsOf = append(res.AsOf, v)
			}
		}
		b := newRow(&e.spec, in.URL)
		for _, f := range e.fields {
			if f.spec.From == "url" {
				b.add(f, []string{lineURL(in, rec.line)}, true)
				continue
			}
			if len(f.spec.Columns) == 2 {
				lo, okLo := col[f.spec.Columns[0]]
				hi, okHi := col[f.spec.Columns[1]]
				if !okLo || !okHi {
					b.add(f, nil, false)
					continue
				}
				b.add(f, []string{joinRange(row[lo], row[hi])}, true)
				continue
			}
			i, ok := col[f.spec.Column]
			if !ok {
				b.add(f, nil, false)
				continue
			}
			b.add(f, []string{row[i]}, true)
		}
		rec2, rej := b.finish(func() string { return strings.Join(row, ",") })
		for i := range rej {
			rej[i].URL = lineURL(in, rec.line) // the line, as file:///export.csv#L12
		}
		if rec2 != nil {
			rec2.Line = rec.line
		}
		res.addRow(b, rec2, rej)
	}
	e.expect.check(&res, false)
	return res
}

// columns maps the fields' column names to positions in header: the
// name itself, else the one header name equal to it but for case and
// spaces. It returns what is wrong, all of it: each required column not
// in the header (with the nearest header names), and for an optional
// one a warning in res.
func (e *csvExtractor) columns(header []string, res *Result) (map[string]int, []string) {
	col := map[string]int{}
	folded := map[string][]string{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := col[h]; !dup {
			col[h] = i
		}
		f := foldHeader(h)
		folded[f] = append(folded[f], h)
	}
	var missing []string
	need := []struct{ name, what string }{}
	for _, f := range e.fields {
		for _, c := range f.spec.Columns {
			need = append(need, struct{ name, what string }{c, "field " + f.name})
		}
		if f.spec.From == "" && len(f.spec.Columns) == 0 {
			need = append(need, struct{ name, what string }{f.spec.Column, "field " + f.name})
		}
	}
	if a := e.spec.AsOf; a != nil && a.Column != "" {
		need = append(need, struct{ name, what string }{a.Column, "as_of"})
	}
	trimmed := make([]string, len(header))
	for i, h := range header {
		trimmed[i] = strings.TrimSpace(h)
	}
	for _, n := range need {
		if _, ok := col[n.name]; ok {
			continue
		}
		if hs := folded[foldHeader(n.name)]; len(hs) == 1 {
			col[n.name] = col[hs[0]]
			continue
		}
		what := n.what
		if near := suggest.Nearest(n.name, trimmed, 3); len(near) > 0 {
			what += fmt.Sprintf("; closest: %q", strings.Join(near, `", "`))
		}
		msg := fmt.Sprintf("%q (%s)", n.name, what)
		optional := false
		if n.what != "as_of" {
			for _, f := range e.fields {
				if f.spec.Optional && (f.spec.Column == n.name || slices.Contains(f.spec.Columns, n.name)) {
					optional = true
				}
			}
		}
		if optional {
			res.Warnings = append(res.Warnings, "optional column "+msg+" is not in the header: the field has no values")
			continue
		}
		missing = append(missing, msg)
	}
	return col, missing
}

// joinRange writes a range given in two cells as the one text a page
// would show: "low - high"; an empty high end is open ("low+"); both
// empty (or marked missing) is an empty value, which is missing. A high
// end alone stays as it is, so the parser says why it is not a range.
func joinRange(lo, hi string) string {
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	if missingText[strings.ToLower(lo)] {
		lo = ""
	}
	if missingText[strings.ToLower(hi)] {
		hi = ""
	}
	switch {
	case lo == "" && hi == "":
		return ""
	case hi == "":
		return lo + "+"
	case lo == "":
		return "- " + hi
	case lo == hi:
		return lo
	}
	return lo + " - " + hi
}

// foldHeader is a header name without case or spacing.
func foldHeader(h string) string {
	return strings.Join(strings.Fields(strings.ToLower(h)), " ")
}

// csvRecord is one record of a CSV file: its fields, or why it could
// not be read, with its first line number and its raw bytes.
type csvRecord struct {
	line   int
	fields []string
	raw    []byte
	err    error
}

// csvSplitter cuts a CSV file into records before encoding/csv reads
// them, so that one bad record costs only itself: a field or record over
// its cap is a reject of that record (without holding it whole), and an
// unterminated quote loses only its own line, where encoding/csv would
// read the rest of the file into one field. Quotes follow RFC 4180: only
// a quote at a field's start opens a quoted field.
type csvSplitter struct {
	body                []byte
	pos, line           int
	maxField, maxRecord int
	width               int  // fields a record has (the header's); 0 before the header
	sep                 rune // the field separator: ',' unless config or the header says otherwise
}

func (sp *csvSplitter) comma() byte {
	if sp.sep == 0 {
		return ','
	}
	return byte(sp.sep)
}

// detectSeparator reads the separator from a file's first lines: the one
// of comma, semicolon (spreadsheets in locales with a decimal comma) and
// tab (spreadsheets' "Unicode text") that a line holds most of, outside
// quotes; a comma on a tie or when they hold none.
func detectSeparator(body []byte) rune {
	// The most of one separator on any of the first 20 lines: a title
	// line above the header holds none.
	most := map[byte]int{}
	counts := map[byte]int{}
	inQuotes, lines := false, 0
	for _, c := range body {
		if c == '\n' && !inQuotes {
			for k, n := range counts {
				most[k] = max(most[k], n)
			}
			clear(counts)
			if lines++; lines == 20 {
				break
			}
			continue
		}
		if c == '"' {
			inQuotes = !inQuotes
			continue
		}
		if !inQuotes && (c == ',' || c == ';' || c == '\t') {
			counts[c]++
		}
	}
	for k, n := range counts {
		most[k] = max(most[k], n)
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if most[c] > most[best] {
			best = c
		}
	}
	return rune(best)
}

var (
	errUnterminated = errors.New(`a quoted field is never closed (unterminated ")`)
	errBigField     = errors.New("field over the size limit")
	errBigRecord    = errors.New("record over the size limit")
)

// next returns the next non-empty record; ok is false at the end.
func (sp *csvSplitter) next() (csvRecord, bool) {
	for sp.pos < len(sp.body) {
		start, line := sp.pos, sp.line
		end, lines, err := sp.scan(start)
		rec := csvRecord{line: line}
		// A record that is not one lets go of its first line only: the
		// lines after it are read on their own.
		firstLine := func(err error) (csvRecord, bool) {
			nl := bytes.IndexByte(sp.body[start:], '\n')
			if nl < 0 {
				nl = len(sp.body) - start
			} else {
				nl++
			}
			sp.pos, sp.line = start+nl, line+1
			rec.raw, rec.err = bytes.TrimRight(sp.body[start:start+min(nl, 300)], "\r\n"), err
			return rec, true
		}
		if errors.Is(err, errUnterminated) {
			return firstLine(err)
		}
		sp.pos, sp.line = end, line+lines
		raw := bytes.TrimRight(sp.body[start:end], "\r\n")
		if err != nil {
			rec.raw = raw[:min(len(raw), 300)]
			switch {
			case errors.Is(err, errBigField):
				rec.err = fmt.Errorf("%w: a field of line %d is over %d bytes (limits.csv_field_kb)", errBigField, line, sp.maxField)
			default:
				rec.err = fmt.Errorf("%w: %d bytes over %d (limits.csv_line_kb)", errBigRecord, end-start, sp.maxRecord)
			}
			return rec, true
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue // a blank line, as encoding/csv skips them
		}
		rec.raw = raw
		r := csv.NewReader(bytes.NewReader(raw))
		r.Comma = rune(sp.comma())
		r.FieldsPerRecord = -1
		fields, perr := r.Read()
		if perr == nil && sp.width > 0 && len(fields) != sp.width {
			perr = fmt.Errorf("%d fields where the header has %d", len(fields), sp.width)
		}
		if perr != nil && lines > 1 {
			return firstLine(unwrapCSV(perr))
		}
		if perr != nil {
			rec.err = unwrapCSV(perr)
			return rec, true
		}
		rec.fields = fields
		return rec, true
	}
	return csvRecord{}, false
}

// scan finds the end of the record starting at start: the byte after its
// newline (or the end of the file) and how many lines it spans. It never
// copies, so an oversize record costs a scan, not memory.
func (sp *csvSplitter) scan(start int) (end, lines int, err error) {
	b := sp.body
	inQuotes, fieldStart := false, true
	fieldLen := 0
	var over error
	for i := start; i < len(b); i++ {
		c := b[i]
		fieldLen++
		if over == nil {
			switch {
			case fieldLen > sp.maxField:
				over = errBigField
			case i-start >= sp.maxRecord:
				over = errBigRecord
			}
		}
		if inQuotes {
			switch c {
			case '"':
				if i+1 < len(b) && b[i+1] == '"' {
					i++
					continue
				}
				inQuotes = false
			case '\n':
				lines++
			}
			continue
		}
		switch c {
		case '"':
			if fieldStart {
				inQuotes = true
			}
		case sp.comma():
			fieldStart, fieldLen = true, 0
			continue
		case '\n':
			return i + 1, lines + 1, over
		}
		fieldStart = false
	}
	if inQuotes {
		return len(b), lines, errUnterminated
	}
	return len(b), lines + 1, over
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
