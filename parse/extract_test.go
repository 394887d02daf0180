package parse

import (
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gmvscope/market"
)

var update = flag.Bool("update", false, "rewrite want.json golden files")

type caseSpec struct {
	Options struct {
		Currency string `yaml:"currency"`
		Period   string `yaml:"period"`
	} `yaml:"options"`
	Page PageSpec `yaml:"page"`
}

type golden struct {
	Records  []market.Record `json:"records"`
	Rejects  []market.Reject `json:"rejects"`
	Links    []market.Link   `json:"links"`
	Listing  *market.Listing `json:"listing,omitempty"`
	Failure  string          `json:"failure,omitempty"`
	Repaired int             `json:"repaired,omitempty"`
}

// TestExtractGolden runs every testdata/<source>/<case>/ folder: spec.yaml
// and page.html in, want.json out. Run with -update to rewrite want.json.
func TestExtractGolden(t *testing.T) {
	dirs, err := caseDirs()
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.ToSlash(dir), func(t *testing.T) {
			ex := loadCase(t, dir)
			body, err := os.ReadFile(filepath.Join(dir, "page.html"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse("http://127.0.0.1:8089/" + filepath.Base(dir))
			res := ex.Extract(Input{URL: u, Body: body})
			g := golden{Records: res.Records, Rejects: res.Rejects, Links: res.Links, Failure: res.Failure, Repaired: res.Repaired}
			if res.Listing != (market.Listing{}) {
				g.Listing = &res.Listing
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(dir, "want.json")
			if *update {
				if err := os.WriteFile(want, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test ./parse -update to create it)", err)
			}
			if strings.TrimSpace(string(w)) != string(got) {
				t.Errorf("extracted records differ from %s:\n%s", want, got)
			}
		})
	}
}

// caseDirs lists testdata/<source>/<case>/ folders; testdata/fuzz holds
// the fuzzers' regression inputs.
func caseDirs() ([]string, error) {
	all, err := filepath.Glob("testdata/*/*")
	var dirs []string
	for _, d := range all {
		if !strings.HasPrefix(filepath.ToSlash(d), "testdata/fuzz/") {
			dirs = append(dirs, d)
		}
	}
	return dirs, err
}

func loadCase(t testing.TB, dir string) Extractor {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cs caseSpec
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&cs); err != nil {
		t.Fatal(err)
	}
	ex, err := New(cs.Page, Options{Currency: cs.Options.Currency, Period: cs.Options.Period})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestSpecErrors(t *testing.T) {
	base := func() PageSpec {
		return PageSpec{Type: "css", Entity: "creator", Rows: "tr", Key: "handle",
			Fields: map[string]FieldSpec{"handle": {Selector: "a", Kind: "text"}}}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*PageSpec)
		want   string
	}{
		{"unknown type", func(s *PageSpec) { s.Type = "xpath" }, `type: unknown extractor type "xpath"; one of css, csv, json`},
		{"bad rows selector", func(s *PageSpec) { s.Rows = "tr[" }, `rows: bad CSS selector "tr["`},
		{"bad field selector", func(s *PageSpec) { s.Fields["handle"] = FieldSpec{Selector: "td..a", Kind: "text"} }, `fields.handle.selector: bad CSS selector "td..a"`},
		{"bad regex", func(s *PageSpec) { s.Fields["handle"] = FieldSpec{Selector: "a", Regex: "([", Kind: "text"} }, `fields.handle.regex: bad regex`},
		{"unknown kind", func(s *PageSpec) { s.Fields["handle"] = FieldSpec{Selector: "a", Kind: "integer"} }, `fields.handle.kind: unknown kind "integer"; one of count, money, range, percent, rate, duration, number, text, url`},
		{"key not a field", func(s *PageSpec) { s.Key = "id" }, `key: "id" is not one of the fields`},
		{"bad entity", func(s *PageSpec) { s.Entity = "shop" }, `entity: must be one of creator, product, live, video, daily, not "shop"`},
		{"json with a selector", func(s *PageSpec) { s.Type = "json" }, `fields.handle.path: missing`},
		{"csv without column", func(s *PageSpec) { s.Type = "csv" }, `fields.handle.column: missing`},
		{"bad json path", func(s *PageSpec) {
			s.Type, s.Script = "json", "script"
			s.Fields["handle"] = FieldSpec{Path: "$.[", Kind: "text"}
		}, `fields.handle.path: bad JSON path "$.["`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.mutate(&s)
			_, err := New(s, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering css twice did not panic")
		}
	}()
	Register("css", newCSS)
}

// TestJSONScriptFastPathAgrees runs every json case twice, finding the
// script by scanning tokens and by building the DOM: the results must match.
func TestJSONScriptFastPathAgrees(t *testing.T) {
	dirs, _ := caseDirs()
	n := 0
	for _, dir := range dirs {
		ex, ok := loadCase(t, dir).(*jsonExtractor)
		if !ok || ex.spec.Script == "" {
			continue // not JSON in a page's <script>: the page itself is JSON
		}
		body, err := os.ReadFile(filepath.Join(dir, "page.html"))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse("http://127.0.0.1:8089/x")
		for _, sel := range []string{ex.spec.Script, `script[type="application/json"]`, `script#creator-data[type="application/json"]`} {
			spec := ex.spec
			spec.Script = sel
			e2, err := New(spec, Options{Currency: "USD", Period: "28d"})
			if err != nil {
				t.Fatal(err)
			}
			fast := e2.(*jsonExtractor)
			if !fast.lone {
				t.Fatalf("%s should take the token path", sel)
			}
			slow := *fast
			slow.lone = false
			a, _ := json.Marshal(fast.Extract(Input{URL: u, Body: body}).Records)
			b, _ := json.Marshal(slow.Extract(Input{URL: u, Body: body}).Records)
			if string(a) != string(b) {
				t.Errorf("%s with %s: token path %s, DOM path %s", dir, sel, a, b)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no json cases")
	}
	for _, sel := range []string{"body > script", "script:first-of-type", "div script"} {
		if loneSelector.MatchString(sel) {
			t.Errorf("%q must use the DOM path", sel)
		}
	}
}
