package parse

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"gmvscope/market"
)

// PaginateSpec says how to reach page K of a paginated listing, so that
// every page is asked for at once instead of one "next" link at a time:
// URL is page K's address with {page} for K (/leaderboard?page={page}),
// and the listing's last page is what its first page says (expect.pages,
// or expect.total over the rows a page holds).
type PaginateSpec struct {
	URL string `yaml:"url"`
	// Max caps how many pages one listing is read to (default 100,000):
	// a page that claims a billion pages costs no more than that.
	Max int `yaml:"max"`
}

// paginator emits the links to pages 2..N from a listing's first page.
type paginator struct {
	url string
	re  *regexp.Regexp // page K's URL, K in the first group
	max int64
}

func compilePaginate(s PageSpec) (*paginator, error) {
	p := s.Paginate
	if p == nil {
		return nil, nil
	}
	if strings.Count(p.URL, "{page}") != 1 {
		return nil, specErr("paginate.url", "needs {page} once, where the page number goes: /leaderboard?page={page}")
	}
	if _, err := url.Parse(strings.Replace(p.URL, "{page}", "2", 1)); err != nil {
		return nil, specErr("paginate.url", "not a URL: %v", err)
	}
	x := s.Expect
	given := func(f FieldSpec) bool { return f.Selector != "" || f.Path != "" || f.From != "" || f.Attr != "" }
	if !given(x.Pages) && !given(x.Total) && x.StatedPages == 0 && x.StatedTotal == 0 {
		return nil, specErr("paginate", "needs the listing's size: expect.pages or expect.total (read from the page), or expect.stated_pages")
	}
	if p.Max < 0 {
		return nil, specErr("paginate.max", "must be positive, not %d", p.Max)
	}
	max := int64(p.Max)
	if max == 0 {
		max = 100_000
	}
	parts := strings.SplitN(p.URL, "{page}", 2)
	re := regexp.MustCompile(regexp.QuoteMeta(parts[0]) + `(\d+)` + regexp.QuoteMeta(parts[1]) + `$`)
	return &paginator{url: p.URL, re: re, max: max}, nil
}

// links returns the links to pages 2..N when in is the listing's first
// page (its listing says page 1, or its URL is not page K ≥ 2 of the
// pattern); none from any other page, so a listing is enqueued once.
func (p *paginator) links(in Input, l market.Listing, rows int, x ExpectSpec) []market.Link {
	if p == nil {
		return nil
	}
	switch {
	case l.Page > 1:
		return nil
	case l.Page == 0:
		if m := p.re.FindStringSubmatch(in.URL.String()); m != nil {
			if k, err := strconv.Atoi(m[1]); err == nil && k > 1 {
				return nil
			}
		}
	}
	n := l.Pages
	if n == 0 && l.Total > 0 && rows > 0 {
		n = (l.Total + int64(rows) - 1) / int64(rows)
	}
	if n == 0 {
		n = x.StatedPages
	}
	if n == 0 && x.StatedTotal > 0 && rows > 0 {
		n = (x.StatedTotal + int64(rows) - 1) / int64(rows)
	}
	n = min(n, p.max)
	raws := make([]string, 0, max(n-1, 0))
	for k := int64(2); k <= n; k++ {
		raws = append(raws, strings.Replace(p.url, "{page}", strconv.FormatInt(k, 10), 1))
	}
	return resolveLinks(in.URL, raws, "")
}

// String describes the paginator for logs.
func (p *paginator) String() string { return fmt.Sprintf("paginate %s (up to %d pages)", p.url, p.max) }
