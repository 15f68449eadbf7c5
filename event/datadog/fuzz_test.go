package datadog

import (
	"bytes"
	"io"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/internal/lenient"
)

// Both targets must never panic. When a body decodes, the Event must
// marshal and decode again to an equal Event, and keep its key facts:
// bounded, trimmed tags; ResourceKey and OccurredAt as documented; Unknown
// a JSON object.
func FuzzDecodeBodyJSON(f *testing.F) {
	f.Add(sampleJSON(f))
	for _, s := range []string{
		defaultPayload,
		`{"ID":1,"DATE":"1714559400123","ALERT_TRANSITION":"re_triggered","TAGS":"a, b","org_id":"1","x":[1,{}]}`,
		`{"org":{"id":null,"name":7},"tags":[null,"a",1],"date":"2024-05-01T10:30:00Z"}`,
		`{"date":1e3}`, `{"org":"x"}`, `null`, `{}`, `[]`, `{"a":1,"A":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFuzzed(t, "application/json", body)
	})
}

func FuzzDecodeBodyForm(f *testing.F) {
	f.Add(sampleForm())
	for _, s := range []string{
		"id=1&org[id]=2&org.name=n&tags[]=a&tags=b&date=1714559400123",
		"org=%7B%22id%22%3A%221%22%7D&ALERT_ID=4&alert_cycle_key=ck",
		"a=%FF&&b&=c&org_id=1&ORG_NAME=x", "org[id]=1&org=2", "date=soon", "%zz=1", "org[]=1&org[=2",
		"  {\"id\":\"1\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if js, err := formToJSON(body); err == nil && !jsontext.Value(js).IsValid() {
			t.Fatalf("formToJSON(%q) = %q, not valid JSON", body, js)
		}
		checkFuzzed(t, "application/x-www-form-urlencoded", body)
	})
}

func checkFuzzed(t *testing.T, contentType string, body []byte) {
	var e Event
	if err := e.DecodeBody(contentType, body); err != nil {
		return
	}
	if len(e.Tags) > lenient.MaxListLen {
		t.Fatalf("%d tags", len(e.Tags))
	}
	for _, tag := range e.Tags {
		if tag == "" || trim(tag) != tag {
			t.Fatalf("tag %q is empty or untrimmed", tag)
		}
	}
	if k := e.ResourceKey(); k != e.AlertCycleKey && (e.AlertCycleKey != "" || k != e.AlertID) {
		t.Fatalf("ResourceKey %q: cycle key %q, alert id %q", k, e.AlertCycleKey, e.AlertID)
	}
	if at := e.OccurredAt(); !at.Equal(e.Date) && (!e.Date.IsZero() || !at.Equal(e.LastUpdated)) {
		t.Fatalf("OccurredAt %v: date %v, last updated %v", at, e.Date, e.LastUpdated)
	}
	if e.Unknown != nil && e.Unknown.Kind() != '{' {
		t.Fatalf("Unknown %q is not an object", e.Unknown)
	}
	out, err := json.Marshal(&e)
	if err != nil {
		t.Fatalf("marshal %+v: %v", e, err)
	}
	var again Event
	if err := again.DecodeBody("application/json", out); err != nil {
		t.Fatalf("re-decode %s: %v", out, err)
	}
	if !sameJSON(t, e.Unknown, again.Unknown) {
		t.Fatalf("Unknown %s came back as %s", e.Unknown, again.Unknown)
	}
	want := e
	want.Unknown, again.Unknown = nil, nil
	checkEvent(t, again, want)
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
