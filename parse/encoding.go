package parse

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/saintfish/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// Decoded is a file turned into UTF-8, with how.
type Decoded struct {
	Text []byte
	// Encoding is the name of what the bytes were: utf-8, utf-16le,
	// windows-1252, shift_jis, ...
	Encoding string
	// How says how it was chosen: "config", "byte order mark", "valid
	// UTF-8", or "detected (87% confidence)".
	How string
	// Undecodable counts the bytes that are not text in Encoding (kept as
	// \xHH in keys, U+FFFD elsewhere); nothing is dropped without count.
	Undecodable int
}

// encodings are the names config's encoding: takes, to what they decode.
// latin-1 is ISO 8859-1 itself, not the WHATWG alias for windows-1252.
var encodings = map[string]encoding.Encoding{
	"utf-8":        unicode.UTF8,
	"utf-16":       unicode.UTF16(unicode.LittleEndian, unicode.UseBOM),
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"utf-16be":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"latin-1":      charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"iso-8859-1":   charmap.ISO8859_1,
	"iso-8859-15":  charmap.ISO8859_15,
	"windows-1256": charmap.Windows1256,
	"shift_jis":    japanese.ShiftJIS,
	"sjis":         japanese.ShiftJIS,
	"euc-jp":       japanese.EUCJP,
	"gb18030":      simplifiedchinese.GB18030,
	"gbk":          simplifiedchinese.GBK,
}

// EncodingNames lists the encodings config names directly; any other
// WHATWG label (euc-kr, big5, windows-1251, ...) works too.
func EncodingNames() []string {
	var out []string
	for n := range encodings {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// lookupEncoding finds an encoding by name.
func lookupEncoding(name string) (encoding.Encoding, string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if e, ok := encodings[n]; ok {
		return e, n, nil
	}
	e, err := htmlindex.Get(n)
	if err != nil {
		return nil, "", fmt.Errorf("unknown encoding %q; one of %s, or any WHATWG label", name, strings.Join(EncodingNames(), ", "))
	}
	canon, _ := htmlindex.Name(e)
	return e, canon, nil
}

// CheckEncoding says whether config can name this encoding.
func CheckEncoding(name string) error {
	if name == "" {
		return nil
	}
	_, _, err := lookupEncoding(name)
	return err
}

// DecodeFile turns an export into UTF-8: by its byte order mark, else
// with the encoding config names, else as UTF-8 when it is valid, else as
// UTF-16 when every other byte is NUL, else as what chardet detects (a
// legacy Western, Japanese or Chinese encoding). Bytes that are not text
// in the chosen encoding are counted, and DecodeFile never merges two
// byte sequences into one string: the rows keep what they were.
func DecodeFile(body []byte, name string) (Decoded, error) {
	// A byte order mark cannot be wrong, so it wins even over config: a
	// file re-saved as "Unicode" from a spreadsheet keeps its mapping.
	switch {
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		d := Decoded{Text: body[3:], Encoding: "utf-8", How: "byte order mark"}
		d.Undecodable = invalidBytes(d.Text)
		return d, nil
	case bytes.HasPrefix(body, []byte("\xff\xfe")):
		return decodeWith(body, encodings["utf-16"], "utf-16le", "byte order mark")
	case bytes.HasPrefix(body, []byte("\xfe\xff")):
		return decodeWith(body, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "utf-16be", "byte order mark")
	}
	if name != "" {
		enc, canon, err := lookupEncoding(name)
		if err != nil {
			return Decoded{}, err
		}
		return decodeWith(body, enc, canon, "config")
	}
	if utf8.Valid(body) {
		return Decoded{Text: body, Encoding: "utf-8", How: "valid UTF-8"}, nil
	}
	if le, be := nulHalves(body); le || be {
		if le {
			return decodeWith(body, encodings["utf-16le"], "utf-16le", "detected (NUL bytes)")
		}
		return decodeWith(body, encodings["utf-16be"], "utf-16be", "detected (NUL bytes)")
	}
	// UTF-8 with some bad bytes (a scraper cut a name mid-character)
	// stays UTF-8: read as windows-1252, every good non-ASCII text would
	// be garbled. It is UTF-8 when it holds valid multi-byte characters,
	// at least one for every four bad bytes: a legacy file has next to
	// none (an accented letter then ASCII is not UTF-8).
	if good, bad := utf8Stats(body); good >= 2 && good*4 >= bad {
		return Decoded{Text: body, Encoding: "utf-8", How: "UTF-8, with bytes that are not", Undecodable: bad}, nil
	}
	if r, err := chardet.NewTextDetector().DetectBest(body[:min(len(body), 64<<10)]); err == nil && r.Confidence >= 30 {
		if enc, canon, err := lookupEncoding(r.Charset); err == nil && canon != "utf-8" {
			return decodeWith(body, enc, canon, fmt.Sprintf("detected (%d%% confidence)", r.Confidence))
		}
	}
	return decodeWith(body, charmap.Windows1252, "windows-1252", "not UTF-8; read as the most common legacy encoding")
}

// decodeWith decodes body, counting the replacement characters the
// decoder had to make (beyond those the text already held).
func decodeWith(body []byte, enc encoding.Encoding, name, how string) (Decoded, error) {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return Decoded{}, fmt.Errorf("decode as %s: %w", name, err)
	}
	d := Decoded{Text: bytes.TrimPrefix(out, []byte("\xef\xbb\xbf")), Encoding: name, How: how}
	if name != "utf-8" {
		before := bytes.Count(body, []byte("\xef\xbf\xbd"))
		d.Undecodable = max(0, bytes.Count(out, []byte("\uFFFD"))-before)
	}
	return d, nil
}

// nulHalves reports whether the odd bytes (little-endian UTF-16 of ASCII
// text) or the even ones (big-endian) are mostly NUL.
func nulHalves(b []byte) (le, be bool) {
	n := min(len(b), 4096) &^ 1
	if n < 8 {
		return false, false
	}
	var odd, even int
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	return odd*10 > half*7, even*10 > half*7
}

func invalidBytes(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			n++
		}
		b = b[max(size, 1):]
	}
	return n
}

// utf8Stats counts b's valid multi-byte UTF-8 characters and the bytes
// that are not UTF-8.
func utf8Stats(b []byte) (good, bad int) {
	for len(b) > 0 {
		if b[0] < 0x80 {
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			bad++
			size = 1
		} else {
			good++
		}
		b = b[size:]
	}
	return good, bad
}

// EscapeInvalid writes s with each byte that is not UTF-8 as \xHH, so two
// keys that differ only in undecodable bytes stay two keys ("caf\xe9",
// "caf\xe8"), where U+FFFD would make them one.
func EscapeInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02X`, s[0])
			s = s[1:]
			continue
		}
		b.WriteString(s[:size])
		s = s[size:]
	}
	return b.String()
}
