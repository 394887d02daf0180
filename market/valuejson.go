package market

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeValues reads an object of values ({"followers": {...}, "gmv":
// {...}}) as AppendJSON writes them, calling set with each field's name
// and value, without encoding/json's reflection: a whole-market report
// reads 600,000 of these. Anything it does not expect (an unknown key, a
// number in another form) is read by encoding/json instead, so the result
// is the same either way. The values' texts are parts of s, not copies (a
// column is read from the store as a string already), so s stays in
// memory while any of them does.
func DecodeValues(s string, set func(name string, v *Value)) error {
	d := valueDecoder{b: s}
	if err := d.object(set); err == nil {
		return nil
	}
	var m map[string]*Value
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return err
	}
	for name, v := range m {
		set(name, v)
	}
	return nil
}

// Scratch is where DecodeValuesLean puts the values it reads, reused
// from one call to the next.
type Scratch struct {
	vals [12]Value
	n    int
}

// DecodeValuesLean is DecodeValues for a caller that reads only the
// numbers and drops the values before its next call: they live in
// scratch and their raw texts are not kept (Raw and Text are empty), so a
// whole market's standings are read without allocating a value each.
func DecodeValuesLean(s string, scratch *Scratch, set func(name string, v *Value)) error {
	return decodeScratch(s, scratch, true, set)
}

// DecodeValuesInto is DecodeValues for a caller that drops the values
// before its next call: they are whole (raw texts and all) but live in
// scratch, so a whole market's values are read without allocating a value
// each (data.csv reads 600,000 creators' in turn).
func DecodeValuesInto(s string, scratch *Scratch, set func(name string, v *Value)) error {
	return decodeScratch(s, scratch, false, set)
}

// DecodeFieldsInto decodes a record's values into fields, which holds the
// record before's: a field both have is overwritten, one this record lacks
// is deleted, so fields ends as DecodeValues would make it. A map of
// values as large as Value keeps each in an allocation of its own, which a
// cleared map makes again for every field: a whole market's merge made
// 9 million of them.
func DecodeFieldsInto(s string, scratch *Scratch, fields map[string]Value) error {
	var buf [16]string
	names := buf[:0] // the fields set, once each
	err := decodeScratch(s, scratch, false, func(name string, v *Value) {
		fields[name] = *v
		if !slices.Contains(names, name) { // a fallback to DecodeValues sets them again
			names = append(names, name)
		}
	})
	if err != nil {
		return err
	}
	if len(fields) > len(names) {
		for name := range fields {
			if !slices.Contains(names, name) {
				delete(fields, name)
			}
		}
	}
	return nil
}

// decodeScratch reads values into scratch (lean: without their texts);
// a form the fast path does not read is read by DecodeValues.
func decodeScratch(s string, scratch *Scratch, lean bool, set func(name string, v *Value)) error {
	d := valueDecoder{b: s, scratch: scratch, lean: lean}
	scratch.n = 0
	if err := d.object(set); err == nil {
		return nil
	}
	return DecodeValues(s, set)
}

var errSlow = errors.New("not in the fast form")

// valueDecoder reads JSON from a string; the texts it returns are parts
// of it.
type valueDecoder struct {
	scratch *Scratch // values go here, not to the heap (with lean)
	lean    bool     // raw and text are skipped
	b       string
	i       int
}

func (d *valueDecoder) skip() {
	for d.i < len(d.b) && d.b[d.i] <= ' ' && (d.b[d.i] == ' ' || d.b[d.i] == '\n' || d.b[d.i] == '\t' || d.b[d.i] == '\r') {
		d.i++
	}
}

func (d *valueDecoder) byte(c byte) error {
	d.skip()
	if d.i >= len(d.b) || d.b[d.i] != c {
		return errSlow
	}
	d.i++
	return nil
}

// str reads a string. One with escapes (a name's "\u0026", a list's
// "\u001f") is unescaped here, or where unescape leaves it, read by
// encoding/json.
func (d *valueDecoder) str() (string, error) {
	if err := d.byte('"'); err != nil {
		return "", err
	}
	start, plain := d.i, true
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '"':
			s := d.b[start:d.i]
			d.i++
			if plain {
				return s, nil
			}
			if out, ok := unescape(s); ok {
				return out, nil
			}
			var out string
			if err := json.Unmarshal([]byte(d.b[start-1:d.i]), &out); err != nil {
				return "", errSlow
			}
			return out, nil
		case '\\':
			plain = false
			d.i += 2 // the escaped byte is never the closing quote
			continue
		}
		d.i++
	}
	return "", errSlow
}

