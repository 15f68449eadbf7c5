package checkly

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/internal/lenient"
)

var _ event.BodyDecoder = (*Alert)(nil)

// DecodeBody implements [event.BodyDecoder], which [event.Decode] prefers.
// It decodes exactly as event.Decode decodes any JSON payload (a present
// Content-Type must name JSON, and the body is decoded leniently through
// [Alert.UnmarshalJSONFrom]), with one shortcut: a body in the shape
// [RecommendedTemplate] renders is read straight into the fields first.
// The shortcut gives the same Alert the lenient decoding gives, and falls
// back to it on anything else.
func (a *Alert) DecodeBody(contentType string, body []byte) error {
	if contentType != "" && contentType != "application/json" && !event.IsJSON(contentType) {
		return fmt.Errorf("%w: %.64q; send application/json", event.ErrContentType, contentType)
	}
	if decodeFast(body, a) {
		return nil
	}
	return decodeLenient(body, a)
}

// decodeLenient is what event.Decode does with a JSON body.
func decodeLenient(body []byte, a *Alert) error {
	return json.Unmarshal(body, a, json.MatchCaseInsensitiveNames(true))
}

// decodeFast decodes body into a when it has the shape RecommendedTemplate
// renders, and reports whether it did. That shape is one JSON object
// whose members are Alert's own snake_case keys spelled exactly, each
// holding a JSON string (or, for the numeric members and is_reminder, a
// number or boolean, as a template that leaves them unquoted renders
// them), and "tags" an array of strings: what Checkly sends for the
// recommended template, whatever the alert. Anything else
// (another spelling or an alias, a key Alert does not know, a number,
// null, a value the lenient types refuse, a body that is not valid JSON)
// makes it report false, and a keeps the value it had; the lenient
// decoding then decides, errors included. Where it reports true, a is
// what the lenient decoding gives, to the byte: each value is read by the
// lenient types' own text functions and unescaped by the same code.
//
// It saves the lenient path's wire struct, its case-insensitive member
// lookup and its many small strings: every text field, tag and all,
// shares one string no larger than the body.
//
// The decoder is told to allow duplicate names, which spares it a set of
// every name read: decodeStrict knows each member it accepts and falls
// back on a second one, so a duplicate still reaches the lenient path and
// its error.
func decodeFast(body []byte, a *Alert) bool {
	if bytes.IndexByte(body, '\\') < 0 {
		// No string in the body has an escape: each one's text is its
		// bytes between the quotes.
		return json.Unmarshal(body, (*verbatimAlert)(a), jsontext.AllowDuplicateNames(true)) == nil
	}
	return json.Unmarshal(body, (*fastAlert)(a), jsontext.AllowDuplicateNames(true)) == nil
}

// fastAlert and verbatimAlert are Alert with the strict decoder, for
// decodeFast: verbatimAlert for a body without a backslash.
type (
	fastAlert     Alert
	verbatimAlert Alert
)

// UnmarshalJSONFrom implements json.UnmarshalerFrom with decodeStrict.
func (f *fastAlert) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return decodeStrict(dec, (*Alert)(f), false)
}

// UnmarshalJSONFrom implements json.UnmarshalerFrom with decodeStrict.
func (f *verbatimAlert) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return decodeStrict(dec, (*Alert)(f), true)
}

// errNotFast makes decodeFast fall back; it never reaches a caller.
var errNotFast = errors.New("checkly: not the recommended template's shape")

// The text fields of Alert that the fast path fills, by member.
const (
	tAlertTitle = iota
	tCheckID
	tCheckName
	tCheckResultID
	tCheckErrorMessage
	tCheckDescription
	tGroupName
	tResultLink
	tRunLocation
	tRegion
	tResponseStatusText
	tSSLCheckDomain
	tAIClassification
	tAICodeFix
	tAILink
	tAIRootCause
	tAIUserImpact
	numText
)

// The other members the fast path reads.
const (
	mAlertType = numText + iota
	mCheckType
	mResponseTime
	mStatusCode
	mSSLDays
	mStartedAt
	mIsReminder
	mReminderSequence
	mTags
)

