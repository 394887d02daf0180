package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"gmvscope/internal/suggest"
)

// Error is a config problem at a file, line and field.
type Error struct {
	File   string
	Line   int    // 0 when the problem is the whole file
	Column int    // set when the problem is at a place in a value (an alert rule's expression)
	Field  string // dotted path: sources[0].politeness.timeout; "" for the whole file
	Err    error
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			loc += ":" + strconv.Itoa(e.Column)
		}
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", loc, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", loc, e.Field, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// nodeError is a problem found while decoding: at a node of the config's
// YAML tree, or at a path below it (rel, dotted: "fields.handle.kind").
// Load turns it into an *Error naming the line and the whole path.
type nodeError struct {
	node   *yaml.Node
	rel    string
	column int // a column within the node's line, when known
	err    error
}

func (e *nodeError) Error() string { return e.err.Error() }
func (e *nodeError) Unwrap() error { return e.err }

// errAt is a problem at rel below node ("" for node itself).
func errAt(node *yaml.Node, rel string, format string, a ...any) error {
	return &nodeError{node: node, rel: rel, err: fmt.Errorf(format, a...)}
}

// child returns the value under key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// keyNode returns the key node of key in a mapping node, or nil.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// locate finds target in the tree under root and returns its dotted
// path, or ok false.
func locate(root, target *yaml.Node) (string, bool) {
	var walk func(n *yaml.Node, path string) (string, bool)
	walk = func(n *yaml.Node, path string) (string, bool) {
		if n == target {
			return path, true
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if p, ok := walk(c, path); ok {
					return p, true
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				if n.Content[i] == target {
					return p, true
				}
				if q, ok := walk(n.Content[i+1], p); ok {
					return q, true
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if p, ok := walk(c, fmt.Sprintf("%s[%d]", path, i)); ok {
					return p, true
				}
			}
		}
		return "", false
	}
	return walk(root, "")
}

// descend follows a dotted path ("fields.handle.kind", "start[0].url")
// from n and returns the line of the deepest part that exists: the key's
// line for a mapping entry.
func descend(n *yaml.Node, rel string) int {
	line := n.Line
	for _, part := range splitPath(rel) {
		if strings.HasPrefix(part, "[") {
			i, err := strconv.Atoi(strings.Trim(part, "[]"))
			if err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
			continue
		}
		k := keyNode(n, part)
		if k == nil {
			return line
		}
		line, n = k.Line, child(n, part)
	}
	return line
}

func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		for {
			i := strings.IndexByte(seg, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, seg[:i])
			}
			j := strings.IndexByte(seg, ']')
			if j < i {
				break
			}
			out = append(out, seg[i:j+1])
			seg = seg[j+1:]
		}
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || strings.HasPrefix(b, "["):
		return a + b
	}
	return a + "." + b
}

// toError turns what decoding returned into an *Error with file, line
// and field, or into Errors when it found several problems.
func toError(file string, root *yaml.Node, err error) error {
	var list Errors
	var add func(error)
	add = func(err error) {
		var te *yaml.TypeError
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				add(e)
			}
		} else if errors.As(err, &te) && len(te.Errors) > 0 {
			for _, msg := range te.Errors {
				list = append(list, typeError(file, root, msg))
			}
		} else {
			list = append(list, oneError(file, root, err))
		}
	}
	add(err)
	if len(list) == 1 {
		return list[0]
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Line < list[j].Line })
	return list
}

// oneError is toError for one problem.
func oneError(file string, root *yaml.Node, err error) *Error {
	var ne *nodeError
	if errors.As(err, &ne) {
		path, _ := locate(root, ne.node)
		line := ne.node.Line
		if ne.rel != "" {
			line = descend(ne.node, ne.rel)
		} else if k := keyOf(root, ne.node); k != nil {
			line = k.Line // the line that names the field
		}
		if ne.column > 0 {
			line = ne.node.Line
		}
		return &Error{File: file, Line: line, Column: ne.column, Field: joinPath(path, ne.rel), Err: ne.err}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Err: errors.New(m[2])}
	}
	return &Error{File: file, Err: errors.New(msg)}
}

