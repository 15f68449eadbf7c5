package alertmanager

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

func decodeString(t *testing.T, body string) (*Message, error) {
	t.Helper()
	var m Message
	err := event.Decode("application/json", []byte(body), &m)
	return &m, err
}

// A notification Alertmanager sent (captured through Grafana OnCall's
// alert_payload), decoded whole.
func TestCapturedNotification(t *testing.T) {
	b, err := os.ReadFile("testdata/alertmanager_firing.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeString(t, string(b))
	if err != nil {
		t.Fatal(err)
	}
	started := time.Date(2023, 6, 12, 8, 24, 38, 326e6, time.UTC)
	alert := func(group, instance, fp string) Alert {
		return Alert{AlertFields: AlertFields{
			Status:      StatusFiring,
			Labels:      map[string]string{"job": "node", "group": group, "instance": instance, "severity": "critical", "alertname": "InstanceDown"},
			Annotations: map[string]string{"title": "Instance " + instance + " down", "description": instance + " of job node has been down for more than 1 minute."},
			StartsAt:    started, Fingerprint: fp,
		}}
	}
	want := Message{
		Notification: Notification[Alert]{
			Receiver: "combo", Status: StatusFiring,
			Alerts:            []Alert{alert("production", "localhost:8081", "f404ecabc8dd5cd7"), alert("canary", "localhost:8082", "f8f08d4e32c61a9d")},
			GroupLabels:       map[string]string{"alertname": "InstanceDown"},
			CommonLabels:      map[string]string{"job": "node", "severity": "critical", "alertname": "InstanceDown"},
			CommonAnnotations: map[string]string{},
			Version:           "4",
			GroupKey:          `{}:{alertname="InstanceDown"}`,
		},
		Unknown: jsontext.Value(`{"numFiring":2,"numResolved":0}`),
	}
	if !reflect.DeepEqual(*m, want) {
		t.Fatalf("decoded\n got %+v\nwant %+v", *m, want)
	}
	view := [4]any{m.EventType(), m.ResourceKey(), m.OccurredAt(), m.IsFiring()}
	if w := [4]any{"firing", `{}:{alertname="InstanceDown"}`, started, true}; view != w {
		t.Errorf("payload view %v, want %v", view, w)
	}
	if fp := m.Fingerprints(); !reflect.DeepEqual(fp, []string{"f404ecabc8dd5cd7", "f8f08d4e32c61a9d"}) {
		t.Errorf("fingerprints %q", fp)
	}
}

func TestOccurredAt(t *testing.T) {
	const firing = `{"status":"firing","startsAt":"2024-05-02T06:00:00Z","endsAt":"2024-05-02T09:00:00Z"}`
	const resolved = `{"status":"resolved","startsAt":"2024-05-02T05:00:00Z","endsAt":"2024-05-02T06:30:00Z"}`
	for _, tc := range []struct {
		name, alerts string
		want         string
	}{
		{"a firing alert's projected end does not count", firing, "2024-05-02T06:00:00Z"},
		{"a resolved alert's end counts", firing + "," + resolved, "2024-05-02T06:30:00Z"},
		{"no alerts", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := decodeString(t, `{"alerts":[`+tc.alerts+`]}`)
			if err != nil {
				t.Fatal(err)
			}
			var want time.Time
			if tc.want != "" {
				want, _ = time.Parse(time.RFC3339, tc.want)
			}
			if !m.OccurredAt().Equal(want) {
				t.Fatalf("OccurredAt = %v, want %v", m.OccurredAt(), want)
			}
		})
	}
}

// Bad bodies fail with an error naming where, never quoting the value.
func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, where string }{
		{"startsAt not a time", `{"alerts":[{"startsAt":"soon-secret"}]}`, "/alerts/0/startsAt"},
		{"labels not strings", `{"groupLabels":{"a":1}}`, "/groupLabels/a"},
		{"truncatedAlerts not a number", `{"truncatedAlerts":"many-secret"}`, "/truncatedAlerts"},
		{"alerts not a list", `{"alerts":{"secret":1}}`, "/alerts"},
		{"groupKey twice", `{"groupKey":"a","groupKey":"b"}`, "/groupKey"},
		{"not an object", `"secret"`, "top level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeString(t, tc.body)
			var de *event.DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.where) || strings.Contains(err.Error(), "secret") {
				t.Fatalf("err = %v, want a DecodeError naming %s without quoting the body", err, tc.where)
			}
		})
	}
}
