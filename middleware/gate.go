package middleware

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// Gate is the authenticating front of a route: method check, bounded body
// read, verification and freshness. Route builds on it; on its own it is the
// verify-only middleware (see Verify) for applications that keep their own
// handlers.
type Gate struct {
	v   verify.Verifier
	cfg *config
}

// NewGate returns a Gate for v. Options that concern deduplication and
// ordering (WithStore, WithOrdering, ...) have no effect on a Gate.
func NewGate(v verify.Verifier, opts ...Option) (*Gate, error) {
	if v == nil {
		return nil, errors.New("middleware: verifier is nil; build one with the verify package")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Gate{v: v, cfg: cfg}, nil
}

// Verify returns net/http middleware that authenticates each request with v
// and passes authentic ones to the next handler with r.Body restored to the
// identical bytes and the Delivery and raw body reachable through
// DeliveryFrom and BodyFrom. Requests that fail are answered here (401, 413,
// 405; stale ones 200) and never reach the next handler.
func Verify(v verify.Verifier, opts ...Option) (func(http.Handler) http.Handler, error) {
	g, err := NewGate(v, opts...)
	if err != nil {
		return nil, err
	}
	return g.Middleware, nil
}

// Middleware wraps next with the gate.
func (g *Gate) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, res, release := g.Admit(r)
		if r2 == nil {
			res.WriteTo(w)
			return
		}
		defer release()
		next.ServeHTTP(w, r2)
	})
}

// Admit authenticates r. When the delivery is authentic and fresh it returns
// a shallow copy of r whose Body reads the same bytes again and whose context
// carries the Delivery and raw body, plus a release func the caller must call
// once the request is done (it returns the body buffer to a pool; the bytes
// must not be used after). Otherwise it returns a nil request and the Result
// to answer with. Either way the observer has been told.
func (g *Gate) Admit(r *http.Request) (*http.Request, Result, func()) {
	var rep Report
	start := g.start()
	a, res, ok := g.admit(r, &rep)
	if !ok {
		g.finish(r.Context(), &rep, res, start)
		return nil, res, noop
	}
	ctx := context.WithValue(r.Context(), ctxKey{}, &ctxValue{delivery: a.d, body: a.body})
	r2 := r.WithContext(ctx)
	r2.Body = io.NopCloser(bytes.NewReader(a.body))
	r2.ContentLength = int64(len(a.body))
	g.finish(r.Context(), &rep, Result{Outcome: Forwarded}, start)
	return r2, Result{Outcome: Forwarded}, a.release
}

func noop() {}

// admitted is an authentic, fresh delivery with its body.
type admitted struct {
	d    verify.Delivery
	body []byte
	buf  *[]byte
}

func (a admitted) release() { putBuffer(a.buf) }

// admit runs steps 1–3 of a delivery's flow: method, body bound, verify and
// freshness. On failure the buffer is already back in the pool.
func (g *Gate) admit(r *http.Request, rep *Report) (admitted, Result, bool) {
	if !g.cfg.methodAllowed(r.Method) {
		return admitted{}, Result{Outcome: MethodNotAllowed, Allow: g.cfg.allow,
			Err: fmt.Errorf("method %s not allowed; use %s", r.Method, g.cfg.allow)}, false
	}
	buf, body, res, ok := readBody(r, g.cfg.maxBody)
	if !ok {
		return admitted{}, res, false
	}
	d, err := g.v.Verify(r.Header, body)
	rep.Provider = d.Provider
	if err != nil {
		putBuffer(buf)
		if d.Verified && verify.IsStale(err) {
			rep.SecretID, rep.SentAt = d.SecretID, d.Timestamp
			rep.Delivery = d.Key.String()
			return admitted{}, Result{Outcome: Stale, Err: err}, false
		}
		return admitted{}, Result{Outcome: Unauthenticated, Err: err}, false
	}
	if !d.Verified || d.Key.IsZero() {
		// A custom Verifier returned no error but did not authenticate:
		// fail closed rather than trust it.
		putBuffer(buf)
		return admitted{}, Result{Outcome: Unauthenticated,
			Err: errors.New("verifier returned neither an error nor a verified delivery with a key")}, false
	}
	rep.SecretID, rep.SentAt = d.SecretID, d.Timestamp
	return admitted{d: d, body: body, buf: buf}, Result{}, true
}

func (g *Gate) start() time.Time {
	if g.cfg.observer == nil {
		return time.Time{}
	}
	return time.Now()
}

// finish completes the report and tells the observer.
func (g *Gate) finish(ctx context.Context, rep *Report, res Result, start time.Time) {
	if g.cfg.observer == nil {
		return
	}
	rep.Outcome = res.Outcome
	rep.Status = res.Status()
	if res.Outcome == Forwarded {
		rep.Status = 0 // the next handler writes the answer
	}
	rep.Err = res.Err
	rep.Duration = time.Since(start)
	g.cfg.observer(ctx, *rep)
}

// Body buffers. Bodies are read once into a pooled buffer sized from
// Content-Length when the client sends one.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func putBuffer(b *[]byte) {
	if b != nil {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// errTooLarge is the cause reported for TooLarge.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string {
	return fmt.Sprintf("body exceeds the %d-byte limit (raise it with WithMaxBodyBytes)", e.limit)
}

// readBody reads the whole body, at most limit bytes, into a pooled buffer.
// A declared Content-Length over the limit is refused without reading; an
// undeclared (chunked) body is refused as soon as it passes the limit.
func readBody(r *http.Request, limit int64) (*[]byte, []byte, Result, bool) {
	if r.ContentLength > limit {
		return nil, nil, Result{Outcome: TooLarge, Err: errTooLarge{limit}, closeConn: true}, false
	}
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if r.ContentLength > 0 && int64(cap(buf)) < r.ContentLength+1 {
		// +1 so the read that returns io.EOF does not force a growth.
		buf = make([]byte, 0, r.ContentLength+1)
	}
	if r.Body != nil {
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := r.Body.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if int64(len(buf)) > limit {
				*bp = buf
				putBuffer(bp)
				return nil, nil, Result{Outcome: TooLarge, Err: errTooLarge{limit}, closeConn: true}, false
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				*bp = buf
				putBuffer(bp)
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					// An outer http.MaxBytesReader with a lower limit.
					return nil, nil, Result{Outcome: TooLarge, Err: errTooLarge{mbe.Limit}, closeConn: true}, false
				}
				return nil, nil, Result{Outcome: BadRequest, Err: fmt.Errorf("reading body: %w", err)}, false
			}
		}
	}
	*bp = buf
	return bp, buf, Result{}, true
}

// Context accessors for the verify-only middleware.

type ctxKey struct{}

type ctxValue struct {
	delivery verify.Delivery
	body     []byte
}

// DeliveryFrom returns the Delivery the middleware authenticated for the
// request whose context is ctx.
func DeliveryFrom(ctx context.Context) (verify.Delivery, bool) {
	v, ok := ctx.Value(ctxKey{}).(*ctxValue)
	if !ok {
		return verify.Delivery{}, false
	}
	return v.delivery, true
}

// BodyFrom returns the raw body the middleware authenticated. The bytes are
// valid until the handler returns; copy them to keep them longer.
func BodyFrom(ctx context.Context) ([]byte, bool) {
	v, ok := ctx.Value(ctxKey{}).(*ctxValue)
	if !ok {
		return nil, false
	}
	return v.body, true
}
