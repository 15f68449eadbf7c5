package statusstack

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// eventFields is Event without its methods: what the reflection-based
// decoder and encoder of encoding/json/v2 work on.
type eventFields Event

// UnmarshalJSONFrom implements json.UnmarshalerFrom of encoding/json/v2; it
// is what [event.Decode] calls.
func (e *Event) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, (*eventFields)(e))
}

// UnmarshalJSON implements encoding/json.Unmarshaler, so that encoding/json
// (v1) decodes an Event exactly as [event.Decode] does: lenient monitor and
// maintenance objects, unknown members kept.
func (e *Event) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, (*eventFields)(e), json.MatchCaseInsensitiveNames(true))
}

// MarshalJSONTo implements json.MarshalerTo of encoding/json/v2. Decoding
// what it writes gives the same Event.
func (e Event) MarshalJSONTo(enc *jsontext.Encoder) error {
	return json.MarshalEncode(enc, (*eventFields)(&e))
}

// MarshalJSON implements encoding/json.Marshaler with the same result as
// MarshalJSONTo.
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal((*eventFields)(&e))
}