// Each member has a bit in UnmarshalJSONFrom's seen.
const _ uint32 = 1 << mTags

// member returns what the member name (without its quotes) is: a text
// field, one of the other members, or -1 for a name the fast path leaves
// to the lenient one (an alias, a key of the user's own, another
// spelling, a name with an escape).
func member(name []byte) int {
	switch string(name) {
	case "alert_title":
		return tAlertTitle
	case "check_id":
		return tCheckID
	case "check_name":
		return tCheckName
	case "check_result_id":
		return tCheckResultID
	case "check_error_message":
		return tCheckErrorMessage
	case "check_description":
		return tCheckDescription
	case "group_name":
		return tGroupName
	case "result_link":
		return tResultLink
	case "run_location":
		return tRunLocation
	case "region":
		return tRegion
	case "api_check_response_status_text":
		return tResponseStatusText
	case "ssl_check_domain":
		return tSSLCheckDomain
	case "ai_analysis_classification":
		return tAIClassification
	case "ai_analysis_code_fix":
		return tAICodeFix
	case "ai_analysis_link":
		return tAILink
	case "ai_analysis_root_cause":
		return tAIRootCause
	case "ai_analysis_user_impact":
		return tAIUserImpact
	case "alert_type":
		return mAlertType
	case "check_type":
		return mCheckType
	case "response_time":
		return mResponseTime
	case "api_check_response_status_code":
		return mStatusCode
	case "ssl_days_remaining":
		return mSSLDays
	case "started_at":
		return mStartedAt
	case "is_reminder":
		return mIsReminder
	case "reminder_sequence":
		return mReminderSequence
	case "tags":
		return mTags
	}
	return -1
}

// span is a field's text in the shared string.
type span struct{ start, end int }

// maxFastTags is how many tag elements the fast path holds on the stack; a
// body with more falls back (lenient.MaxListLen is larger).
const maxFastTags = 64

