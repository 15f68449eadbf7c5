package checkly

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/internal/lenient"
)

// checkFastPath decodes body with the fast path and with the lenient one
// and reports whether the fast path took it. It fails tb when the fast
// path takes a body and gives another Alert than the lenient path (or
// takes one the lenient path refuses), when it writes to the Alert of a
// body it refuses, or when DecodeBody (what event.Decode calls) does not
// give the lenient path's Alert and error.
func checkFastPath(tb testing.TB, body []byte) bool {
	tb.Helper()
	untouched := Alert{CheckID: "untouched", Tags: []string{"x"}}
	fast := untouched
	ok := decodeFast(body, &fast)
	var lenient Alert
	lerr := decodeLenient(body, &lenient)
	switch {
	case !ok && !reflect.DeepEqual(fast, untouched):
		tb.Errorf("the fast path refused %q but wrote %+v", body, fast)
	case ok && lerr != nil:
		tb.Errorf("the fast path took %q, which the lenient path refuses: %v", body, lerr)
	case ok && !reflect.DeepEqual(fast, lenient):
		tb.Errorf("the fast path and the lenient path disagree on %q:\nfast:    %+v\nlenient: %+v", body, fast, lenient)
	}

	var via Alert
	err := via.DecodeBody("application/json", body)
	switch {
	case (err == nil) != (lerr == nil) || (err != nil && err.Error() != lerr.Error()):
		tb.Errorf("DecodeBody(%q) = %v, the lenient path %v", body, err, lerr)
	case err == nil && !reflect.DeepEqual(via, lenient):
		tb.Errorf("DecodeBody(%q) = %+v, the lenient path %+v", body, via, lenient)
	}
	return ok
}

// recommendedBodies are RecommendedTemplate rendered as Checkly renders
// it: the sample, every alert type, no tags, every value empty, values
// with each Handlebars entity. The fast path must take every one.
func recommendedBodies(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{"sample": sampleBody(tb)}
	add := func(name string, vars map[string]string, tags []string) {
		b, err := render(RecommendedTemplate, vars, tags)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = []byte(b)
	}
	with := func(change map[string]string) map[string]string {
		vars := make(map[string]string, len(sampleVars))
		for k, v := range sampleVars {
			vars[k] = v
		}
		for k, v := range change {
			vars[k] = v
		}
		return vars
	}
	for _, t := range alertTypes {
		add("type "+string(t), with(map[string]string{"ALERT_TYPE": string(t)}), sampleTags)
	}
	for _, t := range checkTypes {
		add("check type "+string(t), with(map[string]string{"CHECK_TYPE": string(t)}), nil)
	}
	empty := map[string]string{}
	for k := range sampleVars {
		empty[k] = ""
	}
	add("every value empty", empty, nil)
	add("entities", with(map[string]string{
		"ALERT_TITLE": `&<>"'` + "`=", "CHECK_NAME": "&amp; stays &amp;", "GROUP_NAME": "a&b", "REGION": "&",
	}), []string{" padded ", "&", "", "é"})
	add("times and numbers in other forms", with(map[string]string{
		"STARTED_AT": "1714559400123", "RESPONSE_TIME": " 1649.5 ", "IS_REMINDER": "T", "REMINDER_SEQUENCE": "",
		"API_CHECK_RESPONSE_STATUS_CODE": "", "SSL_DAYS_REMAINING": "-3", "ALERT_TYPE": "alert_fail", "CHECK_TYPE": "multi-step",
	}), nil)
	return out
}

// knownBodies are every body the package's tests know: the recommended
// ones, the decode and error tables, the fuzz seeds and the fuzz corpus.
func knownBodies(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := recommendedBodies(tb)
	full := sampleAlert()
	b, err := json.Marshal(&full)
	if err != nil {
		tb.Fatal(err)
	}
	out["sample marshalled"] = b
	for _, tc := range decodeCases {
		out["case "+tc.name] = []byte(tc.body)
	}
	for _, tc := range decodeErrorCases {
		out["error case "+tc.name] = []byte(tc.body)
	}
	for i, s := range decodeSeeds {
		out["seed "+strconv.Itoa(i)] = []byte(s)
	}
	for _, target := range []string{"FuzzDecode", "FuzzFastPath"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		for _, f := range files {
			out["corpus "+f] = corpusEntry(tb, f)
		}
	}
	return out
}

// corpusEntry reads a fuzz corpus file holding one []byte.
func corpusEntry(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		tb.Fatalf("%s: not a corpus file of one value", path)
	}
	lit, ok := strings.CutPrefix(lines[1], "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	s, err := strconv.Unquote(lit)
	if !ok || !ok2 || err != nil {
		tb.Fatalf("%s: %q is not a []byte literal", path, lines[1])
	}
	return []byte(s)
}

func TestFastPathMatchesLenient(t *testing.T) {
	taken := 0
	for name, body := range knownBodies(t) {
		t.Run(name, func(t *testing.T) {
			if checkFastPath(t, body) {
				taken++
			}
		})
	}
	for name, body := range recommendedBodies(t) {
		if !decodeFast(body, new(Alert)) {
			t.Errorf("the fast path refused the recommended template's body %q:\n%s", name, body)
		}
	}
	t.Logf("the fast path took %d of the known bodies", taken)
}

