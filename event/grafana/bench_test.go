package grafana

import (
	stdjson "encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
)

// plainMessage is the floor: the same members decoded by encoding/json into
// plain types, with no leniency.
type plainMessage struct {
	Receiver string `json:"receiver"`
	Status   string `json:"status"`
	Alerts   []struct {
		Status       string             `json:"status"`
		Labels       map[string]string  `json:"labels"`
		Annotations  map[string]string  `json:"annotations"`
		StartsAt     time.Time          `json:"startsAt"`
		EndsAt       time.Time          `json:"endsAt"`
		GeneratorURL string             `json:"generatorURL"`
		Fingerprint  string             `json:"fingerprint"`
		SilenceURL   string             `json:"silenceURL"`
		DashboardURL string             `json:"dashboardURL"`
		PanelURL     string             `json:"panelURL"`
		ImageURL     string             `json:"imageURL"`
		Values       map[string]float64 `json:"values"`
		ValueString  string             `json:"valueString"`
	} `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	OrgID             int64             `json:"orgId"`
	Title             string            `json:"title"`
	State             string            `json:"state"`
	Message           string            `json:"message"`
}

// manyAlerts is a Grafana notification of n firing alerts.
func manyAlerts(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"receiver": "ops-webhook", "status": "firing", "orgId": 1, "alerts": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"status": "firing", "labels": {"alertname": "DiskFull", "instance": "node-%03d:9100", "mountpoint": "/var/lib/data"},
 "annotations": {"summary": "Disk almost full on node-%03d:9100"}, "startsAt": "2024-05-02T08:%02d:00.5+02:00", "endsAt": "0001-01-01T00:00:00Z",
 "generatorURL": "https://grafana.example.com/alerting/grafana/x1/view", "fingerprint": "00000000%08x",
 "silenceURL": "https://grafana.example.com/alerting/silence/new?matcher=instance%%3Dnode-%03d", "dashboardURL": "", "panelURL": "",
 "values": {"A": %d.5, "B": 1}, "valueString": "[ var='A' value=%d.5 ]"}`, i, i, i%60, i, i, 90+i%10, 90+i%10)
	}
	b.WriteString(`], "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {"alertname": "DiskFull"}, "commonAnnotations": {},
 "externalURL": "https://grafana.example.com/", "version": "1", "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0,
 "title": "[FIRING] DiskFull", "state": "alerting", "message": "Disk full"}`)
	return []byte(b.String())
}

func BenchmarkDecode(b *testing.B) {
	for _, bb := range []struct {
		name string
		body []byte
	}{
		{"grafana_2_alerts", []byte(readFile(b, "grafana_firing.json"))},
		{"grafana_28_alerts_16KiB", manyAlerts(28)},
	} {
		b.Run(bb.name+"/hookseal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				var m Message
				if err := event.Decode("application/json", bb.body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bb.name+"/encoding_json_floor", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				var m plainMessage
				if err := stdjson.Unmarshal(bb.body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestBenchBodies(t *testing.T) {
	body := manyAlerts(28)
	if n := len(body); n < 15*1024 || n > 17*1024 {
		t.Errorf("28-alert body is %d bytes, want about 16 KiB", n)
	}
	m := decode(t, string(body))
	var p plainMessage
	if err := stdjson.Unmarshal(body, &p); err != nil || len(p.Alerts) != 28 || len(m.Alerts) != 28 ||
		m.Alerts[27].Labels["instance"] != "node-027:9100" || m.Alerts[27].Values["A"] != 97.5 || p.Alerts[27].Values["A"] != 97.5 {
		t.Errorf("floor %d alerts (%v); hookseal %d alerts %+v", len(p.Alerts), err, len(m.Alerts), m.Alerts[27])
	}
}
