package hooksealprom_test

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	hooksealprom "github.com/hookseal/hookseal/observe/prometheus"
)

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		reg  prometheus.Registerer
		opts []hooksealprom.Option
		want error
	}{
		{"nok, nil registerer", nil, nil, hooksealprom.ErrInvalidOption},
		{"nok, no bucket", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithBuckets()}, hooksealprom.ErrInvalidOption},
		{"nok, buckets out of order", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithBuckets(1, 0.5)}, hooksealprom.ErrInvalidOption},
		{"nok, repeated bucket", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithBuckets(1, 1)}, hooksealprom.ErrInvalidOption},
		{"nok, route without a name", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithRoute("", "checkly")}, hooksealprom.ErrInvalidOption},
		{"nok, route name not UTF-8", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithRoute("bad\xff", "checkly")}, hooksealprom.ErrInvalidOption},
		{"nok, zero stats timeout", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithStatsTimeout(0)}, hooksealprom.ErrInvalidOption},
		{"nok, nil clock", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithClock(nil)}, hooksealprom.ErrInvalidOption},
		{"ok, buckets", prometheus.NewRegistry(), []hooksealprom.Option{hooksealprom.WithBuckets(0.1, 1, 10)}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := hooksealprom.New(c.reg, c.opts...)
			if !errors.Is(err, c.want) || (err == nil) != (m != nil) {
				t.Errorf("New: %v, %v; want error %v", m, err, c.want)
			}
		})
	}
}

// A second Metrics on one registry is refused, naming the collision, and
// registers nothing; Metrics on registerers wrapped with one constant
// label name share a registry.
func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := hooksealprom.New(reg); err != nil {
		t.Fatal(err)
	}
	_, err := hooksealprom.New(reg)
	var are prometheus.AlreadyRegisteredError
	if !errors.Is(err, hooksealprom.ErrRegister) || !errors.As(err, &are) {
		t.Fatalf("second New on one registry: %v, want ErrRegister wrapping AlreadyRegisteredError", err)
	}

	// A registerer that refuses the third collector: the two registered
	// before it are unregistered again.
	partial := &refusing{Registry: prometheus.NewRegistry(), after: 2}
	if _, err := hooksealprom.New(partial); !errors.Is(err, hooksealprom.ErrRegister) {
		t.Fatalf("New refused its third collector: %v, want ErrRegister", err)
	}
	if fams, err := partial.Gather(); err != nil || len(fams) != 0 || partial.unregistered != 2 {
		t.Fatalf("after a refused New the registry holds %d families (%v), %d collectors unregistered; want none, 2",
			len(fams), err, partial.unregistered)
	}

	shared := prometheus.NewRegistry()
	for _, service := range []string{"billing", "alerts"} {
		if _, err := hooksealprom.New(prometheus.WrapRegistererWith(prometheus.Labels{"service": service}, shared)); err != nil {
			t.Fatalf("New for service %s on a shared registry: %v", service, err)
		}
	}
}

// refusing is a registry that refuses every collector after the first
// after ones.
type refusing struct {
	*prometheus.Registry
	after, registered, unregistered int
}

func (r *refusing) Register(c prometheus.Collector) error {
	if r.registered == r.after {
		return errors.New("refused")
	}
	r.registered++
	return r.Registry.Register(c)
}

func (r *refusing) Unregister(c prometheus.Collector) bool {
	if r.Registry.Unregister(c) {
		r.unregistered++
		return true
	}
	return false
}
