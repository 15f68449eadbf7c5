package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

const listenAbout = `
Serve webhook routes on --addr, each authenticating, dropping stale,
duplicate (and with --order, out-of-order) deliveries, and decoding the
sender's payload:

  POST /checkly           Checkly alerts          HMAC           CHECKLY_WEBHOOK_SECRET
  POST /statusstack       StatusStack events      HMAC           STATUSSTACK_WEBHOOK_SECRET
  POST /oncall            Grafana OnCall events   Authorization  ONCALL_AUTHORIZATION (the exact value)
  POST /datadog           Datadog webhooks        Basic          DATADOG_WEBHOOK_USER + DATADOG_WEBHOOK_PASSWORD
                                                  and/or JWT     --jwks, --issuer, --audience, --jwt-alg
  POST /grafana           Grafana Alerting        HMAC           GRAFANA_WEBHOOK_SECRET
  POST /pagerduty         PagerDuty v3 events     HMAC           PAGERDUTY_WEBHOOK_SECRET
  POST /alertmanager      Alertmanager groups     Authorization  ALERTMANAGER_AUTHORIZATION (the exact value)
  POST /standardwebhooks  Standard Webhooks       HMAC (v1)      STANDARD_WEBHOOKS_SECRET: whsec_ secrets
                          (any body, unordered)   Ed25519 (v1a)  and/or whpk_ public keys

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
(or HOOKSEAL_REDIS_URL, preferred when it carries a password), one of
  redis://:password@redis.internal:6379/0               one server (rediss:// for TLS)
  redis+cluster://:password@10.0.0.5:7000,10.0.0.6:7000  a Redis Cluster, through any of its nodes
  redis+sentinel://:password@10.0.0.5:26379,10.0.0.6:26379/mymaster/0
                                                        the primary the sentinels call mymaster
with any @ : / ? # % , in the password percent-encoded, and options such as
?pool_size=128&dial_timeout=500ms. --redis-pool-size, --redis-timeout (each
call's budget) and --redis-dial-timeout set them too. A sender's retry that
lands on another replica is then a duplicate, and a late event that lands on
another replica is out of order. Redis must answer at start-up; a Redis
that fails later (or fails over) makes deliveries answer 503, which senders
retry.
Receivers that are not replicas of each other but share a database each
need their own --redis-prefix (or database number).

--inbox DIR keeps accepted deliveries, and the dedupe and ordering state,
in the file inbox in DIR (DIR/hookseal.db): senders are answered accepted
once a delivery is on disk, and each event is printed when the inbox runs
it (see hookseal inbox). --admin host:port serves /healthz, /readyz and
/metrics (Prometheus) on a listener of its own. --checkly-keys,
--oncall-keys and --datadog-keys map the keys of your body template to
the sender's variables (see hookseal template --keys).

--config FILE serves the routes of a config file as hookseal proxy reads
it (see hookseal proxy --help and the README), printing each event
instead of forwarding it; every setting then comes from the file.`

const listenExamples = `  CHECKLY_WEBHOOK_SECRET=s3cr3t hookseal listen
  CHECKLY_WEBHOOK_SECRET=new,old STATUSSTACK_WEBHOOK_SECRET=s3 hookseal listen --order --addr :9000
  ONCALL_AUTHORIZATION='Bearer t0ken' hookseal listen --addr 127.0.0.1:0   # a free port, printed on stderr
  DATADOG_WEBHOOK_USER=dd DATADOG_WEBHOOK_PASSWORD=pw hookseal listen
  HOOKSEAL_REDIS_URL=redis://redis.internal:6379/0 CHECKLY_WEBHOOK_SECRET=s3cr3t hookseal listen --order --addr :8080
  hookseal listen --jwks https://login.example.com/.well-known/jwks.json \
      --issuer https://login.example.com/ --audience https://hooks.example.com/datadog
  CHECKLY_WEBHOOK_SECRET=s3cr3t hookseal listen --inbox ./data --admin 127.0.0.1:9090 --checkly-keys type=ALERT_TYPE,started=STARTED_AT
  hookseal listen --config proxy.yaml`

