package parse

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

type jsonField struct {
	field
	path jp.Expr
	keys []string // the path as plain child keys ($.a.b), walked without jp's allocations; nil otherwise
}

// childKeys returns the keys of a path made only of $ and child names.
func childKeys(x jp.Expr) []string {
	if len(x) < 2 {
		return nil
	}
	if _, ok := x[0].(jp.Root); !ok {
		return nil
	}
	keys := make([]string, 0, len(x)-1)
	for _, f := range x[1:] {
		c, ok := f.(jp.Child)
		if !ok {
			return nil
		}
		keys = append(keys, string(c))
	}
	return keys
}

// first returns the value at f's path in row, or nil.
func (f *jsonField) first(row any) any {
	if f.keys == nil {
		return f.path.First(row)
	}
	v := row
	for _, k := range f.keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[k]; !ok {
			return nil
		}
	}
	return v
}

type jsonLink struct {
	path jp.Expr
	kind string
}

// jsonExtractor reads records from JSON embedded in a <script> element,
// the way many sites ship their data to the browser.
type jsonExtractor struct {
	spec   PageSpec
	script cascadia.Selector
	// lone is true when the script selector is one compound selector (tag,
	// id, classes, attributes: no combinators or pseudo-classes), so it can
	// be matched against each <script> tag on its own without building the
	// page's DOM.
	lone    bool
	rows    jp.Expr
	fields  []jsonField
	follow  []jsonLink
	next    *jsonLink
	expect  expectation
	listing []jsonField // expect's listing fields, read from the document's root
	limits  Limits
	// paginate, when set, links a listing's first page to all its pages.
	paginate *paginator
}

func compileJSONField(path string, f field) (jsonField, error) {
	jf := jsonField{field: f}
	if f.spec.From == "url" {
		return jf, nil
	}
	if f.spec.Path == "" {
		return jf, specErr(path+".path", "missing: a JSON path relative to the row")
	}
	if f.spec.Selector != "" || f.spec.Attr != "" {
		return jf, specErr(path+".selector", "json extractors read paths, not selectors")
	}
	var err error
	if jf.path, err = compilePath(path+".path", f.spec.Path); err != nil {
		return jf, err
	}
	jf.keys = childKeys(jf.path)
	return jf, nil
}

func compilePath(path, expr string) (jp.Expr, error) {
	x, err := jp.ParseString(expr)
	if err != nil {
		return nil, specErr(path, "bad JSON path %q: %v", expr, err)
	}
	return x, nil
}

func newJSON(s PageSpec, o Options) (Extractor, error) {
	fs, err := compileFields(s, o)
	if err != nil {
		return nil, err
	}
	e := &jsonExtractor{spec: s, limits: o.Limits}
	if s.Script != "" {
		if e.script, err = compileSel("script", s.Script); err != nil {
			return nil, err
		}
		e.lone = loneSelector.MatchString(s.Script)
	}
	rows := s.Rows
	if rows == "" {
		rows = "$"
	}
	if e.rows, err = compilePath("rows", rows); err != nil {
		return nil, err
	}
	for _, f := range fs {
		jf, err := compileJSONField("fields."+f.name, f)
		if err != nil {
			return nil, err
		}
		e.fields = append(e.fields, jf)
	}
	if e.expect, err = compileExpect(s, o); err != nil {
		return nil, err
	}
	for i, f := range e.expect.fields {
		jf, err := compileJSONField(e.expect.specs[i], f)
		if err != nil {
			return nil, err
		}
		e.listing = append(e.listing, jf)
	}
	for i, l := range s.Follow {
		if l.Path == "" {
			return nil, specErr(fmt.Sprintf("follow[%d].path", i), "missing: a JSON path to the link URLs")
		}
		x, err := compilePath(fmt.Sprintf("follow[%d].path", i), l.Path)
		if err != nil {
			return nil, err
		}
		e.follow = append(e.follow, jsonLink{path: x, kind: l.Kind})
	}
	if s.Next != nil {
		x, err := compilePath("next.path", s.Next.Path)
		if err != nil {
			return nil, err
		}
		e.next = &jsonLink{path: x}
	}
	if e.paginate, err = compilePaginate(s); err != nil {
		return nil, err
	}
	return e, nil
}

// loneSelector matches selectors like script#data or script[type="application/json"].
var loneSelector = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*(?:[#.][A-Za-z0-9_-]+|\[[A-Za-z-]+(?:[~|^$*]?=(?:"[^"]*"|'[^']*'|[^\]"']*))?\])*$`)

// findScript returns the text of the first <script> that matches the
// selector, scanning tokens instead of building the DOM.
func (e *jsonExtractor) findScript(body []byte) (string, bool) {
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return "", false
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "script" {
				continue
			}
			n := &html.Node{Type: html.ElementNode, Data: "script", DataAtom: atom.Script}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				n.Attr = append(n.Attr, html.Attribute{Key: string(k), Val: string(v)})
			}
			if !e.script.Match(n) {
				continue
			}
			var text strings.Builder
			for z.Next() == html.TextToken {
				text.Write(z.Text())
			}
			return text.String(), true
		}
	}
}

