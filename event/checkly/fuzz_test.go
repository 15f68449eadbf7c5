package checkly

import (
	"bytes"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// decodeSeeds are bodies in the forms the lenient types take, and some
// they refuse, for the fuzz targets.
var decodeSeeds = []string{
	`{"ALERT_TYPE":"ALERT_FAIL","CHECK_ID":"c","RESPONSE_TIME":"1649","TAGS":"a,b","STARTED_AT":"2024-05-01T10:30:00Z"}`,
	`{"alertType":"x","responseTime":1.5,"isReminder":"TRUE","tags":[1,null,"a"],"link":"l","extra":{"n":[1,2]}}`,
	`{"started_at":"1714559400","ssl_days_remaining":"0","api_check_response_status_code":""}`,
	`{"started_at":"Wed May 01 2024 12:30:00 GMT+0200 (CEST)","tags":" , "}`,
	`{"response_time":"12ms"}`, `{"tags":[[]]}`, `null`, `{}`, `[]`, `"x"`, `{"a":1,"A":2}`,
	`{"check_id":"\u00e9\ud83d\ude00","unknown":"\"\\"}`,
	`{"check_name":"A &amp;amp; B &quot;x&quot;","result_link":"https://x?a&#x3D;1&amp;b&#x3D;2","tags":["&lt;eu&gt;"]}`,
}

// FuzzDecode feeds arbitrary bodies to event.Decode. It must never panic;
// when a body decodes, the Alert must keep its key facts (the event type is
// the normalised ALERT_TYPE, tags are trimmed and bounded), and marshal and
// decode again to the same Alert with its text unescaped once more: each
// decode undoes one round of Handlebars escaping, so "&amp;amp;" decodes to
// "&amp;" and that to "&", and nothing else changes.
func FuzzDecode(f *testing.F) {
	f.Add(sampleBody(f))
	full := sampleAlert() // every field, the free-text ones included
	if b, err := json.Marshal(&full); err == nil {
		f.Add(b)
	}
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Alert
		if err := event.Decode("application/json", body, &a); err != nil {
			return
		}
		if a.EventType() != string(a.AlertType) || ParseAlertType(a.EventType()) != a.AlertType {
			t.Fatalf("EventType %q is not the normalised ALERT_TYPE", a.EventType())
		}
		if a.ResourceKey() != a.CheckID || !a.OccurredAt().Equal(a.StartedAt) {
			t.Fatal("ResourceKey or OccurredAt do not report CHECK_ID and STARTED_AT")
		}
		for _, tag := range a.Tags {
			if tag == "" || string(trim(tag)) != tag {
				t.Fatalf("tag %q is empty or untrimmed", tag)
			}
		}
		out, err := json.Marshal(&a)
		if err != nil {
			t.Fatalf("marshal %+v: %v", a, err)
		}
		var again Alert
		if err := event.Decode("application/json", out, &again); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		// Decoding unescapes text once, as Handlebars escaped it once:
		// what comes back is a's text unescaped once more ("&amp;amp;"
		// decodes to "&amp;", which comes back as "&"), and nothing else
		// changes.
		want := a
		unescapeText(&want)
		// Unknown members come back re-encoded: compare them canonicalised.
		if !sameJSON(t, a.Unknown, again.Unknown) {
			t.Fatalf("Unknown %s came back as %s", a.Unknown, again.Unknown)
		}
		want.Unknown, again.Unknown = nil, nil
		checkAlert(t, again, want)
	})
}

// sameJSON reports whether a and b hold the same JSON: the same structure,
// member names and strings after unescaping, and the same number literals.
// Re-encoding may change escapes ("\ud800\udc00" becomes "𐀀") and
// whitespace, never meaning.
func sameJSON(t *testing.T, a, b jsontext.Value) bool {
	t.Helper()
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	da, db := jsontext.NewDecoder(bytes.NewReader(a)), jsontext.NewDecoder(bytes.NewReader(b))
	for {
		ta, errA := da.ReadToken()
		tb, errB := db.ReadToken()
		if errA == io.EOF || errB == io.EOF {
			return errA == errB
		}
		if errA != nil || errB != nil {
			t.Fatalf("Unknown is not valid JSON: %v, %v", errA, errB)
		}
		if ta.Kind() != tb.Kind() || ta.String() != tb.String() {
			return false
		}
	}
}

// unescapeText applies Unescape to every plain string of a and to its tags,
// as decoding does to the text a body carries.
func unescapeText(a *Alert) {
	v := reflect.ValueOf(a).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Type() == reflect.TypeFor[string]() {
			f.SetString(Unescape(f.String()))
		}
	}
	a.Tags = unescapeAll(slices.Clone(a.Tags))
}
