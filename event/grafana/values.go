package grafana

import (
	"errors"
	"math"
	"strconv"

	"github.com/hookseal/hookseal/event/internal/lenient"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Values are an alert's expression values by reference id. A value is sent
// as a JSON number; null (no value) decodes to NaN, and so do the strings
// "NaN"; "+Inf", "-Inf", "Infinity" and "-Infinity" decode to infinities
// and any other numeric string to its number, since JSON has no literal for
// them. A number too large for a float64 becomes an infinity.
// Values encode NaN and infinities back as those strings.
type Values map[string]float64

var (
	errValuesKind = lenient.Expectation("values must be an object or null")
	errValueKind  = lenient.Expectation("a value must be a number, a numeric string or null")
)

// UnmarshalJSONFrom decodes values leniently (see [Values]). It implements
// json.UnmarshalerFrom of encoding/json/v2.
func (v *Values) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		*v = nil
		return nil
	case '{':
	default:
		return errValuesKind
	}
	out := make(Values)
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := name.String() // before the next read voids name
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		var f float64
		switch tok.Kind() {
		case '0':
			f, _ = tok.Float() // the only error is overflow, saturated to ±Inf
		case 'n':
			f = math.NaN()
		case '"':
			if f, err = strconv.ParseFloat(tok.String(), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
				return errValueKind
			}
		default:
			return errValueKind
		}
		out[key] = f
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*v = out
	return nil
}

// MarshalJSONTo encodes the values as a JSON object of numbers, with NaN
// and infinities as the strings "NaN", "+Inf" and "-Inf". It implements
// json.MarshalerTo of encoding/json/v2.
func (v Values) MarshalJSONTo(enc *jsontext.Encoder) error {
	if v == nil {
		return enc.WriteToken(jsontext.Null)
	}
	return json.MarshalEncode(enc, map[string]float64(v), json.Deterministic(true),
		json.WithMarshalers(json.MarshalToFunc(func(enc *jsontext.Encoder, f float64) error {
			switch {
			case math.IsNaN(f):
				return enc.WriteToken(jsontext.String("NaN"))
			case math.IsInf(f, 1):
				return enc.WriteToken(jsontext.String("+Inf"))
			case math.IsInf(f, -1):
				return enc.WriteToken(jsontext.String("-Inf"))
			}
			return enc.WriteToken(jsontext.Float(f))
		})))
}

// UnmarshalJSON implements encoding/json.Unmarshaler with the same result as
// UnmarshalJSONFrom.
func (v *Values) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, v) }

// MarshalJSON implements encoding/json.Marshaler with the same result as
// MarshalJSONTo.
func (v Values) MarshalJSON() ([]byte, error) { return json.Marshal(v) }
