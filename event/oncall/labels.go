package oncall

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/internal/lenient"
)

// Label is one label: a key and its value.
type Label struct {
	Key   string
	Value string

	// KeyID and ValueID are the ids OnCall's list form sends beside the
	// names ({"key":{"id":..,"name":..}}); empty for the flat form.
	KeyID   string
	ValueID string
}

// Labels are labels in the order OnCall sent them. OnCall sends labels in
// two forms, and Labels decodes both:
//
//   - a flat object, {"severity":"critical","team":"db"}, as webhook
//     events build them;
//   - a list, [{"key":{"id":"severity","name":"severity"},"value":{"id":..,
//     "name":"critical"}}], as OnCall's REST serializers do. Key and value
//     may also be plain strings; a missing name falls back to the id;
//     null entries are skipped; other members of an entry are ignored.
//
// A label value that is a JSON number or boolean is kept as its literal text
// and null becomes "". Nil Labels mean the member was absent or null; empty
// non-nil Labels mean {} or [].
//
// Labels encode as a flat object when they carry no ids and no key twice,
// and as the list form otherwise, so decoding what they encode gives the
// same Labels.
type Labels []Label

// Get returns the value of the first label with the given key.
func (l Labels) Get(key string) (value string, ok bool) {
	for _, x := range l {
		if x.Key == key {
			return x.Value, true
		}
	}
	return "", false
}

// Map returns the labels as a map from key to value; for a key sent twice,
// the first value wins, as with [Labels.Get]. It returns nil for nil Labels.
func (l Labels) Map() map[string]string {
	if l == nil {
		return nil
	}
	m := make(map[string]string, len(l))
	for _, x := range l {
		if _, dup := m[x.Key]; !dup {
			m[x.Key] = x.Value
		}
	}
	return m
}

var (
	errLabelsKind     = lenient.Expectation("labels must be an object, an array or null")
	errLabelEntryKind = lenient.Expectation("a label entry must be an object or null")
	errLabelPartKind  = lenient.Expectation("a label key or value must be a string, a number, a boolean, null or an object of id and name")
	errLabelValueKind = lenient.Expectation("a label value must be a string, a number, a boolean or null")
)

// UnmarshalJSONFrom decodes either form of labels (see [Labels]). It
// implements json.UnmarshalerFrom of encoding/json/v2.
func (l *Labels) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		*l = nil
		return nil
	case '{':
		out := Labels{}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			key := name.String() // before the next read voids name
			value, ok, err := readScalar(dec)
			if err != nil {
				return err
			}
			if !ok {
				return errLabelValueKind
			}
			out = append(out, Label{Key: key, Value: value})
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		*l = out
		return nil
	case '[':
		out := Labels{}
		for dec.PeekKind() != ']' {
			lab, skip, err := readListLabel(dec)
			if err != nil {
				return err
			}
			if !skip {
				out = append(out, lab)
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		*l = out
		return nil
	}
	return errLabelsKind
}

// readListLabel reads one entry of the list form. skip reports a null entry.
func readListLabel(dec *jsontext.Decoder) (lab Label, skip bool, err error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return lab, false, err
	}
	switch tok.Kind() {
	case 'n':
		return lab, true, nil
	case '{':
	default:
		return lab, false, errLabelEntryKind
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return lab, false, err
		}
		switch {
		case lenient.NameIs(name, "key"):
			lab.Key, lab.KeyID, err = readLabelPart(dec)
		case lenient.NameIs(name, "value"):
			lab.Value, lab.ValueID, err = readLabelPart(dec)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return lab, false, err
		}
	}
	_, err = dec.ReadToken()
	return lab, false, err
}

// readLabelPart reads a key or value of the list form: {"id","name"} or a
// scalar. A missing or empty name falls back to the id.
func readLabelPart(dec *jsontext.Decoder) (name, id string, err error) {
	if dec.PeekKind() != '{' {
		s, ok, err := readScalar(dec)
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", errLabelPartKind
		}
		return s, "", nil
	}
	if _, err := dec.ReadToken(); err != nil {
		return "", "", err
	}
	for dec.PeekKind() != '}' {
		member, err := dec.ReadValue()
		if err != nil {
			return "", "", err
		}
		var ok bool
		switch {
		case lenient.NameIs(member, "id"):
			id, ok, err = readScalar(dec)
		case lenient.NameIs(member, "name"):
			name, ok, err = readScalar(dec)
		default:
			ok, err = true, dec.SkipValue()
		}
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", errLabelPartKind
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return "", "", err
	}
	if name == "" {
		name = id
	}
	return name, id, nil
}

// MarshalJSONTo encodes the labels as a flat object when that loses nothing
// (no ids, no key twice) and as the list form otherwise; nil Labels encode
// as null. It implements json.MarshalerTo of encoding/json/v2.
func (l Labels) MarshalJSONTo(enc *jsontext.Encoder) error {
	if l == nil {
		return enc.WriteToken(jsontext.Null)
	}
	if l.flat() {
		if err := enc.WriteToken(jsontext.BeginObject); err != nil {
			return err
		}
		for _, x := range l {
			if err := enc.WriteToken(jsontext.String(x.Key)); err != nil {
				return err
			}
			if err := enc.WriteToken(jsontext.String(x.Value)); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndObject)
	}
	if err := enc.WriteToken(jsontext.BeginArray); err != nil {
		return err
	}
	for _, x := range l {
		for _, t := range [...]jsontext.Token{
			jsontext.BeginObject,
			jsontext.String("key"), jsontext.BeginObject,
			jsontext.String("id"), jsontext.String(x.KeyID),
			jsontext.String("name"), jsontext.String(x.Key),
			jsontext.EndObject,
			jsontext.String("value"), jsontext.BeginObject,
			jsontext.String("id"), jsontext.String(x.ValueID),
			jsontext.String("name"), jsontext.String(x.Value),
			jsontext.EndObject,
			jsontext.EndObject,
		} {
			if err := enc.WriteToken(t); err != nil {
				return err
			}
		}
	}
	return enc.WriteToken(jsontext.EndArray)
}

// flat reports whether the labels encode as a flat object without loss.
func (l Labels) flat() bool {
	for _, x := range l {
		if x.KeyID != "" || x.ValueID != "" {
			return false
		}
	}
	if len(l) <= 16 {
		for i := range l {
			for j := range i {
				if l[i].Key == l[j].Key {
					return false
				}
			}
		}
		return true
	}
	seen := make(map[string]struct{}, len(l))
	for _, x := range l {
		if _, dup := seen[x.Key]; dup {
			return false
		}
		seen[x.Key] = struct{}{}
	}
	return true
}

// UnmarshalJSON implements encoding/json.Unmarshaler with the same result as
// UnmarshalJSONFrom.
func (l *Labels) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, l) }

// MarshalJSON implements encoding/json.Marshaler with the same result as
// MarshalJSONTo.
func (l Labels) MarshalJSON() ([]byte, error) { return json.Marshal(l) }

// readScalar reads a JSON string, number, boolean or null as text: a
// string's value, a number's or boolean's literal, "" for null. ok is false,
// with the decoder positioned after the opening token, for an object or an
// array.
func readScalar(dec *jsontext.Decoder) (s string, ok bool, err error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return "", false, err
	}
	switch tok.Kind() {
	case '"', '0':
		return tok.String(), true, nil
	case 't':
		return "true", true, nil
	case 'f':
		return "false", true, nil
	case 'n':
		return "", true, nil
	}
	return "", false, nil
}
