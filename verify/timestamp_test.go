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
		{"1795420790", TimestampLenient, sec, nil},
		{" 1795420790 ", TimestampLenient, sec, nil},
		{"1795420790123", TimestampLenient, time.UnixMilli(1795420790123), nil},
		{"1795420790123456", TimestampLenient, time.UnixMicro(1795420790123456), nil},
		{"1795420790123456789", TimestampLenient, time.Unix(0, 1795420790123456789), nil},
		{"1795420790.5", TimestampLenient, time.Unix(1795420790, 500_000_000), nil},
		{"1795420790.123456789999", TimestampLenient, time.Unix(1795420790, 123456789), nil},
		{"2026-11-23T07:59:50Z", TimestampLenient, sec, nil},
		{"2026-11-23T07:59:50.000Z", TimestampLenient, sec, nil},
		{"2026-11-23T08:59:50+01:00", TimestampLenient, sec, nil},
		{"0", TimestampLenient, time.Unix(0, 0), nil},
		{"0001-01-01T00:00:00Z", TimestampLenient, time.Time{}, ErrMalformedTimestamp}, // the zero time means "none" downstream
		{"-62135596800", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"0001-01-01T00:00:01Z", TimestampLenient, time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), nil},
		{"", TimestampLenient, time.Time{}, ErrMissingTimestamp},
		{"   ", TimestampLenient, time.Time{}, ErrMissingTimestamp},
		{"-1", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"+1795420790", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"17954207901", TimestampLenient, time.UnixMilli(17954207901), nil},   // 11 digits: milliseconds, as in body times
		{"13569465600", TimestampUnixSeconds, time.Unix(13569465600, 0), nil}, // year 2400 parses; the window refuses it
		{"99999999999999999999", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"9223372036854775808", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790.", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790.1a", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790123.5", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"1e9", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"0x6a", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"Mon, 23 Nov 2026 07:59:50 GMT", TimestampLenient, sec, nil},
		{"2026-11-23", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"2026-13-23T07:59:50Z", TimestampLenient, time.Time{}, ErrMalformedTimestamp},
		{"1795420790", TimestampUnixSeconds, sec, nil},
		{"1795420790123", TimestampUnixSeconds, time.Time{}, ErrMalformedTimestamp},
		{"1795420790.5", TimestampUnixSeconds, time.Time{}, ErrMalformedTimestamp},
		{"2026-11-23T07:59:50Z", TimestampUnixSeconds, time.Time{}, ErrMalformedTimestamp},
		{"2026-11-23T07:59:50Z", TimestampRFC3339, sec, nil},
		{"2026-11-23T07:59:50.25Z", TimestampRFC3339, sec.Add(250 * time.Millisecond), nil},
		{"1795420790", TimestampRFC3339, time.Time{}, ErrMalformedTimestamp},
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
	for _, f := range []TimestampFormat{TimestampUnixSeconds, TimestampRFC3339, TimestampLenient} {
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
		{`{"time\u0073tamp":"escaped-name"}`, "escaped-name", true, false},
		{`{"timestamp":"a\"b"}`, `a"b`, true, false},
		{"{\"timestamp\":\"\x80\"}", "", false, true}, // invalid UTF-8: found by FuzzTopLevelString
		{`{"timestamp":"a"} {}`, "", false, true},
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