// unescape reads the inside of a JSON string that has escapes, as
// encoding/json does; ok is false for what it leaves to encoding/json: a
// surrogate (a pair makes one rune), a bad escape, a control character, a
// quote not escaped or bytes that are not UTF-8. A whole market's merge
// read 600,000 product lists ("\u001f" between their ids) by
// encoding/json, a ninth of its decoding.
func unescape(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			j := strings.IndexByte(s[i:], '\\')
			if j < 0 {
				j = len(s) - i
			}
			run := s[i : i+j]
			for k := 0; k < len(run); k++ {
				if run[k] < ' ' || run[k] == '"' {
					return "", false
				}
			}
			if !utf8.ValidString(run) {
				return "", false
			}
			b.WriteString(run)
			i += j
			continue
		}
		if i+1 == len(s) {
			return "", false
		}
		if c := jsonEscapes[s[i+1]]; c != 0 {
			b.WriteByte(c)
			i += 2
			continue
		}
		if s[i+1] != 'u' || i+6 > len(s) {
			return "", false
		}
		r, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil || utf16.IsSurrogate(rune(r)) {
			return "", false
		}
		b.WriteRune(rune(r))
		i += 6
	}
	return b.String(), true
}

// jsonEscapes maps the byte after a backslash to what it stands for
// (zero: not one of these; \u is read apart).
var jsonEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// scalar reads a number or a boolean as its text.
func (d *valueDecoder) scalar() (string, error) {
	d.skip()
	start := d.i
	for d.i < len(d.b) && d.b[d.i] != ',' && d.b[d.i] != '}' && d.b[d.i] != ' ' {
		d.i++
	}
	if d.i == start {
		return "", errSlow
	}
	return d.b[start:d.i], nil
}

// parseInt reads a decimal integer as JSON writes one; ok is false for
// anything else (an exponent, a fraction, too many digits).
func parseInt(b string) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(b); i++ {
		if c := b[i]; c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// skipped reads a string and returns none.
func (d *valueDecoder) skipped() (string, error) {
	if _, err := d.plain(); err != nil {
		return "", err
	}
	return "", nil
}

// plain reads a string without escapes as the bytes it holds (valid
// until the input changes).
func (d *valueDecoder) plain() (string, error) {
	if err := d.byte('"'); err != nil {
		return "", err
	}
	start := d.i
	for d.i < len(d.b) && d.b[d.i] != '"' {
		if d.b[d.i] == '\\' {
			return "", errSlow
		}
		d.i++
	}
	if d.i >= len(d.b) {
		return "", errSlow
	}
	d.i++
	return d.b[start : d.i-1], nil
}

// shared reads a string that many values share (a kind, a currency, a
// period) and returns one copy of each, up to a few thousand distinct.
func (d *valueDecoder) shared() (string, error) {
	start := d.i
	if err := d.byte('"'); err != nil {
		return "", err
	}
	end := d.i
	for end < len(d.b) && d.b[end] != '"' && d.b[end] != '\\' {
		end++
	}
	if end >= len(d.b) || d.b[end] != '"' {
		d.i = start
		return d.str()
	}
	raw := d.b[d.i:end]
	d.i = end + 1
	if len(raw) == 0 {
		return "", nil
	}
	slot := slotOf(raw)
	if s := (*sharedSlots.Load())[slot]; s == raw {
		return s, nil // most texts: one comparison
	}
	if s, ok := (*sharedTexts.Load())[raw]; ok {
		return s, nil
	}
	s := strings.Clone(raw) // not a part of the whole object's text
	// A new text: the tables are copied with it, so reading them takes
	// no lock (new texts stop coming after the first few values). A slot
	// is taken by the first text that lands on it, and kept.
	sharedMu.Lock()
	defer sharedMu.Unlock()
	old := *sharedTexts.Load()
	if len(old) < 4096 {
		m := make(map[string]string, len(old)+1)
		for k, v := range old {
			m[k] = v
		}
		m[s] = s
		sharedTexts.Store(&m)
	}
	if slots := sharedSlots.Load(); slots[slot] == "" {
		next := *slots
		next[slot] = s
		sharedSlots.Store(&next)
	}
	return s, nil
}

// slotOf places a shared text (not empty) in sharedSlots by its length
// and its first and last bytes, which tell apart the kinds, currencies,
// periods and field names values share.
func slotOf(b string) uint8 { return uint8(len(b)*7) ^ b[0]*31 ^ b[len(b)-1] }

var (
	sharedMu    sync.Mutex
	sharedTexts atomic.Pointer[map[string]string]
	sharedSlots atomic.Pointer[[256]string] // a text per slot: see slotOf
)

func init() {
	sharedTexts.Store(&map[string]string{})
	sharedSlots.Store(&[256]string{})
}

func (d *valueDecoder) object(set func(string, *Value)) error {
	if err := d.byte('{'); err != nil {
		return err
	}
	d.skip()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return nil
	}
	type field struct {
		name string
		v    *Value
	}
	var got [12]field // set only once the whole object has read
	fields := got[:0]
	for {
		name, err := d.shared()
		if err != nil {
			return err
		}
		if err := d.byte(':'); err != nil {
			return err
		}
		v, err := d.value()
		if err != nil {
			return err
		}
		fields = append(fields, field{name, v})
		d.skip()
		if d.i >= len(d.b) {
			return errSlow
		}
		if d.b[d.i] == '}' {
			d.i++
			break
		}
		if d.b[d.i] != ',' {
			return errSlow
		}
		d.i++
	}
	for _, f := range fields {
		set(f.name, f.v)
	}
	return nil
}

