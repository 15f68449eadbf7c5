package checkly

import (
	"bytes"
	stdjson "encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

func decode(t *testing.T, body string) Alert {
	t.Helper()
	var a Alert
	if err := event.Decode("application/json", []byte(body), &a); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return a
}

var started = time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)

// decodeCases are bodies in every accepted form and what they decode to.
var decodeCases = []struct {
	name string
	body string
	want Alert
}{{
	name: "ok, snake_case keys, every value a string",
	body: `{"alert_title":"Check \"web\" has failed","alert_type":"ALERT_FAILURE","check_id":"c1",
			"check_name":"web","check_type":"BROWSER","check_result_id":"r1","check_error_message":"boom\nline 2",
			"response_time":"1649","result_link":"https://x/r1","run_location":"N. California","region":"us-west-1",
			"started_at":"2024-05-01T10:30:00.000Z","tags":["a","b"],"is_reminder":"false","reminder_sequence":"0",
			"api_check_response_status_code":"","api_check_response_status_text":"","ssl_check_domain":"",
			"ssl_days_remaining":""}`,
	want: Alert{AlertTitle: `Check "web" has failed`, AlertType: AlertFailure, CheckID: "c1",
		CheckName: "web", CheckType: CheckBrowser, CheckResultID: "r1", CheckErrorMessage: "boom\nline 2",
		ResponseTimeMS: intp(1649), ResultLink: "https://x/r1", RunLocation: "N. California",
		Region: "us-west-1", StartedAt: started, Tags: []string{"a", "b"}},
}, {
	name: "ok, raw variable names as keys",
	body: `{"ALERT_TITLE":"t","ALERT_TYPE":"ALERT_RECOVERY","CHECK_ID":"c1","CHECK_NAME":"n","CHECK_TYPE":"API",
			"CHECK_RESULT_ID":"r","CHECK_ERROR_MESSAGE":"","CHECK_DESCRIPTION":"d","GROUP_NAME":"g",
			"RESPONSE_TIME":"87","RESULT_LINK":"l","RUN_LOCATION":"Frankfurt","REGION":"eu-central-1",
			"STARTED_AT":"2024-05-01T10:30:00Z","TAGS":"api,prod","IS_REMINDER":"true","REMINDER_SEQUENCE":"3",
			"API_CHECK_RESPONSE_STATUS_CODE":"200","API_CHECK_RESPONSE_STATUS_TEXT":"OK",
			"SSL_CHECK_DOMAIN":"","SSL_DAYS_REMAINING":"",
			"AI_ANALYSIS_CLASSIFICATION":"c","AI_ANALYSIS_CODE_FIX":"f","AI_ANALYSIS_LINK":"al",
			"AI_ANALYSIS_ROOT_CAUSE":"rc","AI_ANALYSIS_USER_IMPACT":"ui"}`,
	want: Alert{AlertTitle: "t", AlertType: AlertRecovery, CheckID: "c1", CheckName: "n", CheckType: CheckAPI,
		CheckResultID: "r", CheckDescription: "d", GroupName: "g", ResponseTimeMS: intp(87), ResultLink: "l",
		RunLocation: "Frankfurt", Region: "eu-central-1", StartedAt: started, Tags: []string{"api", "prod"},
		IsReminder: true, ReminderSequence: 3, ResponseStatusCode: intp(200), ResponseStatusText: "OK",
		AIClassification: "c", AICodeFix: "f", AILink: "al", AIRootCause: "rc", AIUserImpact: "ui"},
}, {
	name: "ok, camelCase and mixed spellings",
	body: `{"alertType":"ALERT_DEGRADED","checkId":"c1","Check-Name":"n","responseTime":"12","startedAt":"2024-05-01T10:30:00Z","apiCheckResponseStatusCode":"0"}`,
	want: Alert{AlertType: AlertDegraded, CheckID: "c1", CheckName: "n", ResponseTimeMS: intp(12),
		StartedAt: started, ResponseStatusCode: intp(0)},
}, {
	name: "ok, numbers and booleans unquoted",
	body: `{"alert_type":"ALERT_SSL","check_id":"c1","response_time":1649.4,"is_reminder":true,"reminder_sequence":1,
			"ssl_check_domain":"example.com","ssl_days_remaining":14,"api_check_response_status_code":null}`,
	want: Alert{AlertType: AlertSSL, CheckID: "c1", ResponseTimeMS: intp(1649), IsReminder: true,
		ReminderSequence: 1, SSLCheckDomain: "example.com", SSLDaysRemaining: intp(14)},
}, {
	name: "ok, empty strings mean not set",
	body: `{"alert_type":"ALERT_FAILURE","check_id":"c1","response_time":"","started_at":"","tags":"",
			"is_reminder":"","reminder_sequence":"","api_check_response_status_code":"","ssl_days_remaining":""}`,
	want: Alert{AlertType: AlertFailure, CheckID: "c1"},
}, {
	name: "ok, SSL days remaining 0 is set",
	body: `{"ALERT_TYPE":"ALERT_SSL","SSL_DAYS_REMAINING":"0"}`,
	want: Alert{AlertType: AlertSSL, SSLDaysRemaining: intp(0)},
}, {
	name: "ok, missing optional fields",
	body: `{"check_id":"c1"}`,
	want: Alert{CheckID: "c1"},
}, {
	name: "ok, legacy ALERT_FAIL and lower-case values are normalised",
	body: `{"alert_type":"ALERT_FAIL","check_type":"multi_step"}`,
	want: Alert{AlertType: AlertFailure, CheckType: CheckMultiStep},
}, {
	name: "ok, unknown alert and check types pass through",
	body: `{"alert_type":"ALERT_SOMETHING_NEW","check_type":"QUANTUM"}`,
	want: Alert{AlertType: "ALERT_SOMETHING_NEW", CheckType: "QUANTUM"},
}, {
	name: "ok, tags rendered without #each, with spaces",
	body: `{"tags":" api , prod ,, "}`,
	want: Alert{Tags: []string{"api", "prod"}},
}, {
	name: "ok, tags like the OpsGenie example renders them",
	body: `{"tags":[ "api"  , "prod"  ]}`,
	want: Alert{Tags: []string{"api", "prod"}},
}, {
	name: "ok, empty tags array",
	body: `{"tags":[]}`,
	want: Alert{},
}, {
	name: "ok, short aliases from Checkly's examples",
	body: `{"message":"Check \"x\" has failed","link":"https://x/r","root_cause":"rc","user_impact":"ui","classification":"c","ai_analysis_link":"al"}`,
	want: Alert{ResultLink: "https://x/r", AIRootCause: "rc", AIUserImpact: "ui", AIClassification: "c",
		AILink: "al", Unknown: jsontext.Value(`{"message":"Check \"x\" has failed"}`)},
}, {
	name: "ok, the full name wins over its alias",
	body: `{"link":"alias","result_link":"full","root_cause":"alias","AI_ANALYSIS_ROOT_CAUSE":"full"}`,
	want: Alert{ResultLink: "full", AIRootCause: "full"},
}, {
	name: "ok, unknown members are kept as raw JSON",
	body: `{"check_id":"c1","priority":"P1","responders":[{"id":"t","type":"team"}],"ENV":{"x":1}}`,
	want: Alert{CheckID: "c1", Unknown: jsontext.Value(`{"priority":"P1","responders":[{"id":"t","type":"team"}],"ENV":{"x":1}}`)},
}, {
	name: "ok, null values",
	body: `{"check_id":null,"tags":null,"started_at":null,"response_time":null,"is_reminder":null}`,
	want: Alert{},
}, {
	name: "ok, STARTED_AT with an offset, or as Unix milliseconds",
	body: `{"started_at":"2024-05-01T12:30:00+02:00"}`,
	want: Alert{StartedAt: started},
}, {
	name: "ok, STARTED_AT as Unix milliseconds",
	body: `{"STARTED_AT":"1714559400000"}`,
	want: Alert{StartedAt: started},
}}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			checkAlert(t, decode(t, tc.body), tc.want)
		})
	}
}

