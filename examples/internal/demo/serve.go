package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Server timeouts. Webhook bodies are small and senders wait only seconds
// for an answer (StatusStack asks for one within 5 s, Grafana OnCall gives
// up after 4 s, Datadog after 15 s), so the bounds can be tight; the write
// timeout leaves room for a handler that calls another API.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	ShutdownTimeout   = 20 * time.Second
)

// NewServer returns an http.Server for h with the timeouts above and the
// server's own error log routed to log.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve listens on addr and serves h until ctx is done, then shuts down
// gracefully: it stops accepting connections and waits up to
// ShutdownTimeout for deliveries being handled to finish, so none is cut off
// half-way (a sender that got no answer retries anyway, but a finished
// handler that cannot answer is wasted work). listening, when not nil, is
// called with the bound address once the listener is open (addr may name
// port 0).
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, listening func(net.Addr)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := NewServer(h, log)
	log.Info("listening", "addr", ln.Addr().String())
	if listening != nil {
		listening(ln.Addr())
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err // never ErrServerClosed: nothing else calls Shutdown
	case <-ctx.Done():
	}

	log.Info("shutting down", "timeout", ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// NewHandlerFunc builds a receiver from the environment: its handler and a
// func that closes its store. Each example has one, named newHandler.
type NewHandlerFunc func(ctx context.Context, env func(string) string, log *slog.Logger) (http.Handler, func() error, error)

// Run builds the receiver newHandler makes from env, logging to logTo, and
// serves it on ADDR (default DefaultAddr) until ctx is done. listening,
// when not nil, hears the bound address (ADDR may name port 0).
func Run(ctx context.Context, env func(string) string, logTo io.Writer, listening func(net.Addr), newHandler NewHandlerFunc) error {
	log := slog.New(slog.NewTextHandler(logTo, nil))
	h, closeStore, err := newHandler(ctx, env, log)
	if err != nil {
		return err
	}
	defer closeStore()
	return Serve(ctx, cmp.Or(env(EnvAddr), DefaultAddr), h, log, listening)
}

// Main is an example's main: Run with the process's environment, logging to
// stderr, until SIGINT or SIGTERM. A second signal during the graceful
// shutdown stops the process at once. On an error it prints it after name
// and exits 1.
func Main(name string, newHandler NewHandlerFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // restores the default: the next signal kills
	if err := Run(ctx, os.Getenv, os.Stderr, nil, newHandler); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
