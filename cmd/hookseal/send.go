package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/middleware"
)

const sendAbout = `
Send one delivery to a receiver, authenticated the way the provider's
sender does it, and print the response status and its Hookseal-Outcome.
Without --body the delivery is a realistic sample of --event, built by the
hooktest package (Datadog's in the recommended custom payload, with the
monitor variables), stamped with --timestamp as its event time; with
--body, your bytes are sent exactly as read.

Event types (the first is the default):
  checkly      ALERT_FAILURE, ALERT_RECOVERY, ALERT_DEGRADED, ALERT_SSL, ... (every ALERT_TYPE)
  statusstack  component.status_changed, monitor.down, monitor.recovered, incident.created, ...
  oncall       "alert group created", escalation, acknowledge, resolve, silence, ...
  datadog      Triggered, Re-Triggered, Recovered, Warn, Re-Warn, "No Data", "Re-No Data", Renotify
  grafana      firing, resolved
  pagerduty    incident.triggered, incident.acknowledged, incident.resolved, ... (every v3 event type)
  alertmanager firing, resolved
github, stripe and standardwebhooks have no samples: a small test body is
sent unless --body is given.

Exits 0 when the receiver answers 2xx, 1 otherwise.`

const sendExamples = `  hookseal send --provider checkly --secret s3cr3t --url http://127.0.0.1:8080/checkly
  hookseal send --provider checkly --secret s3cr3t --url http://127.0.0.1:8080/checkly --event ALERT_RECOVERY
  hookseal send --provider oncall --secret 'Bearer t0ken' --url http://127.0.0.1:8080/oncall --event resolve
  hookseal send --provider datadog --secret dd:pw --url http://127.0.0.1:8080/datadog --event Recovered
  hookseal send --provider statusstack --secret s3 --url https://hooks.example.com/statusstack --body event.json
  hookseal send --provider pagerduty --secret s3 --url http://127.0.0.1:8080/pagerduty --event incident.resolved
  hookseal send --provider alertmanager --secret 'Bearer t0ken' --url http://127.0.0.1:8080/alertmanager --event resolved`

func runSend(e *env, args []string) int {
	f := newFlags("send", "hookseal send --provider P --secret S --url U [--event TYPE] [--body FILE]", sendAbout, sendExamples)
	name := f.String("provider", "", "the sender: "+providerList)
	secret := f.String("secret", "", secretHelp)
	target := f.String("url", "", "the receiver's `URL`, http or https")
	eventType := f.String("event", "", "the sample's event `type` (see above); default the provider's first")
	bodyFile := f.String("body", "", "send this `file`'s bytes instead of a sample (- for stdin)")
	ts := f.String("timestamp", "", "the sender's `time`, also the sample's event time: Unix seconds, Unix milliseconds or RFC 3339 (default now)")
	id := f.String("id", "", "the delivery id, for standardwebhooks (default a fresh msg_ id)")
	tsHeader := f.String("timestamp-header", "", "grafana only: the timestamp `header` the contact point is configured with")
	timeout := f.Duration("timeout", 10*time.Second, "how long to wait for the answer")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	p, err := findProvider(*name)
	if err != nil {
		return fail(e, "send", err)
	}
	if *secret == "" {
		return fail(e, "send", usagef("--secret is required"))
	}
	_, secrets, err := splitSecrets("--secret", *secret)
	if err != nil {
		return fail(e, "send", err)
	}
	if err := checkURL(*target); err != nil {
		return fail(e, "send", err)
	}
	at := time.Now()
	if *ts != "" {
		if at, err = parseTime("--timestamp", *ts); err != nil {
			return fail(e, "send", err)
		}
	}
	body, what, err := sendBody(e, p, *eventType, *bodyFile, at)
	if err != nil {
		return fail(e, "send", err)
	}
	h, err := senderHeaders(p, secrets, body, at, *id, *tsHeader)
	if err != nil {
		return fail(e, "send", err)
	}
	req, err := hooktest.Request(*target, body, h)
	if err != nil {
		// The error quotes the URL, which may carry a password.
		return fail(e, "send", usagef("--url %s: not a usable http or https URL", redactURL(*target)))
	}
	req = req.WithContext(e.ctx)
	client := &http.Client{Timeout: *timeout}
	resp, err := client.Do(req)
	if err != nil {
		return fail(e, "send", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))

	outcome := resp.Header.Get(middleware.OutcomeHeader)
	if outcome == "" {
		outcome = "(none: the answer has no " + middleware.OutcomeHeader + " header)"
	}
	fmt.Fprintf(e.stdout, "sent %s (%d bytes) to %s\nstatus: %s\noutcome: %s\n", what, len(body), redactURL(*target), resp.Status, outcome)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return exitNo
	}
	return exitOK
}

// sendBody returns the body to send and a description of it.
func sendBody(e *env, p provider, eventType, file string, at time.Time) ([]byte, string, error) {
	if file != "" {
		if eventType != "" {
			return nil, "", usagef("--event picks a sample and --body sends your own; use one of them")
		}
		var r io.Reader = e.stdin
		what := "stdin"
		if file != "-" {
			fh, err := os.Open(file)
			if err != nil {
				return nil, "", usagef("--body: %v", err)
			}
			defer fh.Close()
			r, what = fh, file
		}
		b, err := readInput(r, what)
		return b, what, err
	}
	types := hooktest.EventTypes(p.name)
	if types == nil {
		if eventType != "" {
			return nil, "", usagef("--event: %s has no samples; send your own body with --body", p.name)
		}
		body := fmt.Sprintf(`{"type":"hookseal.test","created_at":%q}`, at.UTC().Format(time.RFC3339))
		return []byte(body), p.name + " test body", nil
	}
	body, err := hooktest.SampleBody(p.name, eventType, at)
	if err != nil {
		return nil, "", usagef("--event %q is not a %s event type (have: %s)", eventType, p.name, strings.Join(types, ", "))
	}
	if eventType == "" {
		eventType = types[0]
	}
	return body, fmt.Sprintf("%s %s sample", p.name, eventType), nil
}

func checkURL(s string) error {
	if s == "" {
		return usagef("--url is required, e.g. --url http://127.0.0.1:8080/checkly")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--url %q: want an absolute http or https URL, e.g. http://127.0.0.1:8080/checkly", redactURL(s))
	}
	return nil
}

// redactURL hides the user:password@ part of a URL before it is printed,
// whether or not the URL parses: an unencoded '#' or '/' in a password
// makes it unparseable, and those are the URLs most likely to be printed
// in an error. Everything between "://" and the last '@' is hidden; a
// string without "://" but with an '@' is not shown at all.
func redactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	at := strings.LastIndexByte(rest, '@')
	switch {
	case !ok && strings.Contains(s, "@"):
		return "(a URL with credentials, not shown)"
	case !ok || at < 0:
		return s
	}
	return scheme + "://***@" + rest[at+1:]
}
