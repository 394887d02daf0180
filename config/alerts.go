package config

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"gmvscope/internal/suggest"
	"gmvscope/market"
)

// Alerts are rules over each creator's facts after a run, and where to
// send the ones that fire.
type Alerts struct {
	// Webhook is a URL the alerts are POSTed to as JSON after each run;
	// write it as ${VAR} to keep it in the environment. It is never
	// logged or stored.
	Webhook string `yaml:"webhook"`
	Rules   []Rule `yaml:"rules"`
}

// Rule is one alert: a name and an expression over market.Facts
// (followers < 50000 && gmv_rank <= 20), compiled at load.
type Rule struct {
	Name   string `yaml:"name"`
	When   string `yaml:"when"`
	Source string `yaml:"source"` // only this source's creators; "" for every source

	program *vm.Program
	uses    []string // the facts the expression reads
}

// UnmarshalYAML reads the alerts and checks the webhook is a URL.
func (a *Alerts) UnmarshalYAML(n *yaml.Node) error {
	type plain Alerts
	if err := n.Decode((*plain)(a)); err != nil {
		return err
	}
	if a.Webhook != "" {
		u, err := url.Parse(a.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errAt(n, "webhook", "must be an http(s) URL") // never the value: it may be a secret
		}
	}
	seen := map[string]bool{}
	for i, r := range a.Rules {
		if seen[r.Name] {
			return errAt(n, fmt.Sprintf("rules[%d].name", i), "duplicate rule name %q", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// UnmarshalYAML reads a rule and compiles its expression; a mistake is
// an error at its line and column.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	if r.Name == "" {
		return errAt(n, "name", "missing: what the alert says (\"small account in the top 20\")")
	}
	if strings.TrimSpace(r.When) == "" {
		return errAt(n, "when", "missing: an expression over a creator's facts, such as followers < 50000 && gmv_rank <= 20; facts: %s", strings.Join(market.FactNames, ", "))
	}
	program, err := expr.Compile(r.When, expr.Env(market.Facts{}), expr.AsBool())
	if err != nil {
		return ruleError(n, r.When, err)
	}
	tree, _ := parser.Parse(r.When) // it compiled, so it parses
	r.program, r.uses = program, identifiers(tree)
	return nil
}

// ruleError places an expression's error at its line and column in the
// config, and names the closest fact for an unknown name.
func ruleError(n *yaml.Node, src string, err error) error {
	msg := err.Error()
	col := 0
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, col = fe.Message, fe.Column
		if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
			msg += suggest.Hint(strings.TrimSpace(name), market.FactNames)
		}
	}
	v := child(n, "when")
	if v == nil {
		return errAt(n, "when", "%s", msg)
	}
	start := v.Column
	if v.Style == yaml.DoubleQuotedStyle || v.Style == yaml.SingleQuotedStyle {
		start++
	}
	return &nodeError{node: v, column: start + col, err: fmt.Errorf("%s (in %q)", msg, src)}
}

// identifiers lists the names an expression reads.
func identifiers(t *parser.Tree) []string {
	seen := map[string]bool{}
	v := &identVisitor{seen: seen}
	ast.Walk(&t.Node, v)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

type identVisitor struct{ seen map[string]bool }

func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		v.seen[id.Value] = true
	}
}

// Fires reports whether the rule fires for f: it does not when f lacks a
// value the rule reads, so a missing number is never taken for zero.
func (r *Rule) Fires(f market.Facts) (bool, error) {
	if r.Source != "" && r.Source != f.Source {
		return false, nil
	}
	for _, name := range r.uses {
		if f.Lacks(name) {
			return false, nil
		}
	}
	out, err := expr.Run(r.program, f)
	if err != nil {
		return false, fmt.Errorf("alert %q: %w", r.Name, err)
	}
	return out.(bool), nil
}

// Uses lists the facts the rule reads.
func (r *Rule) Uses() []string { return r.uses }
