package statusstack

import (
	"bytes"
	"time"

	"github.com/hookseal/hookseal/event/internal/lenient"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Monitor is the monitor of a monitor.* event. StatusStack does not publish
// its shape, so the fields are the plausible ones and decoding is lenient:
//
//   - the member may be an object, or a bare string or number taken as the
//     monitor's id ("monitor":"mon_1");
//   - each field takes a string, a number or a boolean (kept as its text)
//     or null ("");
//   - a field sent in any other form stays empty and its member is kept in
//     Unknown, as are the members this package does not model.
//
// So a monitor object never makes an authentic delivery undecodable.
type Monitor struct {
	ID     string `json:"id,omitzero"`
	Name   string `json:"name,omitzero"`
	Status string `json:"status,omitzero"`
	URL    string `json:"url,omitzero"`

	// Unknown holds, as a raw JSON object, the members not decoded into
	// the fields above; nil when there are none.
	Unknown jsontext.Value `json:",embed"`
}

// Maintenance is the maintenance window of a maintenance.* event.
// StatusStack does not publish its shape, so the fields are the plausible
// ones and decoding is lenient, as for [Monitor]: a bare string or number
// is the id; text fields take any scalar; StartsAt and EndsAt take an RFC
// 3339 time (a space instead of "T" is accepted), "" or null (both zero);
// a field in any other form stays zero and its member is kept in Unknown.
type Maintenance struct {
	ID       string    `json:"id,omitzero"`
	Title    string    `json:"title,omitzero"`
	StartsAt time.Time `json:"starts_at,omitzero"`
	EndsAt   time.Time `json:"ends_at,omitzero"`

	// Unknown holds, as a raw JSON object, the members not decoded into
	// the fields above; nil when there are none.
	Unknown jsontext.Value `json:",embed"`
}

var (
	errMonitorKind     = lenient.Expectation("monitor must be an object, a string, a number or null")
	errMaintenanceKind = lenient.Expectation("maintenance must be an object, a string, a number or null")
)

// UnmarshalJSONFrom decodes a monitor leniently (see [Monitor]). It
// implements json.UnmarshalerFrom of encoding/json/v2.
func (m *Monitor) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*m = Monitor{}
	if dec.PeekKind() != '{' {
		id, err := readBareID(dec, errMonitorKind)
		m.ID = id
		return err
	}
	return decodeObject(dec, &m.Unknown, func(name, v jsontext.Value) bool {
		switch {
		case lenient.NameIs(name, "id"):
			return setText(&m.ID, v)
		case lenient.NameIs(name, "name"):
			return setText(&m.Name, v)
		case lenient.NameIs(name, "status"):
			return setText(&m.Status, v)
		case lenient.NameIs(name, "url"):
			return setText(&m.URL, v)
		}
		return false
	})
}

// UnmarshalJSONFrom decodes a maintenance window leniently (see
// [Maintenance]). It implements json.UnmarshalerFrom of encoding/json/v2.
func (m *Maintenance) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*m = Maintenance{}
	if dec.PeekKind() != '{' {
		id, err := readBareID(dec, errMaintenanceKind)
		m.ID = id
		return err
	}
	return decodeObject(dec, &m.Unknown, func(name, v jsontext.Value) bool {
		switch {
		case lenient.NameIs(name, "id"):
			return setText(&m.ID, v)
		case lenient.NameIs(name, "title"):
			return setText(&m.Title, v)
		case lenient.NameIs(name, "starts_at"):
			return setTime(&m.StartsAt, v)
		case lenient.NameIs(name, "ends_at"):
			return setTime(&m.EndsAt, v)
		}
		return false
	})
}

// UnmarshalJSON implements encoding/json.Unmarshaler with the same result as
// UnmarshalJSONFrom.
func (m *Monitor) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, m) }

// UnmarshalJSON implements encoding/json.Unmarshaler with the same result as
// UnmarshalJSONFrom.
func (m *Maintenance) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, m) }

// readBareID reads a monitor or maintenance sent as a bare id (a string or a
// number), or null (empty id). Other kinds are errKind.
func readBareID(dec *jsontext.Decoder, errKind error) (string, error) {
	switch dec.PeekKind() {
	case '"', '0', 'n':
		v, err := dec.ReadValue()
		if err != nil {
			return "", err
		}
		s, _ := text(v)
		return s, nil
	}
	if _, err := dec.ReadValue(); err != nil {
		return "", err
	}
	return "", errKind
}

// decodeObject reads a JSON object, offering each member to take, which
// reports whether it used the member. The members it did not use are
// collected into *unknown as a raw JSON object (nil when there are none).
func decodeObject(dec *jsontext.Decoder, unknown *jsontext.Value, take func(name, value jsontext.Value) bool) error {
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var extra []byte
	var nameBuf [32]byte
	for dec.PeekKind() != '}' {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		name := append(nameBuf[:0], v...) // v is voided by the next read
		value, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if take(name, value) {
			continue
		}
		if extra == nil {
			extra = append(extra, '{')
		} else {
			extra = append(extra, ',')
		}
		extra = append(extra, name...)
		extra = append(extra, ':')
		extra = append(extra, value...)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	if extra != nil {
		*unknown = append(extra, '}')
	}
	return nil
}

// text returns a scalar JSON value as text: a string's value, a number's or
// boolean's literal, "" for null. ok is false for objects and arrays.
func text(v jsontext.Value) (s string, ok bool) {
	switch v.Kind() {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return string(v[1 : len(v)-1]), true
		}
		b, err := jsontext.AppendUnquote(nil, v)
		return string(b), err == nil
	case '0', 't', 'f':
		return string(v), true
	case 'n':
		return "", true
	}
	return "", false
}

// setText sets *dst to v's text and reports whether v was a scalar.
func setText(dst *string, v jsontext.Value) bool {
	s, ok := text(v)
	if ok {
		*dst = s
	}
	return ok
}

// setTime sets *dst from v — an RFC 3339 string, "" or null — and reports
// whether v had one of those forms.
func setTime(dst *time.Time, v jsontext.Value) bool {
	s, ok := text(v)
	if !ok || v.Kind() == '0' || v.Kind() == 't' || v.Kind() == 'f' {
		return false
	}
	if s == "" {
		*dst = time.Time{}
		return true
	}
	t, ok := parseTime(s)
	if ok {
		*dst = t
	}
	return ok
}

// parseTime parses RFC 3339 with any number of fractional digits, also
// accepting a space or "t" between date and time and a lower-case "z".
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if len(s) < 20 || (s[10] != ' ' && s[10] != 't') && s[len(s)-1] != 'z' {
		return time.Time{}, false
	}
	b := []byte(s)
	if b[10] == ' ' || b[10] == 't' {
		b[10] = 'T'
	}
	if b[len(b)-1] == 'z' {
		b[len(b)-1] = 'Z'
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return t, err == nil
}
