package parse

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// IsXLSX reports whether body is a spreadsheet (an Office Open XML
// workbook: a zip archive), as vendors' "Export to Excel" writes.
func IsXLSX(body []byte) bool { return bytes.HasPrefix(body, []byte("PK\x03\x04")) }

// XLSXToCSV reads one sheet of a workbook (sheet; empty: the first that
// holds a cell) as CSV with a UTF-8 byte order mark, each cell as the
// workbook shows it (its number format applied), so the csv extractor
// reads it as it would the same sheet saved as CSV: the same columns,
// the same line numbers (row 1 is line 1). It returns the sheet read.
func XLSXToCSV(body []byte, sheet string) ([]byte, string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("not a workbook gmvscope can read: %w", err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if sheet != "" {
		found := false
		for _, n := range names {
			if n == sheet {
				found = true
			}
		}
		if !found {
			return nil, "", fmt.Errorf("no sheet %q in the workbook; it has %s", sheet, strings.Join(names, ", "))
		}
		names = []string{sheet}
	}
	for _, name := range names {
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, "", fmt.Errorf("sheet %q: %w", name, err)
		}
		if len(rows) == 0 {
			continue
		}
		width := 0
		for _, r := range rows {
			width = max(width, len(r))
		}
		var b bytes.Buffer
		b.WriteString("\ufeff")
		w := csv.NewWriter(&b)
		for _, r := range rows {
			// Rows end at their last cell: every record has the header's width.
			for len(r) < width {
				r = append(r, "")
			}
			if err := w.Write(r); err != nil {
				return nil, "", err
			}
		}
		w.Flush()
		return b.Bytes(), name, w.Error()
	}
	return nil, "", fmt.Errorf("the workbook's sheets (%s) are empty", strings.Join(f.GetSheetList(), ", "))
}
