package parse

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

func init() {
	Register("css", newCSS)
	Register("json", newJSON)
}

// compileSel compiles a CSS selector at load time, so a typo is a config error.
func compileSel(path, sel string) (cascadia.Selector, error) {
	s, err := cascadia.Compile(sel)
	if err != nil {
		return nil, specErr(path, "bad CSS selector %q: %v", sel, err)
	}
	return s, nil
}

type cssField struct {
	field
	sel cascadia.Selector // nil: the row itself
}

type cssLink struct {
	sel  cascadia.Selector
	attr string
	kind string
}

// cssExtractor reads records from HTML rows chosen by CSS selectors.
type cssExtractor struct {
	spec    PageSpec
	rows    cascadia.Selector
	fields  []cssField
	next    *cssLink
	follow  []cssLink
	expect  expectation
	listing []cssField // expect's listing fields, read from the whole page
	// paginate, when set, links a listing's first page to all its pages.
	paginate *paginator
}

func compileCSSField(path string, f field) (cssField, error) {
	cf := cssField{field: f}
	if f.spec.Path != "" {
		return cf, specErr(path+".path", "css extractors read selectors, not JSON paths")
	}
	if f.spec.Selector != "" {
		var err error
		if cf.sel, err = compileSel(path+".selector", f.spec.Selector); err != nil {
			return cf, err
		}
	}
	return cf, nil
}

func compileLink(path string, l LinkSpec, kind string) (*cssLink, error) {
	if l.Selector == "" {
		return nil, specErr(path+".selector", "missing")
	}
	s, err := compileSel(path+".selector", l.Selector)
	if err != nil {
		return nil, err
	}
	attr := l.Attr
	if attr == "" {
		attr = "href"
	}
	if kind == "" {
		kind = l.Kind
	}
	return &cssLink{sel: s, attr: attr, kind: kind}, nil
}

func newCSS(s PageSpec, o Options) (Extractor, error) {
	fs, err := compileFields(s, o)
	if err != nil {
		return nil, err
	}
	e := &cssExtractor{spec: s}
	if s.Rows == "" {
		return nil, specErr("rows", "missing: a CSS selector matching one record")
	}
	if e.rows, err = compileSel("rows", s.Rows); err != nil {
		return nil, err
	}
	for _, f := range fs {
		cf, err := compileCSSField("fields."+f.name, f)
		if err != nil {
			return nil, err
		}
		e.fields = append(e.fields, cf)
	}
	if e.expect, err = compileExpect(s, o); err != nil {
		return nil, err
	}
	for i, f := range e.expect.fields {
		cf, err := compileCSSField(e.expect.specs[i], f)
		if err != nil {
			return nil, err
		}
		e.listing = append(e.listing, cf)
	}
	if s.Next != nil {
		if e.next, err = compileLink("next", *s.Next, "self"); err != nil {
			return nil, err
		}
	}
	if e.paginate, err = compilePaginate(s); err != nil {
		return nil, err
	}
	for i, l := range s.Follow {
		cl, err := compileLink(fmt.Sprintf("follow[%d]", i), l, "")
		if err != nil {
			return nil, err
		}
		e.follow = append(e.follow, *cl)
	}
	return e, nil
}

func (e *cssExtractor) Extract(in Input) Result {
	var res Result
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(in.Body))
	if err != nil {
		res.Rejects = append(res.Rejects, pageReject(in, "", "page is not HTML: "+err.Error()))
		res.Failure = "page is not HTML"
		return res
	}
	rows := doc.FindMatcher(e.rows)
	if rows.Length() == 0 {
		res.Rejects = append(res.Rejects, pageReject(in, doc.Find("title").Text(), "no rows match "+e.spec.Rows))
	}
	var scratch []string // each field's texts, reused: add keeps none of them
	rows.Each(func(i int, row *goquery.Selection) {
		b := newRow(&e.spec, in.URL)
		for _, f := range e.fields {
			raws, found := cssRaws(row.Nodes[0], f, in, scratch[:0])
			b.add(f.field, raws, found)
			scratch = raws
		}
		rec, rej := b.finish(func() string { return rowText(row) })
		if rec != nil {
			rec.Line = i + 1 // the row's position on the page
		}
		res.addRow(b, rec, rej)
	})
	links := func(l cssLink, kind string) int {
		var raws []string
		doc.FindMatcher(l.sel).Each(func(_ int, s *goquery.Selection) {
			if v, ok := s.Attr(l.attr); ok {
				raws = append(raws, v)
			}
		})
		found := resolveLinks(in.URL, raws, kind)
		res.Links = append(res.Links, found...)
		return len(found)
	}
	hasNext := false
	if e.next != nil {
		hasNext = links(*e.next, "") > 0
	}
	for _, l := range e.follow {
		links(l, l.kind)
	}
	if len(e.listing) > 0 {
		raws := make([][]string, len(e.listing))
		for i, f := range e.listing {
			raws[i], _ = cssRaws(doc.Selection.Nodes[0], f, in, nil)
		}
		res.Listing = e.expect.listing(in, raws, &res)
	}
	res.Links = append(res.Links, e.paginate.links(in, res.Listing, len(res.Records), e.spec.Expect)...)
	e.expect.check(&res, hasNext)
	return res
}

// cssRaws appends to raws the texts field f finds under root (a row, or
// the page): with a selector, the descendants it matches in document
// order (as goquery's Find, without its selections), else root itself. A
// field that is neither a list nor filtered by a regex stops at the first
// match.
func cssRaws(root *html.Node, f cssField, in Input, raws []string) ([]string, bool) {
	if f.spec.From == "url" {
		return append(raws, in.URL.String()), true
	}
	found := false
	more := f.spec.List || f.re != nil // with a regex, look on for a matching element
	take := func(n *html.Node) bool {
		if f.spec.Attr != "" {
			v, ok := attrOf(n, f.spec.Attr)
			if !ok {
				return more
			}
			raws, found = append(raws, v), true
		} else {
			raws, found = append(raws, strings.TrimSpace(textOf(n))), true
		}
		return more
	}
	if f.sel == nil {
		take(root)
		return raws, found
	}
	eachMatch(root, f.sel, take)
	return raws, found
}

// eachMatch calls fn with each descendant of root that sel matches, in
// document order, until fn returns false.
func eachMatch(root *html.Node, sel cascadia.Selector, fn func(*html.Node) bool) bool {
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if sel.Match(c) && !fn(c) {
			return false
		}
		if !eachMatch(c, sel, fn) {
			return false
		}
	}
	return true
}

// attrOf is n's attribute named key, as goquery's Attr reads it.
func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// textOf is the text of n and its descendants, as goquery's Text.
func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data // a cell's one text: no copy
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// rowText is a row's text with its cells kept apart, for rejects.
func rowText(row *goquery.Selection) string {
	kids := row.Children()
	if kids.Length() == 0 {
		return row.Text()
	}
	return strings.Join(kids.Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }), " | ")
}
