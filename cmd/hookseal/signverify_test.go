package main

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
)

var (
	t0    = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	t0s   = "1748779200" // t0 in Unix seconds
	t0p10 = "1748779210" // ten seconds later: the receiver's --now
	whsec = "whsec_" + base64.StdEncoding.EncodeToString([]byte("a 32-byte standard webhooks key!"))
)

// headerArgs turns sign's output into verify's -H flags.
func headerArgs(t *testing.T, signOut string) []string {
	t.Helper()
	var args []string
	for _, line := range strings.Split(strings.TrimSpace(signOut), "\n") {
		if !strings.Contains(line, ": ") {
			t.Fatalf("sign printed %q, want Name: value", line)
		}
		args = append(args, "-H", line)
	}
	return args
}

// The headers sign prints are what verify accepts, for every provider; a
// body changed after signing is refused.
func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	checklyBody := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", t0))
	ssBody := hooktest.StatusStackBody(hooktest.StatusStackEvent("component.status_changed", t0))
	cases := []struct {
		provider, secret string
		extra            []string // more sign and verify flags
		body             []byte
		headers          []string // header names sign must print
	}{
		{"checkly", "checkly-s3cr3t", nil, checklyBody, []string{"X-Checkly-Signature", "X-Checkly-Timestamp"}},
		{"statusstack", "ss-s3cr3t", nil, ssBody, []string{"X-Statusstack-Signature"}},
		{"grafana", "gr-s3cr3t", nil, []byte(`{"status":"firing"}`), []string{"X-Grafana-Alerting-Signature"}},
		{"grafana", "gr-s3cr3t", []string{"--timestamp-header", "X-Grafana-Alerting-Timestamp"}, []byte(`{"status":"firing"}`), []string{"X-Grafana-Alerting-Signature", "X-Grafana-Alerting-Timestamp"}},
		{"github", "gh-s3cr3t", nil, []byte(`{"action":"opened"}`), []string{"X-Hub-Signature-256"}},
		{"stripe", "whsec_stripe_new,whsec_stripe_old", nil, []byte(`{"id":"evt_1","type":"charge.succeeded"}`), []string{"Stripe-Signature"}},
		{"standardwebhooks", whsec, []string{"--id", "msg_2b3c"}, []byte(`{"type":"user.created"}`), []string{"Webhook-Id", "Webhook-Signature", "Webhook-Timestamp"}},
		{"oncall", "Bearer oncall-t0ken", nil, hooktest.OnCallBody(hooktest.OnCallEvent("resolve", t0)), []string{"Authorization"}},
		{"datadog", "dd:dd-passw0rd", nil, hooktest.DatadogDefaultBody(hooktest.DatadogEvent("Triggered", t0)), []string{"Authorization"}},
		{"pagerduty", "pd-s3cr3t-new,pd-s3cr3t-old", nil, hooktest.PagerDutyBody(hooktest.PagerDutyEvent("incident.triggered", t0)), []string{"X-Pagerduty-Signature"}},
		{"alertmanager", "Bearer am-t0ken", nil, hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage("firing", t0)), []string{"Authorization"}},
	}
	for _, c := range cases {
		t.Run(c.provider+strings.Join(c.extra, ""), func(t *testing.T) {
			t.Parallel()
			signArgs := append([]string{"sign", "--provider", c.provider, "--secret", c.secret, "--timestamp", t0s}, c.extra...)
			s := hookseal(t, c.body, nil, signArgs...)
			wantCode(t, s, 0)
			h := headerArgs(t, s.stdout)
			for _, name := range c.headers {
				if !strings.Contains(s.stdout, name+": ") {
					t.Errorf("sign did not print %s:\n%s", name, s.stdout)
				}
			}
			if len(h)/2 != len(c.headers) {
				t.Errorf("sign printed %d headers, want %d:\n%s", len(h)/2, len(c.headers), s.stdout)
			}
			verifyArgs := []string{"verify", "--provider", c.provider, "--secret", c.secret, "--now", t0p10}
			if c.provider == "grafana" {
				verifyArgs = append(verifyArgs, c.extra...)
			}
			v := hookseal(t, c.body, nil, append(verifyArgs, h...)...)
			wantCode(t, v, 0)
			if !strings.HasPrefix(v.stdout, "authentic: "+c.provider+" delivery, accepted by --secret #1") {
				t.Errorf("verify said:\n%s", v.stdout)
			}
			bad := hookseal(t, hooktest.Tamper(c.body), nil, append(verifyArgs, h...)...)
			if c.provider == "oncall" || c.provider == "datadog" || c.provider == "alertmanager" {
				wantCode(t, bad, 0) // a credential does not cover the body
			} else {
				wantCode(t, bad, 1)
				if !strings.HasPrefix(bad.stdout, "not authentic: signature invalid") {
					t.Errorf("tampered body:\n%s", bad.stdout)
				}
			}
			if c.provider != "oncall" && c.provider != "datadog" && c.provider != "alertmanager" {
				for _, secret := range strings.Split(c.secret, ",") {
					noSecrets(t, []string{s.stdout, s.stderr, v.stdout, v.stderr, bad.stdout, bad.stderr}, secret)
				}
			}
		})
	}
}

