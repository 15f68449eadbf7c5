package checkly

import (
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/internal/lenient"
)

// AlertType is Checkly's ALERT_TYPE: what changed for the check. Decoding
// normalises it (see [ParseAlertType]); a value Checkly adds later passes
// through as its string.
//
// The helpers classify each type by the state the check is in after the
// alert:
//
//	ALERT_TYPE                IsFailure  IsDegraded  IsRecovery  IsRemain
//	ALERT_FAILURE             yes        -           -           -
//	ALERT_FAILURE_REMAIN      yes        -           -           yes
//	ALERT_DEGRADED_FAILURE    yes        -           -           -    degraded → failing
//	ALERT_DEGRADED            -          yes         -           -
//	ALERT_DEGRADED_REMAIN     -          yes         -           yes
//	ALERT_FAILURE_DEGRADED    -          yes         -           -    failing → degraded: better, not recovered
//	ALERT_RECOVERY            -          -           yes         -    failing → passing
//	ALERT_DEGRADED_RECOVERY   -          -           yes         -    degraded → passing
//	ALERT_SSL                 -          -           -           -    certificate expiry; see IsSSL
//	NO_ALERT                  -          -           -           -
//
// At most one of IsFailure, IsDegraded and IsRecovery holds.
type AlertType string

// The ALERT_TYPE values Checkly documents.
const (
	NoAlert               AlertType = "NO_ALERT"
	AlertFailure          AlertType = "ALERT_FAILURE"
	AlertFailureRemain    AlertType = "ALERT_FAILURE_REMAIN"
	AlertFailureDegraded  AlertType = "ALERT_FAILURE_DEGRADED"
	AlertRecovery         AlertType = "ALERT_RECOVERY"
	AlertDegraded         AlertType = "ALERT_DEGRADED"
	AlertDegradedRemain   AlertType = "ALERT_DEGRADED_REMAIN"
	AlertDegradedFailure  AlertType = "ALERT_DEGRADED_FAILURE"
	AlertDegradedRecovery AlertType = "ALERT_DEGRADED_RECOVERY"
	AlertSSL              AlertType = "ALERT_SSL"
)

// alertTypes lists the known values; alertFail is the older name of
// ALERT_FAILURE that earlier Checkly pages use.
var alertTypes = [...]AlertType{
	NoAlert, AlertFailure, AlertFailureRemain, AlertFailureDegraded, AlertRecovery,
	AlertDegraded, AlertDegradedRemain, AlertDegradedFailure, AlertDegradedRecovery, AlertSSL,
}

const alertFail = "ALERT_FAIL"

// ParseAlertType normalises an ALERT_TYPE value: surrounding spaces are
// trimmed, a known value is matched ignoring case, '_', '-' and spaces and
// returned in its canonical form, and the legacy "ALERT_FAIL" becomes
// [AlertFailure]. Anything else is returned unchanged (trimmed).
func ParseAlertType(s string) AlertType { return parseAlertType(s) }

func parseAlertType[S ~string | ~[]byte](s S) AlertType {
	s = trim(s)
	for _, k := range alertTypes { // the canonical spelling, as Checkly sends it
		if string(s) == string(k) {
			return k
		}
	}
	for _, k := range alertTypes {
		if lenient.NameEqual(s, k) {
			return k
		}
	}
	if lenient.NameEqual(s, alertFail) {
		return AlertFailure
	}
	return AlertType(s)
}

// UnmarshalJSONFrom decodes a JSON string (or number, or null) and
// normalises it with [ParseAlertType]. Known values cost no allocation.
func (t *AlertType) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, _, err := lenient.Text(dec, "a string")
	if err != nil {
		return err
	}
	*t = parseAlertType(b)
	return nil
}

// IsKnown reports whether t is one of the documented ALERT_TYPE values.
func (t AlertType) IsKnown() bool {
	for _, k := range alertTypes {
		if t == k {
			return true
		}
	}
	return false
}