type listenFlags struct {
	addr, checkly, statusstack, grafana, grafanaTSHeader, oncall string
	ddUser, ddPassword, jwks, issuer, audience, jwtAlg, redis    string
	redisPrefix, admin, inboxDir, configFile                     string
	checklyKeys, oncallKeys, datadogKeys                         string
	pagerduty, alertmanager, standardWebhooks                    string
	redisPrefixSet                                               bool   // --redis-prefix given
	redisTuned                                                   string // a --redis-pool-size/-timeout/-dial-timeout flag given, for errors
	redisPoolSize                                                int
	noiseEvery                                                   int
	redisTimeout, redisDialTimeout                               time.Duration
	redisSource                                                  string // "--redis" or HOOKSEAL_REDIS_URL; "" when neither is set
	maxBody                                                      int64
	tolerance, shutdownTimeout                                   time.Duration
	order                                                        bool
	set                                                          []string // the flags given
}

func runListen(e *env, args []string) int {
	f := newFlags("listen", "hookseal listen [--addr host:port] [--order] [flags]", listenAbout, listenExamples)
	var lf listenFlags
	f.StringVar(&lf.addr, "addr", defaultListen, "`host:port` to listen on; port 0 picks a free one")
	f.StringVar(&lf.checkly, "checkly-secret", "", "Checkly webhook secret(s) (env CHECKLY_WEBHOOK_SECRET)")
	f.StringVar(&lf.statusstack, "statusstack-secret", "", "StatusStack webhook secret(s) (env STATUSSTACK_WEBHOOK_SECRET)")
	f.StringVar(&lf.grafana, "grafana-secret", "", "Grafana Alerting contact point HMAC secret(s) (env GRAFANA_WEBHOOK_SECRET)")
	f.StringVar(&lf.grafanaTSHeader, "grafana-timestamp-header", "", "the timestamp `header` the Grafana contact point is configured with, if any")
	f.StringVar(&lf.oncall, "oncall-authorization", "", "exact Authorization value(s) OnCall sends (env ONCALL_AUTHORIZATION)")
	f.StringVar(&lf.pagerduty, "pagerduty-secret", "", "PagerDuty v3 webhook subscription secret(s) (env PAGERDUTY_WEBHOOK_SECRET)")
	f.StringVar(&lf.alertmanager, "alertmanager-authorization", "", "exact Authorization value(s) Alertmanager's webhook receiver sends (env ALERTMANAGER_AUTHORIZATION)")
	f.StringVar(&lf.standardWebhooks, "standard-webhooks-secret", "", "Standard Webhooks whsec_ secret(s) and/or whpk_ public key(s) (env STANDARD_WEBHOOKS_SECRET)")
	f.StringVar(&lf.ddUser, "datadog-user", "", "Datadog Basic user name (env DATADOG_WEBHOOK_USER)")
	f.StringVar(&lf.ddPassword, "datadog-password", "", "Datadog Basic password(s) (env DATADOG_WEBHOOK_PASSWORD)")
	f.StringVar(&lf.jwks, "jwks", "", "JWKS `file or URL` for Datadog OAuth bearer tokens (https, or http to loopback)")
	f.StringVar(&lf.issuer, "issuer", "", "required iss of Datadog bearer tokens (with --jwks)")
	f.StringVar(&lf.audience, "audience", "", "accepted aud value(s) of Datadog bearer tokens, comma-separated (with --jwks)")
	f.StringVar(&lf.jwtAlg, "jwt-alg", "RS256", "allowed JWT `algorithms`, comma-separated (with --jwks)")
	f.StringVar(&lf.checklyKeys, "checkly-keys", "", "the /checkly route's template key map: comma-separated `key=VARIABLE` pairs, such as type=ALERT_TYPE,started=STARTED_AT")
	f.StringVar(&lf.oncallKeys, "oncall-keys", "", "the /oncall route's template key map (`key=VARIABLE,...`, such as kind=event.type)")
	f.StringVar(&lf.datadogKeys, "datadog-keys", "", "the /datadog route's template key map (`key=VARIABLE,...`, such as type=$EVENT_TYPE)")
	f.Int64Var(&lf.maxBody, "max-body", defaultMaxBody, "largest body accepted, in `bytes`; larger answers 413")
	f.DurationVar(&lf.tolerance, "tolerance", defaultMaxAge, "how old a sender's timestamp may be before the delivery is stale")
	f.BoolVar(&lf.order, "order", false, "drop events older than one already processed for the same resource")
	f.StringVar(&lf.redis, "redis", "", "Redis `URL` for dedupe and ordering state shared by replicas (env HOOKSEAL_REDIS_URL)")
	f.StringVar(&lf.redisPrefix, "redis-prefix", redisstore.DefaultPrefix, "what every Redis key starts with: the same for replicas of one receiver, its own for each receiver sharing a database")
	f.IntVar(&lf.redisPoolSize, "redis-pool-size", 0, "connections kept to each Redis server (default 64, or the URL's pool_size)")
	f.DurationVar(&lf.redisTimeout, "redis-timeout", redisstore.DefaultTimeout, "budget of each Redis call; a delivery whose call runs out of it answers 503")
	f.DurationVar(&lf.redisDialTimeout, "redis-dial-timeout", 0, "bound on opening a Redis connection (default 5s, or the URL's dial_timeout)")
	f.StringVar(&lf.inboxDir, "inbox", "", "keep accepted deliveries (and dedupe and ordering state) in the file inbox in `dir`, "+
		"answer senders once it has them, and print each event when the inbox runs it")
	f.IntVar(&lf.noiseEvery, "log-noise-every", 1, "print one in every `n` unauthenticated, method_not_allowed and not_found lines (scanners' noise); /metrics counts them all")
	f.StringVar(&lf.admin, "admin", "", "serve /healthz, /readyz and /metrics on `host:port` (none by default)")
	f.StringVar(&lf.configFile, "config", "", "serve the routes of a config `file` (as hookseal proxy reads it), printing instead of forwarding; no other flag goes with it")
	f.DurationVar(&lf.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "how long requests in flight may take to finish on SIGINT/SIGTERM")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	f.Visit(func(fl *flag.Flag) {
		lf.set = append(lf.set, fl.Name)
		switch fl.Name {
		case "redis":
			lf.redisSource = "--redis"
		case "redis-prefix":
			lf.redisPrefixSet = true
		case "redis-pool-size", "redis-timeout", "redis-dial-timeout":
			lf.redisTuned = "--" + fl.Name
		}
	})
	var cfg *serveConfig
	var err error
	if lf.configFile != "" {
		for _, name := range lf.set {
			if name != "config" {
				return fail(e, "listen", usagef("--%s goes in the config file with --config (every setting lives there)", name))
			}
		}
		cfg, err = readConfigFile(e, lf.configFile, false)
	} else {
		cfg, err = lf.config(e)
	}
	if err != nil {
		return fail(e, "listen", err)
	}
	cfg.log = &lineLog{out: e.stdout, errw: e.stderr, noiseEvery: cfg.noiseEvery}
	return serve(e, "listen", cfg)
}