// decodeErrorCases are bodies that do not decode, and what their errors say.
var decodeErrorCases = []struct {
	name, body string
	want       []string // substrings of the error
}{
	{"nok, response time with a unit", `{"check_id":"c","response_time":"1649ms"}`,
		[]string{`/response_time:`, "want an integer or a numeric string, got string ("}},
	{"nok, raw-name key keeps its spelling in the path", `{"RESPONSE_TIME":"fast"}`,
		[]string{`/RESPONSE_TIME:`, "want an integer"}},
	{"nok, status code as a word", `{"api_check_response_status_code":"OK"}`,
		[]string{`/api_check_response_status_code:`, "want an integer"}},
	{"nok, SSL days as an object", `{"ssl_days_remaining":{"days":3}}`,
		[]string{`/ssl_days_remaining:`, "got object"}},
	{"nok, reminder as a word", `{"is_reminder":"sometimes"}`,
		[]string{`/is_reminder:`, `want a boolean, "true" or "false"`}},
	{"nok, started_at not a time", `{"started_at":"yesterday"}`,
		[]string{`/started_at:`, "want an RFC 3339 time or a Unix timestamp"}},
	{"nok, tags as an object", `{"tags":{"a":1}}`,
		[]string{`/tags:`, "want an array of strings or a comma-separated string"}},
	{"nok, nested tag arrays", `{"tags":[["a"]]}`, []string{`/tags`, "want a string, got array"}},
	{"nok, check id as an object", `{"check_id":{}}`, []string{`/check_id:`, "want a string, got object"}},
	{"nok, alert type as an array", `{"alert_type":["ALERT_FAILURE"]}`, []string{`/alert_type:`, "got array"}},
	{"nok, both spellings of one key", `{"alert_type":"ALERT_FAILURE","ALERT_TYPE":"ALERT_RECOVERY"}`,
		[]string{"duplicate", "ALERT_TYPE"}},
	{"nok, truncated body", `{"check_id":"c1","response_time":"16`, []string{"unexpected EOF"}},
	{"nok, trailing comma", `{"check_id":"c1",}`, []string{"invalid character"}},
	{"nok, not an object", `["ALERT_FAILURE"]`, []string{"array"}},
	{"nok, empty body", ``, []string{"EOF"}},
	{"nok, template hole left by an unset number", `{"response_time": ,"check_id":"c"}`, []string{"invalid character"}},
}

