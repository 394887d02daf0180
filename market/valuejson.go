package market

import (
	"encoding/json"
	"errors"
	"strconv"
)

// DecodeValues reads an object of values ({"followers": {...}, "gmv":
// {...}}) as AppendJSON writes them, calling set with each field's name
// and value, without encoding/json's reflection: a whole-market report
// reads 600,000 of these. Anything it does not expect (an escape in a
// string it cannot take verbatim, an unknown key) is read by
// encoding/json instead, so the result is the same either way.
func DecodeValues(b []byte, set func(name string, v *Value)) error {
	d := valueDecoder{b: b}
	if err := d.object(set); err == nil {
		return nil
	}
	var m map[string]*Value
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for name, v := range m {
		set(name, v)
	}
	return nil
}

var errSlow = errors.New("not in the fast form")

type valueDecoder struct {
	b []byte
	i int
}

func (d *valueDecoder) skip() {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\n' || d.b[d.i] == '\t' || d.b[d.i] == '\r') {
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

// str reads a string; one with an escape other than \" and \\ is left to
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
				return string(s), nil
			}
			return unescape(s)
		case '\\':
			plain = false
			if d.i+1 >= len(d.b) || (d.b[d.i+1] != '"' && d.b[d.i+1] != '\\') {
				return "", errSlow
			}
			d.i += 2
			continue
		}
		d.i++
	}
	return "", errSlow
}

func unescape(s []byte) (string, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		}
		out = append(out, s[i])
	}
	return string(out), nil
}

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
	return string(d.b[start:d.i]), nil
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
		name, err := d.str()
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
	v := &Value{}
	for {
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if err := d.byte(':'); err != nil {
			return nil, err
		}
		var s string
		switch key {
		case "kind", "raw", "text", "currency", "period", "open", "per", "unit":
			if s, err = d.str(); err != nil {
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
			if s, err = d.scalar(); err != nil {
				return nil, err
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
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
			if s, err = d.scalar(); err != nil {
				return nil, err
			}
			if v.Float, err = strconv.ParseFloat(s, 64); err != nil {
				return nil, errSlow
			}
		case "estimate":
			if s, err = d.scalar(); err != nil {
				return nil, err
			}
			switch s {
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
