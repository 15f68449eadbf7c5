package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/alertmanager"
	"github.com/hookseal/hookseal/hooktest"
)

// A config route of sender jwt takes any body whose bearer token verifies
// against the route's JWKS, issuer and audience; an Alertmanager route
// takes an OAuth2 JWT (its http_config's oauth2) beside a verbatim
// Authorization value, and still tells a due repeat from a retry.
func TestConfigJWTSenders(t *testing.T) {
	t.Parallel()
	const (
		issuer   = "https://idp.example.com/"
		audience = "hookseal-receiver"
		amToken  = "Bearer alertmanager-static-t0ken"
	)
	iss, err := hooktest.NewJWTIssuer("ES256", issuer, audience)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jwks.json"), iss.JWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, dir, "hooks.yaml", `
listen: 127.0.0.1:0
admin: ""
inbox: {enabled: false}
routes:
  - path: /app
    sender: jwt
    provider: acme
    jwt: {jwks: jwks.json, issuer: "`+issuer+`", audience: [`+audience+`], algorithms: [ES256]}
  - path: /alertmanager
    sender: alertmanager
    secrets: {env: AM_AUTHORIZATION}
    jwt: {jwks: jwks.json, issuer: "`+issuer+`", audience: [`+audience+`], algorithms: [ES256]}
`)
	p := startServing(t, []string{"AM_AUTHORIZATION=" + amToken}, "listen", "--config", path)

	bearer, err := iss.Header()
	if err != nil {
		t.Fatal(err)
	}
	expired, err := iss.Header(hooktest.ExpiresIn(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	firing := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage(alertmanager.StatusFiring, time.Now().Add(-time.Minute)))
	resolved := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage(alertmanager.StatusResolved, time.Now()))
	for _, d := range []struct {
		name, path string
		body       []byte
		header     http.Header
		status     int
		outcome    string
	}{
		{"jwt route, valid token", "/app", []byte(`{"event":"deploy.finished"}`), bearer, 200, "processed"},
		{"jwt route, expired token", "/app", []byte(`{"event":"deploy.started"}`), expired, 401, "unauthenticated"},
		{"jwt route, no token", "/app", []byte(`{"event":"x"}`), nil, 401, "unauthenticated"},
		{"alertmanager, OAuth2 JWT", "/alertmanager", firing, bearer, 200, "processed"},
		{"alertmanager, its retry", "/alertmanager", firing, bearer, 200, "duplicate"},
		{"alertmanager, static token", "/alertmanager", resolved, hooktest.AuthorizationHeader(amToken), 200, "processed"},
		{"alertmanager, expired JWT", "/alertmanager", resolved, expired, 401, "unauthenticated"},
	} {
		if status, outcome := post(t, p.url(d.path), d.body, d.header); status != d.status || outcome != d.outcome {
			t.Errorf("%s: %d %s, want %d %s", d.name, status, outcome, d.status, d.outcome)
		}
	}
	m, _ := p.stdout.wait(t, 0, "the jwt route's event", func(map[string]any) bool { return true })
	if m["provider"] != "app" {
		t.Errorf("first processed line: %v", m)
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, "alertmanager-static-t0ken")
}
