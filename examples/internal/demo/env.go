// Package demo is what the example receivers share: reading their
// configuration from the environment, the application code their routes end
// in (a handler per provider that logs the typed event), and an http.Server
// with timeouts and graceful shutdown. The examples differ only in how they
// mount the routes (net/http, echo, gin), which is what they are there to
// show.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// The routes every receiver example serves.
const (
	PathCheckly     = "/webhooks/checkly"
	PathStatusStack = "/webhooks/statusstack"
	PathOnCall      = "/webhooks/oncall"
	PathDatadog     = "/webhooks/datadog"
)

// The environment variables the examples read.
const (
	EnvAddr              = "ADDR"                       // listen address, default DefaultAddr
	EnvChecklySecret     = "CHECKLY_WEBHOOK_SECRET"     // Checkly channel secret(s)
	EnvStatusStackSecret = "STATUSSTACK_WEBHOOK_SECRET" // StatusStack webhook secret(s)
	EnvOnCallAuth        = "ONCALL_AUTHORIZATION"       // OnCall authorization_header value(s)
	EnvDatadogUser       = "DATADOG_WEBHOOK_USER"       // Datadog Basic user name(s)
	EnvDatadogPassword   = "DATADOG_WEBHOOK_PASSWORD"   // Datadog Basic password(s)
	EnvRedisURL          = "HOOKSEAL_REDIS_URL"         // redis://... for a store shared by replicas
)

// DefaultAddr is the listen address when ADDR is unset: loopback only, so
// a receiver started by hand is not reachable from the network until the
// operator says so.
const DefaultAddr = "127.0.0.1:8080"

// Provider names for the senders without an HMAC preset; they appear in
// Delivery.Provider, logs, and the dedupe and ordering keys.
const (
	ProviderOnCall  = "oncall"
	ProviderDatadog = "datadog"
)

// List splits a comma-separated environment value that holds no secret
// (DATADOG_WEBHOOK_USER) into its entries, each trimmed of surrounding
// spaces, empty entries dropped. Secrets are read by the library's rule
// instead (see secrets).
func List(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// secrets reads the secrets of variable name by hookseal's one rule
// (verify.LookupSecrets, as hookseal listen reads them): the variable holds
// one or several comma-separated secrets (several are accepted at once,
// which is how a secret is rotated), or name+"_FILE" names a file with one
// per line. env returns "" for an unset variable, so a variable set to ""
// counts as unset here.
func secrets(env func(string) string, name string) ([]verify.Secret, error) {
	s, _, err := verify.LookupSecrets(func(k string) (string, bool) {
		v := env(k)
		return v, v != ""
	}, name)
	return s, err
}

// Verifiers holds a verifier for each route whose secret is set. A nil
// field is a route left unmounted: a receiver never serves a route it
// cannot authenticate.
type Verifiers struct {
	Checkly     verify.Verifier
	StatusStack verify.Verifier
	OnCall      verify.Verifier
	Datadog     verify.Verifier
}

// Any reports whether at least one route is configured.
func (v Verifiers) Any() bool {
	return v.Checkly != nil || v.StatusStack != nil || v.OnCall != nil || v.Datadog != nil
}

// VerifiersFromEnv builds the verifiers of the routes whose variables are
// set. A variable that is set but unusable (a Datadog user without a
// password, a token with a control character) is an error: a receiver
// fails at start-up rather than run with a route it cannot authenticate.
// Errors name variables, never their values.
func VerifiersFromEnv(env func(string) string) (Verifiers, error) {
	var vs Verifiers
	var errs []error
	build := func(name string, mk func([]verify.Secret) (verify.Verifier, error)) verify.Verifier {
		s, err := secrets(env, name)
		if err == nil && len(s) == 0 {
			return nil // not configured
		}
		var v verify.Verifier
		if err == nil {
			v, err = mk(s)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return nil
		}
		return v
	}
	vs.Checkly = build(EnvChecklySecret, func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) })
	vs.StatusStack = build(EnvStatusStackSecret, func(s []verify.Secret) (verify.Verifier, error) { return verify.StatusStack(s) })
	// OnCall copies its authorization_header setting verbatim into the
	// Authorization header: configure the same string here.
	vs.OnCall = build(EnvOnCallAuth, func(s []verify.Secret) (verify.Verifier, error) {
		return verify.Authorization(ProviderOnCall, s)
	})
	creds, err := datadogCredentials(env)
	switch {
	case err != nil:
		errs = append(errs, err)
	case len(creds) > 0:
		v, err := verify.Basic(ProviderDatadog, creds)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", EnvDatadogUser, EnvDatadogPassword, err))
		} else {
			vs.Datadog = v
		}
	}
	return vs, errors.Join(errs...)
}

// datadogCredentials pairs DATADOG_WEBHOOK_USER with
// DATADOG_WEBHOOK_PASSWORD: one user with one or more passwords (rotating
// the password), or as many users as passwords, paired in order.
func datadogCredentials(env func(string) string) ([]verify.Credential, error) {
	users := List(env(EnvDatadogUser))
	ps, err := secrets(env, EnvDatadogPassword)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDatadogPassword, err)
	}
	passwords := make([]string, len(ps))
	for i, p := range ps {
		passwords[i] = p.Value
	}
	switch {
	case len(users) == 0 && len(passwords) == 0:
		return nil, nil
	case len(users) == 0 || len(passwords) == 0:
		return nil, fmt.Errorf("%s and %s must be set together", EnvDatadogUser, EnvDatadogPassword)
	case len(users) != 1 && len(users) != len(passwords):
		return nil, fmt.Errorf("%s has %d entries and %s %d: give one user, or one user per password",
			EnvDatadogUser, len(users), EnvDatadogPassword, len(passwords))
	}
	creds := make([]verify.Credential, len(passwords))
	for i, p := range passwords {
		u := users[0]
		if len(users) > 1 {
			u = users[i]
		}
		creds[i] = verify.Credential{ID: fmt.Sprintf("c%d", i+1), Username: u, Password: p}
	}
	return creds, nil
}

// Setup is what the nethttp, echo and gin receivers build from the
// environment before mounting routes: the verifiers (at least one route
// must be configured), the shared store if HOOKSEAL_REDIS_URL names one,
// and the route options. closeStore releases the store.
func Setup(ctx context.Context, env func(string) string, log *slog.Logger) (vs Verifiers, opts []middleware.Option, closeStore func() error, err error) {
	vs, err = VerifiersFromEnv(env)
	if err != nil {
		return Verifiers{}, nil, nil, err
	}
	if !vs.Any() {
		return Verifiers{}, nil, nil, errors.New("no route configured: set at least one of " +
			EnvChecklySecret + ", " + EnvStatusStackSecret + ", " +
			EnvOnCallAuth + ", " + EnvDatadogUser + "/" + EnvDatadogPassword)
	}
	st, closeStore, err := StoreFromEnv(ctx, env, log)
	if err != nil {
		return Verifiers{}, nil, nil, err
	}
	return vs, RouteOptions(log, st), closeStore, nil
}
