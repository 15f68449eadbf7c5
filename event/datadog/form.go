package datadog

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/internal/lenient"
)

// maxFormFields bounds the number of fields a form body may have. Datadog's
// payloads have a few dozen; the bound keeps a hostile body from costing
// work per '&'.
const maxFormFields = 1000

// errForm is wrapped by every form-body error.
var errForm = errors.New("datadog: form body")

// formToJSON turns an application/x-www-form-urlencoded body into the JSON
// object the JSON decoder reads, so a form decodes through the same names,
// aliases and lenient values as JSON, and its errors name the same members:
//
//   - name=value gives "name":"value"; keys and values are percent-decoded
//     ('+' is a space) and invalid UTF-8 becomes U+FFFD;
//   - a repeated name, or name[]=value, gives an array of strings (which
//     tags accepts and string fields reject, naming the member);
//   - org[id]=1, org.id=1 (any case of "org") give "org":{"id":"1"};
//   - org={"id":"1","name":"Acme"}, a JSON object as the value of org, is
//     taken as that object.
//
// Members keep the order of their first field. Empty fields ("a=1&&b=2")
// are skipped. The work is linear in the size of the body: every key and
// value is unescaped once into one buffer, and members are found by a short
// linear scan or, past a handful, a map.
func formToJSON(body []byte) ([]byte, error) {
	fields := min(bytes.Count(body, []byte{'&'})+1, maxFormFields)
	f := form{
		buf:    make([]byte, 0, len(body)),
		values: make([]span, 0, fields),
		next:   make([]int, 0, fields),
	}
	f.top.groups = make([]formGroup, 0, min(fields, linearMax))
	n := 0
	for rest := body; len(rest) > 0; {
		var pair []byte
		pair, rest, _ = bytes.Cut(rest, []byte{'&'})
		if len(pair) == 0 {
			continue
		}
		if n++; n > maxFormFields {
			return nil, fmt.Errorf("%w: more than %d fields", errForm, maxFormFields)
		}
		k, v, _ := bytes.Cut(pair, []byte{'='})
		key, ok := f.unescape(k)
		if !ok {
			return nil, fmt.Errorf("%w: field %d: invalid percent-encoding in its name", errForm, n)
		}
		val, ok := f.unescape(v)
		if !ok {
			return nil, fmt.Errorf("%w: field %d (%.40q): invalid percent-encoding in its value", errForm, n, f.text(key))
		}
		if err := f.add(key, val); err != nil {
			return nil, err
		}
	}

	out := make([]byte, 0, len(f.buf)+len(f.buf)/8+8*n+16)
	out = append(out, '{')
	for i := range f.top.groups {
		if i > 0 {
			out = append(out, ',')
		}
		out = f.appendGroup(out, &f.top.groups[i])
	}
	return append(out, '}'), nil
}

// span is a range of form.buf.
type span struct{ lo, hi int }

// formGroup is one member of the JSON object a form becomes.
type formGroup struct {
	name        span
	first, last int  // chain of values through form.next; -1 when none
	count       int  // number of values
	array       bool // the key was written name[]: always an array
	raw         span // org given as one JSON object, when hasRaw
	hasRaw      bool
	sub         *groupSet // org[id], org.id, ...
}

// groupSet finds groups by name: a linear scan while it holds at most
// linearMax groups, a map after that.
type groupSet struct {
	groups []formGroup
	index  map[string]int
}

const linearMax = 64

type form struct {
	buf    []byte   // unescaped keys and values
	values []span   // every value, in order
	next   []int    // next value of the same group, or -1
	top    groupSet // top-level members
	org    int      // index of the org group in top, or -1 before one is seen
	hasOrg bool
}

func (f *form) text(s span) []byte { return f.buf[s.lo:s.hi] }

// unescape appends the percent-decoded b to f.buf ('+' is a space) and
// returns its span; invalid UTF-8 is replaced with U+FFFD. ok is false for a
// '%' not followed by two hex digits.
func (f *form) unescape(b []byte) (s span, ok bool) {
	s.lo = len(f.buf)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '+':
			f.buf = append(f.buf, ' ')
		case '%':
			if i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
				return s, false
			}
			f.buf = append(f.buf, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			f.buf = append(f.buf, c)
		}
	}
	s.hi = len(f.buf)
	if !utf8.Valid(f.buf[s.lo:s.hi]) {
		fixed := bytes.ToValidUTF8(f.buf[s.lo:s.hi], []byte("\uFFFD"))
		f.buf = append(f.buf[:s.lo], fixed...)
		s.hi = len(f.buf)
	}
	return s, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// add files one field under its member.
