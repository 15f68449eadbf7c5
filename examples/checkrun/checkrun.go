package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/verify"
)

// Service check statuses, as Datadog's check_run API numbers them.
const (
	statusOK       = 0
	statusWarning  = 1
	statusCritical = 2
	statusUnknown  = 3
)

// Limits Datadog documents for check_run: a message is shown up to 500
// characters, and a check run may be up to 10 minutes old.
const (
	maxMessage = 500
	maxAge     = 10 * time.Minute
)

// checkRun is one service check run, as POST /api/v1/check_run takes it
// (the body is a JSON array of them).
type checkRun struct {
	Check     string   `json:"check"`
	HostName  string   `json:"host_name"`
	Status    int      `json:"status"`
	Timestamp int64    `json:"timestamp"`
	Message   string   `json:"message,omitempty"`
	Tags      []string `json:"tags"`
}

// mapper turns sender events into check runs.
type mapper struct {
	check string // the service check's name
	host  string // host_name
	now   func() time.Time
}

// fromCheckly maps a Checkly alert, or reports false for alerts that say
// nothing about the check's state (NO_ALERT, ALERT_SSL, unknown types).
//
//	ALERT_RECOVERY, ALERT_DEGRADED_RECOVERY                        → 0 OK
//	ALERT_DEGRADED, ALERT_DEGRADED_REMAIN, ALERT_FAILURE_DEGRADED  → 1 WARNING
//	ALERT_FAILURE, ALERT_FAILURE_REMAIN, ALERT_DEGRADED_FAILURE    → 2 CRITICAL
//
// The run is tagged check:<CHECK_NAME> (CHECK_ID when the template leaves
// the name out) and provider:checkly, and stamped with STARTED_AT, or the
// delivery's x-checkly-timestamp when the template has no STARTED_AT.
func (m mapper) fromCheckly(a *checkly.Alert, d verify.Delivery) (checkRun, bool) {
	var status int
	switch t := a.AlertType; {
	case t.IsRecovery():
		status = statusOK
	case t.IsDegraded():
		status = statusWarning
	case t.IsFailure():
		status = statusCritical
	default:
		return checkRun{}, false
	}
	name := a.CheckName
	if name == "" {
		name = a.CheckID
	}
	if name == "" {
		return checkRun{}, false
	}
	title := a.AlertTitle
	if title == "" {
		title = name
	}
	msg := fmt.Sprintf("Checkly %s: %s", a.AlertType, title)
	if a.CheckErrorMessage != "" {
		msg += "\n" + a.CheckErrorMessage
	}
	if a.ResultLink != "" {
		msg += "\n" + a.ResultLink
	}
	at := a.StartedAt
	if at.IsZero() {
		at = d.Timestamp
	}
	return m.run(status, at, msg, "check:"+name, "provider:checkly"), true
}

