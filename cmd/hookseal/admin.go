package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds /readyz's check of the store and the inbox: a
// backend slower than that is not ready to take deliveries.
const readyTimeout = time.Second

// adminRoutes serves the admin listener: /healthz (the process runs),
// /readyz (the store and the inbox answer) and /metrics. It is a listener of
// its own so that probes and scrapes never share a port with senders.
func (s *server) adminRoutes(mux *http.ServeMux, reg *prometheus.Registry) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.stop.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			// The error names an address or a file, never a password:
			// neither backend's errors quote a URL.
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "store": s.storeName, "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "store": s.storeName})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: promLog{s.cfg.log}}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// promLog writes promhttp's errors as JSON lines.
type promLog struct{ l *lineLog }

func (p promLog) Println(v ...any) {
	p.l.info(struct {
		Msg   string `json:"msg"`
		Error string `json:"error"`
	}{"metrics", fmt.Sprint(v...)})
}
