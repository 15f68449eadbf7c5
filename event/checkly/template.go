package checkly

import (
	"strings"

	"github.com/hookseal/hookseal/event"
)

// Variables are the template variables Checkly documents, in the order
// RecommendedTemplate renders them: the names a route's template key map
// (event.KeyMap) may name.
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
// variable under the snake_case keys [Alert] marshals with, so a receiver
// gets everything Checkly knows about the alert.
//
// Every value, numbers and booleans included, is rendered inside quotes
// with plain {{VAR}}: a variable that is not set (API_CHECK_RESPONSE_STATUS_CODE
// for a browser check, SSL_DAYS_REMAINING outside ALERT_SSL) then renders
// as "" — valid JSON that decodes as "not set" — where an unquoted {{VAR}}
// would leave a hole that breaks the body. {{{VAR}}} is avoided on purpose:
// it turns off Checkly's escaping, and a quote in ALERT_TITLE or a line
// break in CHECK_ERROR_MESSAGE would then break the JSON. TAGS is rendered
// as a JSON array the way Checkly's OpsGenie example does.
//
// Send it with the header "Content-Type: application/json".
const RecommendedTemplate = `{
  "alert_title": "{{ALERT_TITLE}}",
  "alert_type": "{{ALERT_TYPE}}",
  "check_id": "{{CHECK_ID}}",
  "check_name": "{{CHECK_NAME}}",
  "check_type": "{{CHECK_TYPE}}",
  "check_result_id": "{{CHECK_RESULT_ID}}",
  "check_error_message": "{{CHECK_ERROR_MESSAGE}}",
  "check_description": "{{CHECK_DESCRIPTION}}",
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
  "ai_analysis_code_fix": "{{AI_ANALYSIS_CODE_FIX}}",
  "ai_analysis_link": "{{AI_ANALYSIS_LINK}}",
  "ai_analysis_root_cause": "{{AI_ANALYSIS_ROOT_CAUSE}}",
  "ai_analysis_user_impact": "{{AI_ANALYSIS_USER_IMPACT}}"
}
`
