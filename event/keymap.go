package event

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Mapped is implemented by payloads whose body is a user's template, so
// that a route can be told which key of that template carries which of
// the sender's variables (see KeyMap). VariablePath returns where the
// variable lives in the payload's own shape, as a JSON Pointer ("/alert_type"
// for Checkly's ALERT_TYPE, "/event/type" for OnCall's {{ event.type }}),
// and false for a name the sender does not have.
type Mapped interface {
	VariablePath(variable string) (pointer string, ok bool)
}

// KeyMap maps the keys of a user's template to the sender's variables they
// carry: {"type": "ALERT_TYPE", "started": "STARTED_AT"} for a Checkly
// template that renders {"type": "{{ALERT_TYPE}}", "started":
// "{{STARTED_AT}}"}. A key is a top-level member name, or a JSON Pointer
// ("/meta/kind") for one nested in objects. A variable may be written as
// the sender's documentation writes it: ALERT_TYPE or {{ALERT_TYPE}} for
// Checkly, event.type or {{ event.type }} for OnCall, $EVENT_TYPE for
// Datadog.
type KeyMap map[string]string

// ErrKeyMap is wrapped by the errors of a KeyMap that cannot work for a
// payload type (CheckKeyMap), and by those of a body it cannot be applied
// to (Remap).
var ErrKeyMap = errors.New("event: template key map")

// CheckKeyMap reports whether km can map bodies into the payload m: every
// variable is one m has, no two keys carry one variable, and every key is
// a member name or a well-formed JSON Pointer.
func CheckKeyMap(km KeyMap, m Mapped) error {
	if len(km) == 0 {
		return fmt.Errorf("%w: it maps no key", ErrKeyMap)
	}
	seen := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(km)) {
		variable := km[key]
		if _, err := keyTokens(key); err != nil {
			return err
		}
		to, ok := m.VariablePath(variable)
		if !ok {
			return fmt.Errorf("%w: %q is not a variable of %T", ErrKeyMap, variable, m)
		}
		if other, dup := seen[to]; dup {
			return fmt.Errorf("%w: keys %q and %q both carry %s", ErrKeyMap, other, key, variable)
		}
		seen[to] = key
	}
	return nil
}

// Remap returns body with each member km names moved to where its
// variable lives in m's shape, so m's decoder finds it: the body of a
// user's template rewritten into the shape the payload type reads. Members
// km does not name are kept where they are. A key the body does not carry
// is skipped (a template may leave a variable out); a body that carries
// both a mapped key and the variable's own member is an error, since it
// cannot say which to believe. The signature was checked over the body as
// received; Remap only changes what the decoder reads.
func Remap(body []byte, km KeyMap, m Mapped) ([]byte, error) {
	root, err := readObject(body)
	if err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(km)) {
		from, err := keyTokens(key)
		if err != nil {
			return nil, err
		}
		pointer, ok := m.VariablePath(km[key])
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a variable of %T", ErrKeyMap, km[key], m)
		}
		to, _ := keyTokens(pointer)
		v, found, err := root.take(from)
		if err != nil || !found {
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := root.put(to, v); err != nil {
			return nil, fmt.Errorf("%w: key %q: %w", ErrKeyMap, key, err)
		}
	}
	var buf bytes.Buffer
	root.write(&buf)
	return buf.Bytes(), nil
}

