// Package hooksealecho is hookseal for echo v5: a typed handler that runs a
// webhook route's whole flow (authenticate, judge freshness, decode,
// deduplicate, order, handle, answer) and a verify-only middleware for
// applications that keep their own handlers.
//
// The adapter only translates. Every decision, and so every status code,
// drop and retry, is the core's (package
// github.com/hookseal/hookseal/middleware): the adapter hands it echo's
// request and writes its [middleware.Result] through echo, with the
// core's status code, headers (Hookseal-Outcome, Retry-After, Allow) and
// body. It is the echo v4 adapter (adapters/echov4) for echo v5's API: the
// context is a *echo.Context, and a status is resolved as
// echo.ResolveResponseStatus does.
//
// A route with a typed handler:
//
//	v, err := verify.Checkly(verify.Secrets(os.Getenv("CHECKLY_WEBHOOK_SECRET")))
//	if err != nil {
//		log.Fatal(err)
//	}
//	h, err := hooksealecho.Handler(v, func(c *echo.Context, e middleware.Event[checkly.Alert]) error {
//		// e.Payload is the decoded alert, e.Delivery what verification established.
//		return nil // 200; an error answers 500 so the sender retries
//	}, middleware.WithOrdering(0))
//	if err != nil {
//		log.Fatal(err)
//	}
//	e.POST("/hooks/checkly", h)
//
// A route built by the core, with the core's handler type (one
// middleware.Router serving net/http, echo and gin alike):
//
//	rt, err := middleware.NewRoute(v, router.Dispatch, middleware.WithOrdering(0))
//	...
//	e.POST("/hooks/checkly", hooksealecho.Route(rt))
//
// Verification in front of the application's own handler, which binds the
// body as usual and finds the delivery with [DeliveryFrom] (given
// middleware.WithStore, it also drops copies of handled deliveries):
//
//	mw, err := hooksealecho.Middleware(v)
//	if err != nil {
//		log.Fatal(err)
//	}
//	e.POST("/hooks/checkly", func(c *echo.Context) error {
//		var a checkly.Alert
//		if err := c.Bind(&a); err != nil {
//			return err
//		}
//		d, _ := hooksealecho.DeliveryFrom(c)
//		...
//	}, mw)
//
// Failures are answered by the adapter, not returned to echo's
// HTTPErrorHandler: the sender must get the core's answer whatever error
// handler the application installed, and the cause is never written to the
// response. Causes reach logs and metrics through the core's observer
// ([middleware.WithObserver], [middleware.SlogObserver]).
//
// Mounted with e.POST, a request with another method gets echo's own 405.
// Mount with e.Any (or e.Match with the methods of
// [middleware.WithMethods]) to have hookseal answer it, with its
// Hookseal-Outcome and Allow headers.
package hooksealecho

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v5"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// HandlerFunc handles one authentic, fresh, new, in-order delivery decoded
// into T. c is the request's *echo.Context (path parameters, values set by
// earlier middleware). Returning nil answers 200 (processed) and commits the
// delivery; returning middleware.ErrUnhandled answers 200 (unhandled);
// any other error answers 500 (handler_error) and releases the delivery so
// the sender's retry is processed.
//
// The adapter writes the answer: fn must not write to c.Response(). The
// request body has been read; the payload is e.Payload and the raw bytes
// are e.Body, valid until fn returns. c.Request().Context() is cancelled
// with cause store.ErrClaimLost if the delivery's claim is lost while fn
// runs (see middleware.HandlerFunc).
type HandlerFunc[T any] func(c *echo.Context, e middleware.Event[T]) error

// Handler returns an echo handler that runs the route's whole flow for
// deliveries authenticated by v and decoded into T, calls fn with the
// request's *echo.Context for each authentic, fresh, new, in-order one, and
// answers every request with the outcome's status code, headers and body
// (see middleware.Outcome). opts are the core's route options
// (middleware.WithOrdering, middleware.WithStore, ...). It fails when v or
// fn is nil or an option is invalid, and with middleware.WithInbox: an
// inbox runs the handler after the answer, when the request's *echo.Context
// is gone; build that route with middleware.NewRoute and serve it with
// Route.
func Handler[T any](v verify.Verifier, fn HandlerFunc[T], opts ...middleware.Option) (echo.HandlerFunc, error) {
	if fn == nil {
		return nil, errors.New("hooksealecho: handler is nil")
	}
	rt, err := middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[T]) error {
		c := ctx.Value(echoContextKey{}).(*echo.Context)
		c.SetRequest(c.Request().WithContext(ctx))
		return fn(c, e)
	}, slices.Concat(opts, []middleware.Option{middleware.WithRequestBoundHandler("hooksealecho.Handler")})...)
	if err != nil {
		return nil, err
	}
	return func(c *echo.Context) error {
		r := c.Request()
		res := rt.Process(r.WithContext(context.WithValue(r.Context(), echoContextKey{}, c)))
		c.SetRequest(r)
		return answer(c, res)
	}, nil
}

