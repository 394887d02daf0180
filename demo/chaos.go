package demo

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Fault is one way a hostile or broken web answers a request.
type Fault string

// The faults Chaos injects. Each is what a real site, CDN or bot wall
// does to a crawler; a correct crawl ends every page parsed exactly or
// failed with a reason, and calls a run ok only when nothing is missing.
const (
	FaultTooMany     Fault = "429"            // 429 with Retry-After in seconds
	FaultBusyDate    Fault = "503-date"       // 503 with Retry-After as an HTTP date
	FaultServer      Fault = "500"            // 500
	FaultReset       Fault = "reset"          // the connection closed before any response
	FaultTruncated   Fault = "truncated"      // a body shorter than its Content-Length
	FaultSlow        Fault = "slow"           // the body in pieces, arriving within the timeout
	FaultStall       Fault = "stall"          // half a body, then nothing until the client gives up
	FaultCaptcha     Fault = "captcha"        // a reCAPTCHA wall served with 200
	FaultHuman       Fault = "verify-human"   // a generic "verify you are human" page served with 200
	FaultLoginInline Fault = "login-inline"   // a login form served in place, without a redirect
	FaultEmpty       Fault = "empty"          // an empty body with 200
	FaultGarbage     Fault = "garbage"        // random bytes with 200
	FaultNoRows      Fault = "no-rows"        // the page's layout with its rows or data taken out
	FaultLoginWall   Fault = "login-redirect" // a redirect to the site's login form
	FaultHuge        Fault = "huge"           // a body over any sane cap
	FaultBomb        Fault = "gzip-bomb"      // a small gzip body that inflates past the cap
	FaultPDF         Fault = "pdf"            // a content type that is not a page
	FaultNotFound    Fault = "404"            // the page is gone
	FaultOtherPort   Fault = "other-port"     // a redirect to another port of the same host
)

// Faults lists every Fault, in a fixed order.
var Faults = []Fault{FaultTooMany, FaultBusyDate, FaultServer, FaultReset, FaultTruncated, FaultSlow, FaultStall,
	FaultCaptcha, FaultHuman, FaultLoginInline, FaultEmpty, FaultGarbage, FaultNoRows, FaultLoginWall, FaultHuge,
	FaultBomb, FaultPDF, FaultNotFound, FaultOtherPort}

// Chaos serves a market through seeded faults. Whether a request meets a
// fault, and which, depends only on the seed, the URL and how many times
// that URL was asked for before, so a run is the same whatever order its
// workers fetch in. The zero Rate serves no fault.
type Chaos struct {
	Market *Market
	Seed   uint64
	Rate   float64 // share of requests that meet a fault
	Faults []Fault // the faults to draw from; nil: all of them
	// OtherPort is the base URL (scheme://host:port) FaultOtherPort
	// redirects to; the fault is skipped when it is empty.
	OtherPort string
	// Now stamps Retry-After dates; nil is time.Now.
	Now func() time.Time
	// Plan, when it names a URI (path and query), decides its faults
	// instead of the seed: the i-th request meets Plan[uri][i], and
	// requests past the list meet none.
	Plan map[string][]Fault

	mu    sync.Mutex
	asked map[string]int
	met   map[string][]Fault // per URL, the fault each attempt met ("" for none)
}

// Fault returns the fault the attempt-th request (0-based) for uri meets, or "".
func (c *Chaos) Fault(uri string, attempt int) Fault {
	if plan, ok := c.Plan[uri]; ok {
		if attempt < len(plan) {
			return plan[attempt]
		}
		return ""
	}
	faults := c.Faults
	if faults == nil {
		faults = Faults
	}
	if c.Rate <= 0 || len(faults) == 0 || uri == "/robots.txt" || strings.HasPrefix(uri, "/login") {
		return ""
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", c.Seed, uri, attempt)
	x := mix(h.Sum64(), 0)
	if float64(x>>11)/float64(1<<53) >= c.Rate {
		return ""
	}
	f := faults[int((x>>3)%uint64(len(faults)))]
	if f == FaultOtherPort && c.OtherPort == "" {
		return ""
	}
	return f
}

// Met returns the faults each attempt at uri met so far.
func (c *Chaos) Met(uri string) []Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Fault(nil), c.met[uri]...)
}

func (c *Chaos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uri := r.URL.RequestURI()
	c.mu.Lock()
	if c.asked == nil {
		c.asked, c.met = map[string]int{}, map[string][]Fault{}
	}
	n := c.asked[uri]
	c.asked[uri]++
	f := c.Fault(uri, n)
	c.met[uri] = append(c.met[uri], f)
	c.mu.Unlock()
	if f == "" {
		c.Market.Handler().ServeHTTP(w, r)
		return
	}
	c.serve(w, r, f)
}

