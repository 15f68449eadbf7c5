package hooktest

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
)

// ChecklyCheckID is the CHECK_ID of the check every sample Checkly alert is
// about, unless the caller changes it.
const ChecklyCheckID = "4f6a1c2e-8b3d-4e5f-9a7b-1c2d3e4f5a6b"

// ChecklyAlertTypes lists every ALERT_TYPE Checkly documents, in the order
// of package checkly's constants.
func ChecklyAlertTypes() []checkly.AlertType {
	return []checkly.AlertType{
		checkly.NoAlert, checkly.AlertFailure, checkly.AlertFailureRemain, checkly.AlertFailureDegraded,
		checkly.AlertRecovery, checkly.AlertDegraded, checkly.AlertDegradedRemain,
		checkly.AlertDegradedFailure, checkly.AlertDegradedRecovery, checkly.AlertSSL,
	}
}

// ChecklyAlert returns the alert Checkly sends for alertType about an API
// check ("Checkout API", CHECK_ID [ChecklyCheckID]) whose run started at
// startedAt (kept to the millisecond, in UTC, as Checkly writes it): title,
// error message, response time and status, reminder fields, SSL fields for
// ALERT_SSL and an AI analysis for failures, each as Checkly fills it for
// that type. CHECK_RESULT_ID derives from the type, check and time, so the
// same arguments give the same alert.
//
// The result is a plain value: change a field (CheckID, Tags, ...) to model
// another check, then render it with [ChecklyBody].
func ChecklyAlert(alertType checkly.AlertType, startedAt time.Time) checkly.Alert {
	at := startedAt.UTC().Truncate(time.Millisecond)
	resultID := uuidFrom("checkly", string(alertType), ChecklyCheckID, at.Format(time.RFC3339Nano))
	a := checkly.Alert{
		AlertType:        alertType,
		CheckID:          ChecklyCheckID,
		CheckName:        "Checkout API",
		CheckType:        checkly.CheckAPI,
		CheckResultID:    resultID,
		CheckDescription: "Places a test order against the checkout API every minute",
		GroupName:        "Production",
		ResultLink:       "https://app.checklyhq.com/checks/" + ChecklyCheckID + "/check-sessions/" + resultID,
		RunLocation:      "Frankfurt",
		Region:           "eu-central-1",
		StartedAt:        at,
		Tags:             []string{"api", "checkout", "production"},
	}
	status := func(ms, code int, text string) {
		a.ResponseTimeMS, a.ResponseStatusCode, a.ResponseStatusText = &ms, &code, text
	}
	switch alertType {
	case checkly.AlertFailure, checkly.AlertFailureRemain, checkly.AlertDegradedFailure:
		a.AlertTitle = "Checkout API has failed"
		a.CheckErrorMessage = "Expected status code 200 but received 503"
		status(1649, 503, "Service Unavailable")
		a.AIClassification = "Backend error"
		a.AIRootCause = "The payments service answered 503 for every request from eu-central-1"
		a.AIUserImpact = "Customers in Europe cannot complete an order"
		a.AILink = "https://app.checklyhq.com/checks/" + ChecklyCheckID + "/check-sessions/" + resultID + "/analysis"
	case checkly.AlertDegraded, checkly.AlertDegradedRemain, checkly.AlertFailureDegraded:
		a.AlertTitle = "Checkout API is degraded"
		a.CheckErrorMessage = "Response time 4210 ms is above the degraded threshold of 3000 ms"
		status(4210, 200, "OK")
	case checkly.AlertRecovery, checkly.AlertDegradedRecovery:
		a.AlertTitle = "Checkout API has recovered"
		status(212, 200, "OK")
	case checkly.AlertSSL:
		a.AlertTitle = "The SSL certificate for api.example.com expires in 14 days"
		a.SSLCheckDomain = "api.example.com"
		days := 14
		a.SSLDaysRemaining = &days
		status(198, 200, "OK")
	default:
		a.AlertTitle = "Checkout API"
		status(205, 200, "OK")
	}
	if alertType.IsRemain() {
		a.IsReminder, a.ReminderSequence = true, 1
	}
	return a
}