// keyTokens splits a KeyMap key or a VariablePath pointer into member names.
func keyTokens(key string) ([]string, error) {
	if key == "" {
		return nil, fmt.Errorf("%w: an empty key", ErrKeyMap)
	}
	if !strings.HasPrefix(key, "/") {
		return []string{key}, nil
	}
	parts := strings.Split(key[1:], "/")
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("%w: JSON Pointer %q has an empty member name", ErrKeyMap, key)
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// object is a JSON object read for remapping: member names in order, values
// raw. Nested objects are read only when a key reaches into them.
type object struct {
	names  []string
	values map[string]jsontext.Value
	nested map[string]*object
}

func readObject(b []byte) (*object, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	tok, err := dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return nil, fmt.Errorf("%w: the body is not a JSON object", ErrKeyMap)
	}
	o := &object{values: map[string]jsontext.Value{}, nested: map[string]*object{}}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeyMap, err)
		}
		name := tok.String() // before the next read voids the token
		v, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeyMap, err)
		}
		o.names = append(o.names, name)
		o.values[name] = bytes.Clone(v)
	}
	if _, err := dec.ReadToken(); err != nil { // the closing brace
		return nil, fmt.Errorf("%w: %w", ErrKeyMap, err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("%w: the body holds more than one JSON value", ErrKeyMap)
	}
	return o, nil
}

// child returns the object member name holds, reading it on first use; nil
// when the member is absent or not an object.
func (o *object) child(name string, create bool) (*object, error) {
	if c, ok := o.nested[name]; ok {
		return c, nil
	}
	v, ok := o.values[name]
	if !ok {
		if !create {
			return nil, nil
		}
		c := &object{values: map[string]jsontext.Value{}, nested: map[string]*object{}}
		o.names = append(o.names, name)
		o.values[name] = nil
		o.nested[name] = c
		return c, nil
	}
	if v.Kind() != '{' {
		if create {
			return nil, fmt.Errorf("member %q is not an object", name)
		}
		return nil, nil
	}
	c, err := readObject(v)
	if err != nil {
		return nil, err
	}
	o.nested[name] = c
	return c, nil
}

// take removes and returns the value at path.
func (o *object) take(path []string) (jsontext.Value, bool, error) {
	for _, name := range path[:len(path)-1] {
		c, err := o.child(name, false)
		if err != nil || c == nil {
			return nil, false, err
		}
		o = c
	}
	last := path[len(path)-1]
	v, ok := o.values[last]
	if !ok {
		return nil, false, nil
	}
	if c, isObj := o.nested[last]; isObj {
		var buf bytes.Buffer
		c.write(&buf)
		v = buf.Bytes()
		delete(o.nested, last)
	}
	delete(o.values, last)
	o.names = slices.DeleteFunc(o.names, func(n string) bool { return n == last })
	return v, true, nil
}

// put sets the value at path, creating the objects on the way.
func (o *object) put(path []string, v jsontext.Value) error {
	for _, name := range path[:len(path)-1] {
		c, err := o.child(name, true)
		if err != nil {
			return err
		}
		o = c
	}
	last := path[len(path)-1]
	if _, exists := o.values[last]; exists {
		return fmt.Errorf("the body also carries the variable's own member %q; map one key to it, not two", last)
	}
	o.names = append(o.names, last)
	o.values[last] = v
	return nil
}

func (o *object) write(buf *bytes.Buffer) {
	buf.WriteByte('{')
	for i, name := range o.names {
		if i > 0 {
			buf.WriteByte(',')
		}
		q, _ := jsontext.AppendQuote(nil, name)
		buf.Write(q)
		buf.WriteByte(':')
		if c, ok := o.nested[name]; ok {
			c.write(buf)
			continue
		}
		buf.Write(o.values[name])
	}
	buf.WriteByte('}')
}

// TrimVariable strips the decoration a sender's documentation writes a
// variable with: {{ }}, {{{ }}}, a leading $, surrounding spaces. Payload
// types use it in VariablePath.
func TrimVariable(v string) string {
	v = strings.TrimSpace(v)
	for _, p := range [][2]string{{"{{{", "}}}"}, {"{{", "}}"}} {
		if strings.HasPrefix(v, p[0]) && strings.HasSuffix(v, p[1]) {
			v = strings.TrimSpace(v[len(p[0]) : len(v)-len(p[1])])
			break
		}
	}
	return strings.TrimPrefix(v, "$")
}
