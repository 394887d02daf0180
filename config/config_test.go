package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gmvscope/internal/testkit"
	"gmvscope/market"
)

// TestErrors keeps one fixture per bad config and asserts the exact
// message, so every error keeps naming file, line and field.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"unknown-key.yaml", `testdata/unknown-key.yaml:19: sources[0].pages.top.fields.followers.colour: unknown field`},
		{"bad-selector.yaml", `testdata/bad-selector.yaml:15: sources[0].pages.top.rows: bad CSS selector "tr[": expected identifier, found EOF instead`},
		{"bad-kind.yaml", `testdata/bad-kind.yaml:18: sources[0].pages.top.fields.handle.kind: unknown kind "txt"; one of count, money, range, percent, rate, duration, number, text, url`},
		{"bad-period.yaml", `testdata/bad-period.yaml:10: sources[0].period: "fortnight" is not a period (1d, 7d, 28d, 30d, month, cumulative, session, or <n>d)`},
		{"no-rate.yaml", `testdata/no-rate.yaml:9: sources[0].currency: no rate for IDR under rates: add one with its as_of date`},
		{"start-kind.yaml", `testdata/start-kind.yaml:8: sources[0].start[0].kind: page kind "leaderboard" is not configured under pages`},
		{"no-user-agent.yaml", `testdata/no-user-agent.yaml:1: user_agent: missing: sources[0] (shop) crawls, and a crawler names gmvscope and a contact URL, e.g. "gmvscope/0.1 (+https://example.org/contact)"`},
		{"bad-json-path.yaml", `testdata/bad-json-path.yaml:20: sources[0].pages.top.fields.followers.path: bad JSON path "$..[": not terminated at 5 in $..[`},
		{"bad-key.yaml", `testdata/bad-key.yaml:16: sources[0].pages.top.key: "id" is not one of the fields`},
		{"missing-period.yaml", `testdata/missing-period.yaml:5: sources[0].period: missing: the window GMV covers (1d, 7d, 28d, 30d, month, cumulative)`},
		{"robots-ttl.yaml", `testdata/robots-ttl.yaml:12: sources[0].politeness.robots_ttl: must be at most 24h: RFC 9309 asks crawlers not to use a robots.txt older than that`},
		{"bad-yaml.yaml", `testdata/bad-yaml.yaml:1: did not find expected ',' or ']'`},
		{"empty.yaml", `testdata/empty.yaml: the file is empty: a config needs user_agent, rates and sources (see config.yaml and the README's Config reference)`},
		{"rate-inf.yaml", `testdata/rate-inf.yaml:3: rates.USD.usd: must be a positive, finite rate (USD per 1 USD), not +Inf`},
		{"rate-nan.yaml", `testdata/rate-nan.yaml:3: rates.USD.usd: must be a positive, finite rate (USD per 1 USD), not NaN`},
		{"rate-code.yaml", `testdata/rate-code.yaml:4: rates.ZZZ: "ZZZ" is not an ISO 4217 currency code`},
		{"max-body.yaml", `testdata/max-body.yaml:12: sources[0].politeness.max_body_kb: must be a size in KB, 1 or more (default 10240), not -1`},
		{"max-pages.yaml", `testdata/max-pages.yaml:12: sources[0].politeness.max_pages: must be a number of pages, 1 or more (or leave it out for no limit), not -5`},
		{"rps-nan.yaml", `testdata/rps-nan.yaml:12: sources[0].politeness.rps: must be a finite number of requests per second, 0 (unlimited) or more, not NaN`},
		{"error-ratio-nan.yaml", `testdata/error-ratio-nan.yaml:12: sources[0].politeness.max_error_ratio: must be a share between 0 and 1, such as 0.2, not NaN`},
		{"period-huge.yaml", `testdata/period-huge.yaml:10: sources[0].period: "99999999999999999999d" is not a period: <n>d takes 1 to 36525 days`},
		{"allowed-port.yaml", `testdata/allowed-port.yaml:7: sources[0].allowed_hosts: start[0] http://127.0.0.1:8089/top is not on an allowed origin (http://127.0.0.1:34311): list http://127.0.0.1:8089, or leave allowed_hosts out`},
		{"allowed-path.yaml", `testdata/allowed-path.yaml:7: sources[0].allowed_hosts[0]: "https://shop.example/top" is not a host, host:port or scheme://host[:port]: leave out paths and queries`},
		{"session-origin.yaml", `testdata/session-origin.yaml:13: sources[0].session.origins[0]: https://api.shop.example is not on allowed_hosts (https://shop.example)`},
		{"limits.yaml", `testdata/limits.yaml:12: sources[0].limits.json_depth: must be between 1 and 10000 (or leave it out for the default), not -3`},
		{"expect-rows.yaml", `testdata/expect-rows.yaml:21: sources[0].pages.top.expect.min_rows: must be 0 (an empty page is good) or more, not -1`},
		{"expect-field.yaml", `testdata/expect-field.yaml:21: sources[0].pages.top.expect.fields[0]: "gmv" is not one of the fields`},
		{"expect-total.yaml", "testdata/expect-total.yaml:21: sources[0].pages.top.expect.total.regex: bad regex: error parsing regexp: missing closing ): `of ([\\d,]+`"},
		{"timeout-int.yaml", `testdata/timeout-int.yaml:12: sources[0].politeness.timeout: want a duration such as 10s, got 10`},
		{"concurrency-text.yaml", `testdata/concurrency-text.yaml:12: sources[0].politeness.concurrency: want a whole number, got eight`},
		{"unknown-top.yaml", `testdata/unknown-top.yaml:2: sourcse: unknown field; did you mean sources?`},
		{"alert-unknown.yaml", `testdata/alert-unknown.yaml:7:34: alerts.rules[0].when: unknown name gmv_rnak; did you mean gmv_rank? (in "followers < 50000 && gmv_rnak <= 20")`},
		{"alert-type.yaml", `testdata/alert-type.yaml:7:14: alerts.rules[0].when: expected bool, but got float64 (in "followers + 1")`},
		{"cron-bad.yaml", `testdata/cron-bad.yaml:11: sources[0].cron: end of range (61) above maximum (59): 61; want five fields (minute hour day-of-month month day-of-week, such as "0 6 * * 1" for Mondays at 06:00) or @hourly, @daily, @weekly, @monthly, @every 6h`},
		{"schedule-tz.yaml", `testdata/schedule-tz.yaml:5: schedule.timezone: not an IANA time zone: "Mars/Olympus"`},
		{"lang-unknown.yaml", `testdata/lang-unknown.yaml:2: lang: no messages for "fr": gmvscope writes reports in ar, en (another language is one file in templates/lang)`},
		{"several.yaml", `testdata/several.yaml:9: sources[0].currency: no rate for EUR under rates: add one with its as_of date
testdata/several.yaml:12: sources[0].start[1].kind: page kind "nosuch" is not configured under pages
testdata/several.yaml:22: sources[0].pages.top.fields.gmv.selector: bad CSS selector "td[": expected identifier, found EOF instead
testdata/several.yaml:29: sources[0].pages.profile.fields.handle.kind: unknown kind "txt"; one of count, money, range, percent, rate, duration, number, text, url
testdata/several.yaml:31: sources[1].period: "fortnight" is not a period (1d, 7d, 28d, 30d, month, cumulative, session, or <n>d)
testdata/several.yaml:34: sources[2].name: duplicate source name "shop"
testdata/several.yaml:36: sources[2].politeness.timeout: want a duration such as 10s, got 10`},
		{"several-keys.yaml", `testdata/several-keys.yaml:6: sources[0].politness: unknown field; did you mean politeness?
testdata/several-keys.yaml:19: sources[0].pages.top.fields.gmv.selectr: unknown field; did you mean selector?`},
		{"several-types.yaml", `testdata/several-types.yaml:9: sources[0].politeness.concurrency: want a whole number, got eight
testdata/several-types.yaml:13: sources[1].period: "fortnight" is not a period (1d, 7d, 28d, 30d, month, cumulative, session, or <n>d)`},
		{"env-unset.yaml", `testdata/env-unset.yaml:6: sources[0].base_url: ${SHOP_URL}: the environment variable SHOP_URL is not set (write ${SHOP_URL:-default} for a default)`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tc.file), testkit.Env{}.Get)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestGood(t *testing.T) {
	cfg, err := Load("testdata/good.yaml", nil)
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
	p := s.Politeness
	if p.RPS != 1 || p.Concurrency != 1 || !p.Robots || p.Timeout.D().String() != "30s" || p.MaxBodyKB != 10240 {
		t.Errorf("politeness defaults for a real site: %+v", p)
	}
	if _, err := cfg.Source("shpo"); err == nil || !strings.Contains(err.Error(), "did you mean shop?") {
		t.Errorf("a mistyped source: %v", err)
	}
}

