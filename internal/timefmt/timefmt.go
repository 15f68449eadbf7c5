// Package timefmt is hookseal's one reader of sender timestamps: the
// verifiers parse header and signed times with it, and the lenient event
// decoders parse body times with it, so a value means the same instant
// wherever it arrives.
package timefmt

import (
	"strings"
	"time"
)

// MaxLen bounds a timestamp before any parsing. The longest form accepted,
// JavaScript's Date.toString with a long zone name, stays under it.
const MaxLen = 128

// Parse reads an instant in every form a sender whose format is unpublished
// might use (Checkly's x-checkly-timestamp and STARTED_AT):
//
//   - a Unix timestamp: decimal digits with an optional leading '-', whose
//     unit is told by its number of digits: up to 10 seconds, 11 to 13
//     milliseconds, 14 to 16 microseconds, 17 to 19 nanoseconds (one rule
//     with no gaps, so no length is read as seconds by one part of hookseal
//     and refused by another). Seconds may carry a fraction after a '.'
//     ("1732345678.123"); digits past the ninth are ignored;
//   - RFC 3339 with or without fractional seconds; also with a space for
//     the "T", a "+0200" offset, or no offset at all (read as UTC);
//   - JavaScript's Date.toString ("Wed May 01 2024 10:30:00 GMT+0000
//     (Coordinated Universal Time)") and RFC 1123 ("GMT").
//
// Unix timestamps are returned in UTC; parsed strings keep their offset.
// Surrounding spaces are the caller's to trim. ok is false for anything
// else, for more than 19 digits, for Unix times outside years 1 to 9999
// (which time.Time cannot add to without overflowing), and for values longer
// than MaxLen.
func Parse[S ~string | ~[]byte](s S) (time.Time, bool) {
	if len(s) == 0 || len(s) > MaxLen {
		return time.Time{}, false
	}
	if c := s[0]; c == '-' || (c >= '0' && c <= '9') {
		if t, ok, isNumber := parseUnix(s); isNumber {
			return t, ok
		}
	}
	return parseLayouts(string(s))
}

// parseUnix reads a signed decimal Unix timestamp. isNumber is false when s
// is not one (it may still be a date: "2024-05-01..." starts with digits).
func parseUnix[S ~string | ~[]byte](s S) (t time.Time, ok, isNumber bool) {
	neg := s[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	start := i
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if i-start >= 19 || n > (1<<63-1-d)/10 {
			return time.Time{}, false, allDigitsOrDot(s[i:])
		}
		n = n*10 + d
	}
	digits := i - start
	if digits == 0 {
		return time.Time{}, false, false
	}
	var frac int64
	if i < len(s) {
		if s[i] != '.' {
			return time.Time{}, false, false
		}
		f, fok := parseFraction(s[i+1:])
		if !fok {
			return time.Time{}, false, allDigitsOrDot(s[i+1:])
		}
		if digits > 10 {
			return time.Time{}, false, true // a fraction of milliseconds or finer: no sender writes that
		}
		frac = f
	}
	if neg {
		n, frac = -n, -frac
	}
	switch {
	case digits <= 10:
		if !inRange(n) {
			return time.Time{}, false, true
		}
		return time.Unix(n, frac).UTC(), true, true
	case digits <= 13:
		return time.UnixMilli(n).UTC(), true, true
	case digits <= 16:
		return time.UnixMicro(n).UTC(), true, true
	}
	return time.Unix(0, n).UTC(), true, true
}

// parseFraction turns the digits after a decimal point into nanoseconds.
func parseFraction[S ~string | ~[]byte](s S) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
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

func allDigits[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allDigitsOrDot[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the
// instants every part of hookseal can hold, format and compare.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

func inRange(sec int64) bool { return sec >= minUnix && sec <= maxUnix }

// ParseUnixSeconds reads a Unix time in seconds written as decimal digits
// only, as signed schemes send it (Stripe's t, Standard Webhooks'
// webhook-timestamp, Grafana's timestamp header): no sign, no fraction, up
// to year 9999. A value far from now parses; freshness judges it.
func ParseUnixSeconds(s string) (time.Time, bool) {
	if s == "" || len(s) > 19 || !allDigits(s) {
		return time.Time{}, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := int64(s[i] - '0')
		if n > (1<<63-1-d)/10 {
			return time.Time{}, false
		}
		n = n*10 + d
	}
	if !inRange(n) {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// ParseRFC3339 reads an RFC 3339 date-time with or without fractional
// seconds (StatusStack's signed body timestamp).
func ParseRFC3339(s string) (time.Time, bool) {
	if len(s) > MaxLen {
		return time.Time{}, false
	}
	// RFC3339Nano's layout parses values with and without fractional
	// seconds; time.Parse does not allocate on success.
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// parseLayouts tries RFC 3339 first, then the layouts seen less often.
func parseLayouts(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	// JavaScript's Date.toString ends with the zone's name in parentheses.
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		s = strings.TrimRight(s[:i], " ")
	}
	if len(s) > 10 && s[10] == ' ' && s[4] == '-' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04:05.999999999",
		"Mon Jan 02 2006 15:04:05 GMT-0700",
		time.RFC1123,
		time.RFC1123Z,
	} {
		if v, err := time.Parse(layout, s); err == nil {
			if layout == time.RFC1123 && v.Location() != time.UTC {
				// "GMT" parses as a zone abbreviation at offset 0;
				// report it as UTC like every other UTC input.
				if _, off := v.Zone(); off == 0 {
					v = v.UTC()
				}
			}
			return v, true
		}
	}
	return time.Time{}, false
}
