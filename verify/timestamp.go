package verify

import (
	"strconv"
	"time"

	"github.com/hookseal/hookseal/internal/timefmt"
	"github.com/hookseal/hookseal/verify/internal/header"
)

// TimestampFormat says how a sender writes its timestamp.
type TimestampFormat int

const (
	// TimestampUnixSeconds is a decimal count of seconds since the Unix
	// epoch, as Stripe, Standard Webhooks and Grafana send. Signed schemes
	// use it strictly: digits only, the exact bytes are part of the signed
	// content.
	TimestampUnixSeconds TimestampFormat = iota

	// TimestampLenient accepts every form a sender whose format is
	// unpublished might use (Checkly's x-checkly-timestamp): a Unix time
	// whose unit is told by its number of digits (up to 10 seconds,
	// optionally with a fraction; 11 to 13 milliseconds; 14 to 16
	// microseconds; 17 to 19 nanoseconds), RFC 3339 with or without
	// fractional seconds, and the few other date forms JavaScript writes.
	// The event decoders read body times by the same rule. A header never
	// carries a sign, so a leading '-' or '+' is malformed.
	TimestampLenient

	// TimestampRFC3339 is an RFC 3339 date-time, with or without
	// fractional seconds (StatusStack's body timestamp).
	TimestampRFC3339
)

// maxTimestampLen bounds a timestamp before parsing.
const maxTimestampLen = timefmt.MaxLen

// ParseTimestamp parses s in format f. Values that do not fit the format,
// do not fit in an int64, or are not valid dates fail with
// ErrMalformedTimestamp; an empty one with ErrMissingTimestamp. A value far
// from now parses: how old or new a delivery may be is a Window's to judge.
// The one instant that is Go's zero time (0001-01-01T00:00:00Z) is
// malformed too: it means "no time" to every judge downstream, so a sender
// writing it must not slip past them.
func ParseTimestamp(s string, f TimestampFormat) (time.Time, error) {
	t, err := parseTimestamp(s, f)
	if err == nil && t.IsZero() {
		return time.Time{}, errorf(ErrMalformedTimestamp, "the zero time is no time")
	}
	return t, err
}

func parseTimestamp(s string, f TimestampFormat) (time.Time, error) {
	if len(s) > maxTimestampLen {
		return time.Time{}, errorf(ErrMalformedTimestamp, "%d bytes, limit %d", len(s), maxTimestampLen)
	}
	s = header.TrimOWS(s)
	if s == "" {
		return time.Time{}, errorf(ErrMissingTimestamp, "empty value")
	}
	switch f {
	case TimestampUnixSeconds:
		if t, ok := timefmt.ParseUnixSeconds(s); ok {
			return t, nil
		}
		return time.Time{}, errorf(ErrMalformedTimestamp, "want Unix seconds (digits only)")
	case TimestampRFC3339:
		if t, ok := timefmt.ParseRFC3339(s); ok {
			return t, nil
		}
		return time.Time{}, errorf(ErrMalformedTimestamp, "want an RFC 3339 date-time")
	case TimestampLenient:
		if s[0] != '-' && s[0] != '+' {
			if t, ok := timefmt.Parse(s); ok {
				return t, nil
			}
		}
		return time.Time{}, errorf(ErrMalformedTimestamp, "want Unix seconds, Unix milliseconds or an RFC 3339 date-time")
	}
	return time.Time{}, errorf(ErrInvalidConfig, "unknown timestamp format %d", f)
}

// FormatTimestamp writes t the way a sender using format f would: Unix
// seconds for TimestampUnixSeconds, RFC 3339 in UTC for TimestampRFC3339,
// and RFC 3339 with milliseconds (JavaScript's toISOString) for
// TimestampLenient.
func FormatTimestamp(t time.Time, f TimestampFormat) string {
	switch f {
	case TimestampUnixSeconds:
		return strconv.FormatInt(t.Unix(), 10)
	case TimestampRFC3339:
		return t.UTC().Format(time.RFC3339)
	default:
		return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
}
