// Package hooksealgin is hookseal for gin: a typed handler that runs a
// webhook route's whole flow (authenticate, judge freshness, decode,
// deduplicate, order, handle, answer) and a verify-only middleware for
// applications that keep their own handlers.
//
// The adapter only translates. Every decision, and so every status code,
// drop and retry, is the core's (package
// github.com/hookseal/hookseal/middleware): the adapter hands it gin's
// request and writes its [middleware.Result] through gin, with the core's
// status code, headers (Hookseal-Outcome, Retry-After, Allow) and body.
//
// A route with a typed handler:
//
//	v, err := verify.Checkly(verify.Secrets(os.Getenv("CHECKLY_WEBHOOK_SECRET")))
//	if err != nil {
//		log.Fatal(err)
//	}
//	h, err := hooksealgin.Handler(v, func(c *gin.Context, e middleware.Event[checkly.Alert]) error {
//		// e.Payload is the decoded alert, e.Delivery what verification established.
//		return nil // 200; an error answers 500 so the sender retries
//	}, middleware.WithOrdering(0))
//	if err != nil {
//		log.Fatal(err)
//	}
//	r.POST("/hooks/checkly", h)
//
// A route built by the core, with the core's handler type (one
// middleware.Router serving net/http, echo and gin alike):
//
//	rt, err := middleware.NewRoute(v, router.Dispatch, middleware.WithOrdering(0))
//	...
//	r.POST("/hooks/checkly", hooksealgin.Route(rt))
//
// Verification in front of the application's own handler, which binds the
// body as usual (the body is restored, so c.ShouldBindJSON works after the
// middleware read it) and finds the delivery with [DeliveryFrom] (given
// middleware.WithStore, it also drops copies of handled deliveries):
//
//	mw, err := hooksealgin.Middleware(v)
//	if err != nil {
//		log.Fatal(err)
//	}
//	r.POST("/hooks/checkly", mw, func(c *gin.Context) {
//		var a checkly.Alert
//		if err := c.ShouldBindJSON(&a); err != nil {
//			...
//		}
//		d, _ := hooksealgin.DeliveryFrom(c)
//		...
//	})
//
// The cause behind an outcome (a verification error, the handler's error)
// is attached to the request with c.Error as a private error, so gin's
// Logger prints it, and passed to the core's observer
// ([middleware.WithObserver]); it is never written to the response. A
// middleware of the application that turns c.Errors into a response must
// leave written responses alone (c.Writer.Written()).
//
// Mounted with r.POST, a request with another method gets gin's 404 (or
// 405 with Engine.HandleMethodNotAllowed). Mount with r.Any (or r.Match with
// the methods of [middleware.WithMethods]) to have hookseal answer it, 405
// with its Hookseal-Outcome and Allow headers.
package hooksealgin

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// HandlerFunc handles one authentic, fresh, new, in-order delivery decoded
// into T. c is the request's gin.Context (path parameters, values set by
// earlier middleware). Returning nil answers 200 (processed) and commits the
// delivery; returning middleware.ErrUnhandled answers 200 (unhandled); any
// other error answers 500 (handler_error) and releases the delivery so the
// sender's retry is processed.
//
// The adapter writes the answer: fn must not write to c.Writer. The request
// body has been read; the payload is e.Payload and the raw bytes are
// e.Body, valid until fn returns. c.Request.Context() is cancelled with
// cause store.ErrClaimLost if the delivery's claim is lost while fn runs
// (see middleware.HandlerFunc).
type HandlerFunc[T any] func(c *gin.Context, e middleware.Event[T]) error

