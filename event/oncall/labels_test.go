package oncall

import (
	stdjson "encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event"
)

func TestLabelsForms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Labels
	}{
		{"flat object", `{"severity": "critical", "team": "db"}`,
			Labels{{Key: "severity", Value: "critical"}, {Key: "team", Value: "db"}}},
		{"flat object keeps order", `{"z": "1", "a": "2", "m": "3"}`,
			Labels{{Key: "z", Value: "1"}, {Key: "a", Value: "2"}, {Key: "m", Value: "3"}}},
		{"flat scalars as text", `{"n": 12.50, "t": true, "f": false, "null": null, "s": "x\u00e9"}`,
			Labels{{Key: "n", Value: "12.50"}, {Key: "t", Value: "true"}, {Key: "f", Value: "false"}, {Key: "null", Value: ""}, {Key: "s", Value: "xé"}}},
		{"list of id/name objects (OnCall REST form)",
			`[{"key": {"id": "severity", "name": "severity"}, "value": {"id": "critical", "name": "critical"}},
			  {"key": {"id": "KEY01", "name": "team"}, "value": {"id": "VAL07", "name": "db"}}]`,
			Labels{{Key: "severity", Value: "critical", KeyID: "severity", ValueID: "critical"}, {Key: "team", Value: "db", KeyID: "KEY01", ValueID: "VAL07"}}},
		{"list with plain strings", `[{"key": "env", "value": "prod"}]`,
			Labels{{Key: "env", Value: "prod"}}},
		{"list: name missing falls back to id", `[{"key": {"id": "k"}, "value": {"id": "v", "name": ""}}]`,
			Labels{{Key: "k", Value: "v", KeyID: "k", ValueID: "v"}}},
		{"list: null entries skipped, unknown members ignored",
			`[null, {"key": {"id": "a", "name": "A", "prescribed": true}, "value": {"name": "B", "color": [1]}, "extra": {"x": 1}}, null]`,
			Labels{{Key: "A", Value: "B", KeyID: "a"}}},
		{"list: null key and value", `[{"key": null, "value": null}]`, Labels{{}}},
		{"list: numbers as text", `[{"key": {"id": 1, "name": "prio"}, "value": 2}]`,
			Labels{{Key: "prio", Value: "2", KeyID: "1"}}},
		{"list: escaped member names", `[{"\u006bey": "k", "v\u0061lue": "v"}]`, Labels{{Key: "k", Value: "v"}}},
		{"empty object", `{}`, Labels{}},
		{"empty list", `[]`, Labels{}},
		{"null", `null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Labels
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			// The same through event.Decode, in each place labels live.
			for _, body := range []string{
				`{"alert_group": {"labels": ` + tt.in + `}}`,
				`{"integration": {"labels": ` + tt.in + `}}`,
				`{"webhook": {"labels": ` + tt.in + `}}`,
			} {
				e := decode(t, body)
				var in Labels
				switch {
				case strings.Contains(body, "alert_group"):
					in = e.AlertGroup.Labels
				case strings.Contains(body, "integration"):
					in = e.Integration.Labels
				default:
					in = e.Webhook.Labels
				}
				if !reflect.DeepEqual(in, tt.want) {
					t.Errorf("in %s: got %#v", body, in)
				}
			}
			// And through encoding/json (v1).
			var v1 Labels
			if err := stdjson.Unmarshal([]byte(tt.in), &v1); err != nil || !reflect.DeepEqual(v1, tt.want) {
				t.Errorf("encoding/json: %#v, %v", v1, err)
			}
		})
	}
}

func TestLabelsGetAndMap(t *testing.T) {
	var l Labels
	if err := json.Unmarshal([]byte(`[{"key":"a","value":"1"},{"key":"b","value":"2"},{"key":"a","value":"3"}]`), &l); err != nil {
		t.Fatal(err)
	}
	if v, ok := l.Get("a"); !ok || v != "1" {
		t.Errorf(`Get("a") = %q, %v; want "1" (first wins)`, v, ok)
	}
	if v, ok := l.Get("missing"); ok || v != "" {
		t.Errorf(`Get("missing") = %q, %v`, v, ok)
	}
	if m := l.Map(); !reflect.DeepEqual(m, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("Map = %v", m)
	}
	if Labels(nil).Map() != nil {
		t.Error("nil Labels: Map() != nil")
	}
	if m := (Labels{}).Map(); m == nil || len(m) != 0 {
		t.Errorf("empty Labels: Map() = %#v", m)
	}
}

func TestLabelsMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   Labels
		want string
	}{
		{"nil", nil, `null`},
		{"empty", Labels{}, `{}`},
		{"flat", Labels{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}}, `{"b":"1","a":"2"}`},
		{"ids: list form", Labels{{Key: "team", Value: "db", KeyID: "K1"}},
			`[{"key":{"id":"K1","name":"team"},"value":{"id":"","name":"db"}}]`},
		{"repeated key: list form", Labels{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}},
			`[{"key":{"id":"","name":"a"},"value":{"id":"","name":"1"}},{"key":{"id":"","name":"a"},"value":{"id":"","name":"2"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got %s, want %s", out, tt.want)
			}
			v1, err := stdjson.Marshal(tt.in)
			if err != nil || string(v1) != tt.want {
				t.Errorf("encoding/json: %s, %v", v1, err)
			}
			var back Labels
			if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, tt.in) {
				t.Errorf("round trip: %#v, %v", back, err)
			}
		})
	}
	// Many distinct keys take the map path of the flat check.
	var many Labels
	for i := range 40 {
		many = append(many, Label{Key: strings.Repeat("k", i+1), Value: "v"})
	}
	out, _ := json.Marshal(many)
	if out[0] != '{' {
		t.Errorf("40 distinct keys encoded as %c…", out[0])
	}
	many = append(many, Label{Key: "k", Value: "again"})
	out, _ = json.Marshal(many)
	if out[0] != '[' {
		t.Errorf("a repeated key among 41 encoded as %c…", out[0])
	}
}

func TestLabelsBadForms(t *testing.T) {
	for _, in := range []string{
		`"severity=critical"`, `12`, `true`,
		`{"a": ["x"]}`, `{"a": {"b": "c"}}`,
		`[1]`, `["a"]`, `[[]]`,
		`[{"key": ["k"]}]`, `[{"value": {"name": {"x": 1}}}]`, `[{"key": {"id": []}}]`,
		`{"a": "1", "a": "2"}`, `[{"key": "a", "key": "b"}]`,
		`{"a": "1"`, `[{"key": "a"}`, // truncated: the body ends inside labels
	} {
		var l Labels
		if err := json.Unmarshal([]byte(in), &l); err == nil {
			t.Errorf("%s: no error, got %#v", in, l)
		}
		var e Event
		err := event.Decode("application/json", []byte(`{"alert_group": {"labels": `+in+`}}`), &e)
		switch {
		case err == nil:
			t.Errorf("%s: no error from event.Decode", in)
		case strings.Contains(err.Error(), "unexpected EOF"):
			// A truncated body: the syntax error has no member to name.
		case !strings.Contains(err.Error(), "/alert_group/labels"):
			t.Errorf("%s: error %v does not name /alert_group/labels", in, err)
		}
	}
}