// IsFailure reports whether the check is failing after this alert:
// ALERT_FAILURE, ALERT_FAILURE_REMAIN and ALERT_DEGRADED_FAILURE.
func (t AlertType) IsFailure() bool {
	return t == AlertFailure || t == AlertFailureRemain || t == AlertDegradedFailure
}

// IsDegraded reports whether the check is degraded (slow but passing) after
// this alert: ALERT_DEGRADED, ALERT_DEGRADED_REMAIN and
// ALERT_FAILURE_DEGRADED (a failing check that improved to degraded).
func (t AlertType) IsDegraded() bool {
	return t == AlertDegraded || t == AlertDegradedRemain || t == AlertFailureDegraded
}

// IsRecovery reports whether the check is passing again after this alert:
// ALERT_RECOVERY (from failing) and ALERT_DEGRADED_RECOVERY (from degraded).
func (t AlertType) IsRecovery() bool {
	return t == AlertRecovery || t == AlertDegradedRecovery
}

// IsRemain reports whether the alert repeats an unchanged state:
// ALERT_FAILURE_REMAIN and ALERT_DEGRADED_REMAIN. See also
// [Alert.Reminder].
func (t AlertType) IsRemain() bool {
	return t == AlertFailureRemain || t == AlertDegradedRemain
}

// IsSSL reports whether the alert is about a TLS certificate nearing expiry
// (ALERT_SSL): SSL_CHECK_DOMAIN and SSL_DAYS_REMAINING are then set.
func (t AlertType) IsSSL() bool { return t == AlertSSL }

// CheckType is Checkly's CHECK_TYPE. Decoding normalises it like
// [AlertType] (see [ParseCheckType]); unknown values pass through.
type CheckType string

// The CHECK_TYPE values Checkly documents.
const (
	CheckAPI        CheckType = "API"
	CheckBrowser    CheckType = "BROWSER"
	CheckHeartbeat  CheckType = "HEARTBEAT"
	CheckICMP       CheckType = "ICMP"
	CheckMultiStep  CheckType = "MULTI_STEP"
	CheckTCP        CheckType = "TCP"
	CheckPlaywright CheckType = "PLAYWRIGHT"
	CheckURL        CheckType = "URL"
	CheckDNS        CheckType = "DNS"
	CheckSSL        CheckType = "SSL"
	CheckGRPC       CheckType = "GRPC"
	CheckTraceroute CheckType = "TRACEROUTE"
	CheckAgentic    CheckType = "AGENTIC"
)

var checkTypes = [...]CheckType{
	CheckAPI, CheckBrowser, CheckHeartbeat, CheckICMP, CheckMultiStep, CheckTCP,
	CheckPlaywright, CheckURL, CheckDNS, CheckSSL, CheckGRPC, CheckTraceroute, CheckAgentic,
}

// ParseCheckType normalises a CHECK_TYPE value: surrounding spaces are
// trimmed and a known value is matched ignoring case, '_', '-' and spaces
// ("multi-step" gives [CheckMultiStep]). Anything else is returned
// unchanged (trimmed).
func ParseCheckType(s string) CheckType { return parseCheckType(s) }

func parseCheckType[S ~string | ~[]byte](s S) CheckType {
	s = trim(s)
	for _, k := range checkTypes { // the canonical spelling, as Checkly sends it
		if string(s) == string(k) {
			return k
		}
	}
	for _, k := range checkTypes {
		if lenient.NameEqual(s, k) {
			return k
		}
	}
	return CheckType(s)
}

// UnmarshalJSONFrom decodes a JSON string (or number, or null) and
// normalises it with [ParseCheckType]. Known values cost no allocation.
func (t *CheckType) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, _, err := lenient.Text(dec, "a string")
	if err != nil {
		return err
	}
	*t = parseCheckType(b)
	return nil
}

// IsKnown reports whether t is one of the documented CHECK_TYPE values.
func (t CheckType) IsKnown() bool {
	for _, k := range checkTypes {
		if t == k {
			return true
		}
	}
	return false
}

func trim[S ~string | ~[]byte](s S) S {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
