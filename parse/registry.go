package parse

import (
	"net/url"
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
	// Repaired counts values whose bytes were not valid UTF-8 and were
	// replaced with U+FFFD (exports from other tools).
	Repaired int
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
		out = append(out, market.Link{URL: u.String(), Kind: kind})
	}
	return out
}

func pageReject(in Input, raw, reason string) market.Reject {
	return market.Reject{URL: in.URL.String(), Raw: truncate(raw, 300), Reason: reason}
}
