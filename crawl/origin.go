package crawl

import (
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
)

// Origin is a scheme, host and port a crawl may send requests to. Host
// "*.example.com" matches the subdomains of example.com (not itself).
// Two URLs that differ in any of the three are different origins: another
// port of an allowed host is another service.
type Origin struct {
	Scheme string // http or https
	Host   string // lower case, without brackets for IPv6; or *.domain
	Port   string // always set: 80 and 443 when a URL leaves it out
}

// String writes the origin as scheme://host[:port], the port left out
// when it is the scheme's default.
func (o Origin) String() string {
	if (o.Scheme == "https" && o.Port == "443") || (o.Scheme == "http" && o.Port == "80") {
		if strings.Contains(o.Host, ":") {
			return o.Scheme + "://[" + o.Host + "]"
		}
		return o.Scheme + "://" + o.Host
	}
	return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port)
}

// OriginOf returns u's origin.
func OriginOf(u *url.URL) Origin {
	return Origin{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Hostname()), Port: portOf(u)}
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// Match reports whether u is on the origin.
func (o Origin) Match(u *url.URL) bool {
	if strings.ToLower(u.Scheme) != o.Scheme || portOf(u) != o.Port {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if suffix, ok := strings.CutPrefix(o.Host, "*."); ok {
		return strings.HasSuffix(h, "."+suffix)
	}
	return h == o.Host
}

// ParseOrigin reads an allowed_hosts entry: "host", "host:port",
// "*.host", or "scheme://host[:port]". What the entry leaves out is the
// source's own (def: its base URL or first start URL): an entry without a
// scheme takes def's, one without a port takes def's port when the scheme
// is def's, else the scheme's default.
func ParseOrigin(entry string, def *url.URL) (Origin, error) {
	e := strings.TrimSpace(entry)
	if e == "" {
		return Origin{}, fmt.Errorf("empty host")
	}
	withScheme := strings.Contains(e, "://")
	if !withScheme {
		e = def.Scheme + "://" + e
	}
	wild := false
	if i := strings.Index(e, "://*."); i >= 0 {
		wild = true
		e = e[:i+3] + "wildcard." + e[i+5:]
	}
	u, err := url.Parse(e)
	if err != nil {
		return Origin{}, fmt.Errorf("%q is not a host, host:port or scheme://host[:port]", entry)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Origin{}, fmt.Errorf("%q: the scheme must be http or https", entry)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return Origin{}, fmt.Errorf("%q is not a host, host:port or scheme://host[:port]: leave out paths and queries", entry)
	}
	if p := u.Port(); p != "" {
		if n, err := net.LookupPort("tcp", p); err != nil || n < 1 || n > 65535 || fmt.Sprint(n) != p {
			return Origin{}, fmt.Errorf("%q: port %q is not a number from 1 to 65535", entry, p)
		}
	}
	o := OriginOf(u)
	if u.Port() == "" && u.Scheme == strings.ToLower(def.Scheme) {
		o.Port = portOf(def)
	}
	if wild {
		o.Host = "*." + strings.TrimPrefix(o.Host, "wildcard.")
	}
	if o.Host == "" || o.Host == "*." {
		return Origin{}, fmt.Errorf("%q has no host name", entry)
	}
	return o, nil
}

// matchAny reports whether u is on one of the origins.
func matchAny(os []Origin, u *url.URL) bool {
	for _, o := range os {
		if o.Match(u) {
			return true
		}
	}
	return false
}

// originJar keeps the cookies each origin sets apart. A cookie jar by
// RFC 6265 ignores ports, so a cookie one service set would be sent to
// every other port of its host.
type originJar struct {
	mu   sync.Mutex
	jars map[Origin]*cookiejar.Jar
}

func (j *originJar) jar(u *url.URL) *cookiejar.Jar {
	o := OriginOf(u)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jars == nil {
		j.jars = map[Origin]*cookiejar.Jar{}
	}
	jar := j.jars[o]
	if jar == nil {
		jar, _ = cookiejar.New(nil) // never fails without options
		j.jars[o] = jar
	}
	return jar
}

func (j *originJar) SetCookies(u *url.URL, cs []*http.Cookie) { j.jar(u).SetCookies(u, cs) }
func (j *originJar) Cookies(u *url.URL) []*http.Cookie        { return j.jar(u).Cookies(u) }
