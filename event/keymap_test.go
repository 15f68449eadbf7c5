package event_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hookseal/hookseal/event"
)

// shape is a payload whose variables live at fixed places, nested ones
// included, standing in for the provider types.
type shape struct{}

func (shape) VariablePath(v string) (string, bool) {
	switch event.TrimVariable(v) {
	case "TYPE":
		return "/alert_type", true
	case "ID":
		return "/alert/id", true
	case "event.time":
		return "/event/time", true
	}
	return "", false
}

func TestRemap(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys event.KeyMap
		in   string
		want string // JSON, compared as values
		err  bool
	}{
		{"top-level key", event.KeyMap{"kind": "TYPE"}, `{"kind":"ALERT_FAILURE","x":1}`, `{"x":1,"alert_type":"ALERT_FAILURE"}`, false},
		{"into a nested member", event.KeyMap{"id": "ID"}, `{"id":"a1"}`, `{"alert":{"id":"a1"}}`, false},
		{"into an existing object", event.KeyMap{"id": "{{ID}}"}, `{"id":"a1","alert":{"n":2}}`, `{"alert":{"n":2,"id":"a1"}}`, false},
		{"from a nested member", event.KeyMap{"/meta/when": "event.time"}, `{"meta":{"when":"t","k":1}}`, `{"meta":{"k":1},"event":{"time":"t"}}`, false},
		{"escaped pointer", event.KeyMap{"/a~1b/c~0d": "TYPE"}, `{"a/b":{"c~d":"X"}}`, `{"a/b":{},"alert_type":"X"}`, false},
		{"key absent: skipped", event.KeyMap{"kind": "TYPE"}, `{"x":1}`, `{"x":1}`, false},
		{"values of any kind move whole", event.KeyMap{"k": "TYPE"}, `{"k":{"deep":[1,{"a":null}]}}`, `{"alert_type":{"deep":[1,{"a":null}]}}`, false},
		{"both the key and the variable's own member", event.KeyMap{"kind": "TYPE"}, `{"kind":"A","alert_type":"B"}`, "", true},
		{"not an object", event.KeyMap{"kind": "TYPE"}, `["kind"]`, "", true},
		{"trailing value", event.KeyMap{"kind": "TYPE"}, `{"kind":"A"} {}`, "", true},
		{"duplicate names", event.KeyMap{"kind": "TYPE"}, `{"kind":"A","kind":"B"}`, "", true},
		{"into a member that is not an object", event.KeyMap{"id": "ID"}, `{"id":"a1","alert":"x"}`, "", true},
		{"unknown variable", event.KeyMap{"kind": "NOPE"}, `{"kind":"A"}`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := event.Remap([]byte(tc.in), tc.keys, shape{})
			if tc.err {
				if !errors.Is(err, event.ErrKeyMap) {
					t.Fatalf("Remap = %s, %v; want an ErrKeyMap error", out, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("Remap wrote invalid JSON %s: %v", out, err)
			}
			_ = json.Unmarshal([]byte(tc.want), &want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Remap = %s, want %s", out, tc.want)
			}
		})
	}
}

func TestCheckKeyMap(t *testing.T) {
	for _, tc := range []struct {
		keys event.KeyMap
		ok   bool
	}{
		{event.KeyMap{"kind": "TYPE", "/m/id": "$ID"}, true},
		{event.KeyMap{}, false},
		{event.KeyMap{"kind": "TYPO"}, false},
		{event.KeyMap{"a": "TYPE", "b": "{{TYPE}}"}, false},
		{event.KeyMap{"": "TYPE"}, false},
		{event.KeyMap{"/a//b": "TYPE"}, false},
	} {
		if err := event.CheckKeyMap(tc.keys, shape{}); (err == nil) != tc.ok || (err != nil && !errors.Is(err, event.ErrKeyMap)) {
			t.Errorf("CheckKeyMap(%v) = %v, want ok=%v", tc.keys, err, tc.ok)
		}
	}
}

// FuzzRemap feeds arbitrary bodies through a key map: Remap never panics,
// and what it writes is valid JSON holding the moved value.
func FuzzRemap(f *testing.F) {
	for _, s := range []string{`{"kind":"A"}`, `{"id":1,"alert":{}}`, `{"meta":{"when":"t"}}`, `{`, `{"kind":"\ud800"}`, `{"alert":[],"id":2}`} {
		f.Add([]byte(s))
	}
	keys := event.KeyMap{"kind": "TYPE", "id": "ID", "/meta/when": "event.time"}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := event.Remap(body, keys, shape{})
		if err != nil {
			if !errors.Is(err, event.ErrKeyMap) {
				t.Fatalf("error %v is not ErrKeyMap", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Remap(%q) wrote invalid JSON %q", body, out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("Remap(%q) wrote %q, not an object: %v", body, out, err)
		}
		if _, stayed := m["kind"]; stayed {
			t.Fatalf("Remap(%q) left the mapped key in place: %q", body, out)
		}
		if strings.Count(string(out), `"alert_type"`) > 1 {
			t.Fatalf("Remap(%q) wrote alert_type twice: %q", body, out)
		}
	})
}

func TestTrimVariable(t *testing.T) {
	for in, want := range map[string]string{
		"ALERT_TYPE": "ALERT_TYPE", "{{ALERT_TYPE}}": "ALERT_TYPE", " {{{ALERT_TYPE}}} ": "ALERT_TYPE",
		"{{ event.type }}": "event.type", "$EVENT_TYPE": "EVENT_TYPE",
	} {
		if got := event.TrimVariable(in); got != want {
			t.Errorf("TrimVariable(%q) = %q, want %q", in, got, want)
		}
	}
}
