package checkly

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleVars is one alert as Checkly's template variables, with values that
// need escaping (quotes, HTML's special characters, non-ASCII) and long
// free-text fields. The five free-text variables RecommendedTemplate leaves
// out each hold line breaks and a backslash, as real ones do: a stack
// trace, a description, an AI analysis and code fix.
var sampleVars = map[string]string{
	"ALERT_TITLE":                    `Check "Checkout API – EU" has failed`,
	"ALERT_TYPE":                     "ALERT_FAILURE",
	"CHECK_ID":                       "0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11",
	"CHECK_NAME":                     `Checkout API – EU "primary"`,
	"CHECK_TYPE":                     "API",
	"CHECK_RESULT_ID":                "f3a1b2c3-9d8e-4f70-8a6b-5c4d3e2f1a00",
	"CHECK_ERROR_MESSAGE":            "AssertionError: expected status 200, got 503\n    at assertions.js:14:9\n\tresponse body: {\"error\":\"upstream timeout\",\"path\":\"C:\\\\svc\\\\checkout\"}\nRetried from 2 locations; both failed with the same response.",
	"CHECK_DESCRIPTION":              "Places a test order against the EU checkout API and asserts a 200 with an order id.\nOwned by the payments team; runbook: \\\\wiki\\payments\\checkout-eu.",
	"GROUP_NAME":                     "Payments / EU",
	"RESPONSE_TIME":                  "1649",
	"RESULT_LINK":                    "https://app.checklyhq.com/checks/0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11/check-sessions/f3a1b2c3-9d8e-4f70-8a6b-5c4d3e2f1a00?tab=results&utm_source=webhook",
	"RUN_LOCATION":                   "Frankfurt",
	"REGION":                         "eu-central-1",
	"STARTED_AT":                     "2024-05-01T10:30:00.123Z",
	"IS_REMINDER":                    "true",
	"REMINDER_SEQUENCE":              "2",
	"API_CHECK_RESPONSE_STATUS_CODE": "503",
	"API_CHECK_RESPONSE_STATUS_TEXT": "Service Unavailable",
	"SSL_CHECK_DOMAIN":               "api.example.com",
	"SSL_DAYS_REMAINING":             "0",
	"AI_ANALYSIS_CLASSIFICATION":     "Upstream dependency outage",
	"AI_ANALYSIS_CODE_FIX":           "if (res.status === 503) {\n  await retry(req, { attempts: 3, backoff: 'exponential' })\n}\nconst path = 'C:\\\\svc\\\\checkout'",
	"AI_ANALYSIS_LINK":               "https://app.checklyhq.com/ai/analysis/7b1f2e3d",
	"AI_ANALYSIS_ROOT_CAUSE":         "The payment provider's EU gateway returned 503 for every request after 10:29 UTC.\nThe checkout service (src\\payments\\gateway.ts) does not retry and surfaces the 503 to clients.",
	"AI_ANALYSIS_USER_IMPACT":        "Customers in the EU cannot complete purchases.\nCarts are kept (see C:\\exports\\carts), so orders can be retried once the gateway recovers.",
}

// sampleTags is TAGS for sampleVars; one tag needs escaping.
var sampleTags = []string{"api", "prod", "team:payments", `quote"d`}

func intp(n int) *int { return &n }

// sampleAlert is what sampleVars must decode to.
func sampleAlert() Alert {
	return Alert{
		AlertTitle:         sampleVars["ALERT_TITLE"],
		AlertType:          AlertFailure,
		CheckID:            sampleVars["CHECK_ID"],
		CheckName:          sampleVars["CHECK_NAME"],
		CheckType:          CheckAPI,
		CheckResultID:      sampleVars["CHECK_RESULT_ID"],
		CheckErrorMessage:  sampleVars["CHECK_ERROR_MESSAGE"],
		CheckDescription:   sampleVars["CHECK_DESCRIPTION"],
		GroupName:          sampleVars["GROUP_NAME"],
		ResponseTimeMS:     intp(1649),
		ResultLink:         sampleVars["RESULT_LINK"],
		RunLocation:        "Frankfurt",
		Region:             "eu-central-1",
		StartedAt:          time.Date(2024, 5, 1, 10, 30, 0, 123e6, time.UTC),
		Tags:               sampleTags,
		IsReminder:         true,
		ReminderSequence:   2,
		ResponseStatusCode: intp(503),
		ResponseStatusText: "Service Unavailable",
		SSLCheckDomain:     "api.example.com",
		SSLDaysRemaining:   intp(0),
		AIClassification:   sampleVars["AI_ANALYSIS_CLASSIFICATION"],
		AICodeFix:          sampleVars["AI_ANALYSIS_CODE_FIX"],
		AILink:             sampleVars["AI_ANALYSIS_LINK"],
		AIRootCause:        sampleVars["AI_ANALYSIS_ROOT_CAUSE"],
		AIUserImpact:       sampleVars["AI_ANALYSIS_USER_IMPACT"],
	}
}

