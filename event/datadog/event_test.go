package datadog

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

// defaultPayload is Datadog's default webhook payload as it renders.
const defaultPayload = `{"body":"%%%\nCPU usage is high\n%%%","last_updated":"1714559400000","event_type":"query_alert_monitor",` +
	`"title":"[Triggered] CPU usage is high","date":"1714559400123","org":{"id":"123456","name":"Acme"},"id":"7478321456789012345"}`

var defaultEvent = Event{
	ID: "7478321456789012345", Type: QueryAlertMonitor, Title: "[Triggered] CPU usage is high",
	Body: "%%%\nCPU usage is high\n%%%", Date: time.Date(2024, 5, 1, 10, 30, 0, 123e6, time.UTC),
	LastUpdated: time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC), Org: Org{ID: "123456", Name: "Acme"},
}

func decode(t *testing.T, contentType, body string) Event {
	t.Helper()
	var e Event
	if err := event.Decode(contentType, []byte(body), &e); err != nil {
		t.Fatalf("Decode(%q): %v", contentType, err)
	}
	return e
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		want                    Event
	}{
		{"ok, default payload", ctJSON, defaultPayload, defaultEvent},
		{"ok, default payload with charset, no content type", "application/json; charset=utf-8", defaultPayload, defaultEvent},
		{"ok, default payload without a content type", "", defaultPayload, defaultEvent},
		{"ok, default payload as a form with org[id]", ctForm,
			"body=%25%25%25%0ACPU+usage+is+high%0A%25%25%25&last_updated=1714559400000&event_type=query_alert_monitor" +
				"&title=%5BTriggered%5D+CPU+usage+is+high&date=1714559400123&org%5Bid%5D=123456&org%5Bname%5D=Acme&id=7478321456789012345",
			defaultEvent},
		{"ok, form with org.id and a charset", ctForm + "; charset=UTF-8",
			"body=%25%25%25%0ACPU+usage+is+high%0A%25%25%25&last_updated=1714559400000&event_type=query_alert_monitor" +
				"&title=%5BTriggered%5D+CPU+usage+is+high&date=1714559400123&org.id=123456&org.name=Acme&id=7478321456789012345",
			defaultEvent},
		{"ok, form with flat org_id", ctForm, "ORG_ID=123456&ORG_NAME=Acme",
			Event{Org: Org{ID: "123456", Name: "Acme"}}},
		{"ok, form with org as a JSON object", ctForm, "org=%7B%22id%22%3A%22123456%22%2C%22name%22%3A%22Acme%22%7D",
			Event{Org: Org{ID: "123456", Name: "Acme"}}},
		{"ok, form with upper-case ORG[ID]", ctForm, "ORG[ID]=1&ORG[NAME]=n", Event{Org: Org{ID: "1", Name: "n"}}},
		{"ok, flat org_id beside the nested org: nested wins", ctJSON,
			`{"org":{"id":"nested"},"org_id":"flat","org_name":"flat name"}`, Event{Org: Org{ID: "nested", Name: "flat name"}}},
		{"ok, variable names as keys", ctJSON,
			`{"ID":"1","EVENT_TYPE":"log_alert","EVENT_TITLE":"t","EVENT_MSG":"m","DATE":"1714559400123",` +
				`"ALERT_ID":"42","ALERT_TRANSITION":"Recovered","ALERT_TYPE":"success","ALERT_CYCLE_KEY":"ck","HOSTNAME":"h","TAGS":"a,b"}`,
			Event{ID: "1", Type: LogAlert, Title: "t", Body: "m", Date: sampleDate, AlertID: "42",
				AlertTransition: Recovered, AlertType: AlertSuccess, AlertCycleKey: "ck", Hostname: "h", Tags: []string{"a", "b"}}},
		{"ok, unquoted numbers", ctJSON, `{"id":7478321456789012345,"date":1714559400123,"alert_id":42,"org":{"id":123456}}`,
			Event{ID: "7478321456789012345", Date: sampleDate, AlertID: "42", Org: Org{ID: "123456"}}},
		{"ok, camelCase and host_name", ctJSON, `{"alertId":"42","alertCycleKey":"ck","host_name":"web-1","lastUpdated":"1714559400000"}`,
			Event{AlertID: "42", AlertCycleKey: "ck", Hostname: "web-1", LastUpdated: sampleUpdated}},
		{"ok, empty strings mean not set", ctJSON, `{"date":"","last_updated":"","tags":"","alert_transition":"","org":{"id":"","name":""}}`,
			Event{}},
		{"ok, tags as an array", ctJSON, `{"tags":["env:prod"," team:core "]}`, Event{Tags: []string{"env:prod", "team:core"}}},
		{"ok, form tags repeated and with []", ctForm, "tags[]=a&tags[]=b&TAGS2=x", Event{Tags: []string{"a", "b"},
			Unknown: jsontext.Value(`{"TAGS2":"x"}`)}},
		// A repeated key makes an array, whose items are not split further.
		{"ok, form tags repeated", ctForm, "tags=a&tags=b,c", Event{Tags: []string{"a", "b,c"}}},
		{"ok, transitions and types normalised", ctJSON, `{"alert_transition":"re_triggered","alert_type":"ERROR","event_type":"SERVICE_CHECK"}`,
			Event{AlertTransition: ReTriggered, AlertType: AlertError, Type: ServiceCheck}},
		{"ok, unknown values pass through", ctJSON, `{"alert_transition":"Muted","alert_type":"critical","event_type":"apm_alert"}`,
			Event{AlertTransition: "Muted", AlertType: "critical", Type: "apm_alert"}},
		{"ok, aliases event_msg and event_title", ctJSON, `{"event_msg":"m","event_title":"t"}`, Event{Title: "t", Body: "m"}},
		{"ok, default names win over aliases", ctJSON, `{"body":"b","event_msg":"m","title":"t","EVENT_TITLE":"et"}`,
			Event{Title: "t", Body: "b"}},
		{"ok, unknown members kept", ctJSON, `{"id":"1","check":"mymonitorgroup.status","status":2,"host_name":"web-1"}`,
			Event{ID: "1", Hostname: "web-1", Unknown: jsontext.Value(`{"check":"mymonitorgroup.status","status":2}`)}},
		{"ok, unknown form fields kept as strings", ctForm, "id=1&custom=x+y&multi=1&multi=2",
			Event{ID: "1", Unknown: jsontext.Value(`{"custom":"x y","multi":["1","2"]}`)}},
		{"ok, empty form", ctForm, "", Event{}},
		{"ok, form with empty fields and no values", ctForm, "&&id=1&&hostname&", Event{ID: "1"}},
		{"ok, JSON sent with a form content type", ctForm, "  " + defaultPayload, defaultEvent},
		{"ok, date as RFC 3339", ctJSON, `{"date":"2024-05-01T10:30:00.123Z"}`, Event{Date: sampleDate}},
		{"ok, invalid UTF-8 in a form value is replaced", ctForm, "hostname=web%FF1", Event{Hostname: "web\uFFFD1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEvent(t, decode(t, tc.contentType, tc.body), tc.want)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		want                    []string
	}{
		{"nok, date not a number", ctJSON, `{"date":"yesterday"}`, []string{`/date:`, "want Unix milliseconds or an RFC 3339 time"}},
		{"nok, date with a fraction", ctJSON, `{"date":1714559400123.5}`, []string{`/date:`, "want Unix milliseconds"}},
		{"nok, date past year 9999", ctJSON, `{"LAST_UPDATED":"999999999999999"}`, []string{`/LAST_UPDATED:`}},
		{"nok, alert id an object", ctJSON, `{"alert_id":{"id":1}}`, []string{`/alert_id:`, "want a string, got object"}},
		{"nok, tags an object", ctJSON, `{"tags":{"env":"prod"}}`, []string{`/tags:`, "want an array of strings"}},
		{"nok, org a string", ctJSON, `{"org":"Acme"}`, []string{`/org:`}},
		{"nok, org id an array", ctJSON, `{"org":{"id":[1]}}`, []string{`/org/id:`, "want a string, got array"}},
		{"nok, duplicate spellings", ctJSON, `{"alert_id":"1","ALERT_ID":"2"}`, []string{"duplicate", "ALERT_ID"}},
		{"nok, truncated JSON", ctJSON, `{"id":"1`, []string{"unexpected EOF"}},
		{"nok, form body sent as JSON", ctJSON, `id=1&date=2`, []string{"invalid character"}},
		{"nok, form date not a number", ctForm, "date=soon", []string{`/date:`, "want Unix milliseconds"}},
		{"nok, form repeated string field", ctForm, "alert_id=1&alert_id=2", []string{`/alert_id:`, "want a string, got array"}},
		{"nok, form repeated org id", ctForm, "org[id]=1&org[id]=2", []string{`/org/id:`, "got array"}},
		{"nok, form org both ways", ctForm, "org=x&org[id]=1", []string{"datadog: form body", `"org" is given both`}},
		{"nok, form org twice", ctForm, "org[id]=1&ORG=%7B%7D", []string{"datadog: form body", "given more than once"}},
		{"nok, form org not JSON", ctForm, "org=Acme", []string{`/org:`}},
		{"nok, form bad escape in a value", ctForm, "hostname=web%zz", []string{"datadog: form body", "field 1", "hostname", "percent-encoding in its value"}},
		{"nok, form bad escape in a name", ctForm, "id=1&ho%st=1", []string{"field 2", "percent-encoding in its name"}},
		{"nok, form with too many fields", ctForm, strings.Repeat("a=1&", maxFormFields) + "b=2", []string{"more than 1000 fields"}},
		{"nok, form duplicate spellings", ctForm, "alert_id=1&ALERT_ID=2", []string{"duplicate", "ALERT_ID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e Event
			err := event.Decode(tc.contentType, []byte(tc.body), &e)
			if err == nil {
				t.Fatalf("no error; decoded %+v", e)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.HasPrefix(err.Error(), "datadog: form body") && !errors.Is(err, errForm) {
				t.Errorf("form error %v does not wrap errForm", err)
			}
		})
	}
}

// The form path and the JSON path agree on the whole recommended payload.
func TestRecommendedPayloadRoundTrip(t *testing.T) {
	body := sampleJSON(t)
	if !jsontext.Value(body).IsValid() {
		t.Fatalf("rendered payload is not valid JSON:\n%s", body)
	}
	checkEvent(t, decode(t, ctJSON, string(body)), sampleEvent())
	checkEvent(t, decode(t, ctForm, string(sampleForm())), sampleEvent())
}

func TestRecommendedPayloadCarriesEveryVariable(t *testing.T) {
	used := map[string]bool{}
	for _, m := range varRE.FindAllString(RecommendedPayload, -1) {
		used[m[1:]] = true
	}
	want := []string{"AGGREG_KEY", "ALERT_CYCLE_KEY", "ALERT_ID", "ALERT_METRIC", "ALERT_PRIORITY", "ALERT_QUERY",
		"ALERT_SCOPE", "ALERT_STATUS", "ALERT_TITLE", "ALERT_TRANSITION", "ALERT_TYPE", "DATE", "EVENT_MSG",
		"EVENT_TITLE", "EVENT_TYPE", "HOSTNAME", "ID", "LAST_UPDATED", "LINK", "ORG_ID", "ORG_NAME", "PRIORITY",
		"SNAPSHOT", "TAGS", "TEXT_ONLY_MSG"}
	if got := slices.Sorted(maps.Keys(used)); !slices.Equal(got, want) {
		t.Errorf("payload variables\n got %q\nwant %q", got, want)
	}
	// Its keys are the keys Event marshals with.
	full := sampleEvent()
	b, err := json.Marshal(&full)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := topLevelKeys(t, b), topLevelKeys(t, sampleJSON(t)); !slices.Equal(got, want) {
		t.Errorf("marshal keys\n got %q\nwant %q", got, want)
	}
}

func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]jsontext.Value
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

func TestMarshalRoundTrip(t *testing.T) {
	want := sampleEvent()
	want.Unknown = jsontext.Value(`{"status":2}`)
	b, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	checkEvent(t, decode(t, ctJSON, string(b)), want)
}

func TestEncodingJSONv1(t *testing.T) {
	var e Event
	if err := stdjson.Unmarshal(sampleJSON(t), &e); err != nil {
		t.Fatal(err)
	}
	checkEvent(t, e, sampleEvent())
	err := stdjson.Unmarshal([]byte(`{"date":"soon"}`), &e)
	if err == nil || !strings.Contains(err.Error(), "/date") {
		t.Errorf("encoding/json error %v does not name /date", err)
	}
}

func TestPayload(t *testing.T) {
	for _, tc := range []struct {
		name, body, key string
		at              time.Time
	}{
		{"cycle key and date", `{"event_type":"query_alert_monitor","alert_cycle_key":"ck","alert_id":"42","date":"1714559400123","last_updated":"1714559400000"}`,
			"ck", sampleDate},
		{"alert id and last updated", `{"alert_id":"42","last_updated":"1714559400000"}`, "42", sampleUpdated},
		{"default payload: no key", defaultPayload, "", sampleDate},
		{"nothing", `{}`, "", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p event.Payload = &Event{}
			if err := event.Decode(ctJSON, []byte(tc.body), p); err != nil {
				t.Fatal(err)
			}
			if got := p.ResourceKey(); got != tc.key {
				t.Errorf("ResourceKey = %q, want %q", got, tc.key)
			}
			if got := p.OccurredAt(); !got.Equal(tc.at) || got.IsZero() != tc.at.IsZero() {
				t.Errorf("OccurredAt = %v, want %v", got, tc.at)
			}
		})
	}
	e := decode(t, ctJSON, defaultPayload)
	if e.EventType() != "query_alert_monitor" {
		t.Errorf("EventType = %q", e.EventType())
	}
}