func (f *form) add(key, val span) error {
	name, array := key, false
	if k := f.text(key); len(k) >= 2 && k[len(k)-2] == '[' && k[len(k)-1] == ']' {
		name.hi -= 2
		array = true
	}
	if child, ok := f.orgChild(name); ok {
		org := f.orgGroup(span{name.lo, name.lo + len("org")})
		if org.hasRaw || org.first >= 0 {
			return fmt.Errorf("%w: %q is given both as a value and as %s[...] fields", errForm, f.text(org.name), f.text(org.name))
		}
		if org.sub == nil {
			org.sub = new(groupSet)
		}
		f.addValue(org.sub, child, val, array)
		return nil
	}
	if lenient.NameEqual(f.text(name), "org") {
		org := f.orgGroup(name)
		if org.sub != nil || org.hasRaw || org.first >= 0 {
			return fmt.Errorf("%w: %q is given more than once", errForm, f.text(name))
		}
		if t := trimSpace(val, f.buf); t.hi > t.lo && f.buf[t.lo] == '{' && jsontext.Value(f.text(t)).IsValid() {
			org.raw, org.hasRaw = t, true
			return nil
		}
		f.appendValue(org, val, array)
		return nil
	}
	f.addValue(&f.top, name, val, array)
	return nil
}

// orgGroup returns the one top-level group all spellings of "org" share,
// creating it under name (as first written) when it is new.
func (f *form) orgGroup(name span) *formGroup {
	if !f.hasOrg {
		f.org = f.top.add(f, name)
		f.hasOrg = true
	}
	return &f.top.groups[f.org]
}

// orgChild reports whether name is org[child] or org.child (any case of
// "org") and returns child.
func (f *form) orgChild(name span) (span, bool) {
	k := f.text(name)
	if len(k) < 5 || !bytes.EqualFold(k[:3], []byte("org")) {
		return span{}, false
	}
	switch {
	case k[3] == '[' && k[len(k)-1] == ']':
		return span{name.lo + 4, name.hi - 1}, true
	case k[3] == '.':
		return span{name.lo + 4, name.hi}, true
	}
	return span{}, false
}

func (f *form) addValue(s *groupSet, name, val span, array bool) {
	i := s.find(f, f.text(name))
	if i < 0 {
		i = s.add(f, name)
	}
	f.appendValue(&s.groups[i], val, array)
}

func (f *form) appendValue(g *formGroup, val span, array bool) {
	j := len(f.values)
	f.values = append(f.values, val)
	f.next = append(f.next, -1)
	if g.last >= 0 {
		f.next[g.last] = j
	} else {
		g.first = j
	}
	g.last = j
	g.count++
	g.array = g.array || array
}

func (s *groupSet) find(f *form, name []byte) int {
	if s.index != nil {
		if i, ok := s.index[string(name)]; ok {
			return i
		}
		return -1
	}
	for i := range s.groups {
		if bytes.Equal(f.text(s.groups[i].name), name) {
			return i
		}
	}
	return -1
}

func (s *groupSet) add(f *form, name span) int {
	s.groups = append(s.groups, formGroup{name: name, first: -1, last: -1})
	i := len(s.groups) - 1
	switch {
	case s.index != nil:
		s.index[string(f.text(name))] = i
	case len(s.groups) > linearMax:
		s.index = make(map[string]int, 2*len(s.groups))
		for j := range s.groups {
			s.index[string(f.text(s.groups[j].name))] = j
		}
	}
	return i
}

func (f *form) appendGroup(out []byte, g *formGroup) []byte {
	out, _ = jsontext.AppendQuote(out, f.text(g.name)) // valid UTF-8: no error
	out = append(out, ':')
	switch {
	case g.hasRaw:
		return append(out, f.text(g.raw)...)
	case g.sub != nil:
		out = append(out, '{')
		for i := range g.sub.groups {
			if i > 0 {
				out = append(out, ',')
			}
			out = f.appendGroup(out, &g.sub.groups[i])
		}
		return append(out, '}')
	case g.count == 1 && !g.array:
		out, _ = jsontext.AppendQuote(out, f.text(f.values[g.first]))
		return out
	default:
		out = append(out, '[')
		for j := g.first; j >= 0; j = f.next[j] {
			if j != g.first {
				out = append(out, ',')
			}
			out, _ = jsontext.AppendQuote(out, f.text(f.values[j]))
		}
		return append(out, ']')
	}
}

// trimSpace returns s without surrounding ASCII spaces in buf.
func trimSpace(s span, buf []byte) span {
	for s.lo < s.hi && isSpace(buf[s.lo]) {
		s.lo++
	}
	for s.hi > s.lo && isSpace(buf[s.hi-1]) {
		s.hi--
	}
	return s
}