// decodeStrict reads the recommended template's shape into dst, or returns
// errNotFast having written nothing to dst. verbatim says no string has an
// escape.
func decodeStrict(dec *jsontext.Decoder, dst *Alert, verbatim bool) error {
	if dec.PeekKind() != '{' {
		return errNotFast
	}
	if _, err := dec.ReadToken(); err != nil {
		return errNotFast
	}
	var (
		a     Alert
		sb    strings.Builder // the text of every text field and tag
		texts [numText]span
		tags  [maxFastTags]span
		nTags int
		ints  [3]lenient.Int // response_time, api_check_response_status_code, ssl_days_remaining
		seen  uint32         // the members read, by member number
	)
	for dec.PeekKind() == '"' {
		name, err := dec.ReadValue()
		if err != nil {
			return errNotFast
		}
		m := member(name[1 : len(name)-1])
		if m < 0 || seen&(1<<m) != 0 {
			return errNotFast // a name for the lenient path, or a duplicate
		}
		seen |= 1 << m
		if m == mTags {
			if nTags, err = readFastTags(dec, &sb, &tags, verbatim); err != nil {
				return err
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return errNotFast
		}
		var val []byte
		switch k := v.Kind(); {
		case k == '"':
			val = unquote(v, verbatim)
		case k == '0' && (m == mResponseTime || m == mStatusCode || m == mSSLDays || m == mReminderSequence || m == mIsReminder),
			(k == 't' || k == 'f') && m == mIsReminder:
			// A number or a boolean where a template wrote the variable
			// unquoted: its literal text, which the lenient types read as
			// they read the text of a string.
			val = v
		default:
			return errNotFast
		}
		ok := true
		switch m {
		case mAlertType:
			a.AlertType = parseAlertType(val)
		case mCheckType:
			a.CheckType = parseCheckType(val)
		case mResponseTime:
			ok = ints[0].SetText(val)
		case mStatusCode:
			ok = ints[1].SetText(val)
		case mSSLDays:
			ok = ints[2].SetText(val)
		case mStartedAt:
			var t lenient.Time
			ok = t.SetText(val)
			a.StartedAt = time.Time(t)
		case mIsReminder:
			var b lenient.Bool
			ok = b.SetText(val)
			a.IsReminder = b.Value
		case mReminderSequence:
			var n lenient.Int
			ok = n.SetText(val)
			a.ReminderSequence = n.Value
		default: // a text field
			reserve(&sb, dec, len(val))
			start := sb.Len()
			writeUnescaped(&sb, val)
			texts[m] = span{start, sb.Len()}
		}
		if !ok {
			return errNotFast
		}
	}
	if dec.PeekKind() != '}' {
		return errNotFast
	}
	if _, err := dec.ReadToken(); err != nil {
		return errNotFast
	}
	// Refuse what would follow the object (json.Unmarshal would, after
	// this returns) before writing to dst, so a refused body leaves it as
	// it was.
	if len(bytes.TrimLeft(dec.UnreadBuffer(), " \t\r\n")) != 0 {
		return errNotFast
	}

	s := sb.String()
	fields := [numText]*string{
		tAlertTitle: &a.AlertTitle, tCheckID: &a.CheckID, tCheckName: &a.CheckName,
		tCheckResultID: &a.CheckResultID, tCheckErrorMessage: &a.CheckErrorMessage,
		tCheckDescription: &a.CheckDescription, tGroupName: &a.GroupName, tResultLink: &a.ResultLink,
		tRunLocation: &a.RunLocation, tRegion: &a.Region, tResponseStatusText: &a.ResponseStatusText,
		tSSLCheckDomain: &a.SSLCheckDomain, tAIClassification: &a.AIClassification,
		tAICodeFix: &a.AICodeFix, tAILink: &a.AILink, tAIRootCause: &a.AIRootCause,
		tAIUserImpact: &a.AIUserImpact,
	}
	for i, sp := range texts {
		*fields[i] = s[sp.start:sp.end]
	}
	if nTags > 0 {
		a.Tags = make([]string, nTags)
		for i, sp := range tags[:nTags] {
			a.Tags[i] = s[sp.start:sp.end]
		}
	}
	setNumbers(&a, ints[0], ints[1], ints[2])
	*dst = a
	return nil
}

// readFastTags reads "tags" as the template renders it, an array of
// strings, writing to sb and recording in tags what lenient.List keeps.
func readFastTags(dec *jsontext.Decoder, sb *strings.Builder, tags *[maxFastTags]span, verbatim bool) (int, error) {
	if dec.PeekKind() != '[' {
		return 0, errNotFast // the comma-separated form, null, or an error
	}
	if _, err := dec.ReadToken(); err != nil {
		return 0, errNotFast
	}
	n, elems := 0, 0
	for dec.PeekKind() == '"' {
		// Every element counts, kept or not, as lenient.List counts them
		// against its bound (which is larger).
		if elems++; elems > len(tags) {
			return 0, errNotFast
		}
		v, err := dec.ReadValue()
		if err != nil {
			return 0, errNotFast
		}
		item := lenient.ListItem(unquote(v, verbatim))
		if len(item) == 0 {
			continue
		}
		reserve(sb, dec, len(item))
		start := sb.Len()
		writeUnescaped(sb, item)
		tags[n] = span{start, sb.Len()}
		n++
	}
	if dec.PeekKind() != ']' {
		return 0, errNotFast
	}
	if _, err := dec.ReadToken(); err != nil {
		return 0, errNotFast
	}
	return n, nil
}

// reserve gives sb, before its first text of n bytes, room for all the
// text left: at most n and the rest of the body. One allocation, made
// only once a body has shown a member the fast path takes.
func reserve(sb *strings.Builder, dec *jsontext.Decoder, n int) {
	if sb.Cap() == 0 {
		sb.Grow(n + len(dec.UnreadBuffer()))
	}
}

// unquote returns the text of the JSON string v as lenient.Unquote does,
// which is v without its quotes when the body has no backslash.
func unquote(v jsontext.Value, verbatim bool) []byte {
	if verbatim {
		return v[1 : len(v)-1]
	}
	return lenient.Unquote(v)
}
