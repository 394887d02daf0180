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
		{"empty.yaml", `testdata/config/empty.yaml: the file is empty: a config needs user_agent, rates and sources (see config.yaml and the README's Config reference)`},
		{"rate-inf.yaml", `testdata/config/rate-inf.yaml:3: rates.USD.usd: must be a positive, finite rate (USD per 1 USD), not +Inf`},
		{"rate-nan.yaml", `testdata/config/rate-nan.yaml:3: rates.USD.usd: must be a positive, finite rate (USD per 1 USD), not NaN`},
		{"max-body.yaml", `testdata/config/max-body.yaml:12: sources[0].politeness.max_body_kb: must be a size in KB, 1 or more (default 10240), not -1`},
		{"max-pages.yaml", `testdata/config/max-pages.yaml:12: sources[0].politeness.max_pages: must be a number of pages, 1 or more (or leave it out for no limit), not -5`},
		{"rps-nan.yaml", `testdata/config/rps-nan.yaml:12: sources[0].politeness.rps: must be a finite number of requests per second, 0 (unlimited) or more, not NaN`},
		{"error-ratio-nan.yaml", `testdata/config/error-ratio-nan.yaml:12: sources[0].politeness.max_error_ratio: must be a share between 0 and 1, such as 0.2, not NaN`},
		{"period-huge.yaml", `testdata/config/period-huge.yaml:10: sources[0].period: "99999999999999999999d" is not a period: <n>d takes 1 to 36525 days`},
		{"allowed-port.yaml", `testdata/config/allowed-port.yaml:7: sources[0].allowed_hosts: start[0] http://127.0.0.1:8089/top is not on an allowed origin (http://127.0.0.1:34311): list http://127.0.0.1:8089, or leave allowed_hosts out`},
		{"allowed-path.yaml", `testdata/config/allowed-path.yaml:7: sources[0].allowed_hosts[0]: "https://shop.example/top" is not a host, host:port or scheme://host[:port]: leave out paths and queries`},
		{"session-origin.yaml", `testdata/config/session-origin.yaml:13: sources[0].session.origins[0]: https://api.shop.example is not on allowed_hosts (https://shop.example)`},
		{"limits.yaml", `testdata/config/limits.yaml:12: sources[0].limits.json_depth: must be between 1 and 10000 (or leave it out for the default), not -3`},
		{"expect-rows.yaml", `testdata/config/expect-rows.yaml:21: sources[0].pages.top.expect.min_rows: must be 0 (an empty page is good) or more, not -1`},
		{"expect-field.yaml", `testdata/config/expect-field.yaml:21: sources[0].pages.top.expect.fields[0]: "gmv" is not one of the fields`},
		{"expect-total.yaml", "testdata/config/expect-total.yaml:21: sources[0].pages.top.expect.total.regex: bad regex: error parsing regexp: missing closing ): `of ([\\d,]+`"},
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
	if h := s.Origins(); len(h) != 1 || h[0].String() != "https://shop.example" {
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
