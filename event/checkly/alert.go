package checkly

import (
	"bytes"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/internal/lenient"
)

// Alert is one Checkly alert webhook, decoded from the body a user's
// template rendered. Every documented template variable has a field; each
// field's comment names its variable. A variable the template leaves out
// decodes as the field's zero value.
//
// Alert decodes leniently (see the package documentation for the accepted
// key spellings and value forms) and marshals with snake_case keys (those
// of [RecommendedTemplate], and the variable's name in lower case for the
// free-text variables the template leaves out), which it decodes again to
// an equal value.
type Alert struct {
	AlertTitle        string    `json:"alert_title,omitempty"`         // ALERT_TITLE
	AlertType         AlertType `json:"alert_type,omitempty"`          // ALERT_TYPE, normalised by ParseAlertType
	CheckID           string    `json:"check_id,omitempty"`            // CHECK_ID (a UUID)
	CheckName         string    `json:"check_name,omitempty"`          // CHECK_NAME
	CheckType         CheckType `json:"check_type,omitempty"`          // CHECK_TYPE, normalised by ParseCheckType
	CheckResultID     string    `json:"check_result_id,omitempty"`     // CHECK_RESULT_ID (a UUID)
	CheckErrorMessage string    `json:"check_error_message,omitempty"` // CHECK_ERROR_MESSAGE
	CheckDescription  string    `json:"check_description,omitempty"`   // CHECK_DESCRIPTION
	GroupName         string    `json:"group_name,omitempty"`          // GROUP_NAME
	// ResponseTimeMS is RESPONSE_TIME in milliseconds, rounded to the
	// nearest millisecond; nil when absent or "". See [Alert.ResponseTime].
	ResponseTimeMS *int      `json:"response_time,omitempty"`
	ResultLink     string    `json:"result_link,omitempty"`  // RESULT_LINK
	RunLocation    string    `json:"run_location,omitempty"` // RUN_LOCATION, e.g. "N. California"
	Region         string    `json:"region,omitempty"`       // REGION, e.g. "us-west-1"
	StartedAt      time.Time `json:"started_at,omitzero"`    // STARTED_AT; zero when absent or ""
	// Tags is TAGS, from a JSON array or a comma-separated string, each
	// tag trimmed; nil when there are none.
	Tags             []string `json:"tags,omitempty"`
	IsReminder       bool     `json:"is_reminder,omitzero"`       // IS_REMINDER; false when absent
	ReminderSequence int      `json:"reminder_sequence,omitzero"` // REMINDER_SEQUENCE; 0 for the initial alert and when absent
	// ResponseStatusCode is API_CHECK_RESPONSE_STATUS_CODE; nil when absent
	// or "" (checks other than API checks, and API checks that got no
	// response), so a reported 0 stays distinguishable.
	ResponseStatusCode *int   `json:"api_check_response_status_code,omitempty"`
	ResponseStatusText string `json:"api_check_response_status_text,omitempty"` // API_CHECK_RESPONSE_STATUS_TEXT
	SSLCheckDomain     string `json:"ssl_check_domain,omitempty"`               // SSL_CHECK_DOMAIN (ALERT_SSL only)
	// SSLDaysRemaining is SSL_DAYS_REMAINING; nil when absent or "", so 0
	// (expires today) stays distinguishable. Set for ALERT_SSL only.
	SSLDaysRemaining *int   `json:"ssl_days_remaining,omitempty"`
	AIClassification string `json:"ai_analysis_classification,omitempty"` // AI_ANALYSIS_CLASSIFICATION
	AICodeFix        string `json:"ai_analysis_code_fix,omitempty"`       // AI_ANALYSIS_CODE_FIX
	AILink           string `json:"ai_analysis_link,omitempty"`           // AI_ANALYSIS_LINK
	AIRootCause      string `json:"ai_analysis_root_cause,omitempty"`     // AI_ANALYSIS_ROOT_CAUSE
	AIUserImpact     string `json:"ai_analysis_user_impact,omitempty"`    // AI_ANALYSIS_USER_IMPACT

	// Unknown holds the members of the body's top-level object that match
	// no field, as one raw JSON object (nil when there are none): a
	// template's own keys ("message", "priority", ...), and its
	// environment variables. Marshalling with
	// github.com/go-json-experiment/json writes them back inline;
	// encoding/json writes them under the key "Unknown".
	Unknown jsontext.Value `json:",embed"`
}

var (
	_ event.Payload    = (*Alert)(nil)
	_ event.Identified = (*Alert)(nil)
	_ event.Stamped    = (*Alert)(nil)
	_ event.Templated  = (*Alert)(nil)
)

