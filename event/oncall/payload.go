package oncall

import (
	"errors"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// ErrEmptyAlertPayload is returned by [AlertPayload.Decode] when OnCall sent
// no alert payload ("" or null).
var ErrEmptyAlertPayload = errors.New("oncall: alert_payload is empty")

// AlertPayload is alert_payload: the raw JSON of the alert group's first
// alert as the integration received it — for an Alertmanager or Grafana
// Alerting integration, the whole Alertmanager-shaped notification (see
// package event/grafana). OnCall sends "" when the group has no alert; "",
// null and an absent member all decode to an empty AlertPayload.
//
// Any other JSON value is kept as sent, byte for byte (a copy: it does not
// alias the request body).
type AlertPayload jsontext.Value

// IsEmpty reports whether OnCall sent no alert payload ("", null or
// nothing).
func (p AlertPayload) IsEmpty() bool { return len(p) == 0 }

// Raw returns the payload's JSON as sent, or nil when it is empty.
func (p AlertPayload) Raw() jsontext.Value { return jsontext.Value(p) }

// Decode decodes the payload into dst, a non-nil pointer, the way
// [event.Decode] decodes a body. It returns [ErrEmptyAlertPayload] when the
// payload is empty.
func (p AlertPayload) Decode(dst any) error {
	if p.IsEmpty() {
		return ErrEmptyAlertPayload
	}
	return event.Decode("application/json", p, dst)
}

// UnmarshalJSONFrom keeps a copy of the next JSON value; "" and null make
// the payload empty. It implements json.UnmarshalerFrom of
// encoding/json/v2.
func (p *AlertPayload) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() == 'n' || string(v) == `""` {
		*p = nil
		return nil
	}
	*p = AlertPayload(v.Clone())
	return nil
}

// MarshalJSONTo writes the payload as it was received, and an empty payload
// as "" (as OnCall does). It implements json.MarshalerTo of
// encoding/json/v2.
func (p AlertPayload) MarshalJSONTo(enc *jsontext.Encoder) error {
	if p.IsEmpty() {
		return enc.WriteToken(jsontext.String(""))
	}
	return enc.WriteValue(jsontext.Value(p))
}

// UnmarshalJSON implements encoding/json.Unmarshaler with the same result as
// UnmarshalJSONFrom.
func (p *AlertPayload) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, p) }

// MarshalJSON implements encoding/json.Marshaler with the same result as
// MarshalJSONTo.
func (p AlertPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p) }
