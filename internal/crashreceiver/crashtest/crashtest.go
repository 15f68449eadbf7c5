// Package crashtest is the test side of the crash tests that kill
// crashreceiver processes, whatever the backend (store/bolt, store/redis):
// the downstream the receivers' handlers call, which records every run it
// answered, the sender that delivers an alert as Checkly does, and [Gate],
// which holds the downstream's calls while a receiver is killed.
package crashtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/internal/crashreceiver"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
)

// Run is what the downstream heard from one run of a receiver's handler,
// and when.
type Run struct {
	crashreceiver.Run
	At time.Time
}

// Event names the alert the run ran: its check and its time.
func (r Run) Event() string { return Event(r.Check, r.Started) }

func (r Run) String() string {
	return fmt.Sprintf("%s attempt %d by %d (key %s)", r.Event(), r.Attempt, r.Receiver, r.Key)
}

// Event names the alert of check that started at started.
func Event(check string, started time.Time) string {
	return check + "@" + started.UTC().Format(time.RFC3339)
}

// ByEvent groups runs by the alert they ran.
func ByEvent(runs []Run) map[string][]Run {
	m := map[string][]Run{}
	for _, r := range runs {
		m[r.Event()] = append(m[r.Event()], r)
	}
	return m
}

// Downstream is the service the receivers' handlers call. It notes every
// call it gets (calls), and records each run it answers 200 to a receiver
// still connected (runs). The decide function, when set, sees each call
// first and returns whether to go on to that (it may answer and record the
// call itself). The beforeAck function, when set, sees the receivers'
// calls to /ack, made after a successful run and before its
// acknowledgement (crashreceiver's -before-ack); they are answered at once
// otherwise.
type Downstream struct {
	srv       *httptest.Server
	mu        sync.Mutex
	calls     []Run
	runs      []Run
	decide    func(w http.ResponseWriter, r *http.Request, rn Run) (record bool)
	beforeAck func(w http.ResponseWriter, r *http.Request, rn Run)
}

// NewDownstream starts a downstream, closed when t ends.
func NewDownstream(t *testing.T) *Downstream {
	d := &Downstream{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rn := Run{At: time.Now()}
		if err := json.NewDecoder(r.Body).Decode(&rn.Run); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		decide, beforeAck := d.decide, d.beforeAck
		if r.URL.Path != "/ack" {
			d.calls = append(d.calls, rn)
		}
		d.mu.Unlock()
		if r.URL.Path == "/ack" {
			if beforeAck != nil {
				beforeAck(w, r, rn)
			}
			return
		}
		if decide != nil && !decide(w, r, rn) {
			return
		}
		if r.Context().Err() != nil {
			return // the receiver died while we held its call: it never saw a success
		}
		d.Record(rn)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// URL is the downstream's address, for crashreceiver's -downstream.
func (d *Downstream) URL() string { return d.srv.URL }

// Record records rn as a run answered 200.
func (d *Downstream) Record(rn Run) {
	d.mu.Lock()
	d.runs = append(d.runs, rn)
	d.mu.Unlock()
}

// SetDecide sets the function that sees each call first (nil: none).
func (d *Downstream) SetDecide(f func(w http.ResponseWriter, r *http.Request, rn Run) bool) {
	d.mu.Lock()
	d.decide = f
	d.mu.Unlock()
}

// SetBeforeAck sets the function that sees each call to /ack (nil: none).
func (d *Downstream) SetBeforeAck(f func(w http.ResponseWriter, r *http.Request, rn Run)) {
	d.mu.Lock()
	d.beforeAck = f
	d.mu.Unlock()
}

// Snapshot returns the calls and the runs so far.
func (d *Downstream) Snapshot() (calls, runs []Run) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Run(nil), d.calls...), append([]Run(nil), d.runs...)
}

// Await waits up to timeout for the calls and runs to satisfy ok, and
// returns whether they did, and the runs.
func (d *Downstream) Await(timeout time.Duration, ok func(calls, runs []Run) bool) (bool, []Run) {
	deadline := time.Now().Add(timeout)
	for {
		calls, runs := d.Snapshot()
		if ok(calls, runs) {
			return true, runs
		}
		if time.Now().After(deadline) {
			return false, runs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitFor is Await, failing the test when the runs do not come.
func (d *Downstream) WaitFor(t *testing.T, timeout time.Duration, what string, ok func(calls, runs []Run) bool) []Run {
	t.Helper()
	done, runs := d.Await(timeout, ok)
	if !done {
		calls, _ := d.Snapshot()
		t.Fatalf("%s: not within %s; calls %v; runs %v", what, timeout, calls, runs)
	}
	return runs
}

var client = &http.Client{Timeout: 5 * time.Second}

// Send delivers one alert of check, signed as Checkly signs it, to url()
// (asked again for each attempt: a receiver may restart elsewhere),
// retrying as Checkly does (connection refused while a receiver restarts,
// 409 while a dead life's claim runs out, 503) until it is answered
// accepted or duplicate, for up to a minute.
func Send(t *testing.T, url func() string, check string, started time.Time) middleware.Outcome {
	t.Helper()
	body := middlewaretest.AlertBody(checkly.AlertFailure, check, started)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := client.Do(middlewaretest.Sign(t, url(), body, time.Now()))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch o := middleware.Outcome(resp.Header.Get(middleware.OutcomeHeader)); o {
			case middleware.Accepted, middleware.Duplicate:
				return o
			case middleware.InFlight, middleware.StoreUnavailable, middleware.InboxFull, "":
			default:
				t.Errorf("%s: answered %d %s", check, resp.StatusCode, o)
				return o
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("%s at %s: not accepted within a minute (last error %v)", check, started, err)
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Tally is what a run of random kills came to: of the alerts accepted,
// how many were handled, lost, handled more than once (with the same key,
// or under two keys), and how often an alert's check ran an older alert
// after a newer one.
type Tally struct {
	Handled, Lost, Twice, TwoKeys, Unknown, OrderViolations int
}

// Count tallies runs, in the order the downstream answered them, against
// the alerts accepted (by Event).
func Count(accepted map[string]bool, runs []Run) Tally {
	var c Tally
	handled := ByEvent(runs)
	c.Handled = len(handled)
	for ev := range accepted {
		if len(handled[ev]) == 0 {
			c.Lost++
		}
	}
	for ev, rs := range handled {
		if !accepted[ev] {
			c.Unknown++
		}
		if len(rs) > 1 {
			c.Twice++
			for _, r := range rs {
				if r.Key != rs[0].Key {
					c.TwoKeys++
					break
				}
			}
		}
	}
	last := map[string]time.Time{}
	for _, r := range runs {
		if r.Started.Before(last[r.Check]) {
			c.OrderViolations++
		}
		last[r.Check] = r.Started
	}
	return c
}
