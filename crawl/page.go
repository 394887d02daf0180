package crawl

import (
	"context"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"gmvscope/market"
	"gmvscope/parse"
)

// outcome is one attempt at a link: the page result the store gets, the
// response it came from (nil when no request was made) and what the
// writer counts of it.
type outcome struct {
	market.PageResult
	fetch *fetch
	note  note
}

// note is what an attempt adds to the crawl's statistics. Workers fill it
// and the writer alone adds it up, so the statistics need no lock.
type note struct {
	requested   bool // a request was sent
	status      int
	latency     time.Duration
	offSite     int  // links dropped for leaving the allowed origins
	robotsDeny  bool // robots.txt disallowed the URL
	notModified bool
	decoded     bool // converted to UTF-8 from a legacy charset
	repeated    bool // a pagination page repeating an earlier page's rows
	repaired    int  // texts made valid UTF-8
	missing     map[string]int
}

// page takes one link from the budget to the extractor: origin,
// robots.txt, the host's rate, the request (conditional when an earlier
// run stored the page), the response's validation, the extraction and
// the links found. It never returns an error: a failure is a page with
// Failure set.
func (c *Crawler) page(ctx context.Context, f *fetcher, rb *robots, lim *hostLimiters, it item) outcome {
	l := it.Link
	var out outcome
	out.Page = market.Page{URL: l.URL, Kind: l.Kind, Attempts: it.attempts + 1}
	fail := func(reason string) outcome {
		out.Page.Failure = reason
		out.Page.FetchedAt = c.opts.Now()
		return out
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		return fail("bad URL: " + err.Error())
	}
	if !c.allowed(u) {
		out.note.offSite = 1
		return fail("origin not in allowed_hosts")
	}
	ex := c.ex[l.Kind]
	if ex == nil {
		return fail("no extractor for page kind " + l.Kind)
	}
	if c.opts.Robots {
		ok, wait, err := rb.allowed(ctx, u)
		if err != nil {
			if wait > 0 {
				out.fetch = &fetch{robotsWait: wait} // retried once robots.txt may be asked for again
			}
			return fail(err.Error())
		}
		if !ok {
			out.note.robotsDeny = true
			return fail("disallowed by robots.txt")
		}
		if d := rb.crawlDelay(u); d > 0 {
			lim.slowTo(u.Host, d) // Crawl-delay: never faster than robots.txt asks
		}
	}
	if err := lim.wait(ctx, u.Host); err != nil {
		return fail("cancelled")
	}
	var hdr http.Header
	if matchAny(c.opts.SessionOrigins, u) {
		hdr = c.opts.Header.Clone()
	}
	v, conditional := c.validators[l.URL]
	if conditional {
		if hdr == nil {
			hdr = http.Header{}
		}
		if v.ETag != "" {
			hdr.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			hdr.Set("If-Modified-Since", v.LastModified)
		}
	}
	start := c.opts.Clock.Now()
	ft := f.get(l.URL, hdr)
	out.fetch = ft
	out.note.requested, out.note.status, out.note.latency = true, ft.status, c.opts.Clock.Now().Sub(start)
	p := &out.Page
	p.FetchedAt, p.Status, p.ContentType, p.Bytes = c.opts.Now(), ft.status, ft.contentType, int64(len(ft.body))
	if ft.header != nil {
		p.ETag, p.LastModified = ft.header.Get("ETag"), ft.header.Get("Last-Modified")
	}
	if ft.status == http.StatusNotModified && conditional && ft.err == nil {
		// Unchanged since the stored page: read that one, store a pointer.
		body, err := c.store.StoredBody(ctx, v.PageID)
		if err != nil {
			return fail("304 but the stored page is unreadable: " + err.Error())
		}
		ft.status, ft.body, ft.contentType = http.StatusOK, body, v.ContentType
		p.SameAs, p.ContentType = v.PageID, v.ContentType
		if p.ETag == "" {
			p.ETag = v.ETag
		}
		if p.LastModified == "" {
			p.LastModified = v.LastModified
		}
		out.note.notModified = true
	}
	if reason := c.validate(ft); reason != "" {
		// What came back is kept (an error page says why), unless it is the
		// first part of a body over the cap: that is not the page.
		if ft.status > 0 && len(ft.body) > 0 && len(ft.body) <= c.opts.MaxBodySize {
			p.Compressed = Compress(ft.body)
		}
		return fail(reason)
	}
	raw := ft.body // stored as received; the extractor reads UTF-8
	body, enc, err := toUTF8(ft.body, ft.contentType)
	if err != nil {
		return fail("charset: " + err.Error())
	}
	out.note.decoded = enc != ""
	base := u
	if ft.final != nil {
		base = ft.final
	}
	res := ex.Extract(parse.Input{URL: base, Body: body})
	if res.Failure != "" {
		// Served with 200 but not a good page of its kind: a failed fetch,
		// retried, its body kept, and never a page with no data.
		ft.content = true
		p.Compressed = Compress(raw)
		return fail(res.Failure)
	}
	out.Records, out.Rejects, p.Listing, out.note.repaired = res.Records, res.Rejects, res.Listing, res.Repaired
	out.note.missing = res.Missing
	if first := c.pages.seen(l.Kind, l.URL, res.Records); first != "" {
		out.note.repeated = true
		out.Rejects = append(out.Rejects, market.Reject{URL: l.URL, Raw: first,
			Reason: "page repeats the rows of an earlier page; its pagination was not followed"})
	}
	for _, ln := range res.Links {
		if ln.Kind == "" {
			ln.Kind = l.Kind
		}
		if out.note.repeated && ln.Kind == l.Kind {
			continue // a loop or a site serving the last page again: stop this chain
		}
		lu, err := url.Parse(ln.URL)
		if err != nil || !c.allowed(lu) {
			out.note.offSite++
			continue
		}
		out.Links = append(out.Links, ln)
	}
	if p.SameAs == 0 {
		p.Compressed = Compress(raw)
	} else {
		p.Status = http.StatusNotModified
	}
	return out
}

// repeats remembers each pagination page's rows, to tell a page that
// repeats an earlier one (a loop, or a site serving its last page again).
type repeats struct {
	mu    sync.Mutex
	first map[uint64]string // fingerprint of a page's sorted row keys -> the first URL with them
}

// seen returns the URL of an earlier page of the same kind whose row
// keys this page repeats exactly, or "".
func (r *repeats) seen(kind, url string, recs []market.Record) string {
	if len(recs) < 2 {
		return "" // a profile or product page holds one record: nothing to compare
	}
	keys := make([]string, len(recs))
	for i, rec := range recs {
		keys[i] = rec.Key
	}
	sort.Strings(keys)
	h := fnv.New64a()
	h.Write([]byte(kind))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	fp := h.Sum64()
	r.mu.Lock()
	defer r.mu.Unlock()
	if first, ok := r.first[fp]; ok && first != url {
		return first
	}
	r.first[fp] = url
	return ""
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