// alertWire is the lenient shape Alert is decoded through. Every name is
// matched ignoring case, '_' and '-', so "alert_type", "ALERT_TYPE" and
// "alertType" all reach AlertType. The second names are aliases seen in
// Checkly's own examples; when a body has both, the full name wins.
type alertWire struct {
	AlertTitle         lenient.String `json:"alert_title,case:ignore"`
	AlertType          AlertType      `json:"alert_type,case:ignore"`
	CheckID            lenient.String `json:"check_id,case:ignore"`
	CheckName          lenient.String `json:"check_name,case:ignore"`
	CheckType          CheckType      `json:"check_type,case:ignore"`
	CheckResultID      lenient.String `json:"check_result_id,case:ignore"`
	CheckErrorMessage  lenient.String `json:"check_error_message,case:ignore"`
	CheckDescription   lenient.String `json:"check_description,case:ignore"`
	GroupName          lenient.String `json:"group_name,case:ignore"`
	ResponseTime       lenient.Int    `json:"response_time,case:ignore"`
	ResultLink         lenient.String `json:"result_link,case:ignore"`
	Link               lenient.String `json:"link,case:ignore"`
	RunLocation        lenient.String `json:"run_location,case:ignore"`
	Region             lenient.String `json:"region,case:ignore"`
	StartedAt          lenient.Time   `json:"started_at,case:ignore"`
	Tags               lenient.List   `json:"tags,case:ignore"`
	IsReminder         lenient.Bool   `json:"is_reminder,case:ignore"`
	ReminderSequence   lenient.Int    `json:"reminder_sequence,case:ignore"`
	ResponseStatusCode lenient.Int    `json:"api_check_response_status_code,case:ignore"`
	ResponseStatusText lenient.String `json:"api_check_response_status_text,case:ignore"`
	SSLCheckDomain     lenient.String `json:"ssl_check_domain,case:ignore"`
	SSLDaysRemaining   lenient.Int    `json:"ssl_days_remaining,case:ignore"`
	AIClassification   lenient.String `json:"ai_analysis_classification,case:ignore"`
	Classification     lenient.String `json:"classification,case:ignore"`
	AICodeFix          lenient.String `json:"ai_analysis_code_fix,case:ignore"`
	AILink             lenient.String `json:"ai_analysis_link,case:ignore"`
	AIRootCause        lenient.String `json:"ai_analysis_root_cause,case:ignore"`
	RootCause          lenient.String `json:"root_cause,case:ignore"`
	AIUserImpact       lenient.String `json:"ai_analysis_user_impact,case:ignore"`
	UserImpact         lenient.String `json:"user_impact,case:ignore"`
	Unknown            jsontext.Value `json:",embed"`
}

// UnmarshalJSONFrom implements json.UnmarshalerFrom for
// github.com/go-json-experiment/json, which [event.Decode] uses.
func (a *Alert) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var w alertWire
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	w.to(a)
	return nil
}

// UnmarshalJSON gives encoding/json users the same lenient decoding.
func (a *Alert) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, a)
}

func (w *alertWire) to(a *Alert) {
	str := func(s lenient.String) string { return Unescape(string(s)) }
	*a = Alert{
		AlertTitle:         str(w.AlertTitle),
		AlertType:          w.AlertType,
		CheckID:            str(w.CheckID),
		CheckName:          str(w.CheckName),
		CheckType:          w.CheckType,
		CheckResultID:      str(w.CheckResultID),
		CheckErrorMessage:  str(w.CheckErrorMessage),
		CheckDescription:   str(w.CheckDescription),
		GroupName:          str(w.GroupName),
		ResultLink:         str(or(w.ResultLink, w.Link)),
		RunLocation:        str(w.RunLocation),
		Region:             str(w.Region),
		StartedAt:          time.Time(w.StartedAt),
		Tags:               unescapeAll(w.Tags),
		IsReminder:         w.IsReminder.Value,
		ReminderSequence:   w.ReminderSequence.Value,
		ResponseStatusText: str(w.ResponseStatusText),
		SSLCheckDomain:     str(w.SSLCheckDomain),
		AIClassification:   str(or(w.AIClassification, w.Classification)),
		AICodeFix:          str(w.AICodeFix),
		AILink:             str(w.AILink),
		AIRootCause:        str(or(w.AIRootCause, w.RootCause)),
		AIUserImpact:       str(or(w.AIUserImpact, w.UserImpact)),
		Unknown:            w.Unknown,
	}
	setNumbers(a, w.ResponseTime, w.ResponseStatusCode, w.SSLDaysRemaining)
}

// setNumbers sets the optional numbers that are valid. They share one
// allocation.
func setNumbers(a *Alert, responseTime, statusCode, sslDays lenient.Int) {
	if !responseTime.Valid && !statusCode.Valid && !sslDays.Valid {
		return
	}
	n := new([3]int)
	if responseTime.Valid {
		n[0] = responseTime.Value
		a.ResponseTimeMS = &n[0]
	}
	if statusCode.Valid {
		n[1] = statusCode.Value
		a.ResponseStatusCode = &n[1]
	}
	if sslDays.Valid {
		n[2] = sslDays.Value
		a.SSLDaysRemaining = &n[2]
	}
}

func or(a, b lenient.String) lenient.String {
	if a != "" {
		return a
	}
	return b
}