// TestEnv: ${VAR} and ${VAR:-default} are read from the environment
// before the config is decoded, into numbers as well as text, with the
// lines where they were.
func TestEnv(t *testing.T) {
	text := strings.Join([]string{
		`user_agent: "gmvscope-test (+${CONTACT})"`,
		`store: ${GMV_DB:-output/g.db}`,
		`rates:`,
		`  USD: {usd: 1, as_of: "2026-11-01"}`,
		`sources:`,
		`  - name: shop`,
		`    base_url: ${SHOP_URL}`,
		`    start: [{url: /top, kind: top}]`,
		`    period: 28d`,
		`    politeness:`,
		`      rps: ${RPS:-1}`,
		`      concurrency: ${WORKERS}`,
		`    pages:`,
		`      top: {type: css, entity: creator, rows: tr, key: handle, fields: {handle: {selector: td, kind: text}}}`,
	}, "\n")
	env := testkit.Env{"CONTACT": "https://example.org", "SHOP_URL": "https://shop.example", "WORKERS": "4"}
	cfg, err := Parse("env.yaml", []byte(text), env.Get)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources[0]
	if cfg.UserAgent != "gmvscope-test (+https://example.org)" || cfg.Store != "output/g.db" || s.BaseURL != "https://shop.example" ||
		s.Politeness.RPS != 1 || s.Politeness.Concurrency != 4 {
		t.Errorf("expanded: %q %q %q %+v", cfg.UserAgent, cfg.Store, s.BaseURL, s.Politeness)
	}
	env["WORKERS"] = "many"
	if _, err := Parse("env.yaml", []byte(text), env.Get); err == nil || err.Error() != "env.yaml:12: sources[0].politeness.concurrency: want a whole number, got many" {
		t.Errorf("a variable of the wrong type: %v", err)
	}
}

