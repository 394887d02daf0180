package market

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// AppendShownJSON writes what encoding/json writes for the map, byte for
// byte where no text holds a control character (encoding/json writes
// "\n" where AppendJSON writes "\u000a"), and what reads back the same
// everywhere.
func FuzzAppendShownJSON(f *testing.F) {
	f.Add("followers", "profile", "35812", "leaderboard", "35.8K")
	f.Add("gmv", "leaderboard", "$10K-$25K", "export", "<b>&amp;</b> \"q\" \\ \u2028")
	f.Add("units", "", "", "x\xffy", "line\nbreak\t")
	f.Add("a\"b", "日本", "2.3万", "ر.س", "\x00")
	f.Fuzz(func(t *testing.T, name, k1, r1, k2, r2 string) {
		sh := map[string][]Shown{name: {{Kind: k1, Raw: r1}, {Kind: k2, Raw: r2}}, name + "2": {{Kind: k2, Raw: r1}}, "empty": {}, "none": nil}
		got := AppendShownJSON([]byte("x"), sh)
		if !bytes.HasPrefix(got, []byte("x")) {
			t.Fatalf("did not append: %q", got)
		}
		got = got[1:]
		want, err := json.Marshal(sh)
		if err != nil {
			t.Fatal(err)
		}
		control := strings.ContainsFunc(name+k1+r1+k2+r2, func(r rune) bool { return r < 0x20 })
		if !control && !bytes.Equal(got, want) {
			t.Fatalf("AppendShownJSON %s\nencoding/json   %s", got, want)
		}
		var a, b map[string][]Shown
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("read back %v, encoding/json's %v", a, b)
		}
	})
}