func TestDecodeErrorsNameTheMember(t *testing.T) {
	for _, tc := range decodeErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			var a Alert
			err := event.Decode("application/json", []byte(tc.body), &a)
			if err == nil {
				t.Fatalf("no error; decoded %+v", a)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDecodeErrorDoesNotRepeatTheBody(t *testing.T) {
	secret := strings.Repeat("s3cr3t", 1000)
	body := `{"check_error_message":"` + secret + `","response_time":"` + secret + `"}`
	var a Alert
	err := event.Decode("application/json", []byte(body), &a)
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 400 || strings.Count(err.Error(), "s3cr3t") > 6 {
		t.Errorf("error repeats too much of the body (%d bytes): %.200q", len(err.Error()), err)
	}
}

// encoding/json users get the same lenient decoding through UnmarshalJSON.
func TestEncodingJSONv1(t *testing.T) {
	body := sampleBody(t)
	var v1 Alert
	if err := stdjson.Unmarshal(body, &v1); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	checkAlert(t, v1, recommendedAlert())

	var bad Alert
	err := stdjson.Unmarshal([]byte(`{"RESPONSE_TIME":"slow"}`), &bad)
	if err == nil || !strings.Contains(err.Error(), "RESPONSE_TIME") {
		t.Errorf("encoding/json error %v does not name RESPONSE_TIME", err)
	}

	// Inside a user's struct too.
	var wrapped struct {
		Alert Alert `json:"alert"`
	}
	if err := stdjson.Unmarshal([]byte(`{"alert":{"ALERT_TYPE":"ALERT_FAIL","RESPONSE_TIME":"5"}}`), &wrapped); err != nil {
		t.Fatal(err)
	}
	checkAlert(t, wrapped.Alert, Alert{AlertType: AlertFailure, ResponseTimeMS: intp(5)})
}

// Alert marshals with RecommendedTemplate's keys and decodes back equal,
// with either JSON package.
func TestMarshalRoundTrip(t *testing.T) {
	want := sampleAlert()
	want.Unknown = jsontext.Value(`{"priority":"P1"}`)
	b, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	checkAlert(t, decode(t, string(b)), want)

	b1, err := stdjson.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	var got1 Alert
	if err := stdjson.Unmarshal(b1, &got1); err != nil {
		t.Fatal(err)
	}
	want.Unknown = jsontext.Value(`{"Unknown":{"priority":"P1"}}`) // documented v1 behaviour
	checkAlert(t, got1, want)
}

func TestPayload(t *testing.T) {
	var p event.Payload = &Alert{}
	if err := event.Decode("application/json",
		[]byte(`{"ALERT_TYPE":"ALERT_FAIL","CHECK_ID":"c-42","STARTED_AT":"2024-05-01T10:30:00Z"}`), p); err != nil {
		t.Fatal(err)
	}
	if got := p.EventType(); got != "ALERT_FAILURE" {
		t.Errorf("EventType = %q, want ALERT_FAILURE", got)
	}
	if got := p.ResourceKey(); got != "c-42" {
		t.Errorf("ResourceKey = %q, want c-42", got)
	}
	if got := p.OccurredAt(); !got.Equal(started) {
		t.Errorf("OccurredAt = %v, want %v", got, started)
	}
}

func TestResponseTimeAndReminder(t *testing.T) {
	a := decode(t, `{"response_time":"1649"}`)
	if d, ok := a.ResponseTime(); !ok || d != 1649*time.Millisecond {
		t.Errorf("ResponseTime = %v, %v; want 1.649s, true", d, ok)
	}
	empty := decode(t, `{"response_time":""}`)
	if d, ok := empty.ResponseTime(); ok || d != 0 {
		t.Errorf("ResponseTime of \"\" = %v, %v; want 0, false", d, ok)
	}
	for _, tc := range []struct {
		body string
		want bool
	}{
		{`{"alert_type":"ALERT_FAILURE"}`, false},
		{`{"alert_type":"ALERT_FAILURE","is_reminder":"true"}`, true},
		{`{"alert_type":"ALERT_FAILURE","reminder_sequence":"1"}`, true},
		{`{"alert_type":"ALERT_FAILURE_REMAIN"}`, true},
		{`{"alert_type":"ALERT_DEGRADED_REMAIN","is_reminder":"false"}`, true},
	} {
		a := decode(t, tc.body)
		if got := a.Reminder(); got != tc.want {
			t.Errorf("%s: Reminder = %v, want %v", tc.body, got, tc.want)
		}
	}
}

func TestAlertTypeTable(t *testing.T) {
	const F, D, R, M, S = 1, 2, 4, 8, 16 // failure, degraded, recovery, remain, ssl
	for _, tc := range []struct {
		t    AlertType
		want int
	}{
		{NoAlert, 0},
		{AlertFailure, F},
		{AlertFailureRemain, F | M},
		{AlertDegradedFailure, F},
		{AlertDegraded, D},
		{AlertDegradedRemain, D | M},
		{AlertFailureDegraded, D},
		{AlertRecovery, R},
		{AlertDegradedRecovery, R},
		{AlertSSL, S},
		{"ALERT_SOMETHING_NEW", 0},
		{"", 0},
	} {
		got := 0
		for bit, ok := range map[int]bool{F: tc.t.IsFailure(), D: tc.t.IsDegraded(), R: tc.t.IsRecovery(),
			M: tc.t.IsRemain(), S: tc.t.IsSSL()} {
			if ok {
				got |= bit
			}
		}
		if got != tc.want {
			t.Errorf("%s: flags %05b, want %05b", tc.t, got, tc.want)
		}
		if wantKnown := tc.t != "ALERT_SOMETHING_NEW" && tc.t != ""; tc.t.IsKnown() != wantKnown {
			t.Errorf("%s: IsKnown = %v", tc.t, tc.t.IsKnown())
		}
	}
	if len(alertTypes) != 10 {
		t.Errorf("%d alert types, want the 10 Checkly documents", len(alertTypes))
	}
}

func TestParseAlertType(t *testing.T) {
	for in, want := range map[string]AlertType{
		"ALERT_FAILURE":            AlertFailure,
		"ALERT_FAIL":               AlertFailure,
		"alert_fail":               AlertFailure,
		" ALERT_RECOVERY ":         AlertRecovery,
		"alert-degraded-recovery":  AlertDegradedRecovery,
		"AlertFailureDegraded":     AlertFailureDegraded,
		"NO_ALERT":                 NoAlert,
		"ALERT_DEGRADED_FAILURE":   AlertDegradedFailure,
		"ALERT_FAILURE_DEGRADED":   AlertFailureDegraded,
		"ALERT_FAILED":             "ALERT_FAILED",
		"Something Else":           "Something Else",
		"":                         "",
		"ALERT_FAILURE_REMAIN_NEW": "ALERT_FAILURE_REMAIN_NEW",
	} {
		if got := ParseAlertType(in); got != want {
			t.Errorf("ParseAlertType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCheckType(t *testing.T) {
	for _, k := range checkTypes {
		if got := ParseCheckType(strings.ToLower(string(k))); got != k {
			t.Errorf("ParseCheckType(%q) = %q", strings.ToLower(string(k)), got)
		}
		if !k.IsKnown() {
			t.Errorf("%s is not known", k)
		}
	}
	if len(checkTypes) != 13 {
		t.Errorf("%d check types, want the 13 Checkly documents", len(checkTypes))
	}
	for in, want := range map[string]CheckType{"multi-step": CheckMultiStep, "MultiStep": CheckMultiStep,
		"gRPC": CheckGRPC, "K6": "K6"} {
		if got := ParseCheckType(in); got != want {
			t.Errorf("ParseCheckType(%q) = %q, want %q", in, got, want)
		}
	}
	if CheckType("K6").IsKnown() {
		t.Error("K6 is known")
	}
}

// Known enum values decode without allocating a string.
func TestEnumsDoNotAllocate(t *testing.T) {
	var v struct {
		A AlertType `json:"a"`
		C CheckType `json:"c"`
	}
	in := []byte(`{"a":"ALERT_DEGRADED_RECOVERY","c":"BROWSER"}`)
	allocs := testing.AllocsPerRun(100, func() {
		if err := json.Unmarshal(in, &v); err != nil {
			t.Fatal(err)
		}
	})
	if v.A != AlertDegradedRecovery || v.C != CheckBrowser {
		t.Fatalf("decoded %+v", v)
	}
	if allocs > 1 {
		t.Errorf("%v allocations, want at most 1", allocs)
	}
}

// The middleware reads bodies into pooled buffers: nothing decoded may
// alias the body, Unknown included.
func TestDecodedValuesDoNotAliasTheBody(t *testing.T) {
	body := bytes.Replace(sampleBody(t), []byte("{\n"), []byte(`{"extra":{"k":"v"},`+"\n"), 1)
	var a Alert
	if err := event.Decode("application/json", body, &a); err != nil {
		t.Fatal(err)
	}
	before, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x'
	}
	after, _ := json.Marshal(&a)
	if !bytes.Equal(before, after) || string(a.Unknown) != `{"extra":{"k":"v"}}` {
		t.Errorf("decoded alert changed when the body was overwritten:\n%s\n%s", before, after)
	}
}