func TestBundledConfigLoads(t *testing.T) {
	if _, err := Load("../config.yaml", nil); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	user := filepath.Join(dir, "home")
	_, err := Find(Where{Getenv: testkit.Env{}.Get, UserDir: user})
	want := "no config file: looked at --config (not given), $GMVSCOPE_CONFIG (not set), config.yaml (not there), " +
		filepath.Join(user, "gmvscope", "config.yaml") + " (not there); write one with gmvscope init, or name one with --config"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if _, err := Find(Where{Getenv: testkit.Env{"GMVSCOPE_CONFIG": "nope.yaml"}.Get}); err == nil || !strings.Contains(err.Error(), "nope.yaml ($GMVSCOPE_CONFIG)") {
		t.Errorf("a missing $GMVSCOPE_CONFIG: %v", err)
	}
}

// TestAlertRules: a rule fires on the facts it reads, never on a creator
// that lacks one of them (a missing number is not zero).
func TestAlertRules(t *testing.T) {
	text := `user_agent: x
rates: {USD: {usd: 1, as_of: "2026-11-01"}}
alerts:
  rules:
    - {name: small in the top 20, when: "followers < 50000 && gmv_rank <= 20"}
    - {name: doubled, when: gmv_change_pct > 100}
sources:
  - name: shop
    base_url: https://shop.example
    start: [{url: /top, kind: top}]
    period: 28d
    pages:
      top: {type: css, entity: creator, rows: tr, key: handle, fields: {handle: {selector: td, kind: text}}}
`
	cfg, err := Parse("a.yaml", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	small, doubled := &cfg.Alerts.Rules[0], &cfg.Alerts.Rules[1]
	f := market.Facts{Handle: "a", Followers: 35800, GMVRank: 1, GMVChangePct: 250}
	for _, tc := range []struct {
		r    *Rule
		f    market.Facts
		want bool
	}{
		{small, f, true},
		{doubled, f, true},
		{small, market.Facts{Followers: 35800, GMVRank: 21}, false},
		{small, market.Facts{GMVRank: 1, Missing: market.MissingOf("followers")}, false},
		{doubled, market.Facts{Missing: market.MissingOf("gmv_change_pct")}, false},
	} {
		got, err := tc.r.Fires(tc.f)
		if err != nil || got != tc.want {
			t.Errorf("%s on %+v: %v %v, want %v", tc.r.Name, tc.f, got, err, tc.want)
		}
	}
}

// An import-only config (no start URLs) needs no user_agent, and a USD
// source needs no USD rate: it is 1.
func TestImportOnly(t *testing.T) {
	cfg, err := Parse("import.yaml", []byte(`sources:
  - name: vendor
    currency: USD
    period: 28d
    pages:
      export:
        type: csv
        entity: creator
        key: handle
        fields:
          handle: {column: Handle, kind: text}
          gmv: {column: GMV, kind: money}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := cfg.Source("vendor")
	if info := cfg.Info(src); info.RateUSD != 1 || !info.RateAsOf.IsZero() {
		t.Errorf("USD rate %v as of %v, want 1 and no date", info.RateUSD, info.RateAsOf)
	}
}

// TestEveryProblemNamed: a config with several problems is one error
// that lists each as an *Error with its own line and field, so the
// command prints each on a line of its own.
func TestEveryProblemNamed(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "several.yaml"), testkit.Env{}.Get)
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("got %T %v, want Errors", err, err)
	}
	var lines []int
	for _, e := range list {
		if e.File == "" || e.Line == 0 || e.Field == "" {
			t.Errorf("%q: want file, line and field", e)
		}
		lines = append(lines, e.Line)
	}
	if want := []int{9, 12, 22, 29, 31, 34, 36}; !slices.Equal(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
	var one *Error
	if !errors.As(err, &one) || one.Line != 9 {
		t.Errorf("errors.As(*Error) = %v, want the first problem", one)
	}
}
