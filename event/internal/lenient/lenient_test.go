package lenient

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// decode unmarshals in into a struct holding one field "v" of type T, the
// way the provider packages use these types, and returns the field.
func decode[T any](t *testing.T, in string) (T, error) {
	t.Helper()
	var w struct {
		V T `json:"v"`
	}
	err := json.Unmarshal([]byte(`{"v":`+in+`}`), &w)
	return w.V, err
}

// wantErr checks that err names the member "/v" and says want.
func wantErr(t *testing.T, in string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want one saying %q", in, want)
	}
	if !strings.Contains(err.Error(), `"/v"`) {
		t.Errorf("%s: error %q does not name the member /v", in, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not say %q", in, err, want)
	}
	var le *Error
	if strings.HasPrefix(want, "want") && !errors.As(err, &le) {
		t.Errorf("%s: error %q is not a *lenient.Error", in, err)
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"abc"`, "abc"},
		{`""`, ""},
		{`null`, ""},
		{`"a\"b\nc\u00e9"`, "a\"b\nc\u00e9"},
		{`1649`, "1649"},
		{`-1.5e3`, "-1.5e3"},
		{`true`, "true"},
		{`false`, "false"},
		{`"  spaced  "`, "  spaced  "}, // strings are kept verbatim
	} {
		got, err := decode[String](t, tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`{}`, `{"a":1}`, `[]`, `["a"]`} {
		_, err := decode[String](t, in)
		wantErr(t, in, err, "want a string, got ")
	}
}

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  int
		valid bool
	}{
		{`1649`, 1649, true},
		{`"1649"`, 1649, true},
		{`" 1649 "`, 1649, true},
		{`"-3"`, -3, true},
		{`0`, 0, true},
		{`"0"`, 0, true},
		{`"007"`, 7, true},
		{`""`, 0, false},
		{`"   "`, 0, false},
		{`null`, 0, false},
		{`1649.6`, 1650, true},
		{`"1649.4"`, 1649, true},
		{`"-2.5"`, -3, true},
		{`1e3`, 1000, true},
		{`"2E2"`, 200, true},
		{`"9223372036854775807"`, math.MaxInt64, true},
		{`"-9223372036854775808"`, math.MinInt64, true},
	} {
		got, err := decode[Int](t, tc.in)
		if err != nil || got.Value != tc.want || got.Valid != tc.valid {
			t.Errorf("%s: got %+v, %v; want {%d %v}", tc.in, got, err, tc.want, tc.valid)
		}
	}
	for _, in := range []string{
		`"12ms"`, `"abc"`, `true`, `"true"`, `{}`, `[1]`, `"1,000"`, `"0x10"`,
		`"NaN"`, `"Inf"`, `"1e400"`, `"9223372036854775808"`, `1e19`, `"+5"`, `".5"`, `"5."`,
	} {
		_, err := decode[Int](t, in)
		wantErr(t, in, err, "want an integer or a numeric string")
	}
}

func TestIntErrorIsShort(t *testing.T) {
	long := `"` + strings.Repeat("x", 10000) + `"`
	_, err := decode[Int](t, long)
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("error for a 10 kB value is %d bytes: %v", len(err.Error()), err)
	}
	if !strings.Contains(err.Error(), `got string "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"...`) {
		t.Errorf("error %q does not show a bounded prefix", err)
	}
}

func TestBool(t *testing.T) {
	for _, tc := range []struct {
		in           string
		value, valid bool
	}{
		{`true`, true, true},
		{`false`, false, true},
		{`"true"`, true, true},
		{`"True"`, true, true},
		{`"TRUE"`, true, true},
		{`"false"`, false, true},
		{`"False"`, false, true},
		{`"t"`, true, true},
		{`"f"`, false, true},
		{`"1"`, true, true},
		{`"0"`, false, true},
		{`1`, true, true},
		{`0`, false, true},
		{`" true "`, true, true},
		{`""`, false, false},
		{`null`, false, false},
	} {
		got, err := decode[Bool](t, tc.in)
		if err != nil || got.Value != tc.value || got.Valid != tc.valid {
			t.Errorf("%s: got %+v, %v; want {%v %v}", tc.in, got, err, tc.value, tc.valid)
		}
	}
	for _, in := range []string{`"yes"`, `"maybe"`, `2`, `"2"`, `{}`, `[]`} {
		_, err := decode[Bool](t, in)
		wantErr(t, in, err, `want a boolean, "true" or "false"`)
	}
}

func TestTime(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`"2024-05-01T10:30:00.000Z"`, utc("2024-05-01T10:30:00Z")},
		{`"2024-05-01T10:30:00.123Z"`, utc("2024-05-01T10:30:00.123Z")},
		{`"2024-05-01T10:30:00Z"`, utc("2024-05-01T10:30:00Z")},
		{`"2024-05-01T12:30:00+02:00"`, utc("2024-05-01T10:30:00Z")},
		{`"2024-05-01T12:30:00.5+0200"`, utc("2024-05-01T10:30:00.5Z")},
		{`"2024-05-01 10:30:00Z"`, utc("2024-05-01T10:30:00Z")},
		{`"2024-05-01 10:30:00"`, utc("2024-05-01T10:30:00Z")},
		{`"2024-05-01T10:30:00"`, utc("2024-05-01T10:30:00Z")},
		{`"Wed May 01 2024 12:30:00 GMT+0200 (Central European Summer Time)"`, utc("2024-05-01T10:30:00Z")},
		{`"Wed, 01 May 2024 10:30:00 GMT"`, utc("2024-05-01T10:30:00Z")},
		{`"Wed May 01 2024 20:30:00 GMT+1000 (Australian Eastern Standard Time)"`, utc("2024-05-01T10:30:00Z")},
		{`1714559400`, utc("2024-05-01T10:30:00Z")},
		{`"1714559400"`, utc("2024-05-01T10:30:00Z")},
		{`1714559400123`, utc("2024-05-01T10:30:00.123Z")},
		{`1714559400.25`, utc("2024-05-01T10:30:00.25Z")},
		{`"17145594001"`, time.UnixMilli(17145594001).UTC()}, // 11 digits: milliseconds, as in every timestamp hookseal reads
		{`"1714559400123456"`, utc("2024-05-01T10:30:00.123456Z")},
		{`"1714559400123456789"`, utc("2024-05-01T10:30:00.123456789Z")},
		{`" 2024-05-01T10:30:00Z "`, utc("2024-05-01T10:30:00Z")},
		{`""`, time.Time{}},
		{`null`, time.Time{}},
	} {
		got, err := decode[Time](t, tc.in)
		if err != nil || !time.Time(got).Equal(tc.want) || time.Time(got).IsZero() != tc.want.IsZero() {
			t.Errorf("%s: got %v, %v; want %v", tc.in, time.Time(got), err, tc.want)
		}
	}
	// Timestamps come back in UTC, whatever the local zone.
	if got, _ := decode[Time](t, `1714559400`); time.Time(got).Location() != time.UTC {
		t.Errorf("Unix timestamp location = %v, want UTC", time.Time(got).Location())
	}
	for _, in := range []string{`"yesterday"`, `"2024-05-01"`, `"2024-13-01T00:00:00Z"`, `true`, `{}`, `[]`, `1714559400123.5`, `1e9`, `"99999999999999999999"`} {
		_, err := decode[Time](t, in)
		wantErr(t, in, err, "want an RFC 3339 time or a Unix timestamp")
	}
}

func TestUnixMillis(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 30, 0, 123e6, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`1714559400123`, want},
		{`"1714559400123"`, want},
		{`" 1714559400123 "`, want},
		{`"1714559400"`, time.UnixMilli(1714559400).UTC()}, // always milliseconds
		{`"2024-05-01T10:30:00.123Z"`, want},
		{`""`, time.Time{}},
		{`null`, time.Time{}},
	} {
		got, err := decode[UnixMillis](t, tc.in)
		if err != nil || !time.Time(got).Equal(tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.in, time.Time(got), err, tc.want)
		}
	}
	for _, in := range []string{`"soon"`, `1.5`, `"1e12"`, `true`, `{}`, `[1]`, `"253402300800000"`, `"-253402300800000"`, `"99999999999999999999"`} {
		_, err := decode[UnixMillis](t, in)
		wantErr(t, in, err, "want Unix milliseconds or an RFC 3339 time")
	}
}

func TestList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`["a","b"]`, []string{"a", "b"}},
		{`[ "api" , "prod" ]`, []string{"api", "prod"}},
		{`["a", null, "", " b ", 3, true]`, []string{"a", "b", "3", "true"}},
		{`[]`, nil},
		{`"a,b"`, []string{"a", "b"}},
		{`"env:prod, service:web ,,"`, []string{"env:prod", "service:web"}},
		{`"solo"`, []string{"solo"}},
		{`""`, nil},
		{`" , "`, nil},
		{`null`, nil},
		{`7`, []string{"7"}},
	} {
		got, err := decode[List](t, tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{}`, "want an array of strings or a comma-separated string, got object"},
		{`[["a"]]`, "want a string, got array"},
		{`[{"a":1}]`, "want a string, got object"},
		{`[` + strings.Repeat(`"x",`, MaxListLen) + `"x"]`, "want at most 1000 list items, got more"},
		{`"` + strings.Repeat(`x,`, MaxListLen) + `x"`, "want at most 1000 list items, got 1001 items"},
	} {
		_, err := decode[List](t, tc.in)
		wantErr(t, tc.in[:min(len(tc.in), 20)], err, tc.want)
	}
	// Exactly MaxListLen items is fine.
	got, err := decode[List](t, `"`+strings.Repeat(`x,`, MaxListLen-1)+`x"`)
	if err != nil || len(got) != MaxListLen {
		t.Errorf("%d items: got %d, %v", MaxListLen, len(got), err)
	}
}

