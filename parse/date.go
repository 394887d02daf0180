package parse

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// dateLayouts are the forms exports write a date in, tried in order when
// config gives no layout. Forms where a day and a month could be swapped
// (03/04/2026) are not among them: they need as_of.layout.
var dateLayouts = []string{
	"2006-01-02", "2006/01/02", "2006.01.02", "20060102", "2006-1-2", "2006/1/2",
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"Jan 2, 2006", "Jan 2 2006", "January 2, 2006", "January 2 2006", "2 Jan 2006", "2 January 2006",
	"02-Jan-2006", "2006年1月2日",
}

// rangeSep splits a date range ("2026-10-01 ~ 2026-10-28"); the range's
// last date is the date it is of.
var rangeSep = regexp.MustCompile(`\s*(?:~|–|—|\bto\b|至|\s-\s)\s*`)

// Date reads the date an export is of, at the start of that day in loc:
// with layout (Go's, such as 02/01/2006) when given, else in one of the
// unambiguous forms above. Of a range, the last date.
func Date(s, layout string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	parts := rangeSep.Split(s, -1)
	last := strings.TrimSpace(parts[len(parts)-1])
	layouts := dateLayouts
	if layout != "" {
		layouts = []string{layout}
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, last, loc); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
		}
	}
	if layout != "" {
		return time.Time{}, fmt.Errorf("%q is not a date in the layout %q", s, layout)
	}
	if regexp.MustCompile(`^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$`).MatchString(last) {
		return time.Time{}, fmt.Errorf("%q could be day/month or month/day: give the layout (as_of.layout: 02/01/2006 or 01/02/2006)", s)
	}
	return time.Time{}, fmt.Errorf("%q is not a date gmvscope reads (2026-10-28, 2026/10/28, 20261028, Oct 28, 2026, ...): give as_of.layout", s)
}
