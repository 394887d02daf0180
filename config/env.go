package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envRe matches ${NAME} and ${NAME:-default}; $${ is a literal ${.
var envRe = regexp.MustCompile(`\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${NAME} and ${NAME:-default} in every scalar of the
// tree with the environment's values, as telegraf and docker compose do,
// so one config serves many machines. It works on the parsed tree, so
// lines stay where they were and comments are left alone. A variable
// that is not set and has no default is an error at its line.
func expandEnv(root *yaml.Node, getenv func(string) string) error {
	var err error
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if err != nil {
			return
		}
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
			v, e := expandString(n.Value, getenv)
			if e != nil {
				err = &nodeError{node: n, err: e}
				return
			}
			if v != n.Value {
				n.Value = v
				if n.Style == 0 { // a plain scalar: its type is read again from the value
					n.Tag = ""
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return err
}

func expandString(s string, getenv func(string) string) (string, error) {
	var err error
	out := envRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$${" {
			return "${"
		}
		sm := envRe.FindStringSubmatch(m)
		name, hasDefault, def := sm[1], sm[2] != "", sm[3]
		v := getenv(name)
		switch {
		case v != "":
			return v
		case hasDefault:
			return def
		}
		if err == nil {
			err = fmt.Errorf("${%s}: the environment variable %s is not set (write ${%s:-default} for a default)", name, name, name)
		}
		return m
	})
	return out, err
}