func TestSyntaxErrorsPassThrough(t *testing.T) {
	for _, in := range []string{`"abc`, `[1,`, `tru`, `["a",`} {
		var w struct {
			S String `json:"s"`
			N Int    `json:"n"`
			B Bool   `json:"b"`
			L List   `json:"l"`
		}
		for _, name := range []string{"s", "n", "b", "l"} {
			if err := json.Unmarshal([]byte(`{"`+name+`":`+in), &w); err == nil {
				t.Errorf("%s into %s: no error", in, name)
			}
		}
	}
}

func TestNameEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"ALERT_FAILURE", "alert_failure", true},
		{"ALERT_FAILURE", "AlertFailure", true},
		{"ALERT_FAILURE", "alert-failure", true},
		{"Re-Triggered", "retriggered", true},
		{"No Data", "NO_DATA", true},
		{"", "", true},
		{"_", "", true},
		{"ALERT_FAIL", "ALERT_FAILURE", false},
		{"API", "APIS", false},
		{"é", "É", false}, // ASCII folding only
	} {
		if got := NameEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("NameEqual(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := NameEqual([]byte(tc.b), tc.a); got != tc.want {
			t.Errorf("NameEqual(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	in := []byte(`{"n":"1649","b":"true","m":1714559400123}`)
	var w struct {
		N Int        `json:"n"`
		B Bool       `json:"b"`
		M UnixMillis `json:"m"`
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := json.Unmarshal(in, &w); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("Int, Bool and UnixMillis cost %v allocations, want at most 1", allocs)
	}
}
