package crawl_test

import (
	"net/url"
	"testing"

	"gmvscope/crawl"
)

func TestParseOrigin(t *testing.T) {
	def, _ := url.Parse("http://127.0.0.1:8089/leaderboard")
	https, _ := url.Parse("https://shop.example/top")
	for _, tc := range []struct {
		entry string
		def   *url.URL
		want  string
		err   string
	}{
		{"127.0.0.1", def, "http://127.0.0.1:8089", ""},        // the source's own port
		{"127.0.0.1:34311", def, "http://127.0.0.1:34311", ""}, // a port named
		{"shop.example", https, "https://shop.example", ""},
		{"SHOP.example:8443", https, "https://shop.example:8443", ""},
		{"*.cdn.example", https, "https://*.cdn.example", ""},
		{"http://shop.example", https, "http://shop.example", ""}, // another scheme: its default port
		{"[::1]:9000", def, "http://[::1]:9000", ""},
		{"https://shop.example/top", https, "", `"https://shop.example/top" is not a host, host:port or scheme://host[:port]: leave out paths and queries`},
		{"ftp://shop.example", https, "", `"ftp://shop.example": the scheme must be http or https`},
		{"shop.example:99999", https, "", `"shop.example:99999": port "99999" is not a number from 1 to 65535`},
		{"", https, "", "empty host"},
	} {
		o, err := crawl.ParseOrigin(tc.entry, tc.def)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%q: %v, want error %q", tc.entry, err, tc.err)
		case tc.err == "" && (err != nil || o.String() != tc.want):
			t.Errorf("%q: %s %v, want %s", tc.entry, o, err, tc.want)
		}
	}
}

func TestOriginMatch(t *testing.T) {
	def, _ := url.Parse("http://127.0.0.1:8089/")
	o, _ := crawl.ParseOrigin("127.0.0.1", def)
	w, _ := crawl.ParseOrigin("*.example.com", &url.URL{Scheme: "https"})
	for _, tc := range []struct {
		o    crawl.Origin
		u    string
		want bool
	}{
		{o, "http://127.0.0.1:8089/creator/x", true},
		{o, "http://127.0.0.1:8090/creator/x", false}, // another port: another service
		{o, "https://127.0.0.1:8089/creator/x", false},
		{o, "http://localhost:8089/", false},
		{w, "https://a.example.com/x", true},
		{w, "https://a.b.example.com/x", true},
		{w, "https://example.com/x", false},
		{w, "https://evilexample.com/x", false},
		{w, "https://a.example.com:8443/x", false},
		{w, "http://a.example.com/x", false},
	} {
		u, _ := url.Parse(tc.u)
		if got := tc.o.Match(u); got != tc.want {
			t.Errorf("%s matches %s: %v, want %v", tc.o, tc.u, got, tc.want)
		}
	}
}
