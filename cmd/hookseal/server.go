package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	hooksealprom "github.com/hookseal/hookseal/observe/prometheus"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/verify"
)

// server is a serveConfig built: the routes' handler, the admin handler,
// the inbox's runner, and what to close when it stops.
type server struct {
	cfg       *serveConfig
	handler   http.Handler
	admin     http.Handler // nil without an admin listener
	runner    *inbox.Runner
	storeName string // memory, file, redis
	redisAt   string // the Redis deployment, without credentials, for the start-up line
	paths     []string
	closers   []func() error // closed in reverse order
	// ready answers whether the store and the inbox answer, for /readyz.
	ready func(ctx context.Context) error
	// stop is set once the server shuts down, so /readyz turns traffic
	// away while requests in flight finish.
	stop atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// Close closes what build opened, last opened first. It runs once; later
// calls return its result.
func (s *server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			errs = append(errs, s.closers[i]())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// buildMode says what build opens: everything (serving), or nothing
// outside the process (checking a config file).
type buildMode int

const (
	buildServe buildMode = iota
	buildCheck           // memory backends: the routes are built and checked, no file or Redis is touched
)

// build turns cfg into a server: the backends, the runner, the metrics and
// each route. Errors name the setting (and, for a file, its line), never
// a secret.
func build(ctx context.Context, cfg *serveConfig, mode buildMode) (_ *server, err error) {
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	s := &server{cfg: cfg, ready: func(context.Context) error { return nil }}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	st, ib, err := s.backends(ctx, mode)
	if err != nil {
		return nil, err
	}
	if ib != nil {
		s.runner, err = inbox.NewRunner(ib,
			inbox.WithConcurrency(cfg.inbox.concurrency),
			inbox.WithBackoff(cfg.inbox.backoffMin, cfg.inbox.backoffMax),
			inbox.WithMaxAge(cfg.inbox.maxAge),
			inbox.WithGrace(cfg.shutdownTimeout))
		if err != nil {
			return nil, err
		}
	}

	var metrics *hooksealprom.Metrics
	adminMux := http.NewServeMux()
	if cfg.admin != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		var opts []hooksealprom.Option
		for _, rs := range cfg.routes {
			opts = append(opts, hooksealprom.WithRoute(rs.name, rs.provider))
		}
		if metrics, err = hooksealprom.New(reg, opts...); err != nil {
			return nil, err
		}
		if ib != nil {
			if err := metrics.WatchInbox(cfg.inbox.name, ib); err != nil {
				return nil, err
			}
		}
		s.adminRoutes(adminMux, reg)
		s.admin = adminMux
	}

	var fwd *forwarder
	if cfg.forward {
		fwd = newForwarder(cfg.clock)
	}
	mux := http.NewServeMux()
	for _, rs := range cfg.routes {
		h, err := s.route(rs, st, fwd, metrics)
		if err != nil {
			return nil, err
		}
		mux.Handle(rs.path, h)
		s.paths = append(s.paths, rs.path)
	}
	mux.Handle("/", s.notFound(metrics))
	s.handler = mux
	return s, nil
}

// backends opens the store and the inbox: the file backend in data_dir,
// Redis, or memory.
func (s *server) backends(ctx context.Context, mode buildMode) (store.Store, inbox.Inbox, error) {
	cfg := s.cfg
	switch {
	case mode == buildCheck || (cfg.dataDir == "" && cfg.redis == nil):
		s.storeName = "memory"
		var ib inbox.Inbox
		if cfg.inbox.enabled {
			ib = inbox.NewMemory(inbox.WithClock(cfg.clock))
		}
		return store.NewMemory(store.WithClock(cfg.clock)), ib, nil

	case cfg.redis != nil:
		s.storeName = "redis"
		redis.SetLogger(redisLog{cfg.log})
		// One client for the store, the inbox and the readiness check.
		client, rc, err := openRedis(ctx, cfg.redis)
		if err != nil {
			return nil, nil, err
		}
		s.closers = append(s.closers, client.Close)
		s.redisAt = rc.String()
		st, err := redisStore(client, cfg.redis)
		if err != nil {
			return nil, nil, err
		}
		s.ready = func(ctx context.Context) error { return client.Ping(ctx).Err() }
		if !cfg.inbox.enabled {
			return st, nil, nil
		}
		iopts := []redisstore.InboxOption{redisstore.WithInboxPrefix(cfg.redis.prefix),
			redisstore.WithMaxEntries(cfg.inbox.maxEntries), redisstore.WithMaxBytes(cfg.inbox.maxBytes)}
		if cfg.redis.timeout > 0 {
			iopts = append(iopts, redisstore.WithInboxTimeout(cfg.redis.timeout))
		}
		ib, err := redisstore.NewInbox(client, cfg.inbox.name, iopts...)
		if err != nil {
			return nil, nil, err
		}
		return st, ib, nil
	}
	s.storeName = "file"
	db, err := boltstore.Open(filepath.Join(cfg.dataDir, dbFileName),
		boltstore.WithMaxEntries(cfg.inbox.maxEntries), boltstore.WithMaxBytes(cfg.inbox.maxBytes), boltstore.WithClock(cfg.clock))
	if err != nil {
		return nil, nil, fmt.Errorf("data_dir: %w", err)
	}
	s.closers = append(s.closers, db.Close)
	s.ready = func(ctx context.Context) error {
		_, err := db.Inbox().Stats(ctx)
		return err
	}
	if !cfg.inbox.enabled {
		return db.Store(), nil, nil
	}
	return db.Store(), db.Inbox(), nil
}

// route builds one route: its verifier, the middleware options every route
// shares, and the action (print or forward).
func (s *server) route(rs *routeSpec, st store.Store, fwd *forwarder, metrics *hooksealprom.Metrics) (http.Handler, error) {
	cfg := s.cfg
	v, closer, err := rs.verifier(cfg.clock)
	if err != nil {
		if errors.Is(err, verify.ErrInvalidConfig) || errors.Is(err, verify.ErrNoSecret) {
			return nil, usagef("%v", rs.where("sender", err))
		}
		return nil, rs.where("sender", err)
	}
	if closer != nil {
		s.closers = append(s.closers, closer.Close)
	}
	opts := []middleware.Option{
		middleware.WithName(rs.name),
		middleware.WithMaxBodyBytes(cfg.maxBody),
		middleware.WithStore(st),
		middleware.WithObserver(cfg.log.observer(rs.name)),
		middleware.WithClock(cfg.clock),
		middleware.WithFreshness(verify.Window{MaxAge: cfg.maxAge, MaxSkew: verify.DefaultMaxSkew}),
	}
	if metrics != nil {
		opts = append(opts, middleware.WithObserver(metrics.Observer()))
	}
	if rs.order {
		opts = append(opts, middleware.WithOrdering(0))
	}
	if rs.strict {
		opts = append(opts, middleware.WithStrictPayload())
	}
	if rs.coalesce {
		opts = append(opts, middleware.WithCoalescing())
	}
	if rs.keys != nil {
		opts = append(opts, middleware.WithTemplateKeys(rs.keys))
	}
	if s.runner != nil {
		opts = append(opts, middleware.WithInbox(s.runner))
	}
	var act actionFunc = func(context.Context, delivered) error { return nil } // listen: the observer prints
	if fwd != nil {
		up := rs.upstream
		act = func(ctx context.Context, d delivered) error {
			d.route = rs.name
			return fwd.forward(ctx, up, d)
		}
		// Inline, an upstream that fails is the sender's to retry, and
		// "unavailable" says whose fault it is.
		opts = append(opts, middleware.WithHandlerErrorStatus(http.StatusServiceUnavailable))
	}
	if s.runner != nil {
		// On an inbox the handler runs after the answer, and the runner's
		// report of a run carries no event type: the run prints its own
		// processed line, and the observer leaves runs' out.
		inner, l := act, cfg.log
		act = func(ctx context.Context, d delivered) error {
			if err := inner(ctx, d); err != nil {
				return err
			}
			l.processed(d.line(rs.name))
			return nil
		}
	}
	h, err := rs.sender.route(v, act, opts)
	if err != nil {
		return nil, usagef("%v", rs.where("", err))
	}
	return h, nil
}

// line is the processed line of d.
func (d delivered) line(route string) processedLine {
	p := processedLine{Provider: route, Type: d.eventType, Resource: d.resource, Delivery: d.key}
	if !d.occurred.IsZero() {
		p.Time = d.occurred.UTC().Format(time.RFC3339Nano)
	}
	return p
}

// notFound answers paths without a route, and routes without credentials,
// with 404 (middleware.NotFoundHandler): an unconfigured route never
// accepts anything. The printed line says which routes are served, or
// what would configure the route; /metrics, when served, counts every
// one (route "").
func (s *server) notFound(metrics *hooksealprom.Metrics) http.Handler {
	routes := append([]string(nil), s.paths...)
	sort.Strings(routes)
	log, unconfigured := s.cfg.log, s.cfg.unconfigured
	printed := func(_ context.Context, r middleware.Report) {
		reason := fmt.Sprintf("no route %s (served: %v)", clip(r.Path, 64), routes)
		if how, ok := unconfigured[r.Path]; ok {
			reason = fmt.Sprintf("route %s is not configured: set %s", r.Path, how)
		}
		log.outcome(outcomeLine{Path: clip(r.Path, 64), Outcome: string(r.Outcome), Status: r.Status(), Reason: reason})
	}
	observers := []middleware.Observer{printed}
	if metrics != nil {
		observers = append(observers, metrics.Observer())
	}
	return middleware.NotFoundHandler(observers...)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