func (d *valueDecoder) value() (*Value, error) {
	if err := d.byte('{'); err != nil {
		return nil, err
	}
	var v *Value
	if d.scratch != nil {
		if d.scratch.n == len(d.scratch.vals) {
			return nil, errSlow
		}
		v = &d.scratch.vals[d.scratch.n]
		*v = Value{}
		d.scratch.n++
	} else {
		v = &Value{}
	}
	for {
		kb, err := d.plain()
		if err != nil {
			return nil, err
		}
		key := kb
		if err := d.byte(':'); err != nil {
			return nil, err
		}
		var s string
		switch key {
		case "kind", "raw", "text", "currency", "period", "open", "per", "unit":
			read := d.str
			switch {
			case key != "raw" && key != "text":
				read = d.shared // a few distinct texts, one copy each
			case d.lean:
				read = d.skipped
			}
			if s, err = read(); err != nil {
				return nil, err
			}
			switch key {
			case "kind":
				v.Kind = Kind(s)
			case "raw":
				v.Raw = s
			case "text":
				v.Text = s
			case "currency":
				v.Currency = s
			case "period":
				v.Period = s
			case "open":
				v.Open = s
			case "per":
				v.Per = s
			case "unit":
				v.Unit = s
			}
		case "num", "low", "high":
			b, err := d.scalar()
			if err != nil {
				return nil, err
			}
			n, ok := parseInt(b)
			if !ok {
				return nil, errSlow
			}
			switch key {
			case "num":
				v.Num = n
			case "low":
				v.Low = n
			case "high":
				v.High = n
			}
		case "float":
			b, err := d.scalar()
			if err != nil {
				return nil, err
			}
			if v.Float, err = strconv.ParseFloat(b, 64); err != nil {
				return nil, errSlow
			}
		case "estimate":
			b, err := d.scalar()
			if err != nil {
				return nil, err
			}
			switch b {
			case "true":
				v.Estimate = true
			case "false":
			default:
				return nil, errSlow
			}
		default:
			return nil, errSlow
		}
		d.skip()
		if d.i >= len(d.b) {
			return nil, errSlow
		}
		if d.b[d.i] == '}' {
			d.i++
			return v, nil
		}
		if d.b[d.i] != ',' {
			return nil, errSlow
		}
		d.i++
	}
}

// DecodeShown reads a creator's shown texts ({"followers": [{"kind":
// "profile", "raw": "35812"}, ...]}) as the store writes them, into sh,
// without encoding/json's reflection; any other form is read by
// encoding/json. As with DecodeValues, the texts are parts of s.
func DecodeShown(s string, sh *map[string][]Shown) error {
	*sh = nil // a map of its own
	_, err := DecodeShownInto(s, sh, nil)
	return err
}

// DecodeShownInto is DecodeShown for a caller that drops the texts before
// its next call: *sh is cleared and filled again, and the lists are parts
// of buf (returned, for the next call), so a creator's texts are read
// without allocating.
func DecodeShownInto(s string, sh *map[string][]Shown, buf []Shown) ([]Shown, error) {
	d := valueDecoder{b: s}
	if *sh == nil {
		*sh = make(map[string][]Shown, 4)
	}
	clear(*sh)
	if buf == nil {
		buf = make([]Shown, 0, 8)
	}
	all, err := d.shown(*sh, buf[:0])
	if err != nil {
		*sh = nil
		return buf, json.Unmarshal([]byte(s), sh)
	}
	return all, nil
}

// shown reads texts into out, the lists parts of all (every field's
// texts, each list a part of it).
func (d *valueDecoder) shown(out map[string][]Shown, all []Shown) ([]Shown, error) {
	if err := d.byte('{'); err != nil {
		return all, err
	}
	d.skip()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return all, nil
	}
	for {
		name, err := d.shared()
		if err != nil {
			return nil, err
		}
		if err := d.byte(':'); err != nil {
			return nil, err
		}
		if err := d.byte('['); err != nil {
			return nil, err
		}
		start := len(all)
		for {
			var x Shown
			if err := d.byte('{'); err != nil {
				return nil, err
			}
			for {
				key, err := d.plain()
				if err != nil {
					return nil, err
				}
				if err := d.byte(':'); err != nil {
					return nil, err
				}
				switch key {
				case "kind":
					x.Kind, err = d.shared()
				case "raw":
					x.Raw, err = d.str()
				default:
					return nil, errSlow
				}
				if err != nil {
					return nil, err
				}
				if done, err := d.next('}'); err != nil {
					return nil, err
				} else if done {
					break
				}
			}
			all = append(all, x)
			if done, err := d.next(']'); err != nil {
				return nil, err
			} else if done {
				break
			}
		}
		out[name] = all[start:len(all):len(all)] // an append to one list never writes into the next
		if done, err := d.next('}'); err != nil {
			return nil, err
		} else if done {
			return all, nil
		}
	}
}

// next reads a comma (false) or the closing byte (true).
func (d *valueDecoder) next(closing byte) (bool, error) {
	d.skip()
	if d.i >= len(d.b) {
		return false, errSlow
	}
	switch d.b[d.i] {
	case closing:
		d.i++
		return true, nil
	case ',':
		d.i++
		return false, nil
	}
	return false, errSlow
}
