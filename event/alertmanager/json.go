package alertmanager

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// messageFields is Message without its methods: what the reflection-based
// decoder and encoder of encoding/json/v2 work on.
type messageFields Message

// UnmarshalJSONFrom implements json.UnmarshalerFrom of encoding/json/v2; it
// is what [event.Decode] calls.
func (m *Message) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, (*messageFields)(m))
}

// UnmarshalJSON implements encoding/json.Unmarshaler, so that encoding/json
// (v1) decodes a Message exactly as [event.Decode] does, unknown members
// kept.
func (m *Message) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, (*messageFields)(m), json.MatchCaseInsensitiveNames(true))
}

// MarshalJSONTo implements json.MarshalerTo of encoding/json/v2. Decoding
// what it writes gives the same Message.
func (m Message) MarshalJSONTo(enc *jsontext.Encoder) error {
	return json.MarshalEncode(enc, (*messageFields)(&m))
}

// MarshalJSON implements encoding/json.Marshaler with the same result as
// MarshalJSONTo.
func (m Message) MarshalJSON() ([]byte, error) {
	return json.Marshal((*messageFields)(&m))
}
