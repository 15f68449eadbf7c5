package timefmt

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	sec := time.Unix(1795420790, 0).UTC()
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1795420790", sec, true},
		{"0", time.Unix(0, 0).UTC(), true},
		{"9999999999", time.Unix(9999999999, 0).UTC(), true}, // 2286
		{"-9999999999", time.Unix(-9999999999, 0).UTC(), true},
		{"-1700000000", time.Unix(-1700000000, 0).UTC(), true},
		{"17954207901", time.UnixMilli(17954207901).UTC(), true}, // 11 digits: milliseconds
		{"179542079012", time.UnixMilli(179542079012).UTC(), true},
		{"1795420790123", time.UnixMilli(1795420790123).UTC(), true},
		{"17954207901234", time.UnixMicro(17954207901234).UTC(), true},
		{"1795420790123456", time.UnixMicro(1795420790123456).UTC(), true},
		{"17954207901234567", time.Unix(0, 17954207901234567).UTC(), true},
		{"1795420790123456789", time.Unix(0, 1795420790123456789).UTC(), true},
		{"9223372036854775807", time.Unix(0, 1<<63-1).UTC(), true},
		{"9223372036854775808", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
		{"1795420790.5", time.Unix(1795420790, 500_000_000).UTC(), true},
		{"-1.5", time.Unix(-1, -500_000_000).UTC(), true},
		{"1795420790.123456789999", time.Unix(1795420790, 123456789).UTC(), true},
		{"1795420790.", time.Time{}, false},
		{"1795420790.1a", time.Time{}, false},
		{"1795420790123.5", time.Time{}, false},
		{"1.2.3", time.Time{}, false},
		{"-", time.Time{}, false},
		{"+1795420790", time.Time{}, false},
		{"1e9", time.Time{}, false},
		{"0x6a", time.Time{}, false},
		{"2026-11-23T07:59:50Z", sec, true},
		{"2026-11-23T07:59:50.000Z", sec, true},
		{"2026-11-23T08:59:50+01:00", sec, true},
		{"2026-11-23 07:59:50Z", sec, true},
		{"2026-11-23T07:59:50", sec, true},
		{"2026-11-23T08:59:50+0100", sec, true},
		{"Mon Nov 23 2026 07:59:50 GMT+0000 (Coordinated Universal Time)", sec, true},
		{"Mon, 23 Nov 2026 07:59:50 GMT", sec, true},
		{"2026-11-23", time.Time{}, false},
		{"2026-13-23T07:59:50Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
		{strings.Repeat("1", MaxLen+1), time.Time{}, false},
	}
	for _, tc := range cases {
		got, ok := Parse(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		gotB, okB := Parse([]byte(tc.in))
		if okB != ok || !gotB.Equal(got) {
			t.Errorf("Parse([]byte(%q)) = %v, %v; the string form gave %v, %v", tc.in, gotB, okB, got, ok)
		}
	}
}

func TestParseUnixSeconds(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1795420790", 1795420790, true},
		{"13569465600", 13569465600, true},   // year 2400: parses; freshness refuses it
		{"253402300799", 253402300799, true}, // 9999-12-31T23:59:59Z
		{"253402300800", 0, false},
		{"9223372036854775807", 0, false},
		{"9223372036854775808", 0, false},
		{"-1", 0, false},
		{"1795420790.5", 0, false},
		{"", 0, false},
		{" 1", 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseUnixSeconds(tc.in)
		if ok != tc.ok || (ok && got.Unix() != tc.want) {
			t.Errorf("ParseUnixSeconds(%q) = %v, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParse checks that Parse never panics, refuses what is too long, and
// reads back every Unix timestamp it is given in the unit its length names.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1795420790", "-1", "1795420790123", "1795420790.5", "2026-11-23T07:59:50Z",
		"Mon, 23 Nov 2026 07:59:50 GMT", "99999999999999999999", "1.", "-", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := Parse(s)
		if len(s) > MaxLen && ok {
			t.Fatalf("Parse accepted %d bytes", len(s))
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || s[0] == '+' || (len(s) > 1 && s[0] == '0') || (len(s) > 2 && s[:2] == "-0") {
			return
		}
		if !ok {
			t.Fatalf("Parse(%q) refused an int64", s)
		}
		digits := len(strings.TrimPrefix(s, "-"))
		var want time.Time
		switch {
		case digits <= 10:
			want = time.Unix(n, 0)
		case digits <= 13:
			want = time.UnixMilli(n)
		case digits <= 16:
			want = time.UnixMicro(n)
		default:
			want = time.Unix(0, n)
		}
		if !got.Equal(want) {
			t.Fatalf("Parse(%q) = %v, want %v", s, got, want)
		}
	})
}