func (e *jsonExtractor) Extract(in Input) Result {
	var res Result
	text, ok := e.document(in, &res)
	if !ok {
		return res
	}
	if len(text) > e.limits.jsonBytes() {
		res.Rejects = append(res.Rejects, pageReject(in, text[:min(len(text), 300)],
			fmt.Sprintf("JSON of %d bytes is over the %d-byte limit (limits.json_kb)", len(text), e.limits.jsonBytes())))
		res.Failure = "JSON over the size limit (limits.json_kb)"
		return res
	}
	if d := jsonDepth(text, e.limits.jsonDepth()); d > e.limits.jsonDepth() {
		res.Rejects = append(res.Rejects, pageReject(in, text[:min(len(text), 300)],
			fmt.Sprintf("JSON nested more than %d levels deep (limits.json_depth)", e.limits.jsonDepth())))
		res.Failure = fmt.Sprintf("JSON nested more than %d levels deep (limits.json_depth)", e.limits.jsonDepth())
		return res
	}
	data, err := oj.ParseString(text)
	if err != nil {
		what := "page"
		if e.script != nil {
			what = "script"
		}
		res.Rejects = append(res.Rejects, pageReject(in, text, what+" is not JSON: "+err.Error()))
		res.Failure = what + " is not JSON"
		return res
	}
	rows := e.rows.Get(data)
	if len(rows) == 0 {
		res.Rejects = append(res.Rejects, pageReject(in, text, "no rows at "+e.spec.Rows))
	}
	for i, row := range rows {
		b := newRow(&e.spec, in.URL)
		for _, f := range e.fields {
			raws, found := jsonRaws(row, f, in)
			b.add(f.field, raws, found)
		}
		rec, rej := b.finish(func() string { return string(oj.JSON(row)) })
		if rec != nil {
			rec.Line = i + 1 // the row's position in the page's list
		}
		res.addRow(b, rec, rej)
	}
	collect := func(l jsonLink, kind string) int {
		var raws []string
		for _, g := range l.path.Get(data) {
			if s, ok := g.(string); ok {
				raws = append(raws, s)
			}
		}
		found := resolveLinks(in.URL, raws, kind)
		res.Links = append(res.Links, found...)
		return len(found)
	}
	hasNext := false
	if e.next != nil {
		hasNext = collect(*e.next, "") > 0
	}
	for _, l := range e.follow {
		collect(l, l.kind)
	}
	if len(e.listing) > 0 {
		raws := make([][]string, len(e.listing))
		for i, f := range e.listing {
			raws[i], _ = jsonRaws(data, f, in)
		}
		res.Listing = e.expect.listing(in, raws, &res)
	}
	res.Links = append(res.Links, e.paginate.links(in, res.Listing, len(res.Records), e.spec.Expect)...)
	e.expect.check(&res, hasNext)
	return res
}

// document returns the JSON text of the page: the whole body, or the
// script the spec names. ok is false (with res filled in) when there is none.
func (e *jsonExtractor) document(in Input, res *Result) (string, bool) {
	if e.script == nil {
		return string(bytes.TrimPrefix(in.Body, []byte("\xef\xbb\xbf"))), true // the page is the JSON: an API response or an export
	}
	if e.lone {
		text, found := e.findScript(in.Body)
		if !found {
			res.Rejects = append(res.Rejects, pageReject(in, "", "no script matches "+e.spec.Script))
			res.Failure = "no script matches " + e.spec.Script
		}
		return text, found
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(in.Body))
	if err != nil {
		res.Rejects = append(res.Rejects, pageReject(in, "", "page is not HTML: "+err.Error()))
		res.Failure = "page is not HTML"
		return "", false
	}
	script := doc.FindMatcher(e.script).First()
	if script.Length() == 0 {
		res.Rejects = append(res.Rejects, pageReject(in, doc.Find("title").Text(), "no script matches "+e.spec.Script))
		res.Failure = "no script matches " + e.spec.Script
		return "", false
	}
	return script.Text(), true
}

// jsonRaws returns the texts field f finds in row (a record, or the document).
func jsonRaws(row any, f jsonField, in Input) ([]string, bool) {
	if f.spec.From == "url" {
		return []string{in.URL.String()}, true
	}
	var got []any
	if f.spec.List {
		got = f.path.Get(row)
	} else if v := f.first(row); v != nil {
		got = []any{v}
	}
	var raws []string
	for _, g := range got {
		if g == nil {
			continue
		}
		raws = append(raws, jsonText(g))
	}
	return raws, len(raws) > 0
}

// jsonDepth returns the nesting depth of the JSON text, stopping once it
// passes limit: a linear scan that costs nothing next to parsing, so a
// document of a million nested arrays is refused before it is built.
func jsonDepth(s string, limit int) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > limit {
					return deepest
				}
			}
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// jsonText writes a JSON scalar as the text a value parser reads: numbers
// in their shortest exact decimal form (2100000.55, never 2.10000055e+06).
func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return string(oj.JSON(v))
}
