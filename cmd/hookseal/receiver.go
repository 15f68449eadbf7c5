package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/grafana"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// receiverConfig is what listen and demo configure a receiver with. A route
// whose credentials are empty is not served (404).
type receiverConfig struct {
	checkly, statusstack, grafana []string // HMAC secrets
	grafanaTimestampHeader        string
	oncall                        []string // exact Authorization values
	datadogUser                   string
	datadogPasswords              []string
	datadogJWT                    *jwt.Config

	maxBody int64
	maxAge  time.Duration // how old a sender's timestamp may be
	order   bool
	clock   func() time.Time // nil: time.Now
	store   store.Store      // nil: a new store.Memory
	log     *lineLog
}

// Route paths, in the order they are listed.
var routePaths = []string{"/checkly", "/statusstack", "/oncall", "/datadog", "/grafana"}

// receiver is the http.Handler listen and demo serve, and what it owns.
type receiver struct {
	http.Handler
	configured   []string          // route paths served
	unconfigured map[string]string // route path → what would configure it
	closers      []io.Closer
}

func (r *receiver) Close() error {
	for _, c := range r.closers {
		_ = c.Close()
	}
	return nil
}

// newReceiver builds the routes. Errors are configuration errors (a JWKS
// that does not load, an algorithm that does not fit its key): they name the
// setting, never a secret.
func newReceiver(cfg receiverConfig) (_ *receiver, err error) {
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	if cfg.store == nil {
		cfg.store = store.NewMemory(store.WithClock(cfg.clock))
	}
	r := &receiver{unconfigured: map[string]string{}}
	defer func() {
		if err != nil {
			r.Close() // a JWKS refresh started for a route built before the error
		}
	}()
	mux := http.NewServeMux()

	add := func(path string, h http.Handler, err error) error {
		if err != nil {
			return fmt.Errorf("route %s: %w", path, err)
		}
		mux.Handle(path, h)
		r.configured = append(r.configured, path)
		return nil
	}
	mopts := func(route string) []middleware.Option {
		o := []middleware.Option{
			middleware.WithName(route),
			middleware.WithMaxBodyBytes(cfg.maxBody),
			middleware.WithStore(cfg.store),
			middleware.WithObserver(cfg.log.observer(route)),
			middleware.WithClock(cfg.clock),
			middleware.WithFreshness(verify.Window{MaxAge: cfg.maxAge, MaxSkew: verify.DefaultMaxSkew}),
		}
		if cfg.order {
			o = append(o, middleware.WithOrdering(0))
		}
		return o
	}

	if len(cfg.checkly) > 0 {
		v, err := verify.Checkly(verify.Secrets(cfg.checkly...))
		h, err := handle[checkly.Alert](v, err, mopts("checkly"))
		if err := add("/checkly", h, err); err != nil {
			return nil, err
		}
	} else {
		r.unconfigured["/checkly"] = "CHECKLY_WEBHOOK_SECRET or --checkly-secret"
	}
	if len(cfg.statusstack) > 0 {
		v, err := verify.StatusStack(verify.Secrets(cfg.statusstack...))
		h, err := handle[statusstack.Event](v, err, mopts("statusstack"))
		if err := add("/statusstack", h, err); err != nil {
			return nil, err
		}
	} else {
		r.unconfigured["/statusstack"] = "STATUSSTACK_WEBHOOK_SECRET or --statusstack-secret"
	}
	if len(cfg.oncall) > 0 {
		v, err := verify.Authorization("oncall", verify.Secrets(cfg.oncall...))
		h, err := handle[oncall.Event](v, err, mopts("oncall"))
		if err := add("/oncall", h, err); err != nil {
			return nil, err
		}
	} else {
		r.unconfigured["/oncall"] = "ONCALL_AUTHORIZATION or --oncall-authorization"
	}
	if cfg.datadogUser != "" || cfg.datadogJWT != nil {
		v, err := r.datadogVerifier(cfg)
		h, err := handle[datadog.Event](v, err, mopts("datadog"))
		if err := add("/datadog", h, err); err != nil {
			return nil, err
		}
	} else {
		r.unconfigured["/datadog"] = "DATADOG_WEBHOOK_USER and DATADOG_WEBHOOK_PASSWORD, or --jwks with --issuer and --audience"
	}
	if len(cfg.grafana) > 0 {
		v, err := verify.HMAC(verify.GrafanaAlertingScheme(cfg.grafanaTimestampHeader), verify.Secrets(cfg.grafana...))
		h, err := handle[grafana.Message](v, err, mopts("grafana"))
		if err := add("/grafana", h, err); err != nil {
			return nil, err
		}
	} else {
		r.unconfigured["/grafana"] = "GRAFANA_WEBHOOK_SECRET or --grafana-secret"
	}
	mux.HandleFunc("/", r.notFound(cfg.log))
	r.Handler = mux
	return r, nil
}

// datadogVerifier accepts Basic credentials, a JWT bearer token, or either.
func (r *receiver) datadogVerifier(cfg receiverConfig) (verify.Verifier, error) {
	var vs []verify.Verifier
	if cfg.datadogUser != "" {
		creds := make([]verify.Credential, len(cfg.datadogPasswords))
		for i, p := range cfg.datadogPasswords {
			creds[i] = verify.Credential{ID: fmt.Sprintf("basic%d", i+1), Username: cfg.datadogUser, Password: p}
		}
		b, err := verify.Basic("datadog", creds)
		if err != nil {
			return nil, err
		}
		vs = append(vs, b)
	}
	if cfg.datadogJWT != nil {
		jc := *cfg.datadogJWT
		jc.Now = cfg.clock // exp and nbf on the receiver's clock
		j, err := jwt.New("datadog", jc)
		if err != nil {
			return nil, fmt.Errorf("JWT settings (--jwks, --issuer, --audience, --jwt-alg): %w", err)
		}
		r.closers = append(r.closers, j)
		vs = append(vs, j)
	}
	if len(vs) == 1 {
		return vs[0], nil
	}
	return verify.AnyOf(vs...)
}

// handle builds a route for payload type T whose handler does nothing: the
// observer prints what was processed.
func handle[T any](v verify.Verifier, err error, opts []middleware.Option) (http.Handler, error) {
	if err != nil {
		return nil, err
	}
	rt, err := middleware.NewRoute(v, func(context.Context, middleware.Event[T]) error { return nil }, opts...)
	if err != nil {
		return nil, err
	}
	return rt, nil
}

// notFound answers paths without a route, and routes without credentials,
// with 404: an unconfigured route never accepts anything.
func (r *receiver) notFound(log *lineLog) http.HandlerFunc {
	routes := append([]string(nil), r.configured...)
	sort.Strings(routes)
	return func(w http.ResponseWriter, req *http.Request) {
		reason := fmt.Sprintf("no route %s (served: %v)", clip(req.URL.Path, 64), routes)
		if how, ok := r.unconfigured[req.URL.Path]; ok {
			reason = fmt.Sprintf("route %s is not configured: set %s", req.URL.Path, how)
		}
		log.outcome(outcomeLine{Path: clip(req.URL.Path, 64), Outcome: "not_found", Status: http.StatusNotFound, Reason: reason})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Hookseal-Outcome", "not_found")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"outcome":"not_found"}`+"\n")
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
