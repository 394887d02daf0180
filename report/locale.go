package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/currency"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"gmvscope/market"
	"gmvscope/templates"
)

// Locale is a language of the report and its exported charts: the
// messages of one file in templates/lang, and numbers, plurals and dates
// for the locale's tag (golang.org/x/text). A tag such as ar-AE takes its
// messages from ar.yaml and its digits from CLDR's ar-AE (Latin digits),
// where plain ar writes Arabic-Indic digits.
type Locale struct {
	Tag  language.Tag
	Lang string // the message file: en, ar
	Name string // the language's own name
	RTL  bool

	digits         [10]string
	group, decimal string
	percent        string // "{n}%"
	units          []string
	money          string            // "{sym}{n}"
	symbols        map[string]string // currency symbols that replace CLDR's
	months, short  []string
	date, shortFmt string // "{d} {month} {y}", "{d} {month}"
	msgs           map[string]msg
	// variant, when set ("views"), is tried first: "views.scatter.h2"
	// in place of "scatter.h2", for a report on a source without GMV.
	variant string

	asked *missingKeys // shared by a locale and its variants
}

// missingKeys are the message keys asked for that the file lacks.
type missingKeys struct {
	mu   sync.Mutex
	keys []string
}

// Variant returns the locale whose messages are its variant's where it
// has one ("views": a report of followers against views).
func (l *Locale) Variant(v string) *Locale {
	c := *l
	c.variant = v
	return &c
}

// msg is one message: a text, or texts by CLDR plural form.
type msg struct {
	text   string
	plural map[plural.Form]string
}

// langFile is a message file's shape.
type langFile struct {
	Name    string `yaml:"name"`
	Dir     string `yaml:"dir"`
	Numbers struct {
		Units   []string          `yaml:"units"`
		Money   string            `yaml:"money"`
		Symbols map[string]string `yaml:"symbols"`
	} `yaml:"numbers"`
	Dates struct {
		Months      []string `yaml:"months"`
		Short       []string `yaml:"short"`
		Format      string   `yaml:"format"`
		ShortFormat string   `yaml:"short_format"`
	} `yaml:"dates"`
	Messages map[string]yaml.Node `yaml:"messages"`
}

