package middleware

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// pipeline is what a Route and a Guard share: the verifier, the settings,
// and the stages a delivery passes before its payload is decoded.
type pipeline struct {
	v       verify.Verifier
	tv      verify.TenantVerifier // v, on a route with WithTenant
	cfg     *config
	dedupe  bool // a Route always; a Guard only when given a store
	renewer renewer
}

func newPipeline(v verify.Verifier, opts []Option) (*pipeline, error) {
	if v == nil {
		return nil, errors.New("middleware: verifier is nil; build one with the verify package")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	p := &pipeline{v: v, cfg: cfg, dedupe: true}
	if err := p.useTenant(); err != nil {
		return nil, err
	}
	return p, nil
}

// flow is one request on its way through the stages: what each stage
// learned, for the next and for the Report.
type flow struct {
	r     *http.Request
	rep   Report
	start time.Time

	buf  *[]byte // pooled; returned by free
	body []byte

	d        verify.Delivery
	tenant   string     // the tenant d was verified for (WithTenant)
	key      verify.Key // the dedupe key: d.Key, or d.Key mixed with an unsigned time
	resource string     // ordering, when the payload names one
	occurred time.Time

	claim   store.Claim
	claimed bool
}

func (p *pipeline) begin(f *flow, r *http.Request) {
	f.r = r
	f.rep.Route = p.cfg.name
	if f.rep.Route == "" {
		f.rep.Route = r.Pattern
	}
	if len(p.cfg.observers) > 0 {
		f.start = time.Now()
		f.rep.Method, f.rep.Path, f.rep.RemoteAddr = r.Method, clip(r.URL.Path, 256), r.RemoteAddr
	}
}

// finish completes the report and tells the observers.
func (p *pipeline) finish(ctx context.Context, f *flow, res Result) {
	if len(p.cfg.observers) == 0 {
		return
	}
	f.rep.Result = res
	f.rep.Duration = time.Since(f.start)
	for _, o := range p.cfg.observers {
		o(ctx, f.rep)
	}
}

// free returns the body buffer to its pool; the body must not be used after.
func (f *flow) free() {
	putBuffer(f.buf)
	f.buf, f.body = nil, nil
}

// admit runs the stages every delivery passes before its payload is read:
// the method, the bounded body, the credential, the freshness of the
// delivery's own time. On failure the body buffer is already back in its
// pool.
func (p *pipeline) admit(ctx context.Context, f *flow) Result {
	if res := p.checkMethod(f); res.decided() {
		return res
	}
	_, end := p.trace(ctx, SpanRead)
	res := p.readBody(f)
	endSpan(end, res)
	if res.decided() {
		return res
	}
	_, end = p.trace(ctx, SpanAuthenticate)
	res = p.authenticate(ctx, f)
	endSpan(end, res)
	if res.decided() {
		f.free()
		return res
	}
	_, end = p.trace(ctx, SpanFreshness)
	res = p.checkFreshness(f)
	endSpan(end, res)
	if res.decided() {
		f.free()
		return res
	}
	return Result{}
}

// detached is a context for store calls made after the handler ran: a
// sender hanging up must not leave a claim behind.
func (p *pipeline) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = context.WithoutCancel(ctx)
	if d := p.cfg.storeTimeout; d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
