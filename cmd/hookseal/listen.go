package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/middleware"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

const listenAbout = `
Serve webhook routes on --addr, each authenticating, dropping stale,
duplicate (and with --order, out-of-order) deliveries, and decoding the
sender's payload:

  POST /checkly      Checkly alerts         HMAC           CHECKLY_WEBHOOK_SECRET
  POST /statusstack  StatusStack events     HMAC           STATUSSTACK_WEBHOOK_SECRET
  POST /oncall       Grafana OnCall events  Authorization  ONCALL_AUTHORIZATION (the exact value)
  POST /datadog      Datadog webhooks       Basic          DATADOG_WEBHOOK_USER + DATADOG_WEBHOOK_PASSWORD
                                            and/or JWT     --jwks, --issuer, --audience, --jwt-alg
  POST /grafana      Grafana Alerting       HMAC           GRAFANA_WEBHOOK_SECRET

Credentials come from the environment (preferred: flags show in ps) or the
flags, which win. A comma-separated value holds several secrets, all
accepted, for rotation; surrounding whitespace of each is ignored. A
variable NAME_FILE (CHECKLY_WEBHOOK_SECRET_FILE, ...) names a file with one
secret per line instead, for mounted secrets and secrets with a comma in
them. A variable set but blank, a blank file, or a secret with a control
character inside is an error. A route whose credentials are not set
answers 404: it never accepts anything.

Each processed event is printed to stdout as one JSON line:
  {"provider":"checkly","type":"ALERT_FAILURE","resource":"<check id>","time":"<event time>","delivery":"<dedupe key>"}
Every other outcome (duplicate, stale, out_of_order, unauthenticated, ...) is
printed to stderr as one JSON line with its outcome and reason, as are the
receiver's own messages: one says where it listens and which store holds
its dedupe and ordering state. No secret is ever printed. SIGINT or SIGTERM
stops accepting connections, lets requests in flight finish (up to
--shutdown-timeout), and exits 0.

Dedupe and ordering state is kept in memory, for one process. Replicas
behind a load balancer share it in Redis: give each the same --redis URL
(or HOOKSEAL_REDIS_URL, preferred when it carries a password), such as
redis://:password@redis.internal:6379/0, or rediss://... for TLS, with any
@ : / ? # % in the password percent-encoded. A sender's retry that lands
on another replica is then a duplicate, and a late event that lands on
another replica is out of order. Redis must answer at start-up; a Redis
that fails later makes deliveries answer 503, which senders retry.
Receivers that are not replicas of each other but share a database each
need their own --redis-prefix (or database number).`

const listenExamples = `  CHECKLY_WEBHOOK_SECRET=s3cr3t hookseal listen
  CHECKLY_WEBHOOK_SECRET=new,old STATUSSTACK_WEBHOOK_SECRET=s3 hookseal listen --order --addr :9000
  ONCALL_AUTHORIZATION='Bearer t0ken' hookseal listen --addr 127.0.0.1:0   # a free port, printed on stderr
  DATADOG_WEBHOOK_USER=dd DATADOG_WEBHOOK_PASSWORD=pw hookseal listen
  HOOKSEAL_REDIS_URL=redis://redis.internal:6379/0 CHECKLY_WEBHOOK_SECRET=s3cr3t hookseal listen --order --addr :8080
  hookseal listen --jwks https://login.example.com/.well-known/jwks.json \
      --issuer https://login.example.com/ --audience https://hooks.example.com/datadog`

type listenFlags struct {
	addr, checkly, statusstack, grafana, grafanaTSHeader, oncall string
	ddUser, ddPassword, jwks, issuer, audience, jwtAlg, redis    string
	redisPrefix                                                  string
	redisPrefixSet                                               bool   // --redis-prefix given
	redisSource                                                  string // "--redis" or HOOKSEAL_REDIS_URL; "" when neither is set
	maxBody                                                      int64
	tolerance, shutdownTimeout                                   time.Duration
	order                                                        bool
}

