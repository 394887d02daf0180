package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValueCommand(t *testing.T) {
	m := newTestMain()
	code := m.Run(t.Context(), []string{"value", "--config", "../../config.yaml", "--locale", "id", "--currency", "IDR", "Rp 2,1 jt", "35,8 rb", "1.2.3K"})
	if code != ExitError {
		t.Errorf("exit %d with one bad text, want %d", code, ExitError)
	}
	lines := strings.Split(strings.TrimSpace(m.out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per text:\n%s", m.out)
	}
	var money, count, bad valueOut
	for i, v := range []*valueOut{&money, &count, &bad} {
		if err := json.Unmarshal([]byte(lines[i]), v); err != nil {
			t.Fatal(err)
		}
	}
	if money.Kind != "money" || *money.Value != 2100000 || money.Currency != "IDR" || *money.MinorUnits != 0 ||
		money.USD == nil || *money.USD != 2100000*0.000063 || money.RateAsOf != "2026-11-01" {
		t.Errorf("Rp 2,1 jt: %s", lines[0])
	}
	if count.Kind != "count" || *count.Value != 35800 {
		t.Errorf("35,8 rb: %s", lines[1])
	}
	if bad.Error != `"1.2.3K": malformed number` {
		t.Errorf("1.2.3K: %s", lines[2])
	}
	// Without --locale, a text that is money in another locale is guessed
	// money, and its error names the locales that read it.
	m = newTestMain()
	m.Run(t.Context(), []string{"value", "--config", "../../config.yaml", "Rp 2,1 jt"})
	var other valueOut
	if err := json.Unmarshal(m.out.Bytes(), &other); err != nil || other.Kind != "money" ||
		other.Error != `"Rp 2,1 jt": unknown unit "jt" (locales id, ms read it: set the source's locale)` {
		t.Errorf("Rp 2,1 jt without --locale: %s", m.out)
	}
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"value", "--kind", "range", "--config", "../../config.yaml", "$24.17 - 24.69"}); code != 0 {
		t.Fatalf("exit %d: %s", code, m.errs)
	}
	if got := strings.TrimSpace(m.out.String()); !strings.Contains(got, `"low":2417,"high":2469,"currency":"USD"`) {
		t.Errorf("range: %s", got)
	}
}
