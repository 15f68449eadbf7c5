package lenient

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// Each target decodes an arbitrary JSON value into one lenient type. The
// decoders must never panic, must reject what they cannot read with an
// error, and when they succeed the result must survive a round trip through
// its canonical form (which is how a provider type re-marshals it).

var seeds = []string{
	`"abc"`, `""`, `null`, `0`, `1649`, `"1649"`, `"1649.5"`, `-1e3`, `true`, `"false"`,
	`"t"`, `{}`, `[]`, `["a","b"]`, `"a,b"`, `"2024-05-01T10:30:00.000Z"`, `1714559400123`,
	`"1714559400"`, `"Wed May 01 2024 12:30:00 GMT+0200 (CEST)"`, `"\u0000"`, `"a\\u00e9"`,
	`[null, 1, true, "x"]`, `"9223372036854775807"`, `"1e309"`, `[[]]`, `"NaN"`,
}

func addSeeds(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

func fuzzDecode[T any](data []byte) (T, bool) {
	var w struct {
		V T `json:"v"`
	}
	in := make([]byte, 0, len(data)+6)
	in = append(append(append(in, `{"v":`...), data...), '}')
	err := json.Unmarshal(in, &w)
	return w.V, err == nil
}

func FuzzString(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := fuzzDecode[String](data)
		if !ok {
			return
		}
		enc, err := json.Marshal(string(v))
		if err != nil {
			t.Fatalf("marshal %q: %v", v, err)
		}
		if again, ok := fuzzDecode[String](enc); !ok || again != v {
			t.Fatalf("round trip %q -> %s -> %q, %v", v, enc, again, ok)
		}
	})
}

func FuzzInt(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := fuzzDecode[Int](data)
		if !ok {
			return
		}
		if !v.Valid {
			if v.Value != 0 {
				t.Fatalf("invalid Int with value %d", v.Value)
			}
			return
		}
		for _, enc := range []string{strconv.Itoa(v.Value), `"` + strconv.Itoa(v.Value) + `"`} {
			if again, ok := fuzzDecode[Int]([]byte(enc)); !ok || again != v {
				t.Fatalf("round trip %+v -> %s -> %+v, %v", v, enc, again, ok)
			}
		}
	})
}

func FuzzBool(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := fuzzDecode[Bool](data)
		if !ok {
			return
		}
		if !v.Valid {
			if v.Value {
				t.Fatal("invalid Bool that is true")
			}
			return
		}
		enc := strconv.Quote(strconv.FormatBool(v.Value))
		if again, ok := fuzzDecode[Bool]([]byte(enc)); !ok || again != v {
			t.Fatalf("round trip %+v -> %s -> %+v, %v", v, enc, again, ok)
		}
	})
}

func FuzzTime(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := fuzzDecode[Time](data)
		if !ok {
			return
		}
		tv := time.Time(v)
		if tv.IsZero() {
			return
		}
		enc, err := json.Marshal(tv)
		if err != nil {
			// Years beyond 9999 cannot be written as RFC 3339; such an
			// input can only come from a parsed string, never from a
			// timestamp of at most 19 digits.
			if tv.Year() >= 0 && tv.Year() <= 9999 {
				t.Fatalf("marshal %v: %v", tv, err)
			}
			return
		}
		again, ok := fuzzDecode[Time](enc)
		if !ok || !time.Time(again).Equal(tv) {
			t.Fatalf("round trip %v -> %s -> %v, %v", tv, enc, time.Time(again), ok)
		}
	})
}

func FuzzUnixMillis(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := fuzzDecode[UnixMillis](data)
		if !ok {
			return
		}
		tv := time.Time(v)
		if tv.IsZero() {
			return
		}
		if y := tv.Year(); y > 9999 || y < -9999 {
			t.Fatalf("accepted year %d", y)
		}
		if tv.Truncate(time.Millisecond).Equal(tv) && tv.Year() > 0 {
			enc := strconv.FormatInt(tv.UnixMilli(), 10)
			if again, ok := fuzzDecode[UnixMillis]([]byte(enc)); !ok || !time.Time(again).Equal(tv) {
				t.Fatalf("round trip %v -> %s -> %v, %v", tv, enc, time.Time(again), ok)
			}
		}
	})
}

func FuzzList(f *testing.F) {
	addSeeds(f)
	f.Add([]byte(`"` + strings.Repeat(",", MaxListLen+5) + `"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := fuzzDecode[List](data)
		if !ok {
			return
		}
		if len(v) > MaxListLen {
			t.Fatalf("%d items, more than %d", len(v), MaxListLen)
		}
		for _, s := range v {
			if s == "" || strings.TrimSpace(s) != s {
				t.Fatalf("item %q is empty or untrimmed", s)
			}
		}
		enc, err := json.Marshal([]string(v))
		if err != nil {
			t.Fatalf("marshal %q: %v", v, err)
		}
		if again, ok := fuzzDecode[List](enc); !ok || !slices.Equal(again, v) {
			t.Fatalf("round trip %q -> %s -> %q, %v", v, enc, again, ok)
		}
	})
}

// The float bound in parseInt relies on -math.MinInt being exact.
func TestIntBounds(t *testing.T) {
	if float64(-math.MinInt) != math.Ldexp(1, strconv.IntSize-1) {
		t.Fatal("-MinInt is not 2^(IntSize-1) in float64")
	}
}