func runListen(e *env, args []string) int {
	f := newFlags("listen", "hookseal listen [--addr host:port] [--order] [flags]", listenAbout, listenExamples)
	var lf listenFlags
	f.StringVar(&lf.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on; port 0 picks a free one")
	f.StringVar(&lf.checkly, "checkly-secret", "", "Checkly webhook secret(s) (env CHECKLY_WEBHOOK_SECRET)")
	f.StringVar(&lf.statusstack, "statusstack-secret", "", "StatusStack webhook secret(s) (env STATUSSTACK_WEBHOOK_SECRET)")
	f.StringVar(&lf.grafana, "grafana-secret", "", "Grafana Alerting contact point HMAC secret(s) (env GRAFANA_WEBHOOK_SECRET)")
	f.StringVar(&lf.grafanaTSHeader, "grafana-timestamp-header", "", "the timestamp `header` the Grafana contact point is configured with, if any")
	f.StringVar(&lf.oncall, "oncall-authorization", "", "exact Authorization value(s) OnCall sends (env ONCALL_AUTHORIZATION)")
	f.StringVar(&lf.ddUser, "datadog-user", "", "Datadog Basic user name (env DATADOG_WEBHOOK_USER)")
	f.StringVar(&lf.ddPassword, "datadog-password", "", "Datadog Basic password(s) (env DATADOG_WEBHOOK_PASSWORD)")
	f.StringVar(&lf.jwks, "jwks", "", "JWKS `file or URL` for Datadog OAuth bearer tokens (https, or http to loopback)")
	f.StringVar(&lf.issuer, "issuer", "", "required iss of Datadog bearer tokens (with --jwks)")
	f.StringVar(&lf.audience, "audience", "", "accepted aud value(s) of Datadog bearer tokens, comma-separated (with --jwks)")
	f.StringVar(&lf.jwtAlg, "jwt-alg", "RS256", "allowed JWT `algorithms`, comma-separated (with --jwks)")
	f.Int64Var(&lf.maxBody, "max-body", middleware.DefaultMaxBodyBytes, "largest body accepted, in `bytes`; larger answers 413")
	f.DurationVar(&lf.tolerance, "tolerance", verify.DefaultMaxAge, "how old a sender's timestamp may be before the delivery is stale")
	f.BoolVar(&lf.order, "order", false, "drop events older than one already processed for the same resource")
	f.StringVar(&lf.redis, "redis", "", "Redis `URL` for dedupe and ordering state shared by replicas (env HOOKSEAL_REDIS_URL)")
	f.StringVar(&lf.redisPrefix, "redis-prefix", redisstore.DefaultPrefix, "what every Redis key starts with: the same for replicas of one receiver, its own for each receiver sharing a database")
	f.DurationVar(&lf.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may take to finish on SIGINT/SIGTERM")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	f.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "redis":
			lf.redisSource = "--redis"
		case "redis-prefix":
			lf.redisPrefixSet = true
		}
	})
	cfg, err := lf.config(e)
	if err != nil {
		return fail(e, "listen", err)
	}
	return serve(e, lf, cfg)
}

