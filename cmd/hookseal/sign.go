package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

const signAbout = `
Read a body on stdin and print the headers the provider's sender puts
beside it, one "Name: value" per line, ready for curl's -H. The body is
signed exactly as read: send the same bytes (curl --data-binary @file, not
-d, which strips newlines).

For stripe and standardwebhooks a comma-separated --secret gives one
signature per secret, as those senders do while a secret is rolled. For
oncall the header is the Authorization value itself, and for datadog the
Basic credentials: those senders sign nothing, so the header is the secret.`

const signExamples = `  printf '%s' '{"alert_type":"ALERT_FAILURE"}' | hookseal sign --provider checkly --secret s3cr3t
  hookseal sign --provider stripe --secret whsec_new,whsec_old --timestamp 1718000000 < event.json
  hookseal sign --provider standardwebhooks --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --id msg_1 < body.json
  hookseal sign --provider github --secret s3cr3t < body.json > headers.txt
  curl --data-binary @body.json -H 'Content-Type: application/json' -H @headers.txt https://hooks.example.com/github`

func runSign(e *env, args []string) int {
	f := newFlags("sign", "hookseal sign --provider P --secret S [--timestamp T] [--id ID] < body", signAbout, signExamples)
	name := f.String("provider", "", "the sender: "+providerList)
	secret := f.String("secret", "", secretHelp)
	ts := f.String("timestamp", "", "the sender's `time`: Unix seconds, Unix milliseconds or RFC 3339 (default now)")
	id := f.String("id", "", "the delivery id, for standardwebhooks (default a fresh msg_ id)")
	tsHeader := f.String("timestamp-header", "", "grafana only: the timestamp `header` the contact point is configured with")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	p, err := findProvider(*name)
	if err != nil {
		return fail(e, "sign", err)
	}
	if *secret == "" {
		return fail(e, "sign", usagef("--secret is required"))
	}
	_, secrets, err := splitSecrets("--secret", *secret)
	if err != nil {
		return fail(e, "sign", err)
	}
	at := time.Now()
	if *ts != "" {
		if at, err = parseTime("--timestamp", *ts); err != nil {
			return fail(e, "sign", err)
		}
	}
	body, err := readInput(e.stdin, "stdin")
	if err != nil {
		return fail(e, "sign", err)
	}
	h, err := senderHeaders(p, secrets, body, at, *id, *tsHeader)
	if err != nil {
		return fail(e, "sign", err)
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	_, _ = fmt.Fprint(e.stdout, b.String())
	return exitOK
}
