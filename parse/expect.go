package parse

import (
	"fmt"

	"gmvscope/market"
)

// ExpectSpec says what a good page of a kind has. A page served with
// status 200 that lacks it (a "verify you are human" page, a login form
// served in place, an empty body, a table with no rows) is not a page
// with no data: it is a failed fetch with the reason, retried.
//
// The listing fields read what a page of a paginated listing says about
// the whole listing ("1-50 of 2,000", "Page 3 of 40"), so a page without
// a next link can be told from the last page, and a run can tell how many
// pages it never reached. Each is a field (selector, path or from: url,
// with a regex keeping the number) read from the whole page, as a count.
type ExpectSpec struct {
	// MinRows is the fewest records a good page has. Nil means 1; 0
	// allows an empty page.
	MinRows *int `yaml:"min_rows"`
	// Fields are fields a good page shows for at least one of its records
	// (a value, or text that was rejected): a page shell whose data did
	// not arrive has the key but none of them.
	Fields []string  `yaml:"fields"`
	Total  FieldSpec `yaml:"total"` // rows in the whole listing ("1-50 of 2,000": 2,000)
	Pages  FieldSpec `yaml:"pages"` // pages in the listing ("Page 3 of 40": 40)
	Page   FieldSpec `yaml:"page"`  // this page's number (often from: url)
	Last   FieldSpec `yaml:"last"`  // the number of this page's last row ("1-50 of 2,000": 50)
	// StatedTotal and StatedPages give the listing's size when the pages
	// do not show it; zero means not stated.
	StatedTotal int64 `yaml:"stated_total"`
	StatedPages int64 `yaml:"stated_pages"`
}

// listingNames are the listing fields in Listing's order.
var listingNames = [4]string{"total", "pages", "page", "last"}

func (e ExpectSpec) listingSpecs() [4]FieldSpec {
	return [4]FieldSpec{e.Total, e.Pages, e.Page, e.Last}
}

// expectation is a compiled ExpectSpec.
type expectation struct {
	minRows int
	needs   []string // fields a good page shows
	next    bool     // the kind paginates: a page without a next link must be the last
	fields  []field  // the listing fields that are set, named as listingNames
	slots   []int    // each field's index in listingNames
	specs   []string // each field's config path, for rejects
}

func (f FieldSpec) isSet() bool {
	return f.Selector != "" || f.Attr != "" || f.Path != "" || f.Column != "" || f.Regex != "" || f.From != ""
}

// compileExpect checks an ExpectSpec and compiles its listing fields.
func compileExpect(s PageSpec, o Options) (expectation, error) {
	x := expectation{minRows: 1, next: s.Next != nil}
	e := s.Expect
	if e.MinRows != nil {
		if *e.MinRows < 0 {
			return x, specErr("expect.min_rows", "must be 0 (an empty page is good) or more, not %d", *e.MinRows)
		}
		x.minRows = *e.MinRows
	}
	if e.StatedTotal < 0 {
		return x, specErr("expect.stated_total", "must be the listing's rows, 1 or more")
	}
	if e.StatedPages < 0 {
		return x, specErr("expect.stated_pages", "must be the listing's pages, 1 or more")
	}
	for i, name := range e.Fields {
		if _, ok := s.Fields[name]; !ok {
			return x, specErr(fmt.Sprintf("expect.fields[%d]", i), "%q is not one of the fields", name)
		}
		if name != s.Key {
			x.needs = append(x.needs, name)
		}
	}
	for i, fs := range e.listingSpecs() {
		if !fs.isSet() {
			continue
		}
		path := "expect." + listingNames[i]
		if fs.Kind == "" {
			fs.Kind = market.KindCount
		}
		if fs.Kind != market.KindCount {
			return x, specErr(path+".kind", "a listing figure is a count, not %s", fs.Kind)
		}
		if fs.List || fs.Signed || fs.Period != "" || fs.Currency != (CurrencySpec{}) {
			return x, specErr(path, "a listing figure takes selector, attr, path, regex or from only")
		}
		f, err := compileField(path, listingNames[i], fs, o)
		if err != nil {
			return x, err
		}
		f.spec.Optional = true // a page that does not show it just does not say
		x.fields, x.slots, x.specs = append(x.fields, f), append(x.slots, i), append(x.specs, path)
	}
	return x, nil
}

// listing turns the listing fields' raw texts (nil: not on the page) into
// a Listing; a text that is not a count is a reject.
func (x expectation) listing(in Input, raws [][]string, res *Result) market.Listing {
	var l market.Listing
	nums := [4]*int64{&l.Total, &l.Pages, &l.Page, &l.Last}
	for i, f := range x.fields {
		if len(raws[i]) == 0 {
			continue
		}
		b := newRow(&PageSpec{}, in.URL)
		b.add(f, raws[i], true)
		res.Repaired += b.repaired
		if v, ok := b.fields[f.name]; ok && v.Num > 0 {
			*nums[x.slots[i]] = v.Num
			continue
		}
		for _, e := range b.errs {
			res.Rejects = append(res.Rejects, market.Reject{URL: in.URL.String(), Field: x.specs[i], Raw: e.Raw, Reason: e.Reason})
		}
	}
	return l
}

// check sets res.Failure when the page lacks what a good page has.
// hasNext says whether the page had a next link.
func (x expectation) check(res *Result, hasNext bool) {
	if n := len(res.Records); n < x.minRows {
		if n == 0 {
			res.Failure = fmt.Sprintf("no rows where %d or more expected", x.minRows)
		} else {
			res.Failure = fmt.Sprintf("%d rows where %d or more expected", n, x.minRows)
		}
		return
	}
	for _, name := range x.needs {
		if !shows(res, name) {
			res.Failure = fmt.Sprintf("no %s on the page where its records have one", name)
			return
		}
	}
	if !x.next || hasNext {
		return
	}
	l := res.Listing
	if last, known := l.IsLast(); known && !last {
		if l.Page > 0 && l.Pages > 0 {
			res.Failure = fmt.Sprintf("no next link on page %d of %d", l.Page, l.Pages)
		} else {
			res.Failure = fmt.Sprintf("no next link after row %d of %d", l.Last, l.Total)
		}
	}
}

// shows reports whether a record of the page has field name, or a text
// for it was found and rejected.
func shows(res *Result, name string) bool {
	for _, r := range res.Records {
		if _, ok := r.Fields[name]; ok {
			return true
		}
	}
	for _, r := range res.Rejects {
		if r.Field == name && r.Reason != reasonNotFound {
			return true
		}
	}
	return false
}
