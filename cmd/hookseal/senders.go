package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/alertmanager"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/grafana"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/pagerduty"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// senderKind is one `sender:` a route may name: how its deliveries are
// authenticated, and which payload type they decode into.
type senderKind struct {
	name string
	// typed senders decode into a provider's event type (event.Payload),
	// so they can be ordered; the others accept any body (rawBody).
	typed bool
	// mapped senders' payloads take a template key map (event.Mapped).
	mapped bool
	// auth says what the route's secrets are, for the file's errors.
	auth authKind
	// configurable: the file may set the provider name (hmac, token,
	// basic); the presets name themselves.
	configurable bool
	// route builds the route for payload type T around v.
	route func(v verify.Verifier, act actionFunc, opts []middleware.Option) (http.Handler, error)
}

var senderKinds = []*senderKind{
	{name: "checkly", typed: true, mapped: true, auth: authHMAC, route: typedRoute[checkly.Alert]},
	{name: "statusstack", typed: true, auth: authHMAC, route: typedRoute[statusstack.Event]},
	{name: "grafana", typed: true, auth: authHMAC, route: typedRoute[grafana.Message]},
	{name: "oncall", typed: true, mapped: true, auth: authAuthorization, route: typedRoute[oncall.Event]},
	{name: "datadog", typed: true, mapped: true, auth: authDatadog, route: typedRoute[datadog.Event]},
	{name: "pagerduty", typed: true, auth: authHMAC, route: typedRoute[pagerduty.Message]},
	{name: "alertmanager", typed: true, auth: authAuthorization, route: typedRoute[alertmanager.Message]},
	{name: "github", auth: authHMAC, route: typedRoute[rawBody]},
	{name: "stripe", auth: authHMAC, route: typedRoute[rawBody]},
	{name: "standardwebhooks", auth: authHMAC, route: typedRoute[rawBody]},
	{name: "hmac", auth: authHMAC, configurable: true, route: typedRoute[rawBody]},
	{name: "jwt", auth: authJWT, configurable: true, route: typedRoute[rawBody]},
	{name: "token", auth: authToken, configurable: true, route: typedRoute[rawBody]},
	{name: "basic", auth: authBasic, configurable: true, route: typedRoute[rawBody]},
}

