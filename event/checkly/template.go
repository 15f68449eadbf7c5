package checkly

import (
	"strings"

	"github.com/hookseal/hookseal/event"
)

// Variables are the template variables Checkly documents, in the order of
// its documentation: the names a route's template key map (event.KeyMap)
// may name. RecommendedTemplate renders them in this order, less the five
// free-text variables it leaves out (see its documentation).
var Variables = [...]string{
	"ALERT_TITLE", "ALERT_TYPE", "CHECK_ID", "CHECK_NAME", "CHECK_TYPE", "CHECK_RESULT_ID",
	"CHECK_ERROR_MESSAGE", "CHECK_DESCRIPTION", "GROUP_NAME", "RESPONSE_TIME", "RESULT_LINK",
	"RUN_LOCATION", "REGION", "STARTED_AT", "TAGS", "IS_REMINDER", "REMINDER_SEQUENCE",
	"API_CHECK_RESPONSE_STATUS_CODE", "API_CHECK_RESPONSE_STATUS_TEXT", "SSL_CHECK_DOMAIN",
	"SSL_DAYS_REMAINING", "AI_ANALYSIS_CLASSIFICATION", "AI_ANALYSIS_CODE_FIX",
	"AI_ANALYSIS_LINK", "AI_ANALYSIS_ROOT_CAUSE", "AI_ANALYSIS_USER_IMPACT",
}

var _ event.Mapped = (*Alert)(nil)

// VariablePath returns where Alert reads the template variable v (ALERT_TYPE
// or {{ALERT_TYPE}}, in any case): its snake_case member. It implements
// [event.Mapped], so a route can map the keys of a user's own template
// onto Alert's fields (middleware.WithTemplateKeys).
func (a *Alert) VariablePath(v string) (string, bool) {
	v = strings.ToUpper(event.TrimVariable(v))
	for _, k := range Variables {
		if k == v {
			return "/" + strings.ToLower(k), true
		}
	}
	return "", false
}

// RecommendedTemplate is a webhook body template to paste into a Checkly
// webhook alert channel ("Payload"). It carries every documented template
// variable but five, under the snake_case keys [Alert] marshals with: the
// alert's type and title, the check, the run (CHECK_RESULT_ID, STARTED_AT,
// RESULT_LINK, location), the response, the reminder and SSL fields, the
// AI analysis's classification and link, and the tags.
//
// It leaves out the free-text variables CHECK_ERROR_MESSAGE,
// CHECK_DESCRIPTION, AI_ANALYSIS_ROOT_CAUSE, AI_ANALYSIS_USER_IMPACT and
// AI_ANALYSIS_CODE_FIX. Checkly renders the template with Handlebars, which
// escapes a value for HTML (& < > " ' ` =) and never for JSON: a line break
// or a backslash in a value lands in the body as it is, and inside a JSON
// string that is invalid JSON. An error message is often several lines (a
// stack trace), and a code fix or a description can be too. One such value
// makes the whole body invalid JSON, so the route refuses the alert as a
// bad payload (or keeps it as a dead letter) and the handler never sees
// it; no Handlebars form avoids that ({{{VAR}}} escapes even less). A
// handler that wants those details can follow RESULT_LINK, or fetch the
// check result (CHECK_ID, CHECK_RESULT_ID) from Checkly's API. The
// variables kept are identifiers, numbers, times, links, short labels and
// names, none of which Checkly writes over several lines; a backslash in a
// check's or a group's name would still break the body, so keep backslashes
// out of those names.
//
// Every value, numbers and booleans included, is rendered inside quotes
// with plain {{VAR}}: a variable that is not set (API_CHECK_RESPONSE_STATUS_CODE
// for a browser check, SSL_DAYS_REMAINING outside ALERT_SSL) then renders
// as "" — valid JSON that decodes as "not set" — where an unquoted {{VAR}}
// would leave a hole that breaks the body. {{VAR}} HTML-escapes the value,
// so a quote in ALERT_TITLE arrives as &quot; and cannot end the JSON
// string; [Alert] undoes the entities on decode. {{{VAR}}} is avoided on
// purpose: it turns that escaping off, and a quote would then break the
// JSON. TAGS is rendered as a JSON array the way Checkly's OpsGenie
// example does.
//
// Send it with the header "Content-Type: application/json".
const RecommendedTemplate = `{
  "alert_title": "{{ALERT_TITLE}}",
  "alert_type": "{{ALERT_TYPE}}",
  "check_id": "{{CHECK_ID}}",
  "check_name": "{{CHECK_NAME}}",
  "check_type": "{{CHECK_TYPE}}",
  "check_result_id": "{{CHECK_RESULT_ID}}",
  "group_name": "{{GROUP_NAME}}",
  "response_time": "{{RESPONSE_TIME}}",
  "result_link": "{{RESULT_LINK}}",
  "run_location": "{{RUN_LOCATION}}",
  "region": "{{REGION}}",
  "started_at": "{{STARTED_AT}}",
  "tags": [{{#each TAGS}}"{{this}}"{{#unless @last}},{{/unless}}{{/each}}],
  "is_reminder": "{{IS_REMINDER}}",
  "reminder_sequence": "{{REMINDER_SEQUENCE}}",
  "api_check_response_status_code": "{{API_CHECK_RESPONSE_STATUS_CODE}}",
  "api_check_response_status_text": "{{API_CHECK_RESPONSE_STATUS_TEXT}}",
  "ssl_check_domain": "{{SSL_CHECK_DOMAIN}}",
  "ssl_days_remaining": "{{SSL_DAYS_REMAINING}}",
  "ai_analysis_classification": "{{AI_ANALYSIS_CLASSIFICATION}}",
  "ai_analysis_link": "{{AI_ANALYSIS_LINK}}"
}
`
