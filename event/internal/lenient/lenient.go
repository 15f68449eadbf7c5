// Package lenient decodes the loosely typed scalars that templated webhook
// bodies carry.
//
// Senders such as Checkly and Datadog build the body from a user-written
// template, so a value the sender knows as a number or a boolean usually
// arrives as a string ("1649", "true"), an empty string when the variable is
// not set, or occasionally as a bare JSON number when the user left the
// quotes out. Each type here accepts every one of those forms through an
// UnmarshalJSONFrom method for github.com/go-json-experiment/json (the module
// that mirrors encoding/json/v2), reading one token or value from the decoder
// instead of decoding into an interface and converting.
//
// The shared rules:
//
//   - JSON null and "" (after trimming ASCII spaces for numbers, booleans and
//     times) mean "not set": the zero value, with Valid false where a type has
//     a Valid field. Neither is an error.
//   - Objects and arrays are errors, except where a type takes a list.
//   - A failure is an [*Error] naming what was wanted and what came, never
//     more than a short prefix of the value. The json package wraps it with
//     the JSON pointer of the member, so the field is named:
//     `json: cannot unmarshal into Go lenient.Int within "/response_time":
//     want an integer or a numeric string, got string "12ms"`.
//
// The types are meant for unexported "wire" structs inside the provider
// packages; the exported payload types there carry plain Go types.
package lenient

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/internal/timefmt"
)

// MaxListLen bounds the number of elements a [List] accepts, so a hostile
// body cannot make the decoder allocate a slice header per byte.
const MaxListLen = 1000

// maxGot bounds how much of a rejected value an [*Error] repeats.
const maxGot = 32

// Error reports a JSON value that a lenient type cannot use.
type Error struct {
	// Want describes the accepted forms, e.g. "an integer or a numeric string".
	Want string
	// Got describes what came: a JSON kind, or for strings and numbers the
	// kind and at most the first 32 bytes of the value, quoted.
	Got string
	// kind is Got without the value.
	kind string
}

func (e *Error) Error() string { return "want " + e.Want + ", got " + e.Got }

// Expected is the message without the value, which event.Decode keeps in
// the errors it returns (they end up in logs; the body's values must not).
func (e *Error) Expected() string {
	if e.kind == "" {
		return "want " + e.Want
	}
	return "want " + e.Want + ", got " + e.kind
}

func newError(want string, k jsontext.Kind, text []byte) *Error {
	got := describe(k, text)
	kind, _, _ := strings.Cut(got, " ")
	return &Error{Want: want, Got: got, kind: kind}
}

// Expectation is an error that says what a value should have been without
// quoting it, for the shape errors of the provider packages' own
// unmarshalers. event.Decode keeps its text.
type Expectation string

func (e Expectation) Error() string { return string(e) }

// Expected returns the message; see [Error.Expected].
func (e Expectation) Expected() string { return string(e) }

// NameIs reports whether the raw JSON string name (quotes included, as
// jsontext.Decoder.ReadValue returns an object member's name) is want. It
// compares without unquoting unless the name has an escape, so the
// provider packages' unmarshalers match member names without allocating.
func NameIs(name jsontext.Value, want string) bool {
	if len(name) == len(want)+2 && string(name[1:len(name)-1]) == want {
		return true
	}
	for _, c := range name {
		if c == '\\' {
			s, err := jsontext.AppendUnquote(nil, name)
			return err == nil && string(s) == want
		}
	}
	return false
}

// KindName names a JSON kind as an error message would ("string",
// "object", ...), or "" for a kind that is not a value.
func KindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return ""
}

// describe names a value for an error without repeating more than maxGot
// bytes of it.
func describe(k jsontext.Kind, text []byte) string {
	what := KindName(k)
	switch {
	case what == "":
		return "invalid value"
	case k != '"' && k != '0':
		return what
	}
	what += " "
	if len(text) > maxGot {
		return what + strconv.Quote(string(text[:maxGot])) + "..."
	}
	return what + strconv.Quote(string(text))
}