// The shapes the fast path leaves to the lenient one, each with a body
// the lenient path decodes.
func TestFastPathFallsBack(t *testing.T) {
	for _, body := range []string{
		`{"ALERT_TYPE":"ALERT_FAILURE"}`, // another spelling
		`{"alertType":"ALERT_FAILURE"}`,  // camelCase
		`{"link":"https://x"}`,           // an alias
		`{"check_id":"c","message":"m"}`, // a key of the user's own
		`{"check_id":null}`,              // null
		`{"check_id":7}`,                 // a number in a text field
		`{"started_at":1714559400}`,      // a time as a number
		`{"tags":"a,b"}`,                 // comma-separated tags
		`{"tags":["a",1]}`,               // a number among tags
		`{"check_\u0069d":"c"}`,          // an escaped name
		`{"tags":[` + strings.Repeat(`"",`, maxFastTags) + `"a"]}`, // more elements than it holds
	} {
		if decodeFast([]byte(body), new(Alert)) {
			t.Errorf("the fast path took %s", body)
		}
		var a Alert
		if err := event.Decode("application/json", []byte(body), &a); err != nil {
			t.Errorf("%s: %v", body, err)
		}
		checkFastPath(t, []byte(body))
	}
	// Numbers and booleans where a template left a numeric variable or
	// IS_REMINDER unquoted: the fast path takes them, as the lenient path
	// reads them.
	for _, body := range []string{
		`{"response_time":1649,"api_check_response_status_code":503,"ssl_days_remaining":0,"reminder_sequence":2}`,
		`{"is_reminder":true}`, `{"is_reminder":false}`, `{"is_reminder":1}`, `{"response_time":1.5e3}`,
	} {
		if !decodeFast([]byte(body), new(Alert)) {
			t.Errorf("the fast path refused %s", body)
		}
		checkFastPath(t, []byte(body))
	}
	// Bodies both paths refuse: the fast path leaves the error to the
	// lenient one.
	for _, body := range []string{
		`{"check_id":"a","check_id":"b"}`, `{"response_time":"fast"}`, `{"started_at":"soon"}`,
		`{"is_reminder":"maybe"}`, `{"check_id":"c"} {}`, `{"check_id":"c"`, "{\"check_id\":\"\xff\"}",
		`{"response_time":true}`, `{"is_reminder":2}`,
	} {
		if decodeFast([]byte(body), new(Alert)) {
			t.Errorf("the fast path took %q", body)
		}
		checkFastPath(t, []byte(body))
	}
}

// DecodeBody refuses what event.Decode refuses for a payload without it,
// in the same words.
func TestDecodeBodyContentType(t *testing.T) {
	body := sampleBody(t)
	for _, ct := range []string{"", "application/json", "application/json; charset=utf-8", "application/vnd.x+json",
		"text/xml", "application/x-www-form-urlencoded", "not a media type"} {
		var plain struct{ CheckID string }
		want := event.Decode(ct, body, &plain)
		var a Alert
		got := event.Decode(ct, body, &a)
		if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
			t.Errorf("Content-Type %q: %v, want %v", ct, got, want)
		}
		if got == nil {
			checkAlert(t, a, recommendedAlert())
		}
	}
}

// The fast path's exact match of a canonical type is the lenient match's
// answer only if no two canonical values match each other leniently.
func TestCanonicalTypesAreDistinct(t *testing.T) {
	for i, a := range alertTypes {
		for _, b := range alertTypes[i+1:] {
			if lenient.NameEqual(a, b) {
				t.Errorf("%s and %s are one name", a, b)
			}
		}
	}
	for i, a := range checkTypes {
		for _, b := range checkTypes[i+1:] {
			if lenient.NameEqual(a, b) {
				t.Errorf("%s and %s are one name", a, b)
			}
		}
	}
}

// The fast path allocates the Alert's text once, its tags and its numbers.
func TestFastPathAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under coverage and the race detector")
	}
	body := sampleBody(t)
	var a Alert
	allocs := testing.AllocsPerRun(100, func() {
		if !decodeFast(body, &a) {
			t.Fatal("refused")
		}
	})
	if allocs > 3 {
		t.Errorf("%v allocations, want at most 3 (the text, the tags, the numbers)", allocs)
	}
}

// FuzzFastPath asserts that whenever the fast path takes a body, the
// lenient path gives the same Alert, and that a body it refuses leaves
// the Alert as it was.
func FuzzFastPath(f *testing.F) {
	for _, body := range knownBodies(f) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastPath(t, body)
	})
}

// unescapeReference is how Unescape was written first: strings.Replacer
// over the seven entities.
var unescapeReference = strings.NewReplacer(
	"&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", "\"", "&#x27;", "'", "&#x60;", "`", "&#x3D;", "=",
)

// FuzzUnescape asserts that Unescape and writeUnescaped (which the fast
// path uses) undo exactly what strings.Replacer undoes.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"", "&", "&amp;", "&amp;amp;", "a&lt;b&gt;c", "&quot&quot;", "&#x27;&#x60;&#x3D;",
		"&#x3d;", "&#x2", "&&amp;", "&am", "x&#x60", "Checkout &amp; Payments"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := unescapeReference.Replace(s)
		if got := Unescape(s); got != want {
			t.Fatalf("Unescape(%q) = %q, want %q", s, got, want)
		}
		var sb strings.Builder
		writeUnescaped(&sb, []byte(s))
		if sb.String() != want {
			t.Fatalf("writeUnescaped(%q) = %q, want %q", s, sb.String(), want)
		}
	})
}

// The fast path's Alert does not alias the body either: the middleware
// reads bodies into pooled buffers.
func TestFastPathDoesNotAliasTheBody(t *testing.T) {
	for name, body := range recommendedBodies(t) {
		body = append([]byte(nil), body...)
		var a Alert
		if !decodeFast(body, &a) {
			t.Fatalf("%s: refused", name)
		}
		before, err := json.Marshal(&a)
		if err != nil {
			t.Fatal(err)
		}
		for i := range body {
			body[i] = 'x'
		}
		if after, _ := json.Marshal(&a); string(before) != string(after) {
			t.Errorf("%s: the alert changed when the body was overwritten:\n%s\n%s", name, before, after)
		}
	}
}
