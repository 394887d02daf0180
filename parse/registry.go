package parse

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gmvscope/market"
)

// Input is one page to extract from.
type Input struct {
	URL  *url.URL
	Body []byte
}

// Result is what an extractor found on a page.
type Result struct {
	Records []market.Record
	Rejects []market.Reject
	Links   []market.Link
	// Repaired counts texts whose bytes were not valid UTF-8 (replaced
	// with U+FFFD) or held control characters such as NUL (dropped).
	Repaired int
	// Missing counts, per field, values the source marks as missing in
	// optional fields ("N/A", an empty cell): no value and no reject.
	Missing map[string]int
	// Undecodable counts records whose key held bytes that are not text
	// in the page's encoding (kept as \xHH, so no two keys become one).
	Undecodable int
	// Warnings are problems that cost no record (an optional column not
	// in the header): said, never silent.
	Warnings []string
	// AsOf holds the distinct values of the as_of column, in order.
	AsOf []string
	// Listing is what the page says about its listing ("1-50 of 2,000").
	Listing market.Listing
	// Failure, when set, says why the page is not a good page of its kind
	// ("no rows where 1 or more expected"): a fetch that failed, not a
	// page without data.
	Failure string
}

// Extractor reads one kind of page. Implementations are safe for
// concurrent use: the crawler calls one from many workers.
type Extractor interface {
	Extract(in Input) Result
}

// Factory compiles a PageSpec into an Extractor, or returns a *SpecError.
type Factory func(spec PageSpec, o Options) (Extractor, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes an extractor type available to config under name. It
// panics on a duplicate name, like database/sql.Register.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("parse: Register called twice for extractor type " + name)
	}
	registry[name] = f
}

// Types lists the registered extractor types, sorted.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var out []string
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// New compiles spec with the factory its Type names.
func New(spec PageSpec, o Options) (Extractor, error) {
	regMu.RLock()
	f, ok := registry[spec.Type]
	regMu.RUnlock()
	if !ok {
		if spec.Type == "" {
			return nil, specErr("type", "missing; one of %s", strings.Join(Types(), ", "))
		}
		return nil, specErr("type", "unknown extractor type %q; one of %s", spec.Type, strings.Join(Types(), ", "))
	}
	return f(spec, o)
}

// resolveLinks turns raw hrefs into absolute links of kind, dropping
// fragments, empty links and non-HTTP schemes (javascript:, mailto:).
func resolveLinks(base *url.URL, raws []string, kind string) []market.Link {
	var out []market.Link
	for _, raw := range raws {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := base.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		u.Fragment = ""
		out = append(out, market.Link{URL: NormalizeURL(u), Kind: kind})
	}
	return out
}

// NormalizeURL writes u with its percent-encoding in one form, so the same
// page reached by "/creator/%e5%b0%8f" and by "/creator/小" is one URL:
// the path is escaped from its decoded form (unless it holds an escaped
// slash, whose meaning differs) and the query's escapes are upper case.
func NormalizeURL(u *url.URL) string {
	if u.RawPath != "" && !strings.Contains(strings.ToLower(u.RawPath), "%2f") {
		c := *u
		c.RawPath = ""
		u = &c
	}
	if strings.IndexByte(u.RawQuery, '%') >= 0 {
		c := *u
		c.RawQuery = escapeRe.ReplaceAllStringFunc(c.RawQuery, strings.ToUpper)
		u = &c
	}
	return u.String()
}

var escapeRe = regexp.MustCompile(`%[0-9a-fA-F]{2}`)

// addRow adds one row's record and rejects to the result, with what the
// row builder counted.
func (res *Result) addRow(b *rowBuilder, rec *market.Record, rej []market.Reject) {
	res.Repaired += b.repaired
	if b.undecodable {
		res.Undecodable++
	}
	for f, n := range b.missing {
		if res.Missing == nil {
			res.Missing = map[string]int{}
		}
		res.Missing[f] += n
	}
	if rec != nil {
		res.Records = append(res.Records, *rec)
	}
	res.Rejects = append(res.Rejects, rej...)
}

func pageReject(in Input, raw, reason string) market.Reject {
	return market.Reject{URL: in.URL.String(), Raw: truncate(raw, 300), Reason: reason}
}