// A list format signs once per secret; a receiver knowing either accepts,
// and verify says which of its secrets matched.
func TestSignSeveralSecrets(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"evt_1"}`)
	s := hookseal(t, body, nil, "sign", "--provider", "stripe", "--secret", "whsec_new,whsec_old", "--timestamp", t0s)
	wantCode(t, s, 0)
	if strings.Count(s.stdout, "v1=") != 2 || !strings.Contains(s.stdout, "t="+t0s) {
		t.Fatalf("Stripe-Signature with two v1 entries expected:\n%s", s.stdout)
	}
	h := headerArgs(t, s.stdout)
	v := hookseal(t, body, nil, append([]string{"verify", "--provider", "stripe", "--secret", "whsec_other,whsec_old", "--now", t0p10}, h...)...)
	wantCode(t, v, 0)
	if !strings.Contains(v.stdout, "accepted by --secret #2 of 2") {
		t.Errorf("verify said:\n%s", v.stdout)
	}
}

// verify's exit codes: 0 authentic, 1 not (or stale), 2 usage errors.
func TestVerifyExitCodes(t *testing.T) {
	t.Parallel()
	body := []byte(`{"action":"opened"}`)
	signed, err := hooktest.GitHub("gh-s3cr3t").Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	sig := "X-Hub-Signature-256: " + signed.Header.Get("X-Hub-Signature-256")
	cases := []struct {
		name string
		body []byte
		args []string
		code int
	}{
		{"authentic", body, []string{"--secret", "gh-s3cr3t", "-H", sig}, 0},
		{"authentic with rotation", body, []string{"--secret", "new,gh-s3cr3t", "-H", sig}, 0},
		{"wrong secret", body, []string{"--secret", "other", "-H", sig}, 1},
		{"changed body", []byte(`{"action":"closed"}`), []string{"--secret", "gh-s3cr3t", "-H", sig}, 1},
		{"no signature header", body, []string{"--secret", "gh-s3cr3t", "-H", "X-Other: 1"}, 1},
		{"usage: no -H", body, []string{"--secret", "gh-s3cr3t"}, 2},
		{"usage: unknown provider", body, []string{"--provider", "gitlab", "--secret", "s", "-H", sig}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"verify", "--provider", "github"}, c.args...)
			r := hookseal(t, c.body, nil, args...)
			wantCode(t, r, c.code)
			noSecrets(t, []string{r.stdout, r.stderr}, "gh-s3cr3t", strings.TrimPrefix(signed.Header.Get("X-Hub-Signature-256"), "sha256="))
		})
	}
}

// sign reads the body exactly: a trailing newline is signed too.
func TestSignIsExact(t *testing.T) {
	t.Parallel()
	a := hookseal(t, []byte("{}"), nil, "sign", "--provider", "github", "--secret", "s")
	b := hookseal(t, []byte("{}\n"), nil, "sign", "--provider", "github", "--secret", "s")
	wantCode(t, a, 0)
	wantCode(t, b, 0)
	if a.stdout == b.stdout || !bytes.HasPrefix([]byte(a.stdout), []byte("X-Hub-Signature-256: sha256=")) {
		t.Errorf("signatures:\n%s%s", a.stdout, b.stdout)
	}
}

// Standard Webhooks v1a: sign with whsk_ keys (and a whsec_ secret: one
// header mixes v1 and v1a entries), verify with the whpk_ public key; no
// key is ever printed, and a wrong public key or a whsk_ key on the
// receiving side is refused clearly.
func TestSignVerifyStandardWebhooksV1a(t *testing.T) {
	t.Parallel()
	sk, pk := hooktest.NewStandardWebhooksKey()
	sk2, pk2 := hooktest.NewStandardWebhooksKey()
	body := []byte(`{"type":"user.created","data":{"id":"u_1"}}`)
	s := hookseal(t, body, nil, "sign", "--provider", "standardwebhooks", "--secret", whsec+","+sk+","+sk2, "--timestamp", t0s, "--id", "msg_v1a")
	wantCode(t, s, 0)
	if strings.Count(s.stdout, " v1a,") != 2 || !strings.Contains(s.stdout, "Webhook-Signature: v1,") {
		t.Fatalf("sign printed:\n%s", s.stdout)
	}
	h := headerArgs(t, s.stdout)
	for i, secret := range []string{pk, pk2, "whpk_" + strings.Repeat("A", 43) + "=," + pk2, whsec} {
		v := hookseal(t, body, nil, append([]string{"verify", "--provider", "standardwebhooks", "--secret", secret, "--now", t0p10}, h...)...)
		wantCode(t, v, 0)
		if !strings.HasPrefix(v.stdout, "authentic: standardwebhooks delivery") || !strings.Contains(v.stdout, "delivery id msg_v1a") {
			t.Errorf("receiver %d: verify said:\n%s", i, v.stdout)
		}
		noSecrets(t, []string{s.stdout, s.stderr, v.stdout, v.stderr}, sk, sk2, pk, pk2, strings.TrimPrefix(sk, "whsk_")[:20])
	}
	_, other := hooktest.NewStandardWebhooksKey()
	bad := hookseal(t, body, nil, append([]string{"verify", "--provider", "standardwebhooks", "--secret", other, "--now", t0p10}, h...)...)
	wantCode(t, bad, 1)
	if !strings.HasPrefix(bad.stdout, "not authentic: signature invalid") || !strings.Contains(bad.stdout, "diagnosis (v1a)") {
		t.Errorf("wrong public key:\n%s", bad.stdout)
	}
	wrong := hookseal(t, body, nil, append([]string{"verify", "--provider", "standardwebhooks", "--secret", sk, "--now", t0p10}, h...)...)
	wantCode(t, wrong, 2)
	if !strings.Contains(wrong.stderr, "whpk_ public key") {
		t.Errorf("a whsk_ key on the receiver:\n%s", wrong.stderr)
	}
	noSecrets(t, []string{bad.stdout, bad.stderr, wrong.stdout, wrong.stderr}, sk, strings.TrimPrefix(sk, "whsk_")[:20])
	broken := hookseal(t, body, nil, "sign", "--provider", "standardwebhooks", "--secret", "whsk_AAAA", "--id", "m")
	wantCode(t, broken, 2)
}
