package checkly

import (
	"bytes"
	stdjson "encoding/json"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// plainAlert is the floor: the same members as plain strings, decoded with
// no leniency at all (it could not take "RESPONSE_TIME": 1649 or "TAGS": "a,b").
type plainAlert struct {
	AlertTitle         string   `json:"alert_title"`
	AlertType          string   `json:"alert_type"`
	CheckID            string   `json:"check_id"`
	CheckName          string   `json:"check_name"`
	CheckType          string   `json:"check_type"`
	CheckResultID      string   `json:"check_result_id"`
	CheckErrorMessage  string   `json:"check_error_message"`
	CheckDescription   string   `json:"check_description"`
	GroupName          string   `json:"group_name"`
	ResponseTime       string   `json:"response_time"`
	ResultLink         string   `json:"result_link"`
	RunLocation        string   `json:"run_location"`
	Region             string   `json:"region"`
	StartedAt          string   `json:"started_at"`
	Tags               []string `json:"tags"`
	IsReminder         string   `json:"is_reminder"`
	ReminderSequence   string   `json:"reminder_sequence"`
	ResponseStatusCode string   `json:"api_check_response_status_code"`
	ResponseStatusText string   `json:"api_check_response_status_text"`
	SSLCheckDomain     string   `json:"ssl_check_domain"`
	SSLDaysRemaining   string   `json:"ssl_days_remaining"`
	AIClassification   string   `json:"ai_analysis_classification"`
	AICodeFix          string   `json:"ai_analysis_code_fix"`
	AILink             string   `json:"ai_analysis_link"`
	AIRootCause        string   `json:"ai_analysis_root_cause"`
	AIUserImpact       string   `json:"ai_analysis_user_impact"`
}

// BenchmarkDecode decodes RecommendedTemplate rendered, as Checkly renders
// it, with every variable it carries set (about 1 KiB). "hookseal" is
// what the middleware does (event.Decode, which takes the fast path for
// this body); the others are the same bytes into plainAlert, for the
// ratio. The one that counts is floor-plain-json-v2: the same decoder,
// the same members, no leniency.
func BenchmarkDecode(b *testing.B) {
	body := sampleBody(b)
	b.Run("hookseal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var a Alert
			if err := event.Decode("application/json", body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lenient-types-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var a Alert
			if err := stdjson.Unmarshal(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor-plain-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var a plainAlert
			if err := stdjson.Unmarshal(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	// json.Unmarshal reuses pooled decoders whose string cache (strings of
	// up to 256 bytes) makes decoding the same body again nearly free of
	// string allocations: flattering when every iteration decodes the same
	// bytes. A fresh decoder per body shows the cost for new values.
	b.Run("floor-plain-json-v2", func(b *testing.B) { benchPlain(b, body) })
	b.Run("floor-plain-json-v2-fresh-decoder", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var a plainAlert
			if err := json.UnmarshalDecode(jsontext.NewDecoder(bytes.NewReader(body)), &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeLenient decodes the same body with the lenient path
// alone: what a body in any other shape than the recommended template's
// costs (raw variable names as keys, numbers without quotes, keys of the
// user's own).
func BenchmarkDecodeLenient(b *testing.B) {
	body := sampleBody(b)
	b.Run("hookseal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var a Alert
			if err := decodeLenient(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor-plain-json-v2", func(b *testing.B) { benchPlain(b, body) })
}

// BenchmarkDecodeFallback is the fast path's worst case: the sample body
// with a key of the user's own as its last member, which the fast path
// reads to the end before it falls back to the lenient path.
func BenchmarkDecodeFallback(b *testing.B) {
	body := sampleBody(b)
	body = append(bytes.TrimRight(body[:bytes.LastIndexByte(body, '}')], " \n"), ",\n  \"priority\": \"P1\"\n}\n"...)
	if decodeFast(body, new(Alert)) {
		b.Fatal("the fast path takes the body")
	}
	b.Run("hookseal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var a Alert
			if err := event.Decode("application/json", body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor-plain-json-v2", func(b *testing.B) { benchPlain(b, body) })
}

func benchPlain(b *testing.B, body []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var a plainAlert
		if err := json.Unmarshal(body, &a); err != nil {
			b.Fatal(err)
		}
	}
}
