package main

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

// authKind is how a provider proves its deliveries.
type authKind int

const (
	authHMAC          authKind = iota // a signature header over the body
	authAuthorization                 // a verbatim Authorization value (Grafana OnCall)
	authBasic                         // HTTP Basic credentials (Datadog)
	authToken                         // a verbatim value in a header the config file names
	authDatadog                       // Basic credentials and/or a JWT bearer token
	authJWT                           // a JWT bearer token checked against a JWKS (the config's jwt sender)
)

// provider is one sender the sign, send and verify commands know.
type provider struct {
	name string
	kind authKind
	// scheme returns the HMAC scheme; tsHeader is Grafana Alerting's
	// optional timestamp header and is ignored by the others.
	scheme func(tsHeader string) verify.Scheme
}

func fixed(s func() verify.Scheme) func(string) verify.Scheme {
	return func(string) verify.Scheme { return s() }
}

var providers = []provider{
	{name: "checkly", kind: authHMAC, scheme: fixed(verify.ChecklyScheme)},
	{name: "statusstack", kind: authHMAC, scheme: fixed(verify.StatusStackScheme)},
	{name: "grafana", kind: authHMAC, scheme: verify.GrafanaAlertingScheme},
	{name: "github", kind: authHMAC, scheme: fixed(verify.GitHubScheme)},
	{name: "stripe", kind: authHMAC, scheme: fixed(verify.StripeScheme)},
	{name: "standardwebhooks", kind: authHMAC, scheme: fixed(verify.StandardWebhooksScheme)},
	{name: "pagerduty", kind: authHMAC, scheme: fixed(verify.PagerDutyScheme)},
	{name: "oncall", kind: authAuthorization},
	{name: "alertmanager", kind: authAuthorization},
	{name: "datadog", kind: authBasic},
}

const providerList = "checkly, statusstack, grafana, github, stripe, standardwebhooks, pagerduty, oncall, alertmanager, datadog"

// secretHelp documents --secret for the commands that sign or verify.
const secretHelp = "the secret; a comma-separated list holds several (rotation). " +
	"For standardwebhooks whsec_ secrets (v1, HMAC) and, to sign, whsk_ keys (v1a, Ed25519) or, to verify, whpk_ public keys; " +
	"for oncall and alertmanager the exact Authorization value ('Bearer <token>'), for datadog user:password (Basic)"

// hmacVerifier builds the verifier of an HMAC preset or scheme. Standard
// Webhooks takes whpk_ public keys (v1a) beside whsec_ secrets (v1), so
// its receiver is verify.StandardWebhooksKeys.
func hmacVerifier(sender string, s verify.Scheme, secrets []verify.Secret) (verify.Verifier, error) {
	if sender == "standardwebhooks" {
		return verify.StandardWebhooksKeys(secrets)
	}
	return verify.HMAC(s, secrets)
}

// hasV1aKeys reports whether a Standard Webhooks secret list holds an
// Ed25519 key, which the HMAC diagnosis cannot use.
func hasV1aKeys(secrets []string) bool {
	for _, s := range secrets {
		if strings.HasPrefix(s, "whpk_") || strings.HasPrefix(s, "whsk_") {
			return true
		}
	}
	return false
}

func findProvider(name string) (provider, error) {
	if name == "" {
		return provider{}, usagef("--provider is required (one of %s)", providerList)
	}
	for _, p := range providers {
		if strings.EqualFold(p.name, name) {
			return p, nil
		}
	}
	return provider{}, usagef("--provider %q is not one of %s", name, providerList)
}

// credentials splits a datadog secret "user:password".
func basicCredentials(secret string) (user, password string, err error) {
	user, password, ok := strings.Cut(secret, ":")
	if !ok || user == "" || password == "" {
		return "", "", usagef("--secret for datadog is user:password (HTTP Basic), with neither part empty")
	}
	return user, password, nil
}

// senderHeaders returns the authentication headers provider p's sender puts
// beside body: signature headers (with timestamp and id) for HMAC senders,
// the Authorization value for OnCall, Basic credentials for Datadog.
func senderHeaders(p provider, secrets []string, body []byte, at time.Time, id, tsHeader string) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, usagef("--secret is required")
	}
	switch p.kind {
	case authAuthorization:
		if len(secrets) > 1 {
			return nil, usagef("--secret: %s sends one Authorization value; pass one", p.name)
		}
		return hooktest.AuthorizationHeader(secrets[0]), nil
	case authBasic:
		if len(secrets) > 1 {
			return nil, usagef("--secret: datadog sends one user:password; pass one")
		}
		user, pass, err := basicCredentials(secrets[0])
		if err != nil {
			return nil, err
		}
		return hooktest.BasicHeader(user, pass), nil
	}
	signed, err := hooktest.NewSigner(p.scheme(tsHeader), secrets...).Sign(body,
		hooktest.WithTimestamp(at), hooktest.WithID(id), hooktest.WithContentType(""))
	if err != nil {
		if errors.Is(err, verify.ErrInvalidConfig) || errors.Is(err, verify.ErrNoSecret) {
			return nil, usagef("--secret: %v", err)
		}
		return nil, err
	}
	return signed.Header, nil
}
