package parse

import (
	"bytes"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// TestDecodeFile reads one small export in the encodings exports come in
// and checks the text, the name found and how.
func TestDecodeFile(t *testing.T) {
	text := "handle,name\nzoe,Zoë Café\nmia,Mía — Tienda\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	u16bom, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
	cases := []struct {
		name, body, config, enc, how string
		bad                          int
	}{
		{"utf-8", text, "", "utf-8", "valid UTF-8", 0},
		{"utf-8 bom", "\xef\xbb\xbf" + text, "", "utf-8", "byte order mark", 0},
		{"windows-1252", cp1252, "", "windows-1252", "", 0},
		{"windows-1252 named", cp1252, "cp1252", "cp1252", "config", 0},
		{"utf-16le no bom", u16, "", "utf-16le", "detected (NUL bytes)", 0},
		{"utf-16le bom", u16bom, "", "utf-16le", "byte order mark", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeFile([]byte(c.body), c.config)
			if err != nil {
				t.Fatal(err)
			}
			if string(d.Text) != text {
				t.Errorf("text %q, want %q", d.Text, text)
			}
			if d.Encoding != c.enc || (c.how != "" && d.How != c.how) || d.Undecodable != c.bad {
				t.Errorf("got %s (%s) with %d undecodable, want %s (%s) with %d", d.Encoding, d.How, d.Undecodable, c.enc, c.how, c.bad)
			}
		})
	}
	// UTF-8 damaged in two names: stays UTF-8, counts the bytes, and the
	// two names stay two (\xHH), where U+FFFD would make them one.
	damaged := []byte("handle,name\nzoë,x\ncaf\xe9,x\ncaf\xe8,x\nmía,x\n")
	d, err := DecodeFile(damaged, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Encoding != "utf-8" || d.Undecodable != 2 || !bytes.Equal(d.Text, damaged) {
		t.Errorf("damaged UTF-8: %s (%s) %d undecodable", d.Encoding, d.How, d.Undecodable)
	}
	if a, b := EscapeInvalid("caf\xe9"), EscapeInvalid("caf\xe8"); a != `caf\xE9` || a == b {
		t.Errorf("EscapeInvalid: %q %q", a, b)
	}
	if _, err := DecodeFile(damaged, "klingon"); err == nil || CheckEncoding("klingon") == nil || CheckEncoding("shift_jis") != nil || CheckEncoding("euc-kr") != nil {
		t.Errorf("unknown encodings must be refused, known ones taken: %v", err)
	}
}