func (c *Chaos) page(r *http.Request) []byte {
	rec := httptest.NewRecorder()
	c.Market.Handler().ServeHTTP(rec, r)
	return rec.Body.Bytes()
}

func (c *Chaos) serve(w http.ResponseWriter, r *http.Request, f Fault) {
	htmlType := func() { w.Header().Set("Content-Type", "text/html; charset=utf-8") }
	switch f {
	case FaultTooMany:
		w.Header().Set("Retry-After", "2")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case FaultBusyDate:
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		w.Header().Set("Retry-After", now().Add(3*time.Second).UTC().Format(http.TimeFormat))
		http.Error(w, "busy", http.StatusServiceUnavailable)
	case FaultServer:
		http.Error(w, "internal error", http.StatusInternalServerError)
	case FaultReset:
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	case FaultTruncated:
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		body := c.page(r)
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n", len(body))
		buf.Write(body[:len(body)/2])
		buf.Flush()
		conn.Close()
	case FaultSlow:
		body := c.page(r)
		htmlType()
		for i := range 4 {
			w.Write(body[i*len(body)/4 : (i+1)*len(body)/4])
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	case FaultStall:
		body := c.page(r)
		htmlType()
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case FaultCaptcha:
		htmlType()
		fmt.Fprint(w, `<!doctype html><html><head><title>Security check</title></head><body><form><div class="g-recaptcha" data-sitekey="x"></div></form></body></html>`)
	case FaultHuman:
		htmlType()
		fmt.Fprint(w, `<!doctype html><html><head><title>One more step</title></head><body><h1>Please verify you are a human</h1><p>Press and hold the button.</p><button>Hold</button></body></html>`)
	case FaultLoginInline:
		htmlType()
		fmt.Fprint(w, `<!doctype html><html><head><title>Sign in</title></head><body><form method="post" action="/login"><input name="email"><input type="password" name="password"><button>Sign in</button></form></body></html>`)
	case FaultEmpty:
		htmlType()
	case FaultGarbage:
		htmlType()
		g := make([]byte, 2048)
		x := mix(c.Seed, len(r.URL.RequestURI()))
		for i := range g {
			x = mix(x, i)
			g[i] = byte(x)
		}
		w.Write(g)
	case FaultNoRows:
		// The page's own layout, with its data gone: the rows of a table,
		// the JSON of a profile, the body of a product page.
		body := c.page(r)
		for _, cut := range [][2]string{{"<tbody", "</tbody>"}, {`<script type="application/json"`, "</script>"}, {`<main class="product"`, "</main>"}, {`<main class="live"`, "</main>"}} {
			i := bytes.Index(body, []byte(cut[0]))
			if i < 0 {
				continue
			}
			open := bytes.IndexByte(body[i:], '>')
			end := bytes.Index(body[i:], []byte(cut[1]))
			if open < 0 || end < open {
				continue
			}
			body = append(append([]byte{}, body[:i+open+1]...), body[i+end:]...)
		}
		htmlType()
		w.Write(body)
	case FaultLoginWall:
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusFound)
	case FaultHuge:
		htmlType()
		w.Write(bytes.Repeat([]byte("<p>padding padding padding</p>\n"), 400_000)) // 12 MB
	case FaultBomb:
		htmlType()
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzipBomb())
	case FaultPDF:
		w.Header().Set("Content-Type", "application/pdf")
		io.WriteString(w, "%PDF-1.4\n%fake\n")
	case FaultNotFound:
		http.NotFound(w, r)
	case FaultOtherPort:
		http.Redirect(w, r, c.OtherPort+r.URL.RequestURI(), http.StatusFound)
	}
}

// gzipBomb is a small gzip body that inflates to 16 MB: one compressed
// 64 KB member, repeated (a gzip stream may hold many), made once.
var gzipBomb = sync.OnceValue(func() []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte("<p>0000000000</p>"), 64<<10/17))
	zw.Close()
	return bytes.Repeat(z.Bytes(), 256)
})

// loginPage is the site's login form, where FaultLoginWall sends a crawler.
func loginPage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html><head><title>Sign in</title></head><body><form method="post"><input name="email"><input type="password" name="password"></form></body></html>`)
}

// ParseFaults reads a comma-separated list of fault names.
func ParseFaults(s string) ([]Fault, error) {
	var out []Fault
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ok := false
		for _, f := range Faults {
			if string(f) == p {
				out, ok = append(out, f), true
			}
		}
		if !ok {
			var names []string
			for _, f := range Faults {
				names = append(names, string(f))
			}
			return nil, fmt.Errorf("unknown fault %q; one of %s", p, strings.Join(names, ", "))
		}
	}
	return out, nil
}
