package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// serveGCPercent is the GOGC listen and proxy run with when GOGC is not
// set (see serve).
const serveGCPercent = 400

// serve builds cfg and runs it until SIGINT or SIGTERM, for command cmd
// (listen or proxy: the one serving path both share). Shutdown stops
// accepting connections, lets requests in flight finish (up to the
// shutdown timeout), stops the inbox's runner with the same grace, then
// closes the backends.
func serve(e *env, cmd string, cfg *serveConfig) int {
	l := cfg.log
	// The dedupe state and the inbox hold pointers that the garbage
	// collector scans every cycle: at Go's default GOGC=100 that scan was
	// the largest share of what listen spends per request beyond a
	// stateless receiver (CPU profiles under make load). Unless the
	// operator chose a value (GOGC set), collect when the heap has grown to
	// five times the live data rather than twice: tens of MB at the default
	// bounds, and GOMEMLIMIT, when set, still caps it.
	if _, set := e.lookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SIGHUP would end the process on the spot, requests in flight and
	// all; operators send it expecting a reload, which this server does
	// not do: it says so and keeps serving.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() { signal.Stop(hup); close(hup) }()
	go func() {
		for range hup {
			l.info(struct {
				Msg string `json:"msg"`
			}{"SIGHUP: the configuration is read at start-up only; restart to apply a change (SIGTERM shuts down gracefully)"})
		}
	}()

	srv, err := build(ctx, cfg, buildServe)
	if err != nil && ctx.Err() != nil {
		// SIGINT or SIGTERM while waiting for Redis: a stop asked for,
		// not a backend that failed.
		l.info(struct {
			Msg string `json:"msg"`
		}{"stopped before serving"})
		return exitOK
	}
	if err != nil {
		return fail(e, cmd, err)
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fail(e, cmd, fmt.Errorf("%s %s: %w", cfg.setting("listen", "--addr"), cfg.listen, err))
	}
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          log.New(errorLogWriter{l}, "", 0),
		}
	}
	hs := newServer(srv.handler)
	served := make(chan error, 2)
	var as *http.Server
	adminAddr := ""
	if srv.admin != nil {
		aln, err := net.Listen("tcp", cfg.admin)
		if err != nil {
			ln.Close()
			return fail(e, cmd, fmt.Errorf("%s %s: %w", cfg.setting("admin", "--admin"), cfg.admin, err))
		}
		adminAddr = aln.Addr().String()
		as = newServer(srv.admin)
		go func() { served <- as.Serve(aln) }()
	}
	l.info(srv.listening(ln.Addr().String(), adminAddr))
	go func() { served <- hs.Serve(ln) }()

	// The runner's handlers get a context of their own: a signal stops
	// the runner only once the requests in flight have been answered (and
	// their deliveries appended).
	runCtx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRunner()
	ran := make(chan struct{})
	if srv.runner != nil {
		go func() { _ = srv.runner.Run(runCtx); close(ran) }()
	} else {
		close(ran)
	}

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	stop() // a second signal now kills the process the default way
	srv.stop.Store(true)
	l.info(struct {
		Msg     string `json:"msg"`
		Timeout string `json:"timeout"`
	}{"shutting down", cfg.shutdownTimeout.String()})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), cfg.shutdownTimeout)
	defer cancel()
	shutErr := hs.Shutdown(sctx)
	if shutErr != nil {
		_ = hs.Close()
	}
	stopRunner()
	<-ran
	if as != nil {
		actx, acancel := context.WithTimeout(context.WithoutCancel(e.ctx), time.Second)
		_ = as.Shutdown(actx)
		acancel()
	}
	if err := srv.Close(); err != nil {
		l.info(struct {
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}{"closing the backends", err.Error()})
	}
	switch {
	case serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed):
		return fail(e, cmd, serveErr)
	case shutErr != nil:
		return fail(e, cmd, fmt.Errorf("requests still in flight after %s %s: %w", cfg.setting("shutdown_timeout", "--shutdown-timeout"), cfg.shutdownTimeout, shutErr))
	}
	l.info(struct {
		Msg string `json:"msg"`
	}{"stopped"})
	return exitOK
}

// setting names a setting as the user wrote it: the file's key, or the
// flag.
func (cfg *serveConfig) setting(key, flag string) string {
	if cfg.source != "" {
		return cfg.source + ": " + key
	}
	return flag
}

// listeningLine is the start-up line: where the server listens, what it
// serves and where its state lives. It names upstreams by scheme, host and
// path only.
type listeningLine struct {
	Msg          string   `json:"msg"`
	Addr         string   `json:"addr"`
	Admin        string   `json:"admin,omitempty"`
	Config       string   `json:"config,omitempty"`
	Routes       []string `json:"routes"`
	Unconfigured []string `json:"unconfigured"`
	Order        bool     `json:"order"`
	Store        string   `json:"store"`
	Redis        string   `json:"redis,omitempty"` // the deployment, without credentials
	Inbox        bool     `json:"inbox,omitempty"`
	Upstreams    []string `json:"upstreams,omitempty"`
}

func (s *server) listening(addr, admin string) listeningLine {
	cfg := s.cfg
	ll := listeningLine{Msg: "listening", Addr: addr, Admin: admin, Config: cfg.source, Routes: s.paths,
		Unconfigured: []string{}, Store: s.storeName, Redis: s.redisAt, Inbox: s.runner != nil}
	for _, p := range routePaths {
		if _, ok := cfg.unconfigured[p]; ok {
			ll.Unconfigured = append(ll.Unconfigured, p)
		}
	}
	seen := map[string]bool{}
	for _, rs := range cfg.routes {
		ll.Order = ll.Order || rs.order
		if cfg.forward && rs.upstream != nil {
			if u, err := url.Parse(rs.upstream.url); err == nil {
				shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
				if !seen[shown] {
					seen[shown] = true
					ll.Upstreams = append(ll.Upstreams, shown)
				}
			}
		}
	}
	return ll
}