// freeText are the variables RecommendedTemplate leaves out: free text
// that can hold line breaks and backslashes, which Handlebars does not
// escape for JSON.
var freeText = []string{"CHECK_ERROR_MESSAGE", "CHECK_DESCRIPTION", "AI_ANALYSIS_ROOT_CAUSE", "AI_ANALYSIS_USER_IMPACT", "AI_ANALYSIS_CODE_FIX"}

// recommendedAlert is what sampleBody decodes to: sampleAlert without the
// free-text fields RecommendedTemplate leaves out.
func recommendedAlert() Alert {
	a := sampleAlert()
	a.CheckErrorMessage, a.CheckDescription, a.AIRootCause, a.AIUserImpact, a.AICodeFix = "", "", "", "", ""
	return a
}

// sampleBody is RecommendedTemplate rendered with the sample values, as
// Checkly renders it.
func sampleBody(tb testing.TB) []byte {
	tb.Helper()
	out, err := render(RecommendedTemplate, sampleVars, sampleTags)
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(out)
}

// render is a small stand-in for Checkly's Handlebars rendering, enough for
// RecommendedTemplate: {{VAR}} becomes the value HTML-escaped as
// Handlebars.js's escapeExpression escapes it (& < > " ' ` =) and nothing
// more, line breaks and backslashes included, and one
// {{#each TAGS}}...{{/each}} block may use {{this}} and
// {{#unless @last}}...{{/unless}}. Anything else in braces is an error, as
// is a variable without a value, so the test notices a template that uses
// what the renderer cannot honour.
func render(tpl string, vars map[string]string, tags []string) (string, error) {
	const open, end = "{{#each TAGS}}", "{{/each}}"
	if i := strings.Index(tpl, open); i >= 0 {
		j := strings.Index(tpl[i:], end)
		if j < 0 {
			return "", fmt.Errorf("unclosed %s", open)
		}
		body := tpl[i+len(open) : i+j]
		var sb strings.Builder
		for k, tag := range tags {
			item := strings.ReplaceAll(body, "{{this}}", escape(tag))
			const uOpen, uEnd = "{{#unless @last}}", "{{/unless}}"
			for {
				a := strings.Index(item, uOpen)
				if a < 0 {
					break
				}
				b := strings.Index(item[a:], uEnd)
				if b < 0 {
					return "", fmt.Errorf("unclosed %s", uOpen)
				}
				inner := item[a+len(uOpen) : a+b]
				if k == len(tags)-1 {
					inner = ""
				}
				item = item[:a] + inner + item[a+b+len(uEnd):]
			}
			sb.WriteString(item)
		}
		tpl = tpl[:i] + sb.String() + tpl[i+j+len(end):]
	}
	var sb strings.Builder
	for {
		i := strings.Index(tpl, "{{")
		if i < 0 {
			sb.WriteString(tpl)
			return sb.String(), nil
		}
		j := strings.Index(tpl[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("unclosed {{ at %d", i)
		}
		name := tpl[i+2 : i+j]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("template uses {{%s}}, which has no value", name)
		}
		sb.WriteString(tpl[:i])
		sb.WriteString(escape(v))
		tpl = tpl[i+j+2:]
	}
}

// escape is Handlebars.js's escapeExpression: & < > " ' ` = as HTML
// entities, everything else as it is.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	"'", "&#x27;", "`", "&#x60;", "=", "&#x3D;").Replace

// checkAlert compares two alerts field by field, with StartedAt compared as
// an instant, and reports each differing field by name.
func checkAlert(t *testing.T, got, want Alert) {
	t.Helper()
	if !got.StartedAt.Equal(want.StartedAt) {
		t.Errorf("StartedAt = %v, want %v", got.StartedAt, want.StartedAt)
	}
	got.StartedAt, want.StartedAt = time.Time{}, time.Time{}
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %s, want %s", gv.Type().Field(i).Name, show(g), show(w))
		}
	}
}

func show(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("&%#v", rv.Elem().Interface())
	}
	if b, ok := v.([]byte); ok || rv.Type().Name() == "Value" {
		if !ok {
			b = rv.Bytes()
		}
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%#v", v)
}