// Text reads the next JSON value from dec and returns its text: the unquoted
// contents of a string, or the literal of a number or boolean. It returns
// ok false for null. An object or array is consumed and reported as an
// [*Error] saying want (e.g. "a string").
//
// The returned bytes may alias the decoder's buffer: they are valid only
// until the next call on dec. Provider packages use Text to match enum-like
// values against known names without allocating.
func Text(dec *jsontext.Decoder, want string) (text []byte, ok bool, err error) {
	b, k, err := readText(dec, want)
	return b, err == nil && k != 'n', err
}

func readText(dec *jsontext.Decoder, want string) ([]byte, jsontext.Kind, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return nil, 0, err
	}
	switch k := v.Kind(); k {
	case 'n':
		return nil, k, nil
	case '"':
		return Unquote(v), k, nil
	case '0', 't', 'f':
		return v, k, nil
	default:
		return nil, k, newError(want, k, nil)
	}
}

// Unquote returns the contents of v, a JSON string that a decoder has read
// (and so validated), as the types here read it: v without its quotes when
// it has no escape (aliasing v), else a new unquoted copy. A provider
// package's strict fast path reads strings with it, so its text is the
// lenient path's to the byte.
func Unquote(v jsontext.Value) []byte {
	b := v[1 : len(v)-1]
	if bytes.IndexByte(b, '\\') >= 0 {
		// The decoder has validated the string, so the only error left
		// is invalid UTF-8 (when the decoder allows it), which
		// AppendUnquote has already replaced with U+FFFD.
		b, _ = jsontext.AppendUnquote(nil, v)
	}
	return b
}

// String is a string that also accepts a JSON number or boolean, kept as its
// literal text (12 gives "12", true gives "true"). null gives "".
type String string

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (s *String) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, _, err := readText(dec, "a string")
	if err != nil {
		return err
	}
	*s = String(b)
	return nil
}

// Int is an integer that arrives as a JSON number or a string holding one.
// A number with a fractional part or an exponent is rounded to the nearest
// integer, half away from zero ("1649.6" gives 1650). "" and null leave
// Valid false. A value outside the range of int is an error.
type Int struct {
	Value int
	Valid bool
}

const wantInt = "an integer or a numeric string"

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (n *Int) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, k, err := readText(dec, wantInt)
	if err != nil {
		return err
	}
	*n = Int{}
	if k == 't' || k == 'f' {
		return newError(wantInt, k, b)
	}
	if k == 'n' || n.SetText(b) {
		return nil
	}
	return newError(wantInt, k, b)
}

// SetText sets n from the text of a JSON string or number as
// UnmarshalJSONFrom does, and reports false (leaving n zero) for text it
// refuses.
func (n *Int) SetText(text []byte) bool {
	*n = Int{}
	t := trimSpace(text)
	if len(t) == 0 {
		return true
	}
	v, ok := parseInt(t)
	if !ok {
		return false
	}
	n.Value, n.Valid = v, true
	return true
}

// parseInt parses a JSON number (integer, fraction, exponent) and rounds it
// to an int. It reports false for anything else, for NaN and infinities, and
// for values out of range.
func parseInt(b []byte) (int, bool) {
	if !isNumber(b) {
		return 0, false
	}
	if v, ok := parseInteger(b); ok {
		if int64(int(v)) != v { // 32-bit platforms
			return 0, false
		}
		return int(v), true
	}
	// A fraction or an exponent (or an integer out of range, which stays out
	// of range): go through float64.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false
	}
	f = math.Round(f)
	if f < math.MinInt || f >= -math.MinInt { // -MinInt is 2^63 (or 2^31), exact in float64
		return 0, false
	}
	return int(f), true
}