// Handler returns a gin handler that runs the route's whole flow for
// deliveries authenticated by v and decoded into T, calls fn with the
// request's gin.Context for each authentic, fresh, new, in-order one, and
// answers every request with the outcome's status code, headers and body
// (see middleware.Outcome). opts are the core's route options
// (middleware.WithOrdering, middleware.WithStore, ...). It fails when v or
// fn is nil or an option is invalid, and with middleware.WithInbox: an
// inbox runs the handler after the answer, when the request's gin.Context
// is gone; build that route with middleware.NewRoute and serve it with
// Route.
func Handler[T any](v verify.Verifier, fn HandlerFunc[T], opts ...middleware.Option) (gin.HandlerFunc, error) {
	if fn == nil {
		return nil, errors.New("hooksealgin: handler is nil")
	}
	rt, err := middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[T]) error {
		c := ctx.Value(ginContextKey{}).(*gin.Context)
		c.Request = c.Request.WithContext(ctx)
		return fn(c, e)
	}, slices.Concat(opts, []middleware.Option{middleware.WithRequestBoundHandler("hooksealgin.Handler")})...)
	if err != nil {
		return nil, err
	}
	return func(c *gin.Context) {
		r := c.Request
		res := rt.Process(r.WithContext(context.WithValue(r.Context(), ginContextKey{}, c)))
		c.Request = r
		answer(c, res)
	}, nil
}

// ginContextKey carries the gin.Context to a Handler's fn through the
// core's route.
type ginContextKey struct{}

// Route serves a route built with the core's middleware.NewRoute, whose
// handler is the core's type (middleware.HandlerFunc): one
// middleware.Router can then serve net/http, echo and gin alike.
func Route[T any](rt *middleware.Route[T]) gin.HandlerFunc {
	return func(c *gin.Context) { answer(c, rt.Process(c.Request)) }
}

// Middleware returns gin middleware that authenticates each request with v
// and passes authentic, fresh ones on (c.Next) with the request body
// restored to the identical bytes, so c.ShouldBindJSON works as if nothing
// came before it, and with the delivery reachable through DeliveryFrom and
// BodyFrom. A request that fails (unauthenticated 401, too_large 413,
// method_not_allowed 405, or stale, answered 200 so the sender stops
// retrying) is aborted here with the core's status, headers and body.
//
// opts are the core's options for a middleware.Guard. It deduplicates only
// when they include middleware.WithStore: then a copy of a delivery the
// rest of the chain answered below 500 is answered 200 duplicate, and a
// copy arriving while it runs 409 in_flight; without a store every
// authentic, fresh copy goes on. Options only a route honours (ordering,
// payload checks) are an error, as are a nil v and invalid options.
func Middleware(v verify.Verifier, opts ...middleware.Option) (gin.HandlerFunc, error) {
	g, err := middleware.NewGuard(v, opts...)
	if err != nil {
		return nil, err
	}
	return func(c *gin.Context) {
		pass, res := g.Check(c.Request)
		if pass == nil {
			c.Abort()
			answer(c, res)
			return
		}
		finished := false
		defer func() {
			if !finished { // a panic on its way to gin's Recovery
				pass.Done(http.StatusInternalServerError)
			}
		}()
		c.Request = pass.Request()
		c.Next()
		finished = true
		pass.Done(c.Writer.Status())
	}, nil
}

// DeliveryFrom returns the Delivery that Middleware authenticated for the
// request of c, and false when Middleware did not authenticate it.
func DeliveryFrom(c *gin.Context) (verify.Delivery, bool) {
	return middleware.DeliveryFrom(c.Request.Context())
}

// BodyFrom returns the raw body that Middleware authenticated for the
// request of c. The bytes are valid until the handler returns; copy them to
// keep them longer.
func BodyFrom(c *gin.Context) ([]byte, bool) {
	return middleware.BodyFrom(c.Request.Context())
}

// answer writes res through gin: the core's headers, status and body, and
// the cause as a private error. A response the handler already wrote,
// against HandlerFunc's contract, is left alone rather than followed by a
// second body.
func answer(c *gin.Context, res middleware.Result) {
	if res.Err != nil {
		_ = c.Error(res.Err)
	}
	if c.Writer.Written() {
		return
	}
	res.SetHeaders(c.Writer.Header())
	c.Data(res.Status(), "application/json", res.Body())
}
