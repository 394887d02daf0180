package crawl

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestToUTF8(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"meta windows-1252", "text/html", []byte("<html><head><meta charset=\"windows-1252\"></head><body>Zo\xeb Caf\xe9</body></html>"), "Zoë Café"},
		{"meta http-equiv shift_jis", "text/html", append([]byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body>`), 0x8f, 0xac, 0x94, 0xfc), "小美"},
		{"utf-16 byte order mark", "text/html", []byte{0xff, 0xfe, '<', 0, 'p', 0, '>', 0, 0xe9, 0}, "<p>é"},
		{"utf-8 unchanged", "text/html", []byte("<p>小美 ✨</p>"), "<p>小美 ✨</p>"},
		{"header charset is colly's", "text/html; charset=iso-8859-1", []byte("caf\xe9"), "caf\xe9"},
	} {
		got, _, err := toUTF8(tc.body, tc.contentType)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if s := string(got); !strings.Contains(s, tc.want) {
			t.Errorf("%s: %q, want it to contain %q", tc.name, s, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := mustTime("Mon, 16 Nov 2026 09:00:00 GMT")
	for v, want := range map[string]float64{"120": 120, "0": 0, "Mon, 16 Nov 2026 09:01:30 GMT": 90, "Mon, 16 Nov 2026 08:00:00 GMT": 0} {
		d, ok := retryAfter(v, now)
		if !ok || d.Seconds() != want {
			t.Errorf("Retry-After %q: %v %v, want %vs", v, d, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "-5"} {
		if _, ok := retryAfter(v, now); ok {
			t.Errorf("Retry-After %q accepted", v)
		}
	}
}

func mustTime(s string) time.Time {
	t, err := http.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// A crawl settled its URLs only when it stopped for want of any.
func TestStatsSettled(t *testing.T) {
	for finish, want := range map[string]bool{"frontier empty": true, "nothing to fetch": true, "cancelled": false,
		"store error": false, "page budget reached": false, "": false} {
		if got := (Stats{Finish: finish}).Settled(); got != want {
			t.Errorf("%q: settled %v", finish, got)
		}
	}
}
