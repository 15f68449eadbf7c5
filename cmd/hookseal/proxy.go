package main

import (
	"fmt"
	"strings"
)

const proxyAbout = `
Serve the routes a config file declares in front of an app written in
anything: each delivery is authenticated by its sender's scheme, dropped
when stale, a duplicate or out of order, kept in the inbox, and POSTed to
the route's upstream with its body byte for byte and its Content-Type,
plus headers saying what hookseal established:

  Hookseal-Provider, Hookseal-Route, Hookseal-Event-Type, Hookseal-Resource,
  Hookseal-Signed-Time (RFC 3339, when the sender signed a time),
  Hookseal-Delivery (the idempotency key), Hookseal-Attempt

The hop is signed with Standard Webhooks (webhook-id: the delivery key, the
same on every retry; webhook-timestamp; webhook-signature) under the
upstream's secret, so the app verifies it with any Standard Webhooks
library. No other header of the sender's request is forwarded.

With the inbox (on by default: the file backend in data_dir, or Redis) the
sender is answered once the delivery is stored; an upstream that answers
5xx, 408 or 429, times out or refuses the connection is retried with
backoff (no sooner than its Retry-After), and one that answers another 4xx
makes the delivery a dead letter (see hookseal inbox). Without an inbox
the upstream's failure is the sender's 503, which senders retry.

/healthz, /readyz (the store and the inbox answer) and /metrics are served
on the admin listener (127.0.0.1:9090 unless the file says otherwise).
Logs are JSON lines on stderr, processed events on stdout; no secret is
ever printed. SIGINT or SIGTERM stops accepting connections, lets requests
in flight and running forwards finish (up to shutdown_timeout), and exits 0.

--check validates the file (every key known, every secret readable, every
upstream an http(s) URL) without serving: exit 0 when it is good, 2 with
each error as FILE:LINE otherwise. See the README's "hookseal proxy" for
the file's keys.`

const proxyExamples = `  hookseal proxy --check proxy.yaml
  CHECKLY_WEBHOOK_SECRET=s3cr3t HOOKSEAL_PROXY_SECRET=whsec_... hookseal proxy --config proxy.yaml`

func runProxy(e *env, args []string) int {
	f := newFlags("proxy", "hookseal proxy --config FILE | --check FILE", proxyAbout, proxyExamples)
	file := f.String("config", "", "the config `file` to serve (YAML)")
	check := f.String("check", "", "validate the config `file` and exit, without serving")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	switch {
	case *file == "" && *check == "":
		return fail(e, "proxy", usagef("--config FILE is required (or --check FILE to validate one)"))
	case *file != "" && *check != "" && *file != *check:
		return fail(e, "proxy", usagef("--config and --check name different files; give one"))
	}
	path := *file
	if *check != "" {
		path = *check
	}
	cfg, err := readConfigFile(e, path, true)
	if err != nil {
		return fail(e, "proxy", err)
	}
	if *check != "" {
		return checkConfig(e, cfg)
	}
	cfg.log = &lineLog{out: e.stdout, errw: e.stderr, noiseEvery: cfg.noiseEvery}
	return serve(e, "proxy", cfg)
}

// checkConfig builds every route of cfg against memory backends, which
// checks what reading the file could not (a JWKS file that does not load,
// an algorithm that does not fit its key), and reports.
func checkConfig(e *env, cfg *serveConfig) int {
	cfg.log = &lineLog{}
	srv, err := build(e.ctx, cfg, buildCheck)
	if err != nil {
		return fail(e, "proxy", err)
	}
	_ = srv.Close()
	backend := "memory (no inbox)"
	switch {
	case cfg.redis != nil:
		backend = "redis (" + cfg.redis.source + ")"
	case cfg.dataDir != "":
		backend = "file (" + cfg.dataDir + ")"
	}
	if cfg.inbox.enabled {
		backend += ", inbox on"
	}
	routes := make([]string, len(cfg.routes))
	for i, rs := range cfg.routes {
		routes[i] = fmt.Sprintf("%s (%s)", rs.path, rs.sender.name)
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d route(s): %s; store %s\n", cfg.source, len(cfg.routes), strings.Join(routes, ", "), backend)
	return exitOK
}
