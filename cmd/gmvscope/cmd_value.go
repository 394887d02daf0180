package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gmvscope/config"
	"gmvscope/internal/suggest"
	"gmvscope/market"
	"gmvscope/parse"
)

// ValueCommand prints what gmvscope makes of strings, for people writing a
// source config.
type ValueCommand struct {
	m        *Main
	kind     string
	locale   string
	currency string
	config   string
	signed   bool
	texts    []string
}

// ParseFlags reads the value flags.
func (c *ValueCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("value", "value [--kind KIND] [--locale L] [--currency C] [--signed] [--config FILE] TEXT...\n\n"+
		"Print what gmvscope makes of each text, as JSON: the kind, the exact value (or low and high), the currency and\n"+
		"its minor units, USD with the rate and its date when the config has one, or the reason it does not parse.",
		"gmvscope value --locale id --currency IDR 'Rp 2,1 jt' '35,8 rb'")
	fs.StringVar(&c.kind, "kind", "", "the value `KIND`: "+kindNames()+" (default: guessed from each text)")
	fs.StringVar(&c.locale, "locale", "en", "`LOCALE`, how the source writes numbers: "+strings.Join(parse.Locales(), ", "))
	fs.StringVar(&c.currency, "currency", "USD", "the ISO 4217 `CODE` that \"$\" and bare amounts mean")
	fs.StringVar(&c.config, "config", "", "the config `FILE` whose rates convert money to USD (default: the config found as other commands find it, if any)")
	fs.BoolVar(&c.signed, "signed", false, "allow negative values (changes such as -1,234)")
	texts, err := fs.parse(args)
	if err != nil {
		return err
	}
	hint := `Run "gmvscope value --help" for its flags.`
	c.texts = texts
	if len(c.texts) == 0 {
		return &UsageError{Msg: "value needs at least one TEXT, e.g. gmvscope value '35.8K' 'Rp 2,1 jt'", Hint: hint}
	}
	if c.kind != "" && !market.Kind(c.kind).Valid() {
		return &UsageError{Msg: fmt.Sprintf("unknown --kind %q%s; one of %s", c.kind, suggest.Hint(c.kind, kindList()), kindNames()), Hint: hint}
	}
	if !slices.Contains(parse.Locales(), strings.ToLower(strings.SplitN(strings.ReplaceAll(c.locale, "_", "-"), "-", 2)[0])) {
		return &UsageError{Msg: fmt.Sprintf("unknown --locale %q%s; one of %s", c.locale, suggest.Hint(c.locale, parse.Locales()), strings.Join(parse.Locales(), ", ")), Hint: hint}
	}
	return nil
}

func kindList() []string {
	var out []string
	for _, k := range market.Kinds {
		if k != market.KindText && k != market.KindURL {
			out = append(out, string(k))
		}
	}
	return out
}

func kindNames() string { return strings.Join(kindList(), ", ") }

// valueOut is one line of value's output.
type valueOut struct {
	Text       string   `json:"text"`
	Kind       string   `json:"kind"`
	Value      *int64   `json:"value,omitempty"` // count, or money in minor units
	Low        *int64   `json:"low,omitempty"`
	High       *int64   `json:"high,omitempty"`
	Open       string   `json:"open,omitempty"`
	Percent    *float64 `json:"percent,omitempty"`
	Number     *float64 `json:"number,omitempty"`
	Currency   string   `json:"currency,omitempty"`
	MinorUnits *int     `json:"minor_units,omitempty"` // decimals of the currency: value 123456 with 2 is 1234.56
	Major      *float64 `json:"major,omitempty"`       // the amount in the currency's major unit (midpoint for a range)
	USD        *float64 `json:"usd,omitempty"`
	Rate       *float64 `json:"usd_rate,omitempty"`
	RateAsOf   string   `json:"usd_rate_as_of,omitempty"`
	Per        string   `json:"per,omitempty"`
	Unit       string   `json:"unit,omitempty"`  // what a rate of a count counts: "items"
	Exact      *float64 `json:"exact,omitempty"` // a rate of a count before rounding: 34.7
	Estimate   bool     `json:"estimate,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// Run prints one JSON object per text. Texts that do not parse print their
// error; the exit code is 1 if any failed.
func (c *ValueCommand) Run(context.Context) error {
	rates := config.Rates{}
	if cfg, err := c.m.loadConfig(where{config: c.config}); err == nil {
		rates = cfg.Rates
	} else if !errors.Is(err, config.ErrNoConfig) {
		return err
	}
	enc := json.NewEncoder(c.m.Stdout)
	failed := 0
	for _, text := range c.texts {
		kind := market.Kind(c.kind)
		if kind == "" {
			kind = guessKind(text, c.locale)
		}
		v, err := parse.Value(kind, text, parse.Options{Currency: c.currency, Locale: c.locale, Signed: c.signed})
		out := valueOut{Text: text, Kind: string(kind)}
		if err != nil {
			out.Error = (&parse.FieldError{Raw: text, Err: err}).Error()
			failed++
		} else {
			fill(&out, v, rates)
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d texts did not parse", failed, len(c.texts))
	}
	return nil
}

func fill(out *valueOut, v market.Value, rates config.Rates) {
	out.Estimate, out.Open, out.Per, out.Currency, out.Unit = v.Estimate, v.Open, v.Per, v.Currency, v.Unit
	if v.Kind == market.KindRate && v.Currency == "" && v.Float != float64(v.Num) {
		out.Exact = &v.Float
	}
	switch {
	case v.Kind == market.KindPercent:
		out.Percent = &v.Float
		return
	case v.Kind == market.KindNumber:
		out.Number = &v.Float
		return
	case v.Estimate:
		if v.Open != "below" {
			out.Low = &v.Low
		}
		if v.Open != "above" {
			out.High = &v.High
		}
	default:
		out.Value = &v.Num
	}
	if v.Currency == "" {
		return
	}
	mu := market.MinorUnits(v.Currency)
	major := market.Major(v.Mid(), v.Currency)
	out.MinorUnits, out.Major = &mu, &major
	if r, ok := rates[v.Currency]; ok {
		usd := math.Round(major*r.USD*1e6) / 1e6 // no float noise: a rate has at most six decimals that matter
		out.USD, out.Rate, out.RateAsOf = &usd, &r.USD, r.AsOf
	}
}

// guessKind picks a kind from the text's shape.
func guessKind(s, locale string) market.Kind {
	clean := strings.TrimSpace(parse.Clean(s))
	switch {
	case strings.HasSuffix(clean, "%") || strings.HasSuffix(clean, "%)") || strings.HasSuffix(clean, "٪"):
		return market.KindPercent
	}
	if _, err := parse.Value(market.KindRate, s, parse.Options{Locale: locale}); err == nil {
		return market.KindRate
	}
	// Money: a currency mark read in the locale, or in any locale ("Rp 2,1
	// jt" read as en is then money, whose error names the locale that reads it).
	for _, l := range append([]string{locale}, parse.Locales()...) {
		if v, err := parse.Value(market.KindMoney, s, parse.Options{Locale: l, Currency: "XXX"}); err == nil && v.Currency != "XXX" {
			return market.KindMoney
		}
	}
	return market.KindCount
}
