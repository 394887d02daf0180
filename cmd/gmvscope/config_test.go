package main

import (
	"path/filepath"
	"testing"
)

// TestConfigErrors keeps one fixture per bad config and asserts the exact
// message, so every error keeps naming file, line and field.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"unknown-key.yaml", `testdata/config/unknown-key.yaml:19: colour: unknown field`},
		{"bad-selector.yaml", `testdata/config/bad-selector.yaml:15: sources[0].pages.top.rows: bad CSS selector "tr[": expected identifier, found EOF instead`},
		{"bad-kind.yaml", `testdata/config/bad-kind.yaml:18: sources[0].pages.top.fields.handle.kind: unknown kind "txt"; one of count, money, range, percent, rate, number, text, url`},
		{"bad-period.yaml", `testdata/config/bad-period.yaml:10: sources[0].period: "fortnight" is not a period (1d, 7d, 28d, 30d, month, cumulative, or <n>d)`},
		{"no-rate.yaml", `testdata/config/no-rate.yaml:9: sources[0].currency: no rate for IDR under rates: add one with its as_of date`},
		{"start-kind.yaml", `testdata/config/start-kind.yaml:8: sources[0].start[0].kind: page kind "leaderboard" is not configured under pages`},
		{"no-user-agent.yaml", `testdata/config/no-user-agent.yaml:1: user_agent: missing: name gmvscope and a contact URL, e.g. "gmvscope/0.1 (+https://example.org/contact)"`},
		{"bad-json-path.yaml", `testdata/config/bad-json-path.yaml:20: sources[0].pages.top.fields.followers.path: bad JSON path "$..[": not terminated at 5 in $..[`},
		{"bad-key.yaml", `testdata/config/bad-key.yaml:16: sources[0].pages.top.key: "id" is not one of the fields`},
		{"missing-period.yaml", `testdata/config/missing-period.yaml:5: sources[0].period: missing: the window GMV covers (1d, 7d, 28d, 30d, month, cumulative)`},
		{"robots-ttl.yaml", `testdata/config/robots-ttl.yaml:12: sources[0].politeness.robots_ttl: must be at most 24h: RFC 9309 asks crawlers not to use a robots.txt older than that`},
		{"bad-yaml.yaml", `testdata/config/bad-yaml.yaml:1: did not find expected ',' or ']'`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := LoadConfig(filepath.Join("testdata", "config", tc.file))
			if err == nil {
				t.Fatal("loaded without error")
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestConfigGood(t *testing.T) {
	cfg, err := LoadConfig("testdata/config/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Source("shop")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.StartLinks()[0].URL; got != "https://shop.example/top" {
		t.Errorf("start URL %s", got)
	}
	if h := s.Origins(); len(h) != 1 || h[0].String() != "https://shop.example:443" {
		t.Errorf("default allowed origins %v", h)
	}
	if *s.Politeness.RPS != 1 || s.Politeness.Concurrency != 1 || !*s.Politeness.Robots {
		t.Errorf("politeness defaults for a real site: %+v", s.Politeness)
	}
}

func TestBundledConfigLoads(t *testing.T) {
	if _, err := LoadConfig("../../config.yaml"); err != nil {
		t.Fatal(err)
	}
}