func TestIsRecovery(t *testing.T) {
	for body, want := range map[string]bool{
		`{"alert_transition":"Recovered"}`:                        true,
		`{"alert_transition":"Triggered","alert_type":"success"}`: false,
		`{"alert_type":"success"}`:                                true,
		`{"alert_type":"error"}`:                                  false,
		`{"alert_transition":"recovered","alert_type":"warning"}`: true,
		`{}`: false,
		`{"alert_transition":"No Data","alert_type":"success"}`:    false,
		`{"ALERT_TRANSITION":"Re-No Data","ALERT_TYPE":"warning"}`: false,
	} {
		e := decode(t, ctJSON, body)
		if got := e.IsRecovery(); got != want {
			t.Errorf("%s: IsRecovery = %v, want %v", body, got, want)
		}
	}
}

func TestTransitionTable(t *testing.T) {
	const T, W, N, R, RE = 1, 2, 4, 8, 16 // triggered, warning, no data, recovery, renotification
	for _, tc := range []struct {
		t    Transition
		want int
	}{
		{Triggered, T}, {ReTriggered, T | RE}, {Warn, W}, {ReWarn, W | RE}, {NoData, N}, {ReNoData, N | RE},
		{Recovered, R}, {Renotify, RE}, {"Muted", 0}, {"", 0},
	} {
		got := 0
		for bit, ok := range map[int]bool{T: tc.t.IsTriggered(), W: tc.t.IsWarning(), N: tc.t.IsNoData(),
			R: tc.t.IsRecovery(), RE: tc.t.IsRenotification()} {
			if ok {
				got |= bit
			}
		}
		if got != tc.want {
			t.Errorf("%q: flags %05b, want %05b", tc.t, got, tc.want)
		}
	}
	for in, want := range map[string]Transition{
		"Re-Triggered": ReTriggered, "retriggered": ReTriggered, "RE_TRIGGERED": ReTriggered, "no data": NoData,
		"Re-No Data": ReNoData, "re_no_data": ReNoData, " Warn ": Warn, "re-warn": ReWarn, "RENOTIFY": Renotify,
		"Triggered!": "Triggered!",
	} {
		if got := ParseTransition(in); got != want {
			t.Errorf("ParseTransition(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAlertTypeAndEventType(t *testing.T) {
	for _, tc := range []struct {
		t                    AlertType
		err, warn, rec, info bool
	}{
		{AlertError, true, false, false, false}, {AlertWarning, false, true, false, false},
		{AlertSuccess, false, false, true, false}, {AlertInfo, false, false, false, true},
		{"critical", false, false, false, false},
	} {
		if tc.t.IsError() != tc.err || tc.t.IsWarning() != tc.warn || tc.t.IsRecovery() != tc.rec || tc.t.IsInfo() != tc.info {
			t.Errorf("%q: helpers disagree with the table", tc.t)
		}
	}
	if ParseAlertType("Warning") != AlertWarning || ParseAlertType("fatal") != "fatal" {
		t.Error("ParseAlertType")
	}
	for _, k := range eventTypes {
		if got := ParseEventType(strings.ToUpper(string(k))); got != k {
			t.Errorf("ParseEventType(%q) = %q", strings.ToUpper(string(k)), got)
		}
	}
	if ParseEventType(" apm_alert ") != "apm_alert" {
		t.Error("ParseEventType does not pass unknown values through")
	}
}

func TestFormToJSON(t *testing.T) {
	for in, want := range map[string]string{
		"":                                      `{}`,
		"a=1":                                   `{"a":"1"}`,
		"a=1&b=x+y%26z":                         `{"a":"1","b":"x y&z"}`,
		"a=1&a=2&b[]=3":                         `{"a":["1","2"],"b":["3"]}`,
		"org[id]=1&x=2&org.name=n":              `{"org":{"id":"1","name":"n"},"x":"2"}`,
		`org=%7B%22id%22%3A1%7D`:                `{"org":{"id":1}}`,
		"novalue&=noname":                       `{"novalue":"","":"noname"}`,
		"q=%22%5C%0A":                           `{"q":"\"\\\n"}`,
		"organisation=x&org_id=1":               `{"organisation":"x","org_id":"1"}`,
		"org[]=a":                               `{"org":["a"]}`,
		"org[id][]=a":                           `{"org":{"id":["a"]}}`,
		"tags[]=a&tags=b":                       `{"tags":["a","b"]}`,
		"orgx[id]=1":                            `{"orgx[id]":"1"}`,
		"org[=1&org.=2":                         `{"org[":"1","org.":"2"}`,
		"a=%F0%9F%98%80&b=%FF%FE":               `{"a":"😀","b":"�"}`,             // one U+FFFD per run of bad bytes
		"org=%7B%22id%22%3A1%2C%22id%22%3A2%7D": `{"org":"{\"id\":1,\"id\":2}"}`, // duplicate names: not taken as JSON
	} {
		got, err := formToJSON([]byte(in))
		if err != nil {
			t.Errorf("formToJSON(%q): %v", in, err)
			continue
		}
		if !jsontext.Value(got).IsValid() {
			t.Errorf("formToJSON(%q) = %s, not valid JSON", in, got)
		}
		w := jsontext.Value(want)
		if err := w.Compact(); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(w) {
			t.Errorf("formToJSON(%q) = %s, want %s", in, got, w)
		}
	}
}

// Past linearMax members, names are found through a map: the result must
// be the same as for small forms.
func TestFormToJSONManyMembers(t *testing.T) {
	var in, want strings.Builder
	want.WriteString("{")
	for i := range 3 * linearMax {
		fmt.Fprintf(&in, "k%d=a&", i)
		if i > 0 {
			want.WriteString(",")
		}
		fmt.Fprintf(&want, `"k%d":["a","b"]`, i)
	}
	for i := range 3 * linearMax {
		fmt.Fprintf(&in, "k%d=b&", i)
	}
	for i := range 2 * linearMax {
		fmt.Fprintf(&in, "org[c%d]=x&org.c%d=y&", i, i)
	}
	want.WriteString(`,"org":{`)
	for i := range 2 * linearMax {
		if i > 0 {
			want.WriteString(",")
		}
		fmt.Fprintf(&want, `"c%d":["x","y"]`, i)
	}
	want.WriteString("}}")
	got, err := formToJSON([]byte(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("formToJSON = %.300s...\nwant %.300s...", got, want.String())
	}
}

// The middleware reads bodies into pooled buffers: nothing decoded may
// alias the body, Unknown included, from JSON or from a form.
func TestDecodedValuesDoNotAliasTheBody(t *testing.T) {
	for _, tc := range []struct{ contentType, body string }{
		{ctJSON, `{"extra":{"k":"v"},` + string(sampleJSON(t)[1:])},
		{ctForm, "extra=v&" + string(sampleForm())},
	} {
		body := []byte(tc.body)
		var e Event
		if err := event.Decode(tc.contentType, body, &e); err != nil {
			t.Fatal(err)
		}
		before, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		for i := range body {
			body[i] = 'x'
		}
		after, _ := json.Marshal(&e)
		if !bytes.Equal(before, after) || e.Unknown == nil {
			t.Errorf("%s: decoded event changed when the body was overwritten:\n%s\n%s", tc.contentType, before, after)
		}
	}
}