// parseInteger parses an optional '-' followed by decimal digits that fit in
// an int64.
func parseInteger(b []byte) (int64, bool) {
	i := 0
	if len(b) > 0 && b[0] == '-' {
		i = 1
	}
	if i == len(b) || digits(b[i:]) != len(b)-i {
		return 0, false
	}
	// string(b) does not escape: strconv clones the input it keeps in errors.
	v, err := strconv.ParseInt(string(b), 10, 64)
	return v, err == nil
}

// isNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — except that leading
// zeros are tolerated ("007"), since templates render what they are given.
func isNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	d := digits(b[i:])
	if d == 0 {
		return false
	}
	i += d
	if i < len(b) && b[i] == '.' {
		i++
		d = digits(b[i:])
		if d == 0 {
			return false
		}
		i += d
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d = digits(b[i:])
		if d == 0 {
			return false
		}
		i += d
	}
	return i == len(b)
}

func digits(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

// Bool is a boolean that arrives as JSON true or false, or as a string or
// number: "true", "false" (any case), "t", "f", "1", "0", 1, 0. "" and null
// leave Valid false.
type Bool struct {
	Value bool
	Valid bool
}

const wantBool = `a boolean, "true" or "false"`

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (v *Bool) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, k, err := readText(dec, wantBool)
	if err != nil {
		return err
	}
	*v = Bool{}
	if k == 'n' || v.SetText(b) {
		return nil
	}
	return newError(wantBool, k, b)
}

// SetText sets v from the text of a JSON string, number or boolean as
// UnmarshalJSONFrom does, and reports false (leaving v zero) for text it
// refuses.
func (v *Bool) SetText(text []byte) bool {
	*v = Bool{}
	t := trimSpace(text)
	switch {
	case len(t) == 0:
	case bytesEqualFold(t, "true"), bytesEqualFold(t, "t"), string(t) == "1":
		v.Value, v.Valid = true, true
	case bytesEqualFold(t, "false"), bytesEqualFold(t, "f"), string(t) == "0":
		v.Valid = true
	default:
		return false
	}
	return true
}

// Time is an instant that arrives as a string or a number:
//
//   - RFC 3339 with or without fractional seconds ("2024-05-01T10:30:00.000Z",
//     "2024-05-01T12:30:00+02:00"); also with a space for the "T", with a
//     "+0200" offset, or with no offset at all (read as UTC);
//   - JavaScript's Date.toString ("Wed May 01 2024 10:30:00 GMT+0000
//     (Coordinated Universal Time)") and toUTCString (RFC 1123, "GMT");
//   - a Unix timestamp as an integer, JSON number or digit string, whose unit
//     is told by its number of digits: up to 10 seconds (with an optional
//     fraction), up to 13 milliseconds, up to 16 microseconds, up to 19
//     nanoseconds.
//
// The forms are those of hookseal's one timestamp reader (internal/timefmt),
// which the verifiers use for header times too.
//
// "" and null give the zero time. Timestamps are returned in UTC; parsed
// strings keep the offset they carry.
type Time time.Time

const wantTime = "an RFC 3339 time or a Unix timestamp"

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (t *Time) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, k, err := readText(dec, wantTime)
	if err != nil {
		return err
	}
	*t = Time{}
	if k == 'n' || len(trimSpace(b)) == 0 {
		return nil
	}
	if k == 't' || k == 'f' || !t.SetText(b) {
		return newError(wantTime, k, b)
	}
	return nil
}

// SetText sets t from the text of a JSON string or number as
// UnmarshalJSONFrom does, and reports false (leaving t zero) for text it
// refuses.
func (t *Time) SetText(text []byte) bool {
	*t = Time{}
	s := trimSpace(text)
	if len(s) == 0 {
		return true
	}
	v, ok := timefmt.Parse(s)
	if !ok {
		return false
	}
	*t = Time(v)
	return true
}

// UnixMillis is an instant given as Unix milliseconds, as a JSON number or a
// digit string (Datadog's $DATE and $LAST_UPDATED). Integers are always
// milliseconds, whatever their length; a string that is not an integer is
// read as [Time] reads it (RFC 3339 and the rest). Values past year 9999
// either way are errors. "" and null give the zero time. Results are in UTC.
type UnixMillis time.Time