// config turns flags and environment into the configuration a config file
// would give: one route per sender whose credentials are set.
func (lf *listenFlags) config(e *env) (*serveConfig, error) {
	if lf.maxBody <= 0 {
		return nil, usagef("--max-body must be a positive number of bytes, got %d", lf.maxBody)
	}
	if lf.tolerance <= 0 {
		return nil, usagef("--tolerance must be positive, got %s", lf.tolerance)
	}
	if lf.shutdownTimeout <= 0 {
		return nil, usagef("--shutdown-timeout must be positive, got %s", lf.shutdownTimeout)
	}
	if lf.noiseEvery < 1 {
		return nil, usagef("--log-noise-every must be 1 (print every line) or more, got %d", lf.noiseEvery)
	}
	cfg := &serveConfig{
		listen: lf.addr, admin: lf.admin, maxBody: lf.maxBody, maxAge: lf.tolerance, shutdownTimeout: lf.shutdownTimeout, noiseEvery: lf.noiseEvery,
		inbox: defaultInbox(), unconfigured: map[string]string{},
	}
	cfg.inbox.enabled = false
	var err error
	// Secrets are read by the library's rule (verify.LookupSecrets): the
	// flag, else the variable, else the file the variable's _FILE names.
	secrets := func(flagValue, flagName, envName string) []verify.Secret {
		if err != nil {
			return nil
		}
		if flagValue != "" {
			var s []string
			_, s, err = splitSecrets("--"+flagName, flagValue)
			return verify.Secrets(s...)
		}
		s, _, lerr := verify.LookupSecrets(e.lookupEnv, envName)
		if lerr != nil {
			err = usagef("%s", strings.ReplaceAll(lerr.Error(), "verify: ", ""))
			return nil
		}
		return s
	}
	checklySecrets := secrets(lf.checkly, "checkly-secret", "CHECKLY_WEBHOOK_SECRET")
	statusstackSecrets := secrets(lf.statusstack, "statusstack-secret", "STATUSSTACK_WEBHOOK_SECRET")
	grafanaSecrets := secrets(lf.grafana, "grafana-secret", "GRAFANA_WEBHOOK_SECRET")
	oncallValues := secrets(lf.oncall, "oncall-authorization", "ONCALL_AUTHORIZATION")
	ddPasswords := secrets(lf.ddPassword, "datadog-password", "DATADOG_WEBHOOK_PASSWORD")
	pagerdutySecrets := secrets(lf.pagerduty, "pagerduty-secret", "PAGERDUTY_WEBHOOK_SECRET")
	alertmanagerValues := secrets(lf.alertmanager, "alertmanager-authorization", "ALERTMANAGER_AUTHORIZATION")
	standardWebhooksSecrets := secrets(lf.standardWebhooks, "standard-webhooks-secret", "STANDARD_WEBHOOKS_SECRET")
	if err != nil {
		return nil, err
	}
	if err := lf.redisConfig(e); err != nil {
		return nil, err
	}
	if lf.redis != "" {
		cfg.redis = &redisSettings{url: lf.redis, source: lf.redisSource, prefix: lf.redisPrefix,
			poolSize: lf.redisPoolSize, timeout: lf.redisTimeout, dialTimeout: lf.redisDialTimeout}
	}
	if lf.inboxDir != "" {
		if cfg.redis != nil {
			return nil, usagef("--inbox keeps state in a file and %s in Redis: choose one", lf.redisSource)
		}
		cfg.dataDir, cfg.inbox.enabled = lf.inboxDir, true
	}
	ddUser := strings.TrimSpace(pick(lf.ddUser, "DATADOG_WEBHOOK_USER", e))
	switch {
	case ddUser != "" && len(ddPasswords) == 0:
		return nil, usagef("the Datadog user name is set but no password: set DATADOG_WEBHOOK_PASSWORD or --datadog-password")
	case ddUser == "" && len(ddPasswords) > 0:
		return nil, usagef("a Datadog password is set but no user name: set DATADOG_WEBHOOK_USER or --datadog-user")
	}
	ddJWT, err := lf.jwtConfig()
	if err != nil {
		return nil, err
	}
	keys := map[string]event.KeyMap{}
	for _, k := range []struct {
		route, flag, value string
		m                  event.Mapped
	}{{"checkly", "--checkly-keys", lf.checklyKeys, &checkly.Alert{}}, {"oncall", "--oncall-keys", lf.oncallKeys, &oncall.Event{}},
		{"datadog", "--datadog-keys", lf.datadogKeys, &datadog.Event{}}} {
		if keys[k.route], err = parseKeyMap(k.flag, k.value, k.m); err != nil {
			return nil, err
		}
	}

	add := func(name string, configured bool, how string, rs *routeSpec) {
		path := "/" + name
		if !configured {
			cfg.unconfigured[path] = how
			if keys[name] != nil {
				err = errors.Join(err, usagef("--%s-keys maps the keys of %s, which is not configured: set %s", name, path, how))
			}
			return
		}
		rs.name, rs.path, rs.sender, rs.provider = name, path, findSender(name), name
		// --order orders every route whose events name a resource: not
		// /standardwebhooks, which takes any body.
		rs.order = lf.order && rs.sender.typed
		rs.keys, rs.jwtFlags = keys[name], "--jwks, --issuer, --audience, --jwt-alg"
		if rs.sender.auth == authHMAC {
			rs.scheme, _ = presetScheme(name, rs.tsHeader)
		}
		cfg.routes = append(cfg.routes, rs)
	}
	add("checkly", len(checklySecrets) > 0, "CHECKLY_WEBHOOK_SECRET or --checkly-secret", &routeSpec{secrets: checklySecrets})
	add("statusstack", len(statusstackSecrets) > 0, "STATUSSTACK_WEBHOOK_SECRET or --statusstack-secret", &routeSpec{secrets: statusstackSecrets})
	add("oncall", len(oncallValues) > 0, "ONCALL_AUTHORIZATION or --oncall-authorization", &routeSpec{secrets: oncallValues})
	add("datadog", ddUser != "" || ddJWT != nil, "DATADOG_WEBHOOK_USER and DATADOG_WEBHOOK_PASSWORD, or --jwks with --issuer and --audience",
		&routeSpec{user: ddUser, secrets: ddPasswords, jwt: ddJWT})
	add("grafana", len(grafanaSecrets) > 0, "GRAFANA_WEBHOOK_SECRET or --grafana-secret", &routeSpec{secrets: grafanaSecrets, tsHeader: lf.grafanaTSHeader})
	add("pagerduty", len(pagerdutySecrets) > 0, "PAGERDUTY_WEBHOOK_SECRET or --pagerduty-secret", &routeSpec{secrets: pagerdutySecrets})
	add("alertmanager", len(alertmanagerValues) > 0, "ALERTMANAGER_AUTHORIZATION or --alertmanager-authorization", &routeSpec{secrets: alertmanagerValues})
	add("standardwebhooks", len(standardWebhooksSecrets) > 0, "STANDARD_WEBHOOKS_SECRET or --standard-webhooks-secret", &routeSpec{secrets: standardWebhooksSecrets})
	if err != nil {
		return nil, err
	}
	if len(cfg.routes) == 0 {
		return nil, usagef("no route is configured: set at least one of CHECKLY_WEBHOOK_SECRET, STATUSSTACK_WEBHOOK_SECRET, " +
			"GRAFANA_WEBHOOK_SECRET, PAGERDUTY_WEBHOOK_SECRET, ONCALL_AUTHORIZATION, ALERTMANAGER_AUTHORIZATION, STANDARD_WEBHOOKS_SECRET, " +
			"DATADOG_WEBHOOK_USER + DATADOG_WEBHOOK_PASSWORD or --jwks (or their flags)")
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
			if lf.redisTuned != "" {
				return usagef("%s tunes the Redis client and needs a Redis URL: set --redis or HOOKSEAL_REDIS_URL", lf.redisTuned)
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
	switch {
	case lf.redisPoolSize < 0:
		return usagef("--redis-pool-size must be positive, got %d", lf.redisPoolSize)
	case lf.redisTimeout <= 0:
		return usagef("--redis-timeout must be positive, got %s", lf.redisTimeout)
	case lf.redisDialTimeout < 0:
		return usagef("--redis-dial-timeout must be positive, got %s", lf.redisDialTimeout)
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

// openRedis opens the one Redis client a receiver uses for its store, its
// inbox and its readiness check, as rs says. rs.source ("--redis",
// HOOKSEAL_REDIS_URL or the variable a config file names) is what errors
// name. A URL that cannot be used is a usage error; a Redis that does not
// answer is not. Neither quotes the URL: it may carry a password.
func openRedis(ctx context.Context, rs *redisSettings) (redis.UniversalClient, *redisstore.ClientConfig, error) {
	rc, err := redisstore.ParseURL(rs.url)
	if err != nil {
		return nil, nil, usagef("%s: %v", rs.source, err)
	}
	if rs.poolSize > 0 {
		rc.PoolSize = rs.poolSize
	}
	if rs.dialTimeout > 0 {
		rc.DialTimeout = rs.dialTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, redisDialTimeout)
	defer cancel()
	client, err := rc.Dial(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rs.source, err)
	}
	return client, rc, nil
}

// redisStore is the Store on client that rs configures.
func redisStore(client redis.UniversalClient, rs *redisSettings) (*redisstore.Store, error) {
	opts := []redisstore.Option{redisstore.WithPrefix(rs.prefix)}
	if rs.timeout > 0 {
		opts = append(opts, redisstore.WithTimeout(rs.timeout))
	}
	return redisstore.New(client, opts...)
}

// routePaths are the routes listen's flags configure, in the order they
// are listed.
var routePaths = []string{"/checkly", "/statusstack", "/oncall", "/datadog", "/grafana", "/pagerduty", "/alertmanager", "/standardwebhooks"}
