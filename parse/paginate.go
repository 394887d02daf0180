package parse

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"gmvscope/market"
)

// PaginateSpec says how to reach page K of a paginated listing, so that
// every page is asked for at once instead of one "next" link at a time:
// URL is page K's address with {page} for its number
// (/leaderboard?page={page}) or {offset} for the rows before it
// (/api/top?offset={offset}&limit=50), and the listing's last page is
// what its first page says (expect.pages, or expect.total over the rows a
// page holds).
type PaginateSpec struct {
	URL string `yaml:"url"`
	// Max caps how many pages one listing is read to (default 100,000):
	// a page that claims a billion pages costs no more than that.
	Max int `yaml:"max"`
	// First is the first page's number (default 1; 0 where pages count
	// from zero).
	First *int `yaml:"first"`
	// PerPage is the rows a page holds, for {offset} and for a listing
	// whose size is in rows (default: the rows the first page holds).
	PerPage int `yaml:"per_page"`
}

// paginator emits the links to pages 2..N from a listing's first page.
type paginator struct {
	url          string
	re           *regexp.Regexp // a page's URL; the first group is its number or offset
	offset       bool           // the URL counts rows ({offset}), not pages
	first        int64
	perPage, max int64
}

func compilePaginate(s PageSpec) (*paginator, error) {
	p := s.Paginate
	if p == nil {
		return nil, nil
	}
	np, no := strings.Count(p.URL, "{page}"), strings.Count(p.URL, "{offset}")
	if np+no != 1 {
		return nil, specErr("paginate.url", "needs {page} (the page's number) or {offset} (the rows before it) once: /leaderboard?page={page}")
	}
	ph := "{page}"
	if no == 1 {
		ph = "{offset}"
	}
	if _, err := url.Parse(strings.Replace(p.URL, ph, "2", 1)); err != nil {
		return nil, specErr("paginate.url", "not a URL: %v", err)
	}
	x := s.Expect
	given := func(f FieldSpec) bool { return f.Selector != "" || f.Path != "" || f.From != "" || f.Attr != "" }
	if !given(x.Pages) && !given(x.Total) && x.StatedPages == 0 && x.StatedTotal == 0 {
		return nil, specErr("paginate", "needs the listing's size: expect.pages or expect.total (read from the page), or expect.stated_pages")
	}
	if p.Max < 0 || p.PerPage < 0 {
		return nil, specErr("paginate", "max and per_page must be positive")
	}
	pg := &paginator{url: p.URL, offset: no == 1, first: 1, perPage: int64(p.PerPage), max: int64(p.Max)}
	if pg.max == 0 {
		pg.max = 100_000
	}
	if p.First != nil {
		if *p.First != 0 && *p.First != 1 {
			return nil, specErr("paginate.first", "must be 0 or 1, not %d", *p.First)
		}
		pg.first = int64(*p.First)
	}
	parts := strings.SplitN(p.URL, ph, 2)
	pg.re = regexp.MustCompile(regexp.QuoteMeta(parts[0]) + `(\d+)` + regexp.QuoteMeta(parts[1]) + `$`)
	return pg, nil
}

// links returns the links to pages 2..N when in is the listing's first
// page (its listing says page 1, or its URL is not a later page of the
// pattern); none from any other page, so a listing is enqueued once.
func (p *paginator) links(in Input, l market.Listing, rows int, x ExpectSpec) []market.Link {
	if p == nil {
		return nil
	}
	per := p.perPage
	if per == 0 {
		per = int64(rows)
	}
	switch {
	case l.Page > 1:
		return nil
	case l.Page == 0:
		if m := p.re.FindStringSubmatch(in.URL.String()); m != nil {
			k, err := strconv.ParseInt(m[1], 10, 64)
			if err == nil && ((p.offset && k > 0) || (!p.offset && k > p.first)) {
				return nil
			}
		}
	}
	n := l.Pages
	if n == 0 && l.Total > 0 && per > 0 {
		n = (l.Total + per - 1) / per
	}
	if n == 0 {
		n = x.StatedPages
	}
	if n == 0 && x.StatedTotal > 0 && per > 0 {
		n = (x.StatedTotal + per - 1) / per
	}
	n = min(n, p.max)
	if p.offset && per == 0 {
		return nil // no rows on the first page: no offsets to count
	}
	raws := make([]string, 0, max(n-1, 0))
	for k := int64(2); k <= n; k++ { // k is the page's position, 1 the first
		if p.offset {
			raws = append(raws, strings.Replace(p.url, "{offset}", strconv.FormatInt((k-1)*per, 10), 1))
		} else {
			raws = append(raws, strings.Replace(p.url, "{page}", strconv.FormatInt(k-1+p.first, 10), 1))
		}
	}
	return resolveLinks(in.URL, raws, "")
}
