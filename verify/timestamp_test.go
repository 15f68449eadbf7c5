package verify

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	sec := time.Unix(1795420790, 0)
	cases := []struct {
		in   string
		f    TimestampFormat
		want time.Time
		err  error
	}{
		{"1795420790", Lenient, sec, nil},
		{" 1795420790 ", Lenient, sec, nil},
		{"1795420790123", Lenient, time.UnixMilli(1795420790123), nil},
		{"1795420790123456", Lenient, time.UnixMicro(1795420790123456), nil},
		{"1795420790123456789", Lenient, time.Unix(0, 1795420790123456789), nil},
		{"1795420790.5", Lenient, time.Unix(1795420790, 500_000_000), nil},
		{"1795420790.123456789999", Lenient, time.Unix(1795420790, 123456789), nil},
		{"2026-11-23T07:59:50Z", Lenient, sec, nil},
		{"2026-11-23T07:59:50.000Z", Lenient, sec, nil},
		{"2026-11-23T08:59:50+01:00", Lenient, sec, nil},
		{"0", Lenient, time.Unix(0, 0), nil},
		{"", Lenient, time.Time{}, ErrMissingTimestamp},
		{"   ", Lenient, time.Time{}, ErrMissingTimestamp},
		{"-1", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"+1795420790", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"17954207901", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"99999999999999999999", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"9223372036854775808", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790.", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790.1a", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790123.5", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"1e9", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"0x6a", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"Mon, 23 Nov 2026 07:59:50 GMT", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"2026-11-23", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"2026-13-23T07:59:50Z", Lenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790", UnixSeconds, sec, nil},
		{"1795420790123", UnixSeconds, time.Time{}, ErrMalformedTimestamp},
		{"1795420790.5", UnixSeconds, time.Time{}, ErrMalformedTimestamp},
		{"2026-11-23T07:59:50Z", UnixSeconds, time.Time{}, ErrMalformedTimestamp},
		{"2026-11-23T07:59:50Z", RFC3339, sec, nil},
		{"2026-11-23T07:59:50.25Z", RFC3339, sec.Add(250 * time.Millisecond), nil},
		{"1795420790", RFC3339, time.Time{}, ErrMalformedTimestamp},
		{"1795420790", TimestampFormat(99), time.Time{}, ErrInvalidConfig},
	}
	for _, tc := range cases {
		got, err := ParseTimestamp(tc.in, tc.f)
		if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("ParseTimestamp(%q, %d) err = %v, want %v", tc.in, tc.f, err, tc.err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseTimestamp(%q, %d) = %v, want %v", tc.in, tc.f, got, tc.want)
		}
	}
}

func TestFormatTimestampRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 7, 59, 50, 123_000_000, time.UTC)
	for _, f := range []TimestampFormat{UnixSeconds, RFC3339, Lenient} {
		got, err := ParseTimestamp(FormatTimestamp(at, f), f)
		if err != nil || got.Unix() != at.Unix() {
			t.Errorf("format %d: %v %v", f, got, err)
		}
	}
}

func TestTopLevelString(t *testing.T) {
	cases := []struct {
		body  string
		val   string
		found bool
		bad   bool
	}{
		{`{"timestamp":"a"}`, "a", true, false},
		{` { "x" : 1 , "timestamp" : "b" } `, "b", true, false},
		{`{"x":{"timestamp":"inner"},"timestamp":"outer"}`, "outer", true, false},
		{`{"x":["timestamp","}",{"a":"\"}"}],"timestamp":"c"}`, "c", true, false},
		{`{"x":"timestamp"}`, "", false, false},
		{`{}`, "", false, false},
		{`{"x":true,"y":null,"z":-1.5e3}`, "", false, false},
		{`{"time\u0073tamp":"escaped-name"}`, "", false, false},
		{`{"timestamp":"a\"b"}`, "", false, true},
		{`{"timestamp":1}`, "", false, true},
		{`{"timestamp":"a","timestamp":"b"}`, "", false, true},
		{`[]`, "", false, true},
		{``, "", false, true},
		{`{"timestamp":"a"`, "", false, true},
		{`{"timestamp" "a"}`, "", false, true},
		{`{"x":"unterminated}`, "", false, true},
		{`{"x":[1,2}`, "", false, true},
		{`{"x":1 "timestamp":"a"}`, "", false, true},
		{"{\"x\":\"ctl\x01\"}", "", false, true},
	}
	for _, tc := range cases {
		val, found, err := topLevelString([]byte(tc.body), "timestamp")
		if (err != nil) != tc.bad || val != tc.val || found != tc.found {
			t.Errorf("topLevelString(%s) = %q, %v, %v", tc.body, val, found, err)
		}
		if err != nil && !errors.Is(err, ErrMalformedTimestamp) {
			t.Errorf("error %v is not ErrMalformedTimestamp", err)
		}
	}
}

// TestTopLevelStringAgreesWithEncodingJSON cross-checks the scanner against
// encoding/json on objects where both should succeed.
func TestTopLevelStringAgreesWithEncodingJSON(t *testing.T) {
	bodies := []string{
		`{"a":{"b":{"c":[{"timestamp":"deep"}]}},"timestamp":"2026-11-23T07:59:50Z","z":[[[]]]}`,
		`{"timestamp":"","other":"x"}`,
		`{"n":[1,2,3,{"timestamp":[]}],"s":"{[\"timestamp\"]}"}`,
	}
	for _, b := range bodies {
		var m map[string]any
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			t.Fatal(err)
		}
		want, wantFound := m["timestamp"].(string)
		got, found, err := topLevelString([]byte(b), "timestamp")
		if err != nil || found != wantFound || got != want {
			t.Errorf("%s: got %q %v %v, encoding/json says %q %v", b, got, found, err, want, wantFound)
		}
	}
}
