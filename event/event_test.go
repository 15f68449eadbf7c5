package event_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
)

type sample struct {
	CheckID   string    `json:"check_id"`
	StartedAt time.Time `json:"started_at"`
	Count     int       `json:"count"`
}

func TestDecode(t *testing.T) {
	var s sample
	body := `{"CHECK_ID":"c-1","started_at":"2026-11-23T10:00:00Z","count":3,"extra":{"kept":"out"}}`
	if err := event.Decode("application/json", []byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.CheckID != "c-1" || s.Count != 3 || !s.StartedAt.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("decoded %+v", s)
	}
}

// TestDecodeErrorsLeaveValuesOut sends bodies whose bad values are
// sentinel strings and checks that the error names where decoding failed
// but not what the body held.
func TestDecodeErrorsLeaveValuesOut(t *testing.T) {
	const secretish = "Bearer-abc123-private"
	for _, tc := range []struct {
		name, body, pointer string
	}{
		{"bad time", `{"started_at":"` + secretish + `"}`, "/started_at"},
		{"string for int", `{"count":"` + secretish + `"}`, "/count"},
		{"number too large", `{"count":9` + strings.Repeat("9", 30) + `}`, "/count"},
		{"duplicate member", `{"check_id":"` + secretish + `","check_id":"x"}`, "/check_id"},
		{"invalid utf-8", `{"check_id":"` + secretish + "\xff" + `"}`, "/check_id"},
		{"truncated", `{"check_id":"` + secretish, "/check_id"},
		{"not json", secretish, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			err := event.Decode("application/json", []byte(tc.body), &s)
			var de *event.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
			}
			if strings.Contains(err.Error(), secretish) || strings.Contains(err.Error(), "999999") {
				t.Fatalf("error quotes the body: %v", err)
			}
			if de.Pointer != tc.pointer {
				t.Fatalf("pointer = %q, want %q (error %v)", de.Pointer, tc.pointer, err)
			}
			if errors.Unwrap(err) == nil {
				t.Fatal("the decoder's original error is not reachable")
			}
		})
	}
}

type selfDecoding struct{ ct string }

var errSelf = errors.New("self decoding failed")

func (s *selfDecoding) DecodeBody(contentType string, body []byte) error {
	s.ct = contentType
	if string(body) == "bad" {
		return errSelf
	}
	return nil
}

func TestDecodeBodyDecoder(t *testing.T) {
	var s selfDecoding
	if err := event.Decode("application/x-www-form-urlencoded", []byte("a=b"), &s); err != nil || s.ct != "application/x-www-form-urlencoded" {
		t.Fatalf("err = %v, content type = %q", err, s.ct)
	}
	if err := event.Decode("", []byte("bad"), &s); !errors.Is(err, errSelf) {
		t.Fatalf("err = %v, want the BodyDecoder's own error", err)
	}
}

func TestDecodeContentType(t *testing.T) {
	body := []byte(`{"check_id":"c-1"}`)
	for _, ct := range []string{"", "application/json", "Application/JSON; charset=utf-8", "application/vnd.checkly+json"} {
		var s sample
		if err := event.Decode(ct, body, &s); err != nil || s.CheckID != "c-1" {
			t.Errorf("%q: err = %v, decoded %+v", ct, err, s)
		}
	}
	for _, ct := range []string{"text/plain", "application/xml", "text/json+xml", "application/x-www-form-urlencoded", "json", ";;", "text/+json"} {
		var s sample
		if err := event.Decode(ct, body, &s); !errors.Is(err, event.ErrContentType) || s.CheckID != "" {
			t.Errorf("%q: err = %v, decoded %+v; want ErrContentType and nothing decoded", ct, err, s)
		}
	}
}

func TestMediaType(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "",
		"application/json":                "application/json",
		"Application/JSON; charset=utf-8": "application/json",
		"application/x-www-form-urlencoded; charset=UTF-8": "application/x-www-form-urlencoded",
		"not a media type;;":  "",
		"text/plain; =broken": "",
	} {
		if got := event.MediaType(in); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", in, got, want)
		}
	}
}

func ExampleDecode() {
	var alert struct {
		AlertType string `json:"alert_type"`
		CheckName string `json:"check_name"`
	}
	// Checkly bodies are user templates: raw variable names decode too.
	body := []byte(`{"ALERT_TYPE":"ALERT_FAILURE","CHECK_NAME":"API health"}`)
	if err := event.Decode("application/json", body, &alert); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(alert.AlertType, alert.CheckName)

	err := event.Decode("application/json", []byte(`{"alert_type":7}`), &alert)
	fmt.Println(err)
	// Output:
	// ALERT_FAILURE API health
	// event: /alert_type: cannot decode JSON number into Go string (byte 14)
}
