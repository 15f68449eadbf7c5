package verify

import (
	"time"
)

// TimestampFormat says how a sender writes its timestamp.
type TimestampFormat int

const (
	// UnixSeconds is a decimal count of seconds since the Unix epoch, as
	// Stripe, Standard Webhooks and Grafana send. Signed schemes use it
	// strictly: the exact bytes are part of the signed content.
	UnixSeconds TimestampFormat = iota

	// Lenient accepts every form a sender whose format is unpublished might
	// use (Checkly's x-checkly-timestamp): Unix seconds (up to 10 digits,
	// optionally with a fraction), Unix milliseconds (13 digits),
	// microseconds (16) or nanoseconds (19), and RFC 3339 with or without
	// fractional seconds.
	Lenient

	// RFC3339 is an RFC 3339 date-time, with or without fractional seconds
	// (StatusStack's body timestamp).
	RFC3339
)

// maxTimestampLen bounds a timestamp before parsing; the longest accepted
// form, RFC 3339 with nanoseconds and an offset, is 35 bytes.
const maxTimestampLen = 64

// ParseTimestamp parses s in format f. Values that are negative, do not fit
// in an int64, have a digit count no sender uses, or are not valid dates
// fail with ErrMalformedTimestamp.
func ParseTimestamp(s string, f TimestampFormat) (time.Time, error) {
	if len(s) > maxTimestampLen {
		return time.Time{}, errorf(ErrMalformedTimestamp, "%d bytes, limit %d", len(s), maxTimestampLen)
	}
	s = trimOWS(s)
	if s == "" {
		return time.Time{}, errorf(ErrMissingTimestamp, "empty value")
	}
	switch f {
	case UnixSeconds:
		if sec, ok := parseDigits(s, 12); ok {
			return time.Unix(sec, 0), nil
		}
		return time.Time{}, errorf(ErrMalformedTimestamp, "want Unix seconds (digits only)")
	case RFC3339:
		if t, ok := parseRFC3339(s); ok {
			return t, nil
		}
		return time.Time{}, errorf(ErrMalformedTimestamp, "want an RFC 3339 date-time")
	case Lenient:
		if t, ok := parseLenient(s); ok {
			return t, nil
		}
		return time.Time{}, errorf(ErrMalformedTimestamp, "want Unix seconds, Unix milliseconds or an RFC 3339 date-time")
	}
	return time.Time{}, errorf(ErrInvalidConfig, "unknown timestamp format %d", f)
}

func parseLenient(s string) (time.Time, bool) {
	if s[0] >= '0' && s[0] <= '9' {
		intPart, frac, hasDot := cut(s, '.')
		if n, ok := parseDigits(intPart, 19); ok {
			if hasDot {
				// Seconds with a fraction: "1732345678.123".
				if len(intPart) > 10 || frac == "" {
					return time.Time{}, false
				}
				ns, ok := parseFraction(frac)
				if !ok {
					return time.Time{}, false
				}
				return time.Unix(n, ns), true
			}
			switch l := len(intPart); {
			case l <= 10:
				return time.Unix(n, 0), true
			case l == 13:
				return time.UnixMilli(n), true
			case l == 16:
				return time.UnixMicro(n), true
			case l == 19:
				return time.Unix(0, n), true
			}
			return time.Time{}, false
		}
	}
	return parseRFC3339(s)
}

func parseRFC3339(s string) (time.Time, bool) {
	// RFC3339Nano's layout parses values with and without fractional
	// seconds; time.Parse does not allocate on success.
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// parseDigits parses a non-empty run of at most maxDigits ASCII digits.
// It rejects signs, spaces and anything that would overflow int64.
func parseDigits(s string, maxDigits int) (int64, bool) {
	if s == "" || len(s) > maxDigits || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// parseFraction turns the digits after a decimal point into nanoseconds,
// ignoring digits beyond the ninth.
func parseFraction(s string) (int64, bool) {
	var ns int64
	scale := int64(100_000_000)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		ns += int64(c-'0') * scale
		scale /= 10
	}
	return ns, true
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// trimOWS trims the optional whitespace (spaces and tabs) that RFC 9110
// allows around a field value.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