// fromStatusStack maps a StatusStack event, or reports false for events
// that say nothing about a state (incident.updated, maintenance.scheduled,
// unknown types and statuses, events naming no component, monitor or
// incident).
//
// component.status_changed maps the component's new status:
//
//	operational → 0 OK
//	degraded    → 1 WARNING
//	critical    → 2 CRITICAL
//	maintenance → 3 UNKNOWN (the component is down on purpose: neither OK nor failing)
//
// The other events map by type: incident.created and monitor.down → 2
// CRITICAL, incident.resolved and monitor.recovered → 0 OK. (StatusStack
// does not publish those bodies; a component status in them may predate the
// event, so the type decides.)
//
// The run is tagged with what the event is about — component:<name>, else
// monitor:<name>, else incident:<id> — and provider:statusstack, and
// stamped with the event's signed timestamp.
func (m mapper) fromStatusStack(e *statusstack.Event) (checkRun, bool) {
	var status int
	switch e.Event {
	case statusstack.ComponentStatusChanged:
		if e.Component == nil {
			return checkRun{}, false
		}
		switch e.Component.CurrentStatus {
		case statusstack.StatusOperational:
			status = statusOK
		case statusstack.StatusDegraded:
			status = statusWarning
		case statusstack.StatusCritical:
			status = statusCritical
		case statusstack.StatusMaintenance:
			status = statusUnknown
		default:
			return checkRun{}, false
		}
	case statusstack.IncidentCreated, statusstack.MonitorDown:
		status = statusCritical
	case statusstack.IncidentResolved, statusstack.MonitorRecovered:
		status = statusOK
	default:
		return checkRun{}, false
	}

	var subject, tag string
	switch {
	case e.Component != nil && (e.Component.Name != "" || e.Component.ID != ""):
		subject = firstOf(e.Component.Name, e.Component.ID)
		tag = "component:" + subject
	case e.Monitor != nil && (e.Monitor.Name != "" || e.Monitor.ID != ""):
		subject = firstOf(e.Monitor.Name, e.Monitor.ID)
		tag = "monitor:" + subject
	case e.Incident != nil && e.Incident.ID != "":
		subject = "incident " + e.Incident.ID
		tag = "incident:" + e.Incident.ID
	default:
		return checkRun{}, false
	}

	var msg string
	if c := e.Component; e.Event == statusstack.ComponentStatusChanged {
		msg = fmt.Sprintf("StatusStack: %s is %s", subject, c.CurrentStatus)
		if c.PreviousStatus != "" {
			msg += fmt.Sprintf(" (was %s)", c.PreviousStatus)
		}
	} else {
		msg = fmt.Sprintf("StatusStack %s: %s", e.Event, subject)
	}
	if e.Stack.Name != "" {
		msg += " on " + e.Stack.Name
	}
	return m.run(status, e.Timestamp, msg, tag, "provider:statusstack"), true
}

func (m mapper) run(status int, at time.Time, msg string, tags ...string) checkRun {
	return checkRun{
		Check:     m.check,
		HostName:  m.host,
		Status:    status,
		Timestamp: m.timestamp(at),
		Message:   truncate(msg, maxMessage),
		Tags:      tags,
	}
}

// timestamp is at in Unix seconds, or now when at is unknown, in the future
// (the sender's clock is ahead) or older than Datadog accepts: the state
// change is still worth recording, at the time it reached us.
func (m mapper) timestamp(at time.Time) int64 {
	now := m.now()
	if at.IsZero() || at.After(now) || now.Sub(at) > maxAge {
		at = now
	}
	return at.Unix()
}

// truncate cuts s to at most n characters, on a character boundary.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// datadogClient submits check runs to Datadog's API.
type datadogClient struct {
	http   *http.Client
	url    string // https://api.datadoghq.com/api/v1/check_run
	apiKey string // sent in DD-API-KEY; never logged, never in an error
}

// submitTimeout bounds one submission: under the 5 s StatusStack asks a
// receiver to answer within, so a slow Datadog makes the delivery fail (and
// be retried) rather than time the sender out.
const submitTimeout = 4 * time.Second

func newDatadogClient(apiURL, apiKey string) *datadogClient {
	return &datadogClient{
		http: &http.Client{
			Timeout: submitTimeout,
			// A redirect would carry DD-API-KEY to wherever it points
			// (net/http strips only Authorization and cookies): refuse it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		url:    strings.TrimRight(apiURL, "/") + "/api/v1/check_run",
		apiKey: apiKey,
	}
}

// submit posts runs. Any answer but 2xx is an error, so the handler fails,
// the delivery is answered 500 and the sender retries it.
func (c *datadogClient) submit(ctx context.Context, runs ...checkRun) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // messages and tags keep their '&', '<' and '>'
	if err := enc.Encode(runs); err != nil {
		return err
	}
	body.Truncate(body.Len() - 1) // Encode's newline
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, &body)
	if err != nil {
		return fmt.Errorf("datadog check_run: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("DD-API-KEY", c.apiKey)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("datadog check_run: %w", err) // the URL carries no key
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		text := strings.TrimSpace(strings.ToValidUTF8(string(answer), "?"))
		if c.apiKey != "" {
			text = strings.ReplaceAll(text, c.apiKey, "[DD_API_KEY]")
		}
		return fmt.Errorf("datadog check_run: %s: %q", resp.Status, text)
	}
	return nil
}