// config turns flags and environment into a receiver configuration.
func (lf *listenFlags) config(e *env) (receiverConfig, error) {
	if lf.maxBody <= 0 {
		return receiverConfig{}, usagef("--max-body must be a positive number of bytes, got %d", lf.maxBody)
	}
	if lf.tolerance <= 0 {
		return receiverConfig{}, usagef("--tolerance must be positive, got %s", lf.tolerance)
	}
	if lf.shutdownTimeout <= 0 {
		return receiverConfig{}, usagef("--shutdown-timeout must be positive, got %s", lf.shutdownTimeout)
	}
	cfg := receiverConfig{maxBody: lf.maxBody, maxAge: lf.tolerance, order: lf.order, grafanaTimestampHeader: lf.grafanaTSHeader}
	var err error
	// Secrets are read by the library's rule (verify.LookupSecrets): the
	// flag, else the variable, else the file the variable's _FILE names.
	secrets := func(flagValue, flagName, envName string) []string {
		if err != nil {
			return nil
		}
		if flagValue != "" {
			var s []string
			_, s, err = splitSecrets("--"+flagName, flagValue)
			return s
		}
		s, _, lerr := verify.LookupSecrets(e.lookupEnv, envName)
		if lerr != nil {
			err = usagef("%s", strings.ReplaceAll(lerr.Error(), "verify: ", ""))
			return nil
		}
		return secretValues(s)
	}
	cfg.checkly = secrets(lf.checkly, "checkly-secret", "CHECKLY_WEBHOOK_SECRET")
	cfg.statusstack = secrets(lf.statusstack, "statusstack-secret", "STATUSSTACK_WEBHOOK_SECRET")
	cfg.grafana = secrets(lf.grafana, "grafana-secret", "GRAFANA_WEBHOOK_SECRET")
	cfg.oncall = secrets(lf.oncall, "oncall-authorization", "ONCALL_AUTHORIZATION")
	cfg.datadogPasswords = secrets(lf.ddPassword, "datadog-password", "DATADOG_WEBHOOK_PASSWORD")
	if err != nil {
		return receiverConfig{}, err
	}
	if err := lf.redisConfig(e); err != nil {
		return receiverConfig{}, err
	}
	cfg.datadogUser = strings.TrimSpace(pick(lf.ddUser, "DATADOG_WEBHOOK_USER", e))
	switch {
	case cfg.datadogUser != "" && len(cfg.datadogPasswords) == 0:
		return receiverConfig{}, usagef("the Datadog user name is set but no password: set DATADOG_WEBHOOK_PASSWORD or --datadog-password")
	case cfg.datadogUser == "" && len(cfg.datadogPasswords) > 0:
		return receiverConfig{}, usagef("a Datadog password is set but no user name: set DATADOG_WEBHOOK_USER or --datadog-user")
	}
	if cfg.datadogJWT, err = lf.jwtConfig(); err != nil {
		return receiverConfig{}, err
	}
	if len(cfg.checkly)+len(cfg.statusstack)+len(cfg.grafana)+len(cfg.oncall)+len(cfg.datadogPasswords) == 0 && cfg.datadogJWT == nil {
		return receiverConfig{}, usagef("no route is configured: set at least one of CHECKLY_WEBHOOK_SECRET, STATUSSTACK_WEBHOOK_SECRET, " +
			"GRAFANA_WEBHOOK_SECRET, ONCALL_AUTHORIZATION, DATADOG_WEBHOOK_USER + DATADOG_WEBHOOK_PASSWORD or --jwks (or their flags)")
	}
	return cfg, nil
}

// redisConfig settles the Redis URL: --redis, else HOOKSEAL_REDIS_URL.
// Either one set but blank is a usage error rather than the in-memory
// store: it is most likely a deployment template that expanded to nothing,
// and replicas that each fell back to memory would each process every
// delivery.
func (lf *listenFlags) redisConfig(e *env) error {
	if lf.redisSource == "" {
		v, ok := e.lookupEnv(envRedisURL)
		if !ok {
			if lf.redisPrefixSet {
				return usagef("--redis-prefix names Redis keys and needs a Redis URL: set --redis or HOOKSEAL_REDIS_URL")
			}
			return nil
		}
		lf.redis, lf.redisSource = v, envRedisURL
	}
	lf.redis = strings.TrimSpace(lf.redis)
	if lf.redis == "" {
		return usagef("%s is set but empty: give a Redis URL (redis://[:password@]host:port/db) for state shared by replicas, "+
			"or unset it to keep dedupe and ordering state in memory, for one process", lf.redisSource)
	}
	if lf.redisPrefix == "" {
		return usagef("--redis-prefix must not be empty (the default is %q): hookseal's keys could collide with other data in the database", redisstore.DefaultPrefix)
	}
	return nil
}

// jwtConfig builds the Datadog route's JWT settings, or nil without --jwks.
func (lf *listenFlags) jwtConfig() (*jwt.Config, error) {
	if lf.jwks == "" {
		if lf.issuer != "" || lf.audience != "" {
			return nil, usagef("--issuer and --audience configure JWT bearer tokens and need --jwks (a JWKS file or URL)")
		}
		return nil, nil
	}
	if lf.issuer == "" {
		return nil, usagef("--jwks needs --issuer: the iss every accepted token must carry")
	}
	aud, err := splitList("--audience", lf.audience)
	if err != nil {
		return nil, err
	}
	if len(aud) == 0 {
		return nil, usagef("--jwks needs --audience: the aud value(s) a token must carry")
	}
	algs, err := splitList("--jwt-alg", lf.jwtAlg)
	if err != nil || len(algs) == 0 {
		return nil, usagef("--jwt-alg needs at least one algorithm, e.g. RS256")
	}
	cfg := &jwt.Config{Algorithms: algs, Issuer: lf.issuer, Audience: aud, Leeway: 30 * time.Second}
	if strings.HasPrefix(lf.jwks, "https://") || strings.HasPrefix(lf.jwks, "http://") {
		cfg.Keys = jwt.JWKSURL(lf.jwks)
	} else {
		cfg.Keys = jwt.JWKSFile(lf.jwks)
	}
	return cfg, nil
}

