package datadog

import (
	"bytes"
	stdjson "encoding/json"
	"net/url"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// plainEvent is the floor: the recommended payload's members as plain
// strings, decoded with no leniency at all.
type plainEvent struct {
	ID          string `json:"id"`
	EventType   string `json:"event_type"`
	Title       string `json:"title"`
	Body        string `json:"body"`
	Date        string `json:"date"`
	LastUpdated string `json:"last_updated"`
	Org         struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"org"`
	AlertID         string `json:"alert_id"`
	AlertTitle      string `json:"alert_title"`
	AlertTransition string `json:"alert_transition"`
	AlertType       string `json:"alert_type"`
	AlertStatus     string `json:"alert_status"`
	AlertCycleKey   string `json:"alert_cycle_key"`
	AlertPriority   string `json:"alert_priority"`
	AlertScope      string `json:"alert_scope"`
	AlertMetric     string `json:"alert_metric"`
	AlertQuery      string `json:"alert_query"`
	AggregKey       string `json:"aggreg_key"`
	Hostname        string `json:"hostname"`
	Priority        string `json:"priority"`
	Tags            string `json:"tags"`
	Link            string `json:"link"`
	Snapshot        string `json:"snapshot"`
	TextOnlyMsg     string `json:"text_only_msg"`
}

// BenchmarkDecode decodes RecommendedPayload rendered with every variable
// set, as JSON and as a form. "hookseal" is what the middleware does; the
// floors are the same bytes with no leniency, for the ratio.
func BenchmarkDecode(b *testing.B) {
	js, form := sampleJSON(b), sampleForm()
	run := func(name string, body []byte, fn func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("JSON/hookseal", js, func() error {
		var e Event
		return event.Decode("application/json", js, &e)
	})
	run("form/hookseal", form, func() error {
		var e Event
		return event.Decode("application/x-www-form-urlencoded", form, &e)
	})
	run("JSON/floor-plain-encoding-json", js, func() error {
		var e plainEvent
		return stdjson.Unmarshal(js, &e)
	})
	run("JSON/floor-plain-json-v2", js, func() error {
		var e plainEvent
		return json.Unmarshal(js, &e)
	})
	// See event/checkly's benchmark: json.Unmarshal's pooled string cache
	// flatters repeated decoding of the same bytes; a fresh decoder does not.
	run("JSON/floor-plain-json-v2-fresh-decoder", js, func() error {
		var e plainEvent
		return json.UnmarshalDecode(jsontext.NewDecoder(bytes.NewReader(js)), &e)
	})
	run("form/floor-url.ParseQuery", form, func() error {
		_, err := url.ParseQuery(string(form))
		return err
	})
}
