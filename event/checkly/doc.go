// Package checkly is the typed payload of Checkly alert webhooks.
//
// Checkly has no fixed webhook body: the user writes a Handlebars template
// in the alert channel, and the body is whatever it renders. [Alert] covers
// every template variable Checkly documents, and [RecommendedTemplate] is a
// template that sends all of them that can be sent safely: every one but
// the five free-text ones (the error message, the description and the AI
// analysis's root cause, user impact and code fix), whose line breaks and
// backslashes Checkly does not escape for JSON. With it, or with any
// template of the shapes below, a receiver gets a typed value:
//
//	var a checkly.Alert
//	if err := event.Decode(r.Header.Get("Content-Type"), body, &a); err != nil {
//		// 400: authentic but undecodable; the error names the member
//	}
//	switch {
//	case a.AlertType.IsFailure(): // page someone
//	case a.AlertType.IsRecovery(): // resolve
//	}
//
// Through the middleware, use checkly.Alert as the route's payload type;
// [Alert.ResourceKey] (CHECK_ID) and [Alert.OccurredAt] (STARTED_AT) let a
// late failure retry that lands after the recovery be dropped.
//
// # What decoding accepts
//
// Keys: each variable is found under its snake_case name ("alert_type"),
// its raw variable name ("ALERT_TYPE"), or any spelling equal to those when
// case, '_' and '-' are ignored ("alertType"). A few short aliases from
// Checkly's own examples are accepted too: "link" for RESULT_LINK, and
// "root_cause", "user_impact" and "classification" for the
// AI_ANALYSIS_* variables; the full name wins when both are present.
// "message" and "title" are not aliases: templates use them for the alert
// title and the error message alike, so they stay in [Alert.Unknown]. Two
// spellings of the same key in one body ("alert_type" and "ALERT_TYPE") are
// a duplicate-name error, as in any JSON decoded by [event.Decode].
//
// Values: templates render everything as strings, so numbers and booleans
// are accepted as JSON numbers and booleans or as strings holding them
// ("1649", "true"), and "" (or null) means "not set". RESPONSE_TIME,
// API_CHECK_RESPONSE_STATUS_CODE and SSL_DAYS_REMAINING are pointers that
// stay nil when not set, so a reported 0 is distinguishable; IS_REMINDER and
// REMINDER_SEQUENCE default to false and 0, which is what Checkly sends for
// an initial alert. TAGS is a JSON array or a comma-separated string ("a,b",
// how Handlebars renders an array without {{#each}}). STARTED_AT is an
// ISO 8601 / RFC 3339 time; Unix timestamps and JavaScript's date strings
// are accepted too. String fields accept numbers and booleans as their
// literal text. ALERT_TYPE and CHECK_TYPE are normalised by
// [ParseAlertType] and [ParseCheckType]; the legacy "ALERT_FAIL" becomes
// [AlertFailure].
//
// Members that match no field are kept, as raw JSON, in [Alert.Unknown].
//
// A body in RecommendedTemplate's shape (its snake_case keys, every value
// a string, TAGS an array of strings), which is what Checkly sends for it,
// takes a strict fast path straight into the fields ([Alert.DecodeBody],
// which [event.Decode] calls): about as fast as plain
// github.com/go-json-experiment/json decoding into strings. Any other
// body takes the lenient path described above; every body the fast path
// takes decodes to the same Alert either way.
//
// # Escaping
//
// Checkly renders {{VAR}} through Handlebars, which HTML-escapes the value:
// a check named Checkout & "Payments" arrives as Checkout &amp;
// &quot;Payments&quot;, and a RESULT_LINK's "?a=1&b=2" as
// "?a&#x3D;1&amp;b&#x3D;2". That escaping is what keeps a quote from
// ending a JSON string, so RecommendedTemplate uses it, and decoding undoes
// it ([Unescape]): Alert's text fields hold the values as Checkly knows
// them. It is HTML escaping, not JSON escaping: a line break or a backslash
// is written as it is, and makes the body invalid JSON, which is why
// RecommendedTemplate leaves out the free-text variables that can hold
// them. {{{VAR}}} turns escaping off and can produce invalid JSON from a
// quote too; a value rendered that way that contains one of Handlebars'
// seven entities literally is unescaped all the same.
package checkly