const wantMillis = "Unix milliseconds or an RFC 3339 time"

// maxMillis is 9999-12-31T23:59:59.999Z.
const maxMillis = 253402300799999

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (t *UnixMillis) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, k, err := readText(dec, wantMillis)
	if err != nil {
		return err
	}
	*t = UnixMillis{}
	s := trimSpace(b)
	if k == 'n' || len(s) == 0 {
		return nil
	}
	if k == 't' || k == 'f' {
		return newError(wantMillis, k, b)
	}
	if v, ok := parseInteger(s); ok {
		if v > maxMillis || v < -maxMillis {
			return newError(wantMillis, k, b)
		}
		*t = UnixMillis(time.UnixMilli(v).UTC())
		return nil
	}
	if isNumber(s) {
		return newError(wantMillis, k, b) // fractions, exponents, huge numbers
	}
	v, ok := timefmt.Parse(s)
	if !ok || v.Year() > 9999 || v.Year() < -9999 {
		return newError(wantMillis, k, b)
	}
	*t = UnixMillis(v)
	return nil
}

// List is a list of strings that arrives as a JSON array or as one string
// of comma-separated items ("a,b" — how Handlebars renders an array, and how
// Datadog renders $TAGS). Each item is trimmed of spaces and empty items are
// dropped, in both forms, so "" gives an empty (nil) list. Array elements
// may be strings, numbers or booleans (kept as literal text); null elements
// are skipped. More than [MaxListLen] items is an error.
type List []string

const wantList = "an array of strings or a comma-separated string"

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (l *List) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*l = nil
	if dec.PeekKind() != '[' {
		b, _, err := readText(dec, wantList)
		if err != nil {
			return err
		}
		return l.split(b)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var out []string
	n := 0
	for dec.PeekKind() != ']' {
		if n++; n > MaxListLen {
			return errTooMany(-1)
		}
		b, k, err := readText(dec, "a string")
		if err != nil {
			return err
		}
		if k == 'n' {
			continue
		}
		if s := ListItem(b); len(s) > 0 {
			out = append(out, string(s))
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*l = out
	return nil
}

// ListItem returns the item a List keeps from an element's text (or a
// comma-separated part): the text trimmed of white space, where empty means
// the element is dropped.
func ListItem(text []byte) []byte { return bytes.TrimSpace(text) }

// errTooMany reports a list of n items, or of more than MaxListLen when n is
// negative (an array, whose counting stops at the limit).
func errTooMany(n int) error {
	got := "more"
	if n >= 0 {
		got = strconv.Itoa(n) + " items"
	}
	return &Error{Want: "at most " + strconv.Itoa(MaxListLen) + " list items", Got: got}
}

func (l *List) split(b []byte) error {
	if n := bytes.Count(b, []byte{','}) + 1; n > MaxListLen {
		return errTooMany(n)
	}
	var out []string
	for len(b) > 0 {
		var item []byte
		item, b, _ = bytes.Cut(b, []byte{','})
		if s := ListItem(item); len(s) > 0 {
			out = append(out, string(s))
		}
	}
	*l = out
	return nil
}

// NameEqual reports whether a and b are the same name when case, '_', '-'
// and ' ' are ignored, so "ALERT_FAILURE", "alert-failure" and
// "AlertFailure" are equal, and so are "Re-Triggered" and "retriggered".
// Only ASCII letters are folded. It does not allocate.
func NameEqual[A, B ~string | ~[]byte](a A, b B) bool {
	i, j := 0, 0
	for {
		for i < len(a) && isSep(a[i]) {
			i++
		}
		for j < len(b) && isSep(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if lower(a[i]) != lower(b[j]) {
			return false
		}
		i++
		j++
	}
}

func isSep(c byte) bool { return c == '_' || c == '-' || c == ' ' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func bytesEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// trimSpace trims ASCII spaces, tabs and line breaks.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
