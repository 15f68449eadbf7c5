package verify

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRepeating(t *testing.T) {
	tok, err := Authorization("alertmanager", Secrets("Bearer t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 6, 1, 0, 0, time.UTC)
	now := t0
	r, err := Repeating(tok, 4*time.Hour, WithRepeatClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Authorization": {"Bearer t0ken"}}
	body := []byte(`{"version":"4","groupKey":"{}:{alertname=\"X\"}","status":"firing"}`)
	at := func(d time.Duration) Key {
		t.Helper()
		now = t0.Add(d)
		del, err := r.Verify(h, body)
		if err != nil {
			t.Fatal(err)
		}
		return del.Key
	}
	first := at(0)
	if at(10*time.Second) != first {
		t.Error("a retry 10 s later has another key")
	}
	if at(4*time.Hour) == first || at(4*time.Hour+5*time.Minute) == first {
		t.Error("the repeat one repeat_interval later has the first one's key")
	}
	plain, _ := tok.Verify(h, body)
	if first == plain.Key {
		t.Error("the key is the wrapped verifier's, unmixed")
	}
	// Any two arrivals at least one interval apart get different keys.
	for _, start := range []time.Duration{0, time.Second, 3*time.Hour + 59*time.Minute, 2*time.Hour + 17*time.Second} {
		if at(start) == at(start+4*time.Hour) {
			t.Errorf("arrivals at %s and one interval later share a key", start)
		}
	}
	// Refusals pass through unchanged.
	if _, err := r.Verify(http.Header{"Authorization": {"Bearer nope"}}, body); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
	// A sender's signed id is the key as it is: repeats are told apart by it.
	sw, _ := StandardWebhooks(Secrets(whsecTest))
	rs, _ := Repeating(sw, time.Hour, WithRepeatClock(func() time.Time { return now }))
	sh, _ := StandardWebhooksScheme().Sign(body, SignOptions{ID: "msg_1", Timestamp: t0}, whsecTest)
	d1, err1 := rs.Verify(sh, body)
	d2, err2 := sw.Verify(sh, body)
	if err1 != nil || err2 != nil || d1.Key != d2.Key {
		t.Errorf("a signed id's key was changed: %v %v", err1, err2)
	}
}

func TestRepeatingConfig(t *testing.T) {
	tok, _ := Authorization("alertmanager", Secrets("Bearer t0ken"))
	for name, f := range map[string]func() (*RepeatAuth, error){
		"nil verifier":    func() (*RepeatAuth, error) { return Repeating(nil, time.Hour) },
		"zero interval":   func() (*RepeatAuth, error) { return Repeating(tok, 0) },
		"10 s interval":   func() (*RepeatAuth, error) { return Repeating(tok, 10*time.Second) },
		"nil clock":       func() (*RepeatAuth, error) { return Repeating(tok, time.Hour, WithRepeatClock(nil)) },
		"negative period": func() (*RepeatAuth, error) { return Repeating(tok, -time.Hour) },
	} {
		if _, err := f(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if r, err := Repeating(tok, time.Minute, nil); err != nil || r.Interval() != time.Minute {
		t.Errorf("Repeating(1m) = %v, %v", r, err)
	}
}
