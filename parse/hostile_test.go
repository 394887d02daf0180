package parse

import (
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"gmvscope/market"
)

// TestLongNumbersRejectedAtOnce: a number longer than any real count is
// refused before the big-number parser, whose cost grows with the square
// of the digits; it allocates nothing like its length.
func TestLongNumbersRejectedAtOnce(t *testing.T) {
	digits := "$" + strings.Repeat("9", 5_000_000)
	for _, kind := range []market.Kind{market.KindCount, market.KindMoney, market.KindRange, market.KindPercent, market.KindNumber, market.KindRate} {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		_, err := Value(kind, digits, Options{})
		runtime.ReadMemStats(&ms1)
		if !errors.Is(err, ErrTooLong) || err.Error() != "too long for a number: 5000001 characters" {
			t.Errorf("%s: %v", kind, err)
		}
		if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 1<<20 {
			t.Errorf("%s: rejecting allocated %d bytes", kind, grew)
		}
	}
	// The longest real texts still parse.
	for _, raw := range []string{"US$ 10,000,000.00 - US$ 25,000,000.00", "ر.س.\u200f ١٬٢٠٠", "33299999.999999996", strings.Repeat("1", 18)} {
		if _, err := Value(market.KindMoney, raw, Options{}); errors.Is(err, ErrTooLong) {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("好", 2000) // 6,000 bytes
	c := Clip(long)
	if !utf8.ValidString(c) || !strings.HasSuffix(c, "… (6000 bytes in all)") || len(c) > maxRaw+30 {
		t.Errorf("Clip: %d bytes, valid %v, ends %q", len(c), utf8.ValidString(c), c[len(c)-25:])
	}
	if Clip("35.8K") != "35.8K" {
		t.Error("a short text is kept whole")
	}
	if s := truncate(strings.Repeat("é", 200), 301); !utf8.ValidString(s) {
		t.Errorf("truncate cut a character: %q", s)
	}
}

func TestValidText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Mia & Co ✨", "Mia & Co ✨", true},
		{"tab\there\nline", "tab\there\nline", true},
		{"Bad\x00Name", "BadName", false},
		{"Zo\xe9 Finds", "Zo\uFFFD Finds", false},
		{"\xff\xfe", "\uFFFD", false},
		{"bell\x07 and \u0085", "bell and ", false},
	} {
		got, ok := ValidText(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ValidText(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestKeysAndLinksDecodeURLs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"%e5%b0%8f%e7%be%8e", "小美"}, {"%E5%B0%8F%E7%BE%8E", "小美"}, {"mia%20beauty", "mia beauty"},
		{"100%", "100%"}, {"%zz", "%zz"}, {"%00nul", "%00nul"}, {"%ff", "%ff"}, {"plain", "plain"},
	} {
		if got := unescapeKey(tc.in); got != tc.want {
			t.Errorf("unescapeKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	base, _ := url.Parse("http://shop.example/top")
	a := resolveLinks(base, []string{"/creator/%e5%b0%8f%e7%be%8e", "/creator/小美", "/creator/%E5%B0%8F%E7%BE%8E?x=%e2%82%ac#frag"}, "p")
	if a[0].URL != a[1].URL || a[0].URL != "http://shop.example/creator/%E5%B0%8F%E7%BE%8E" || a[2].URL != "http://shop.example/creator/%E5%B0%8F%E7%BE%8E?x=%E2%82%AC" {
		t.Errorf("links %v: one spelling of each URL", a)
	}
	if got := resolveLinks(base, []string{"/a%2Fb/c"}, "p")[0].URL; got != "http://shop.example/a%2Fb/c" {
		t.Errorf("an escaped slash keeps its meaning: %s", got)
	}
}

func TestJSONLimits(t *testing.T) {
	spec := PageSpec{Type: "json", Entity: "creator", Key: "handle", Fields: map[string]FieldSpec{"handle": {Path: "$.h", Kind: "text"}}}
	u, _ := url.Parse("http://x.example/p")
	for _, tc := range []struct {
		body    string
		limits  Limits
		failure string
	}{
		{strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000), Limits{}, "JSON nested more than 100 levels deep (limits.json_depth)"},
		{`{"h":"a","x":` + strings.Repeat(`{"y":`, 5) + `1` + strings.Repeat("}", 5) + `}`, Limits{JSONDepth: 5}, "JSON nested more than 5 levels deep (limits.json_depth)"},
		{`{"h":"` + strings.Repeat("[", 500) + `"}`, Limits{JSONDepth: 3}, ""}, // brackets in a string do not nest
		{`{"h":"a","pad":"` + strings.Repeat("p", 2000) + `"}`, Limits{JSONBytes: 1000}, "JSON over the size limit (limits.json_kb)"},
	} {
		ex, err := New(spec, Options{Limits: tc.limits})
		if err != nil {
			t.Fatal(err)
		}
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		res := ex.Extract(Input{URL: u, Body: []byte(tc.body)})
		runtime.ReadMemStats(&ms1)
		if res.Failure != tc.failure {
			t.Errorf("%.30s…: failure %q, want %q", tc.body, res.Failure, tc.failure)
		}
		if grew := ms1.TotalAlloc - ms0.TotalAlloc; tc.failure != "" && grew > 4*uint64(len(tc.body))+1<<16 {
			t.Errorf("%.30s…: refusing it allocated %d bytes for a %d-byte body", tc.body, grew, len(tc.body))
		}
	}
}

// FuzzCSV: any file is read without a panic, every reject points at a
// line of the file, and the splitter always moves on.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("Creator,Followers\n@a,1K\n\"@b,2K\n@c,\"3\nK\"\n"))
	f.Add([]byte("Creator,Followers\r\n@a,\"1\"\"K\"\r\n"))
	f.Add([]byte("\xef\xbb\xbfCreator,Followers\n,\n"))
	spec := PageSpec{Type: "csv", Entity: "creator", Key: "handle", Fields: map[string]FieldSpec{
		"handle": {Column: "Creator", Kind: "text"}, "followers": {Column: "Followers", Kind: "count"}}}
	ex, err := New(spec, Options{Limits: Limits{FieldBytes: 64, LineBytes: 256}})
	if err != nil {
		f.Fatal(err)
	}
	u, _ := url.Parse("file:///x.csv")
	f.Fuzz(func(t *testing.T, body []byte) {
		res := ex.Extract(Input{URL: u, Body: body})
		lines := strings.Count(string(body), "\n") + 1
		for _, r := range res.Rejects {
			var n int
			if _, err := fmt.Sscanf(r.URL, "file:///x.csv#L%d", &n); err == nil && (n < 1 || n > lines) {
				t.Errorf("reject at line %d of %d", n, lines)
			}
			if !utf8.ValidString(r.Raw) {
				t.Errorf("reject raw is not UTF-8: %q", r.Raw)
			}
		}
	})
}