// echoContextKey carries the *echo.Context to a Handler's fn through the
// core's route.
type echoContextKey struct{}

// Route serves a route built with the core's middleware.NewRoute, whose
// handler is the core's type (middleware.HandlerFunc): one
// middleware.Router can then serve net/http, echo and gin alike.
func Route[T any](rt *middleware.Route[T]) echo.HandlerFunc {
	return func(c *echo.Context) error { return answer(c, rt.Process(c.Request())) }
}

// Config configures the verify-only middleware, in echo's style.
type Config struct {
	// Skipper, when it returns true, passes the request to the next
	// handler without verifying it: that handler then gets an
	// unauthenticated request, and DeliveryFrom reports false. Default:
	// every request is verified.
	Skipper func(c *echo.Context) bool
	// Verifier authenticates deliveries. Required.
	Verifier verify.Verifier
	// Options are the core's options for a middleware.Guard:
	// middleware.WithStore makes it drop copies of handled deliveries;
	// options only a route honours (ordering, payload checks) are an
	// error.
	Options []middleware.Option
}

// ToMiddleware returns the verify-only middleware that cfg describes (see
// Middleware). It fails when cfg has no Verifier or an option is invalid.
func (cfg Config) ToMiddleware() (echo.MiddlewareFunc, error) {
	g, err := middleware.NewGuard(cfg.Verifier, cfg.Options...)
	if err != nil {
		return nil, err
	}
	skip := cfg.Skipper
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) (err error) {
			if skip != nil && skip(c) {
				return next(c)
			}
			pass, res := g.Check(c.Request())
			if pass == nil {
				return answer(c, res)
			}
			defer func() {
				if v := recover(); v != nil {
					pass.Done(http.StatusInternalServerError)
					panic(v)
				}
				pass.Done(status(c, err))
			}()
			c.SetRequest(pass.Request())
			return next(c)
		}
	}, nil
}

// status is the status the rest of the chain answered with: the written
// one, or the one echo's error handler will write for err (echo v5's own
// rule, echo.ResolveResponseStatus).
func status(c *echo.Context, err error) int {
	_, code := echo.ResolveResponseStatus(c.Response(), err)
	return code
}

// Middleware returns echo middleware that authenticates each request with
// v and passes authentic, fresh ones to the next handler with the request
// body restored to the identical bytes, so c.Bind works as if nothing came
// before it, and with the delivery reachable through DeliveryFrom and
// BodyFrom. A request that fails (unauthenticated 401, too_large 413,
// method_not_allowed 405, or stale, answered 200 so the sender stops
// retrying) is answered here with the core's status, headers and body, and
// never reaches the next handler.
//
// It deduplicates only when opts include middleware.WithStore: then a copy
// of a delivery the next handler answered below 500 is answered 200
// duplicate, and a copy arriving while it runs 409 in_flight. Without a
// store every authentic, fresh copy reaches the next handler.
func Middleware(v verify.Verifier, opts ...middleware.Option) (echo.MiddlewareFunc, error) {
	return Config{Verifier: v, Options: opts}.ToMiddleware()
}

// DeliveryFrom returns the Delivery that Middleware authenticated for the
// request of c, and false when Middleware did not authenticate it.
func DeliveryFrom(c *echo.Context) (verify.Delivery, bool) {
	return middleware.DeliveryFrom(c.Request().Context())
}

// BodyFrom returns the raw body that Middleware authenticated for the
// request of c. The bytes are valid until the handler returns; copy them to
// keep them longer.
func BodyFrom(c *echo.Context) ([]byte, bool) {
	return middleware.BodyFrom(c.Request().Context())
}

// answer writes res through echo: the core's headers, status and body.
// A response the handler already wrote, against HandlerFunc's contract, is
// left alone rather than followed by a second body.
func answer(c *echo.Context, res middleware.Result) error {
	w := c.Response()
	if r, err := echo.UnwrapResponse(w); err == nil && r.Committed {
		return nil
	}
	res.SetHeaders(w.Header())
	return c.Blob(res.Status(), echo.MIMEApplicationJSON, res.Body())
}
