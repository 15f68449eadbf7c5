package checkly

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
