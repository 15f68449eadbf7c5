package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/grafana"
	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

// swSigningKey is a Standard Webhooks Ed25519 secret key, which belongs to
// the sender: a route configured with it is refused.
var swSigningKey, _ = hooktest.NewStandardWebhooksKey()

// Every mistake in a config file is a usage error (exit 2) naming the file
// and the line to fix, and never a secret; --check of a good file exits 0.
func TestProxyConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "blank.secret", "\n \n")
	writeFile(t, dir, "ok.secret", "from-a-file-s3cr3t\n")
	env := []string{tChecklyEnv, tProxyEnv, "HOOKSEAL_REDIS_URL=redis://:hunter2@127.0.0.1:1/0", "BLANK= ", "BAD_WHSEC=whsec_%%%", "SW_SIGNING_KEY=" + swSigningKey}
	const head = "upstream: {url: http://127.0.0.1:3000/hooks, secret: {env: HOOKSEAL_PROXY_SECRET}}\ninbox: {enabled: false}\n"
	const checkly = "routes:\n  - {path: /c, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}\n"
	cases := []struct {
		name, config string
		line         int    // the line the error names; 0 for errors about the file as a whole
		says         string // what the message must contain
	}{
		{"yaml syntax", head + "routes:\n  - path: /c\n   sender: checkly\n", 3, "did not find expected '-' indicator"},
		{"unknown top-level key", head + "listne: 127.0.0.1:8080\n" + checkly, 3, `unknown key "listne" at the top level (known: listen, admin,`},
		{"unknown route key", head + "routes:\n  - path: /c\n    sender: checkly\n    secret: {env: X}\n", 6, `unknown key "secret" in a route`},
		{"unknown secrets key", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {name: X}\n", 6, `unknown key "name" in secrets`},
		{"unknown scheme key", head + "routes:\n  - path: /c\n    sender: hmac\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    scheme:\n      header: X-Sig\n", 8, `unknown key "header" in scheme`},
		{"duration not a duration", head + "shutdown_timeout: 10\n" + checkly, 3, `"10" is not a duration`},
		{"negative duration", head + "max_age: -1m\n" + checkly, 3, "max_age must be positive"},
		{"number not a number", head + "max_body: lots\n" + checkly, 3, `"lots" is not a whole number`},
		{"routes not a list", head + "routes: /c\n", 3, "is not a list"},
		{"two documents", head + checkly + "---\nlisten: :1\n", 5, "a second YAML document"},
		{"no routes", head, 1, "no routes"},
		{"bad listen", head + "listen: 8080\n" + checkly, 3, `listen "8080": want host:port`},
		{"no path", head + "routes:\n  - sender: checkly\n", 4, "route 1 has no path"},
		{"relative path", head + "routes:\n  - {path: c, sender: checkly}\n", 4, `path "c": want an absolute path`},
		{"unknown sender", head + "routes:\n  - path: /c\n    sender: opsgenie\n", 5, `sender "opsgenie" is not one of checkly,`},
		{"missing sender", head + "routes:\n  - path: /c\n", 4, "no sender"},
		{"missing secret variable", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: NOT_SET_ANYWHERE}\n", 6, "neither NOT_SET_ANYWHERE nor NOT_SET_ANYWHERE_FILE is set"},
		{"blank secret variable", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: BLANK}\n", 6, "BLANK: no secret configured"},
		{"blank secrets file", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {file: blank.secret}\n", 6, "holds no secret"},
		{"missing secrets file", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {file: nope.secret}\n", 6, "nope.secret"},
		{"env and file", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET, file: ok.secret}\n", 6, "set env or file, not both"},
		{"no secrets", head + "routes:\n  - path: /c\n    sender: checkly\n", 5, "no secrets"},
		{"duplicate path", head + checkly + "  - {path: /c, name: other, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}\n", 5, "path /c is already the path of route 1"},
		{"duplicate name", head + checkly + "  - {path: /d, name: c, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}\n", 5, `route name "c" is already the name of route 1`},
		{"order without a typed event", head + "routes:\n  - path: /g\n    sender: github\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    order: true\n", 7, "order: sender github has no event type"},
		{"keys for a sender without variables", head + "routes:\n  - path: /s\n    sender: statusstack\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    keys: {kind: event}\n", 7, "keys: sender statusstack has no template variables"},
		{"keys with an unknown variable", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    keys:\n      kind: ALERT_KIND\n", 7, `"ALERT_KIND" is not a variable`},
		{"setting of another sender", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    header: X-Token\n", 7, "header is not a setting of sender checkly"},
		{"repeat_interval of another sender", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    repeat_interval: 4h\n", 7, "repeat_interval is not a setting of sender checkly"},
		{"repeat_interval too short", head + "routes:\n  - path: /am\n    sender: alertmanager\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    repeat_interval: 30s\n", 7, "repeat_interval 30s is shorter than 1m0s"},
		{"a whsk_ key on a standardwebhooks route", head + "routes:\n  - path: /sw\n    sender: standardwebhooks\n    secrets: {env: SW_SIGNING_KEY}\n", 6, "whsk_ secret key, which signs"},
		{"hmac without a scheme", head + "routes:\n  - path: /h\n    sender: hmac\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n", 5, "sender hmac needs scheme"},
		{"hmac bad encoding", head + "routes:\n  - path: /h\n    sender: hmac\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    scheme:\n      signature_header: X-Sig\n      encoding: base32\n", 9, `scheme encoding "base32": want one of base64, hex`},
		{"hmac bad template", head + "routes:\n  - path: /h\n    sender: hmac\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    scheme:\n      signature_header: X-Sig\n      signed: \"{timestamp}\"\n", 7, "body"},
		{"token without header", head + "routes:\n  - path: /t\n    sender: token\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n", 5, "sender token needs header"},
		{"basic without user", head + "routes:\n  - path: /b\n    sender: basic\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n", 5, "sender basic needs user"},
		{"datadog user without password", head + "routes:\n  - path: /d\n    sender: datadog\n    user: dd\n", 6, `user "dd" needs secrets`},
		{"datadog jwt without issuer", head + "routes:\n  - path: /d\n    sender: datadog\n    jwt: {jwks: keys.json, audience: [a]}\n", 6, "jwt needs issuer"},
		{"datadog jwks that does not load", head + "routes:\n  - path: /d\n    sender: datadog\n    jwt: {jwks: nope.json, issuer: i, audience: [a]}\n", 5, "JWT settings (jwt)"},
		{"upstream not http", "upstream: {url: ftp://app/hooks, secret: {env: HOOKSEAL_PROXY_SECRET}}\ninbox: {enabled: false}\n" + checkly, 1, `"ftp://app/hooks": want an http or https URL`},
		{"upstream with a password", "upstream: {url: 'http://app:hunter2@127.0.0.1/hooks', secret: {env: HOOKSEAL_PROXY_SECRET}}\ninbox: {enabled: false}\n" + checkly, 1, "carries credentials"},
		{"route upstream not http", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    upstream: {url: 'unix:///run/app.sock'}\n", 7, "want an http or https URL"},
		{"no upstream", "inbox: {enabled: false}\n" + checkly, 3, "no upstream url"},
		{"no upstream secret", "inbox: {enabled: false}\nupstream: {url: http://127.0.0.1:3000/}\n" + checkly, 4, "no upstream secret"},
		{"upstream secret not set", "inbox: {enabled: false}\nupstream: {url: http://127.0.0.1:3000/, secret: {env: NO_PROXY_SECRET}}\n" + checkly, 2, "neither NO_PROXY_SECRET nor NO_PROXY_SECRET_FILE"},
		{"upstream secret not whsec", "inbox: {enabled: false}\nupstream: {url: http://127.0.0.1:3000/, secret: {env: BAD_WHSEC}}\n" + checkly, 2, "not a Standard Webhooks secret"},
		{"inbox without a place", "upstream: {url: http://127.0.0.1:3000/, secret: {env: HOOKSEAL_PROXY_SECRET}}\n" + checkly, 1, "set one, or turn it off"},
		{"inbox bad concurrency", head[:len(head)-len("inbox: {enabled: false}\n")] + "data_dir: .\ninbox:\n  concurrency: 0\n" + checkly, 4, "inbox concurrency must be positive"},
		{"redis url variable unset", "redis: {url_env: NO_REDIS_HERE}\n" + head + checkly, 1, "NO_REDIS_HERE is not set"},
		{"redis and data_dir", "redis: {}\ndata_dir: .\n" + head + checkly, 2, "data_dir and redis are both set"},
		{"redis empty prefix", "redis: {prefix: ''}\n" + head + checkly, 1, "redis prefix must not be empty"},
		{"coalesce without order", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    coalesce: true\n", 7, "needs order: true"},
		{"coalesce without an inbox", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    order: true\n    coalesce: true\n", 8, "the inbox, which is turned off"},
		{"log_noise_every zero", head + "log_noise_every: 0\n" + checkly, 3, "log_noise_every must be 1"},
		{"jwt sender without jwt", head + "routes:\n  - path: /j\n    sender: jwt\n", 5, "sender jwt needs jwt:"},
		{"jwt sender with secrets", head + "routes:\n  - path: /j\n    sender: jwt\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    jwt: {jwks: keys.json, issuer: i, audience: [a]}\n", 6, "sender jwt takes no secrets"},
		{"jwt on a checkly route", head + "routes:\n  - path: /c\n    sender: checkly\n    secrets: {env: CHECKLY_WEBHOOK_SECRET}\n    jwt: {jwks: keys.json, issuer: i, audience: [a]}\n", 7, "jwt is not a setting of sender checkly (it is one of datadog, alertmanager, jwt)"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// A file of its own, beside the secrets files the configs name.
			path := writeFile(t, dir, fmt.Sprintf("proxy-%d.yaml", i), c.config)
			r := hookseal(t, nil, env, "proxy", "--check", path)
			if r.code != 2 {
				t.Fatalf("want exit 2, got %s", r)
			}
			at := fmt.Sprintf("%s:%d: ", path, c.line)
			if !strings.Contains(r.stderr, at) || !strings.Contains(r.stderr, c.says) {
				t.Errorf("stderr does not say %q at %q:\n%s", c.says, at, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %s", r.stdout)
			}
			noSecrets(t, []string{r.stdout, r.stderr}, "hunter2", lChecklyNew, tProxySecret, swSigningKey)
		})
	}
	for _, args := range [][]string{{"proxy"}, {"proxy", "--config", "a.yaml", "--check", "b.yaml"}, {"proxy", "--config", filepath.Join(dir, "nope.yaml")}} {
		r := hookseal(t, nil, env, args...)
		if r.code != 2 {
			t.Errorf("%v: want exit 2, got %s", args, r)
		}
	}
}

// Every sender hookseal has is a route of the config file; each takes a
// delivery signed the way its sender signs, and forwards it.
func TestProxyEverySender(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	iss, err := hooktest.NewJWTIssuer("ES256", "https://login.example.com/", "https://hooks.example.com/datadog")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "jwks.json", string(iss.JWKS()))
	writeFile(t, dir, "gh.secret", "gh-new-s3cr3t\ngh-old-s3cr3t\n")
	sw := "whsec_" + "c3RhbmRhcmQtd2ViaG9va3MtczNjcjN0LWZvci10ZXN0cw=="
	swSK, swPK := hooktest.NewStandardWebhooksKey()
	env := []string{"PD_SECRET=pd-s3cr3t", "AM_AUTH=Bearer am-t0ken", "SW_KEYS=" + swPK + "," + sw, tChecklyEnv, tProxyEnv, "STATUSSTACK_WEBHOOK_SECRET=" + lStatusStack, "GRAFANA_SECRET=grafana-s3cr3t",
		"ONCALL_AUTHORIZATION=" + lOnCall, "DD_PASSWORD=" + lDDPassword, "STRIPE_SECRET=whsec_stripe-s3cr3t", "SW_SECRET=" + sw,
		"ACME_SECRET=acme-s3cr3t", "TOKEN=t0ken-value-s3cr3t", "BASIC_PASSWORD=basic-passw0rd"}
	up := startUpstream(t, nil)
	config := fill(`
listen: 127.0.0.1:0
admin: ""
inbox: {enabled: false}
upstream: {url: {{up}}, secret: {env: HOOKSEAL_PROXY_SECRET}}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}, order: true, strict: true}
  - {path: /statusstack, sender: statusstack, secrets: {env: STATUSSTACK_WEBHOOK_SECRET}, order: true}
  - {path: /grafana, sender: grafana, secrets: {env: GRAFANA_SECRET}, timestamp_header: X-Grafana-Timestamp, order: true}
  - {path: /oncall, sender: oncall, secrets: {env: ONCALL_AUTHORIZATION}, keys: {kind: event.type}}
  - path: /datadog
    sender: datadog
    user: dd
    secrets: {env: DD_PASSWORD}
    jwt: {jwks: jwks.json, issuer: "https://login.example.com/", audience: ["https://hooks.example.com/datadog"], algorithms: [ES256]}
  - {path: /github, sender: github, secrets: {file: gh.secret}}
  - {path: /stripe, sender: stripe, secrets: {env: STRIPE_SECRET}}
  - {path: /sw, sender: standardwebhooks, secrets: {env: SW_SECRET}}
  - {path: /swv1a, sender: standardwebhooks, secrets: {env: SW_KEYS}}
  - {path: /pagerduty, sender: pagerduty, secrets: {env: PD_SECRET}, order: true}
  - {path: /alertmanager, sender: alertmanager, secrets: {env: AM_AUTH}, repeat_interval: 1h, order: true}
  - path: /acme
    sender: hmac
    provider: acme
    secrets: {env: ACME_SECRET}
    scheme:
      signature_header: X-Acme-Signature
      format: keyvalue
      version: v1
      encoding: base64
      signed: "{timestamp}.{id}.{body}"
      timestamp_key: t
      timestamp_format: unix
      require_timestamp: true
      id_header: X-Acme-Id
  - {path: /token, sender: token, header: X-Hook-Token, secrets: {env: TOKEN}}
  - {path: /basic, sender: basic, user: hooks, secrets: {env: BASIC_PASSWORD}}
`, map[string]string{"up": up.url()})
	path := writeFile(t, dir, "proxy.yaml", config)
	r := hookseal(t, nil, env, "proxy", "--check", path)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "ok: 14 route(s)") {
		t.Errorf("--check: %s", r.stdout)
	}
	p := startServing(t, env, "proxy", "--config", path)

	now := time.Now()
	sign := func(s *hooktest.Signer, body []byte, opts ...hooktest.Option) http.Header {
		t.Helper()
		d, err := s.Sign(body, append([]hooktest.Option{hooktest.WithTimestamp(now)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return d.Header
	}
	checklyBody, checklyH := checklyDelivery(t, "ALERT_FAILURE", "check-a", now.Add(-time.Minute))
	ss := hooktest.StatusStackBody(hooktest.StatusStackEvent("monitor.down", now))
	gr := hooktest.GrafanaBody(hooktest.GrafanaMessage(grafana.StatusFiring, now))
	oc := []byte(`{"kind":"acknowledge","alert_group":{"id":"G1"},"event":{"time":"` + now.UTC().Format(time.RFC3339) + `"}}`)
	dd := hooktest.DatadogBody(hooktest.DatadogEvent("Triggered", now))
	dd2 := hooktest.DatadogBody(hooktest.DatadogEvent("Recovered", now.Add(time.Second)))
	bearer, err := iss.Header()
	if err != nil {
		t.Fatal(err)
	}
	acme := verify.Scheme{Provider: "acme", SignatureHeader: "X-Acme-Signature", Format: verify.FormatKeyValue, Version: "v1",
		Encoding: verify.EncodingBase64, Signed: "{timestamp}.{id}.{body}", TimestampKey: "t", TimestampFormat: verify.TimestampUnixSeconds,
		RequireTimestamp: true, IDHeader: "X-Acme-Id"}
	any := []byte(`{"anything":"goes"}`)
	pd := hooktest.PagerDutyBody(hooktest.PagerDutyEvent("incident.resolved", now))
	am := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage("firing", now))
	sent := []struct {
		path string
		body []byte
		h    http.Header
	}{
		{"/checkly", checklyBody, checklyH},
		{"/statusstack", ss, sign(hooktest.StatusStack(lStatusStack), ss)},
		{"/grafana", gr, sign(hooktest.NewSigner(verify.GrafanaAlertingScheme("X-Grafana-Timestamp"), "grafana-s3cr3t"), gr)},
		{"/oncall", oc, hooktest.AuthorizationHeader(lOnCall)},
		{"/datadog", dd, hooktest.BasicHeader("dd", lDDPassword)},
		{"/datadog", dd2, bearer},
		{"/github", any, sign(hooktest.GitHub("gh-old-s3cr3t"), any)},
		{"/stripe", any, sign(hooktest.Stripe("whsec_stripe-s3cr3t"), any)},
		{"/sw", any, sign(hooktest.StandardWebhooks(sw), any, hooktest.WithID("msg_1"))},
		{"/swv1a", any, sign(hooktest.StandardWebhooks(swSK), any, hooktest.WithID("msg_2"))},
		{"/pagerduty", pd, sign(hooktest.PagerDuty("pd-s3cr3t"), pd)},
		{"/alertmanager", am, hooktest.BearerHeader("am-t0ken")},
		{"/acme", any, sign(hooktest.NewSigner(acme, "acme-s3cr3t"), any, hooktest.WithID("evt_1"))},
		{"/token", any, hooktest.TokenHeader("X-Hook-Token", "t0ken-value-s3cr3t")},
		{"/basic", any, hooktest.BasicHeader("hooks", "basic-passw0rd")},
	}
	for _, s := range sent {
		if status, outcome := post(t, p.url(s.path), s.body, s.h); status != 200 || outcome != "processed" {
			t.Errorf("%s: %d %s, want 200 processed; stderr:\n%s", s.path, status, outcome, p.stderr.text())
		}
	}
	hops := up.wait(t, len(sent), 5*time.Second)
	providers := map[string]string{}
	for _, h := range hops {
		verifyHop(t, h)
		providers[h.header.Get("Hookseal-Route")] = h.header.Get("Hookseal-Provider") + " " + h.header.Get("Hookseal-Event-Type")
	}
	want := map[string]string{
		"checkly": "checkly ALERT_FAILURE", "statusstack": "statusstack monitor.down", "grafana": "grafana firing", "oncall": "oncall acknowledge",
		"datadog": "datadog query_alert_monitor", "github": "github ", "stripe": "stripe ", "sw": "standardwebhooks ", "acme": "acme ",
		"token": "token ", "basic": "basic ", "swv1a": "standardwebhooks ", "pagerduty": "pagerduty incident.resolved",
		"alertmanager": "alertmanager firing",
	}
	for route, w := range want {
		if providers[route] != w {
			t.Errorf("route %s: hop says %q, want %q", route, providers[route], w)
		}
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, "gh-old-s3cr3t", "acme-s3cr3t", "t0ken-value-s3cr3t", "basic-passw0rd", lDDPassword, sw, swSK, "pd-s3cr3t", "am-t0ken")
}

// The unit rules of the forwarder: what Retry-After means, which URLs an
// upstream may have.
func TestRetryAfterAndUpstreamURL(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "0": 0, "-3": 0, "7": 7 * time.Second, "soon": 0, "999999999": maxRetryAfter,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second, now.Add(-time.Hour).Format(http.TimeFormat): 0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:3000/hooks": true, "https://app.internal/hooks?tenant=a": true, "ftp://x/y": false, "http:///x": false,
		"http://u:p@x/": false, "http://x/#frag": false, "/hooks": false, "http://[::1/": false,
	} {
		if err := checkUpstreamURL(raw); (err == nil) != ok {
			t.Errorf("%q: %v, want ok %v", raw, err, ok)
		}
	}

}