// envRedisURL names the Redis URL in the environment; the examples read
// the same variable.
const envRedisURL = "HOOKSEAL_REDIS_URL"

// redisDialTimeout bounds the start-up check that Redis answers.
const redisDialTimeout = 5 * time.Second

// dialRedis opens the Redis store rawURL names; source ("--redis" or
// HOOKSEAL_REDIS_URL) is what errors name. A URL that cannot be used is a
// usage error; a Redis that does not answer is not. Neither quotes the URL:
// it may carry a password.
func dialRedis(ctx context.Context, source, rawURL string, opts ...redisstore.Option) (*redisstore.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, redisDialTimeout)
	defer cancel()
	st, err := redisstore.Dial(ctx, rawURL, opts...)
	switch {
	case errors.Is(err, redisstore.ErrInvalidURL):
		return nil, usagef("%s: %v", source, err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return st, nil
}

// serve runs the receiver until SIGINT or SIGTERM.
func serve(e *env, lf listenFlags, cfg receiverConfig) int {
	l := &lineLog{out: e.stdout, errw: e.stderr}
	cfg.log = l
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	storeName := "memory"
	if lf.redis != "" {
		redis.SetLogger(redisLog{l})
		st, err := dialRedis(ctx, lf.redisSource, lf.redis, redisstore.WithPrefix(lf.redisPrefix))
		if err != nil && ctx.Err() != nil {
			// SIGINT or SIGTERM while waiting for Redis: a stop asked
			// for, not a Redis that failed.
			l.info(struct {
				Msg string `json:"msg"`
			}{"stopped before serving"})
			return exitOK
		}
		if err != nil {
			return fail(e, "listen", err)
		}
		defer st.Close()
		cfg.store, storeName = st, "redis"
	}
	rcv, err := newReceiver(cfg)
	if err != nil {
		if errors.Is(err, verify.ErrInvalidConfig) || errors.Is(err, verify.ErrNoSecret) {
			return fail(e, "listen", usagef("%v", err))
		}
		return fail(e, "listen", err)
	}
	defer rcv.Close()

	ln, err := net.Listen("tcp", lf.addr)
	if err != nil {
		return fail(e, "listen", fmt.Errorf("--addr %s: %w", lf.addr, err))
	}
	srv := &http.Server{
		Handler:           rcv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(errorLogWriter{l}, "", 0),
	}
	unconfigured := make([]string, 0, len(rcv.unconfigured))
	for _, p := range routePaths {
		if _, ok := rcv.unconfigured[p]; ok {
			unconfigured = append(unconfigured, p)
		}
	}
	l.info(struct {
		Msg          string   `json:"msg"`
		Addr         string   `json:"addr"`
		Routes       []string `json:"routes"`
		Unconfigured []string `json:"unconfigured"`
		Order        bool     `json:"order"`
		Store        string   `json:"store"`
	}{"listening", ln.Addr().String(), rcv.configured, unconfigured, cfg.order, storeName})

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fail(e, "listen", err)
	case <-ctx.Done():
	}
	stop() // a second signal now kills the process the default way
	l.info(struct {
		Msg     string `json:"msg"`
		Timeout string `json:"timeout"`
	}{"shutting down", lf.shutdownTimeout.String()})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), lf.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fail(e, "listen", fmt.Errorf("requests still in flight after --shutdown-timeout %s: %w", lf.shutdownTimeout, err))
	}
	l.info(struct {
		Msg string `json:"msg"`
	}{"stopped"})
	return exitOK
}