// Errors is every problem found in a config, in the order of their lines.
// Each is printed on a line of its own.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives errors.Is and errors.As each problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// keyOf returns the key node whose value is n, or nil.
func keyOf(root, n *yaml.Node) *yaml.Node {
	var found *yaml.Node
	var walk func(*yaml.Node)
	walk = func(m *yaml.Node) {
		if found != nil {
			return
		}
		if m.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(m.Content); i += 2 {
				if m.Content[i+1] == n {
					found = m.Content[i]
					return
				}
			}
		}
		for _, c := range m.Content {
			walk(c)
		}
	}
	walk(root)
	return found
}

var (
	lineRe    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unmarshRe = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// typeError turns yaml's "line 12: cannot unmarshal !!str `abc` into int"
// into what the field wants and what it got.
func typeError(file string, root *yaml.Node, msg string) *Error {
	m := unmarshRe.FindStringSubmatch(msg)
	if m == nil {
		if lm := lineRe.FindStringSubmatch(msg); lm != nil {
			line, _ := strconv.Atoi(lm[1])
			return &Error{File: file, Line: line, Err: errors.New(lm[2])}
		}
		return &Error{File: file, Err: errors.New(msg)}
	}
	line, _ := strconv.Atoi(m[1])
	got := m[3]
	switch m[2] {
	case "map":
		got = "a mapping"
	case "seq":
		got = "a list"
	}
	return &Error{File: file, Line: line, Field: pathAtLine(root, line), Err: fmt.Errorf("want %s, got %s", want(m[4]), got)}
}

// want says in words what a Go type holds.
func want(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int", "int64", "int32":
		return "a whole number"
	case "float64", "float32":
		return "a number"
	case "bool":
		return "true or false"
	case "string", "market.Entity", "market.Kind":
		return "text"
	case "time.Duration", "config.Duration":
		return "a duration such as 10s"
	}
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping of names to values"
	}
	return "a mapping of its fields" // a struct
}

// pathAtLine returns the path of the value whose key is on line.
func pathAtLine(root *yaml.Node, line int) string {
	best := ""
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := joinPath(path, n.Content[i].Value)
				if n.Content[i].Line == line || n.Content[i+1].Line == line {
					best = p
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Line == line && c.Kind == yaml.ScalarNode {
					best = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return best
}

// strictKeys reports every key in the tree that the Go type it decodes
// into has no field for, each with the closest one: yaml's own strict
// mode does not reach types that decode themselves.
func strictKeys(n *yaml.Node, t reflect.Type) error {
	var errs []error
	unknownKeys(n, t, &errs)
	return errors.Join(errs...)
}

func unknownKeys(n *yaml.Node, t reflect.Type, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			unknownKeys(c, t, errs)
		}
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Struct:
			fields := yamlFields(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if f, ok := fields[k]; ok {
					unknownKeys(n.Content[i+1], f, errs)
				} else {
					*errs = append(*errs, &nodeError{node: n.Content[i], err: fmt.Errorf("unknown field%s", suggest.Hint(k, sortedKeys(fields)))})
				}
			}
		case reflect.Map:
			for i := 0; i+1 < len(n.Content); i += 2 {
				unknownKeys(n.Content[i+1], t.Elem(), errs)
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for _, c := range n.Content {
				unknownKeys(c, t.Elem(), errs)
			}
		}
	}
}

// yamlFields maps a struct's yaml keys to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// Duration is a length of time written as Go writes it (10s, 1m30s, 2h)
// or in days (90d).
type Duration time.Duration

// UnmarshalYAML reads a duration, saying what it wants when it is not one.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errAt(n, "", "want a duration such as 10s, got %s", kindWord(n))
	}
	if days, ok := strings.CutSuffix(n.Value, "d"); ok {
		if k, err := strconv.Atoi(days); err == nil && k >= 0 && k <= 36525 {
			*d = Duration(time.Duration(k) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return errAt(n, "", "want a duration such as 10s, got %s", n.Value)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText reads a duration from a flag: 90d, 36h, 10s.
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if k, err := strconv.Atoi(days); err == nil && k >= 0 && k <= 36525 {
			*d = Duration(time.Duration(k) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 90d or 36h, got %s", s)
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func kindWord(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return n.Value
}