var pluralForms = map[string]plural.Form{"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other}

var (
	localeMu    sync.Mutex
	localeCache = map[string]*Locale{}
)

// English is the default locale.
func English() *Locale {
	l, err := LoadLocale("en")
	if err != nil {
		panic(err) // the embedded en.yaml is tested
	}
	return l
}

// LoadLocale returns the locale of a BCP 47 tag ("en", "ar", "ar-AE"):
// messages from the file of its base language, numbers from the tag.
// The empty tag is English.
func LoadLocale(tag string) (*Locale, error) {
	if tag == "" {
		tag = "en"
	}
	localeMu.Lock()
	defer localeMu.Unlock()
	if l, ok := localeCache[tag]; ok {
		return l, nil
	}
	t, err := language.Parse(tag)
	if err != nil {
		return nil, fmt.Errorf("language %q: not a language tag such as en, ar or ar-AE", tag)
	}
	base, _ := t.Base()
	langs := templates.Langs()
	if !slices.Contains(langs, base.String()) {
		return nil, fmt.Errorf("language %q: gmvscope has messages for %s; another language is one file in templates/lang", tag, strings.Join(langs, ", "))
	}
	raw, err := templates.Lang(base.String())
	if err != nil {
		return nil, err
	}
	l, err := parseLocale(t, base.String(), raw)
	if err != nil {
		return nil, err
	}
	localeCache[tag] = l
	return l, nil
}

func parseLocale(t language.Tag, lang string, raw []byte) (*Locale, error) {
	var f langFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("templates/lang/%s.yaml: %w", lang, err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("templates/lang/%s.yaml: %s", lang, fmt.Sprintf(format, a...))
	}
	l := &Locale{asked: &missingKeys{}, Tag: t, Lang: lang, Name: f.Name, RTL: f.Dir == "rtl", units: f.Numbers.Units, money: f.Numbers.Money,
		symbols: f.Numbers.Symbols, months: f.Dates.Months, short: f.Dates.Short,
		date: f.Dates.Format, shortFmt: f.Dates.ShortFormat, msgs: map[string]msg{}}
	if f.Dir != "rtl" && f.Dir != "ltr" {
		return nil, bad("dir is %q, want ltr or rtl", f.Dir)
	}
	if len(l.units) != 5 || len(l.months) != 12 || len(l.short) != 12 || !strings.Contains(l.money, "{n}") ||
		!strings.Contains(l.date, "{d}") || !strings.Contains(l.shortFmt, "{d}") {
		return nil, bad("numbers.units needs 5 entries, dates.months and dates.short 12, numbers.money {n}, dates.format and short_format {d}")
	}
	for key, node := range f.Messages {
		switch node.Kind {
		case yaml.ScalarNode:
			l.msgs[key] = msg{text: node.Value}
		case yaml.MappingNode:
			m := msg{plural: map[plural.Form]string{}}
			for i := 0; i+1 < len(node.Content); i += 2 {
				form, ok := pluralForms[node.Content[i].Value]
				if !ok {
					return nil, bad("line %d: message %s: plural form %q is not one of zero, one, two, few, many, other", node.Content[i].Line, key, node.Content[i].Value)
				}
				m.plural[form] = node.Content[i+1].Value
			}
			if _, ok := m.plural[plural.Other]; !ok {
				return nil, bad("line %d: message %s has no 'other' form", node.Line, key)
			}
			l.msgs[key] = m
		default:
			return nil, bad("line %d: message %s is neither a text nor plural forms", node.Line, key)
		}
	}
	l.symbolsFromCLDR()
	return l, nil
}

// symbolsFromCLDR takes the locale's digits and separators from x/text's
// formatting of known numbers, so the report's Go side and its charts'
// JavaScript write numbers alike.
func (l *Locale) symbolsFromCLDR() {
	p := message.NewPrinter(l.Tag)
	for d := range 10 {
		l.digits[d] = p.Sprint(number.Decimal(d))
	}
	s := p.Sprint(number.Decimal(1234.5, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	// "1,234.5": between the digits for 1 and 2 is the group separator,
	// between 4 and 5 the decimal one.
	one, two, four, five := l.digits[1], l.digits[2], l.digits[4], l.digits[5]
	if i, j := strings.Index(s, one), strings.Index(s, two); i >= 0 && j > i {
		l.group = s[i+len(one) : j]
	}
	if i, j := strings.LastIndex(s, four), strings.LastIndex(s, five); i >= 0 && j > i {
		l.decimal = s[i+len(four) : j]
	}
	if l.decimal == "" {
		l.decimal = "."
	}
	pc := p.Sprint(number.Percent(0.5))
	l.percent = strings.Replace(pc, l.digits[5]+l.digits[0], "{n}", 1)
	if !strings.Contains(l.percent, "{n}") {
		l.percent = "{n}%"
	}
}

// Missing returns the message keys asked for that the locale's file lacks.
func (l *Locale) Missing() []string {
	l.asked.mu.Lock()
	defer l.asked.mu.Unlock()
	return slices.Clone(l.asked.keys)
}

// Keys returns the locale's message keys, sorted.
func (l *Locale) Keys() []string {
	var keys []string
	for k := range l.msgs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Placeholders returns the {names} a message uses, sorted, over all its forms.
func (l *Locale) Placeholders(key string) []string {
	m := l.msgs[key]
	texts := []string{m.text}
	for _, t := range m.plural {
		texts = append(texts, t)
	}
	seen := map[string]bool{}
	for _, t := range texts {
		for _, s := range placeholder.FindAllStringSubmatch(t, -1) {
			seen[s[1]] = true
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var placeholder = regexp.MustCompile(`\{([a-z_0-9]+)\}`)

// pick returns the message's text for its arguments (the plural form of
// the argument n when it has forms).
func (l *Locale) pick(key string, args []any) string {
	m, ok := l.msgs[key]
	if l.variant != "" {
		if v, vok := l.msgs[l.variant+"."+key]; vok {
			m, ok = v, true
		}
	}
	if !ok {
		l.asked.mu.Lock()
		if !slices.Contains(l.asked.keys, key) {
			l.asked.keys = append(l.asked.keys, key)
		}
		l.asked.mu.Unlock()
		return "⟦" + key + "⟧"
	}
	if m.plural == nil {
		return m.text
	}
	n := 0
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == "n" {
			switch v := args[i+1].(type) {
			case int:
				n = v
			case int64:
				n = int(v)
			case Num:
				n = int(math.Round(v.V))
			}
		}
	}
	if n < 0 {
		n = -n
	}
	form := plural.Cardinal.MatchPlural(l.Tag, n, 0, 0, 0, 0)
	if t, ok := m.plural[form]; ok {
		return t
	}
	return m.plural[plural.Other]
}

// Isolates around text laid out inside a chart: an RTL locale's messages
// run right to left inside an SVG or canvas line that zrender lays out
// left to right, and handles, URLs and numbers inside them left to right.
const (
	rli = "\u2067" // right-to-left isolate
	fsi = "\u2068" // first-strong isolate
	pdi = "\u2069" // pop directional isolate
)

// arg writes one argument: a Num in the locale's form, an int as a count,
// anything else as text.
func (l *Locale) arg(v any) string {
	switch x := v.(type) {
	case Num:
		return l.Num(x)
	case int:
		return l.Num(count(x))
	case int64:
		return l.Num(count64(x))
	case string:
		return x
	case template.HTML:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// fill substitutes args (name, value pairs) into text; each value goes
// through wrap.
func (l *Locale) fill(text string, args []any, wrap func(name string, v any) string) string {
	vals := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			vals[k] = args[i+1]
		}
	}
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := vals[name]
		if !ok {
			return m
		}
		return wrap(name, v)
	})
}

// T writes a message as plain text, for CSV, JSON, logs and tooltips:
// no isolates, no markup. Args are name, value pairs: {"n", 3, "source", "demo"}.
func (l *Locale) T(key string, args ...any) string {
	text := strings.ReplaceAll(l.pick(key, args), "**", "")
	return l.fill(text, args, func(_ string, v any) string { return l.arg(v) })
}

// Chart writes a message for text drawn inside a chart (titles, axis and
// series names, notes): in a right-to-left locale the message is a
// right-to-left isolate and each argument a first-strong one, so
// "@handle" and "35.8K" keep their order inside Arabic.
func (l *Locale) Chart(key string, args ...any) string {
	text := strings.ReplaceAll(l.pick(key, args), "**", "")
	if !l.RTL {
		return l.fill(text, args, func(_ string, v any) string { return l.arg(v) })
	}
	return rli + l.fill(text, args, func(_ string, v any) string { return fsi + l.arg(v) + pdi }) + pdi
}

// Lines writes a message for text that charts.js wraps onto lines inside
// an image (titles, subtitles, notes, the source line): arguments isolated
// as in Chart, the message itself not, since charts.js makes each line its
// own right-to-left isolate.
func (l *Locale) Lines(key string, args ...any) string {
	text := strings.ReplaceAll(l.pick(key, args), "**", "")
	if !l.RTL {
		return l.fill(text, args, func(_ string, v any) string { return l.arg(v) })
	}
	return l.fill(text, args, func(_ string, v any) string { return fsi + l.arg(v) + pdi })
}

// Iso isolates a scraped text (a handle, a product title) for a chart in
// a right-to-left locale.
func (l *Locale) Iso(s string) string {
	if !l.RTL {
		return s
	}
	return fsi + s + pdi
}

// HTML writes a message for the page: its text escaped, **bold** as
// <strong>, each argument escaped inside <bdi> so a handle or number keeps
// its direction in any language; a template.HTML argument (a link the
// template built) goes in as it is.
func (l *Locale) HTML(key string, args ...any) template.HTML {
	text := html.EscapeString(l.pick(key, args))
	parts := strings.Split(text, "**")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<strong>" + p + "</strong>")
		} else {
			if i%2 == 1 {
				b.WriteString("**")
			}
			b.WriteString(p)
		}
	}
	out := l.fill(b.String(), args, func(_ string, v any) string {
		if h, ok := v.(template.HTML); ok {
			return string(h)
		}
		return "<bdi>" + html.EscapeString(l.arg(v)) + "</bdi>"
	})
	return template.HTML(out)
}

// Num writes a figure in the locale.
func (l *Locale) Num(n Num) string {
	if n.NA || math.IsNaN(n.V) || math.IsInf(n.V, 0) {
		return l.T("na")
	}
	switch n.Form {
	case Count:
		return l.fixed(math.Round(n.V), 0)
	case Compact:
		return l.compact(n.V)
	case Money:
		return l.moneyText(n.V, n.Cur, false)
	case Price:
		return l.moneyText(n.V, n.Cur, true)
	case Share:
		return l.pct(n.V*100, 1)
	case Fixed2:
		return l.fixed(n.V, 2)
	case Fixed3:
		return l.fixed(n.V, 3)
	case Bytes:
		return l.compact(n.V) + "B"
	}
	return l.fixed(n.V, -1)
}

// fixed writes v with d decimals (-1: as many as it needs), grouped.
func (l *Locale) fixed(v float64, d int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', d, 64)
	if s == "0" || strings.Trim(s, "0.") == "" {
		v = 0 // no "-0"
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 {
		b.WriteString("-")
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(l.group)
		}
		b.WriteString(l.digits[c-'0'])
	}
	if frac != "" {
		b.WriteString(l.decimal)
		for _, c := range frac {
			b.WriteString(l.digits[c-'0'])
		}
	}
	return b.String()
}

func (l *Locale) pct(v float64, d int) string {
	return strings.Replace(l.percent, "{n}", l.fixed(v, d), 1)
}

// compact writes a large count rounded to one decimal with the locale's
// unit: 35.8K. A value that rounds up to the next unit takes it: 999,960
// is 1.0M, not 1000.0K.
func (l *Locale) compact(v float64) string {
	u := 0
	for math.Abs(v) >= 999.95 && u < len(l.units)-1 {
		v /= 1000
		u++
	}
	if u == 0 {
		return l.fixed(math.Round(v), 0)
	}
	return l.fixed(v, 1) + l.units[u]
}

// compactRound writes a round bound (10,000, 1,000,000) compact without a
// needless decimal: 10K, 1M; 2,500 stays 2.5K.
func (l *Locale) compactRound(v float64) string {
	s := l.compact(v)
	zero := l.decimal + l.digits[0]
	for _, u := range l.units[1:] {
		if strings.HasSuffix(s, zero+u) {
			return strings.TrimSuffix(s, zero+u) + u
		}
	}
	return s
}

// sig3 rounds v (0 < v < 1000) to three significant digits and says how
// many decimals that leaves.
func sig3(v float64) (float64, int) {
	if v == 0 {
		return 0, 0
	}
	d := 2 - int(math.Floor(math.Log10(v)))
	if d < 0 {
		d = 0
	}
	p := math.Pow(10, float64(d))
	r := math.Round(v*p) / p
	if r >= 1000 || (d > 0 && math.Floor(math.Log10(r)) > math.Floor(math.Log10(v))) {
		// 9.995 → 10.0: one decimal fewer
		if d > 0 {
			d--
		}
		p = math.Pow(10, float64(d))
		r = math.Round(v*p) / p
	}
	return r, d
}

// moneyText writes an amount of cur (USD when empty). An amount is three
// significant digits below 1,000 ($853, $46.8, $8.53) and compact above
// ($2.6K, $2.1M), so a column never mixes "$853.39" with "$2.6K"; a price
// (exact) keeps the currency's minor units ($12.99).
func (l *Locale) moneyText(v float64, cur string, exact bool) string {
	if cur == "" {
		cur = "USD"
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	var n string
	switch {
	case exact:
		n = l.fixed(v, market.MinorUnits(cur))
	default:
		r, d := sig3(v)
		if r >= 1000 || v >= 999.95 {
			n = l.compact(v)
		} else {
			n = l.fixed(r, d)
		}
	}
	out := strings.Replace(strings.Replace(l.money, "{sym}", l.Symbol(cur), 1), "{n}", n, 1)
	return sign + out
}

// Symbol is the currency's symbol in the locale: the message file's own
// ("$" for USD in English), else CLDR's narrow symbol ("Rp"), else the code.
func (l *Locale) Symbol(cur string) string {
	if s, ok := l.symbols[cur]; ok {
		return s
	}
	u, err := currency.ParseISO(cur)
	if err != nil {
		return cur + " "
	}
	s := message.NewPrinter(l.Tag).Sprint(currency.NarrowSymbol(u))
	if s == cur {
		return cur + " "
	}
	return s
}

// Date writes a day in the locale: "1 December 2026", "١ ديسمبر ٢٠٢٦".
func (l *Locale) Date(t time.Time) string {
	t = t.UTC()
	r := strings.NewReplacer("{d}", l.fixed(float64(t.Day()), 0), "{month}", l.months[t.Month()-1],
		"{y}", strings.ReplaceAll(l.fixed(float64(t.Year()), 0), l.group, ""))
	return r.Replace(l.date)
}

// ShortDate writes a day without its year, short: "1 Dec".
func (l *Locale) ShortDate(t time.Time) string {
	t = t.UTC()
	return strings.NewReplacer("{d}", l.fixed(float64(t.Day()), 0), "{month}", l.short[t.Month()-1]).Replace(l.shortFmt)
}

// DateTime writes a day and UTC time: "1 December 2026, 08:32 UTC".
func (l *Locale) DateTime(t time.Time) string {
	t = t.UTC()
	hm := l.digitsOf(t.Format("15:04"))
	return l.T("date_time", "date", l.Date(t), "time", hm)
}

// ID writes a snapshot or run number in the locale's digits, ungrouped:
// snapshot 1234, اللقطة ١٢٣٤.
func (l *Locale) ID(id int64) string { return l.digitsOf(strconv.FormatInt(id, 10)) }

// digitsOf writes the ASCII digits of s in the locale's digits.
func (l *Locale) digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteString(l.digits[c-'0'])
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// JS is what the charts' JavaScript needs to write numbers as the Go side
// does (templates/charts.js).
func (l *Locale) JS() map[string]any {
	syms := map[string]string{}
	for _, c := range []string{"USD"} {
		syms[c] = l.Symbol(c)
	}
	return map[string]any{"lang": l.Lang, "rtl": l.RTL, "digits": l.digits[:], "group": l.group, "decimal": l.decimal,
		"percent": l.percent, "units": l.units, "money": l.money, "symbols": syms,
		"binCreators": l.T("chart.scatter.bin_tooltip", "n", "{n}")}
}