// ChecklyBody renders a as Checkly renders [checkly.RecommendedTemplate]:
// every variable as a string ("1649", "false", "" for a value that is not
// set), STARTED_AT as JavaScript's toISOString writes it, TAGS as a JSON
// array. Like Checkly's Handlebars, it HTML-escapes & < > " ' ` and = in
// values (they arrive as entities, which decoding undoes) and escapes
// nothing else: a line break or a backslash in a rendered value makes the
// body invalid JSON, as it would from Checkly. The template leaves out
// the free-text fields (CheckErrorMessage, CheckDescription, AIRootCause,
// AIUserImpact and AICodeFix) for that reason, so the body does not carry
// them: decoded, it gives a back without them. a.Unknown is not rendered
// either: the template has no place for it.
func ChecklyBody(a checkly.Alert) []byte {
	vars := map[string]string{
		"ALERT_TITLE":                    a.AlertTitle,
		"ALERT_TYPE":                     string(a.AlertType),
		"CHECK_ID":                       a.CheckID,
		"CHECK_NAME":                     a.CheckName,
		"CHECK_TYPE":                     string(a.CheckType),
		"CHECK_RESULT_ID":                a.CheckResultID,
		"CHECK_ERROR_MESSAGE":            a.CheckErrorMessage,
		"CHECK_DESCRIPTION":              a.CheckDescription,
		"GROUP_NAME":                     a.GroupName,
		"RESPONSE_TIME":                  optInt(a.ResponseTimeMS),
		"RESULT_LINK":                    a.ResultLink,
		"RUN_LOCATION":                   a.RunLocation,
		"REGION":                         a.Region,
		"STARTED_AT":                     isoTime(a.StartedAt),
		"IS_REMINDER":                    strconv.FormatBool(a.IsReminder),
		"REMINDER_SEQUENCE":              strconv.Itoa(a.ReminderSequence),
		"API_CHECK_RESPONSE_STATUS_CODE": optInt(a.ResponseStatusCode),
		"API_CHECK_RESPONSE_STATUS_TEXT": a.ResponseStatusText,
		"SSL_CHECK_DOMAIN":               a.SSLCheckDomain,
		"SSL_DAYS_REMAINING":             optInt(a.SSLDaysRemaining),
		"AI_ANALYSIS_CLASSIFICATION":     a.AIClassification,
		"AI_ANALYSIS_CODE_FIX":           a.AICodeFix,
		"AI_ANALYSIS_LINK":               a.AILink,
		"AI_ANALYSIS_ROOT_CAUSE":         a.AIRootCause,
		"AI_ANALYSIS_USER_IMPACT":        a.AIUserImpact,
	}
	return []byte(renderHandlebars(checkly.RecommendedTemplate, vars, a.Tags))
}

// renderHandlebars renders the subset of Handlebars RecommendedTemplate
// uses: {{VAR}} and one {{#each TAGS}}...{{/each}} block that writes each
// tag inside quotes, comma-separated.
func renderHandlebars(tmpl string, vars map[string]string, tags []string) string {
	const open, end = "{{#each TAGS}}", "{{/each}}"
	if i := strings.Index(tmpl, open); i >= 0 {
		if j := strings.Index(tmpl[i:], end); j >= 0 {
			quoted := make([]string, len(tags))
			for k, t := range tags {
				quoted[k] = `"` + handlebarsEscape(t) + `"`
			}
			tmpl = tmpl[:i] + strings.Join(quoted, ",") + tmpl[i+j+len(end):]
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "{{")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.Index(tmpl[i:], "}}")
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(handlebarsEscape(vars[strings.TrimSpace(tmpl[i+2:i+j])]))
		tmpl = tmpl[i+j+2:]
	}
}

// handlebarsEscape escapes what Handlebars.js's {{VAR}} escapes
// (escapeExpression), and nothing more.
var handlebarsEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	"'", "&#x27;", "`", "&#x60;", "=", "&#x3D;").Replace

// jsonEscapeRune returns r as it must be written inside a JSON string.
func jsonEscapeRune(r rune) string {
	switch r {
	case '\\':
		return `\\`
	case '"':
		return `\"`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x20 {
		return fmt.Sprintf(`\u%04x`, r)
	}
	return string(r)
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// isoTime writes t as JavaScript's Date.prototype.toISOString does; "" for
// the zero time.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// uuidFrom derives a version-4-shaped UUID from parts, so samples are
// deterministic.
func uuidFrom(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
