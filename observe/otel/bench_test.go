package hooksealotel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// The observer runs on every request's goroutine, before the answer; here
// without a delivery span, as for an inbox run.
func BenchmarkObserver(b *testing.B) {
	f := newFixture(b)
	o := f.in.Observer()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		r    middleware.Report
	}{
		{"processed", middleware.Report{Result: middleware.Result{Outcome: middleware.Processed}, Route: route,
			Provider: verify.ProviderCheckly, Duration: 3 * time.Millisecond}},
		{"unauthenticated", middleware.Report{Result: middleware.Result{Outcome: middleware.Unauthenticated,
			Err: errors.Join(verify.ErrInvalidSignature)}, Route: route, Provider: verify.ProviderCheckly, Duration: 40 * time.Microsecond}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				o(ctx, c.r)
			}
		})
	}
}