// EventType returns the normalised ALERT_TYPE ("ALERT_FAIL" reports
// "ALERT_FAILURE"). It implements [event.Payload].
func (a *Alert) EventType() string { return string(a.AlertType) }

// ResourceKey returns CHECK_ID: ordering is kept per check, so a late
// ALERT_FAILURE retry that lands after the ALERT_RECOVERY is dropped. It
// implements [event.Payload].
func (a *Alert) ResourceKey() string { return a.CheckID }

// OccurredAt returns STARTED_AT, when the check run that raised the alert
// started. It implements [event.Payload].
func (a *Alert) OccurredAt() time.Time { return a.StartedAt }

// EventID returns CHECK_RESULT_ID, unique per check result: two alerts
// carrying it never have identical bodies. It implements
// [event.Identified].
func (a *Alert) EventID() string { return a.CheckResultID }

// StampedAt returns STARTED_AT, when the check run that raised the alert
// started: a delivery is made after it, within the run's duration, the
// check's own retries and Checkly's webhook retries. It implements
// [event.Stamped], so a signed body's STARTED_AT bounds how old a delivery
// can be, whatever x-checkly-timestamp says.
func (a *Alert) StampedAt() time.Time { return a.StartedAt }

// TemplateVariable names the template variable that carries f: ALERT_TYPE,
// CHECK_ID, STARTED_AT and CHECK_RESULT_ID. It implements
// [event.Templated].
func (a *Alert) TemplateVariable(f event.Field) string {
	switch f {
	case event.FieldType:
		return "ALERT_TYPE"
	case event.FieldResource:
		return "CHECK_ID"
	case event.FieldTime:
		return "STARTED_AT"
	case event.FieldIdentity:
		return "CHECK_RESULT_ID"
	}
	return ""
}

// ResponseTime returns RESPONSE_TIME as a duration, and false when the body
// did not carry it.
func (a *Alert) ResponseTime() (time.Duration, bool) {
	if a.ResponseTimeMS == nil {
		return 0, false
	}
	return time.Duration(*a.ResponseTimeMS) * time.Millisecond, true
}

// Reminder reports whether the alert repeats one sent before: IS_REMINDER
// is true, REMINDER_SEQUENCE is above 0, or ALERT_TYPE is a *_REMAIN type.
func (a *Alert) Reminder() bool {
	return a.IsReminder || a.ReminderSequence > 0 || a.AlertType.IsRemain()
}

// Unescape undoes the HTML escaping Checkly's Handlebars applies to a
// variable rendered with {{VAR}}: &amp; &lt; &gt; &quot; &#x27; &#x60; and
// &#x3D; become & < > " ' ` and = again. Alert's text fields are unescaped
// this way when decoded, so "Checkout &amp; Payments" arrives as
// "Checkout & Payments" and a RESULT_LINK's query string is whole again. A
// value rendered with {{{VAR}}} that contains one of those sequences
// literally is unescaped too: the two cannot be told apart.
func Unescape(s string) string {
	i := strings.IndexByte(s, '&')
	if i < 0 {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for ; i >= 0; i = strings.IndexByte(s, '&') {
		sb.WriteString(s[:i])
		c, n := entity(s[i:])
		sb.WriteByte(c)
		s = s[i+n:]
	}
	sb.WriteString(s)
	return sb.String()
}

// writeUnescaped writes Unescape(string(b)) to sb, without the string.
func writeUnescaped(sb *strings.Builder, b []byte) {
	for i := bytes.IndexByte(b, '&'); i >= 0; i = bytes.IndexByte(b, '&') {
		sb.Write(b[:i])
		c, n := entity(b[i:])
		sb.WriteByte(c)
		b = b[i+n:]
	}
	sb.Write(b)
}

// entity returns the character the Handlebars entity at the start of s
// stands for and the entity's length, or '&' and 1 when s (which starts
// with '&') starts with none: one pass from the left, so an entity's
// replacement is never read again ("&amp;lt;" gives "&lt;"). The entities
// are those Handlebars.js's escapeExpression writes: &amp; &lt; &gt;
// &quot; &#x27; &#x60; &#x3D;, matched exactly.
func entity[S ~string | ~[]byte](s S) (byte, int) {
	if len(s) < 4 {
		return '&', 1
	}
	switch s[1] {
	case 'a':
		if len(s) >= 5 && string(s[2:5]) == "mp;" {
			return '&', 5
		}
	case 'l':
		if string(s[2:4]) == "t;" {
			return '<', 4
		}
	case 'g':
		if string(s[2:4]) == "t;" {
			return '>', 4
		}
	case 'q':
		if len(s) >= 6 && string(s[2:6]) == "uot;" {
			return '"', 6
		}
	case '#':
		if len(s) >= 6 && s[2] == 'x' && s[5] == ';' {
			switch string(s[3:5]) {
			case "27":
				return '\'', 6
			case "60":
				return '`', 6
			case "3D":
				return '=', 6
			}
		}
	}
	return '&', 1
}

func unescapeAll(l []string) []string {
	for i, s := range l {
		l[i] = Unescape(s)
	}
	return l
}