func findSender(name string) *senderKind {
	for _, k := range senderKinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

func senderNames() string {
	names := make([]string, len(senderKinds))
	for i, k := range senderKinds {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

// presetScheme is the HMAC scheme of a preset sender.
func presetScheme(name, tsHeader string) (verify.Scheme, bool) {
	switch name {
	case "checkly":
		return verify.ChecklyScheme(), true
	case "statusstack":
		return verify.StatusStackScheme(), true
	case "grafana":
		return verify.GrafanaAlertingScheme(tsHeader), true
	case "github":
		return verify.GitHubScheme(), true
	case "stripe":
		return verify.StripeScheme(), true
	case "standardwebhooks":
		return verify.StandardWebhooksScheme(), true
	case "pagerduty":
		return verify.PagerDutyScheme(), true
	}
	return verify.Scheme{}, false
}

// rawBody is the payload of senders without an event type of their own
// (GitHub, Stripe, Standard Webhooks, a hand-written HMAC scheme, a token or
// Basic credentials): any body is accepted as it is, JSON or not, since the
// proxy forwards the bytes and the app decodes them. It cannot be ordered:
// it names no resource.
type rawBody struct{}

// DecodeBody implements event.BodyDecoder: nothing to decode.
func (*rawBody) DecodeBody(string, []byte) error { return nil }

// verifier builds the route's verifier. A JWT verifier fetches its key set
// in the background: its Close is returned, to run when the server stops.
func (rs *routeSpec) verifier(clock func() time.Time) (verify.Verifier, io.Closer, error) {
	switch rs.sender.auth {
	case authHMAC:
		v, err := hmacVerifier(rs.sender.name, rs.scheme, rs.secrets)
		return v, nil, err
	case authAuthorization:
		if rs.sender.name != "alertmanager" {
			v, err := verify.Authorization(rs.provider, rs.secrets)
			return v, nil, err
		}
		// Alertmanager: a verbatim Authorization value (a bearer token,
		// Basic credentials), an OAuth2 JWT (its http_config's oauth2), or
		// either.
		var a verify.Verifier
		if len(rs.secrets) > 0 {
			var err error
			if a, err = verify.Authorization(rs.provider, rs.secrets); err != nil {
				return nil, nil, err
			}
		}
		v, closer, err := rs.orJWT(a, clock)
		if err != nil {
			return nil, closer, err
		}
		// Alertmanager re-sends an unchanged group's notification, byte
		// for byte, every repeat_interval: tell a due repeat from a retry.
		r, err := verify.Repeating(v, rs.repeatInterval())
		return r, closer, err
	case authJWT:
		j, closer, err := rs.jwtVerifier(clock)
		return j, closer, err
	case authToken:
		v, err := verify.Token(rs.provider, rs.header, rs.secrets)
		return v, nil, err
	case authBasic:
		v, err := verify.Basic(rs.provider, rs.credentials())
		return v, nil, err
	}
	// Datadog: Basic credentials, a JWT bearer token, or either.
	var b verify.Verifier
	if rs.user != "" {
		var err error
		if b, err = verify.Basic(rs.provider, rs.credentials()); err != nil {
			return nil, nil, err
		}
	}
	return rs.orJWT(b, clock)
}

// orJWT returns a verifier that accepts what v accepts (v may be nil:
// nothing) or the route's JWT when it has one, for the senders that may
// send either; with neither, anyOf's error. The closer is the JWT
// verifier's, as jwtVerifier returns it.
func (rs *routeSpec) orJWT(v verify.Verifier, clock func() time.Time) (verify.Verifier, io.Closer, error) {
	var vs []verify.Verifier
	if v != nil {
		vs = append(vs, v)
	}
	j, closer, err := rs.jwtVerifier(clock)
	if err != nil {
		return nil, nil, err
	}
	if j != nil {
		vs = append(vs, j)
	}
	either, err := anyOf(vs)
	return either, closer, err
}

// jwtVerifier builds the route's JWT verifier, or nil without JWT
// settings. It fetches its key set in the background: the Closer stops it.
func (rs *routeSpec) jwtVerifier(clock func() time.Time) (verify.Verifier, io.Closer, error) {
	if rs.jwt == nil {
		return nil, nil, nil
	}
	jc := *rs.jwt
	jc.Now = clock // exp and nbf on the receiver's clock
	j, err := jwt.New(rs.provider, jc)
	if err != nil {
		return nil, nil, fmt.Errorf("JWT settings (%s): %w", rs.jwtFlags, err)
	}
	return j, j, nil
}

// anyOf is the one verifier of vs, or one accepting what any of them does.
func anyOf(vs []verify.Verifier) (verify.Verifier, error) {
	if len(vs) == 1 {
		return vs[0], nil
	}
	return verify.AnyOf(vs...)
}

// credentials pairs the route's user with each password.
func (rs *routeSpec) credentials() []verify.Credential {
	creds := make([]verify.Credential, len(rs.secrets))
	for i, p := range rs.secrets {
		creds[i] = verify.Credential{ID: fmt.Sprintf("basic%d", i+1), Username: rs.user, Password: p.Value}
	}
	return creds
}

// delivered is what the route's action gets of one event: what hookseal
// established about it, and the body as received.
type delivered struct {
	route       string
	provider    string
	eventType   string
	resource    string
	occurred    time.Time // the event's own time; zero when it has none
	signedTime  time.Time // a time the signature covers; zero when none
	key         string    // the idempotency key
	attempt     int
	body        []byte // valid until the action returns
	contentType string
}

// actionFunc is what a route does with each event: print it (listen) or
// forward it (proxy).
type actionFunc func(ctx context.Context, d delivered) error

// typedRoute builds a route decoding into T whose handler hands each event
// to act.
func typedRoute[T any](v verify.Verifier, act actionFunc, opts []middleware.Option) (http.Handler, error) {
	return middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[T]) error {
		d := delivered{
			provider: e.Delivery.Provider, eventType: e.Type, key: e.IdempotencyKey, attempt: e.Attempt,
			body: e.Body, contentType: e.ContentType,
		}
		if p, ok := any(&e.Payload).(event.Payload); ok {
			d.resource, d.occurred = p.ResourceKey(), p.OccurredAt()
		}
		switch {
		case e.Delivery.TimestampSigned:
			d.signedTime = e.Delivery.Timestamp
		case e.Delivery.BodySigned:
			// A time in a signed body (Checkly's STARTED_AT) is as
			// authentic as the body.
			if s, ok := any(&e.Payload).(event.Stamped); ok {
				d.signedTime = s.StampedAt()
			}
		}
		return act(ctx, d)
	}, opts...)
}

// defaultRepeatInterval is Alertmanager's default repeat_interval.
const defaultRepeatInterval = 4 * time.Hour

// repeatInterval is an Alertmanager route's repeat_interval: the file's,
// or Alertmanager's default.
func (rs *routeSpec) repeatInterval() time.Duration {
	if rs.repeat > 0 {
		return rs.repeat
	}
	return defaultRepeatInterval
}
