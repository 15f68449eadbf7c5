package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
