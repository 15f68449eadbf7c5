package main

import (
	"fmt"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// serveConfig is everything listen, proxy and demo serve: the routes, the
// backends and the listeners. A config file (readConfigFile) and listen's
// flags (listenFlags.config) both produce one, with every secret already
// read; build turns it into a running server. The only difference between
// listen and proxy is forward: print each processed event, or POST it to
// the route's upstream.
type serveConfig struct {
	source string // the config file's path; "" when the flags made it

	listen          string
	admin           string // "" serves no admin listener
	maxBody         int64
	maxAge          time.Duration // how old a sender's timestamp may be
	shutdownTimeout time.Duration

	dataDir string         // the file store and inbox; "" for none
	redis   *redisSettings // nil: no Redis
	inbox   inboxSettings

	routes []*routeSpec
	// unconfigured maps the paths listen knows but was given no
	// credentials for to what would configure them: they answer 404 with
	// that hint.
	unconfigured map[string]string

	// noiseEvery: print one in every noiseEvery unauthenticated,
	// method_not_allowed and not_found lines (1: every one); /metrics
	// counts them all.
	noiseEvery int

	forward bool             // proxy: POST each delivery upstream
	clock   func() time.Time // nil: time.Now (the demo fixes it)
	log     *lineLog
}

// redisSettings says where the Redis store (and inbox) live. url may hold a
// password: it is never printed, and source ("--redis",
// HOOKSEAL_REDIS_URL, or the variable the file names) is what errors name.
type redisSettings struct {
	url, source, prefix string
	poolSize            int           // connections per Redis server; 0: redisstore.DefaultPoolSize or the URL's pool_size
	timeout             time.Duration // each call's budget; 0: redisstore.DefaultTimeout
	dialTimeout         time.Duration // 0: the URL's dial_timeout, or go-redis's 5 s
}

// inboxSettings configure the inbox and its runner.
type inboxSettings struct {
	enabled                           bool
	name                              string // the Redis inbox's name
	maxAge, backoffMin, backoffMax    time.Duration
	concurrency, maxEntries, maxBytes int
}

// defaultInbox is the inbox a config file gets unless it says otherwise.
func defaultInbox() inboxSettings {
	return inboxSettings{
		enabled: true, name: "hookseal", maxAge: inbox.DefaultMaxAge, concurrency: inbox.DefaultConcurrency,
		maxEntries: inbox.DefaultMaxEntries, maxBytes: inbox.DefaultMaxBytes,
		backoffMin: inbox.DefaultMinBackoff, backoffMax: inbox.DefaultMaxBackoff,
	}
}

// Defaults of the serving path, shared by listen's flags and the file.
const (
	defaultListen          = "127.0.0.1:8080"
	defaultProxyAdmin      = "127.0.0.1:9090"
	defaultShutdownTimeout = 10 * time.Second
	defaultUpstreamTimeout = 10 * time.Second
	defaultMaxBody         = middleware.DefaultMaxBodyBytes
	defaultMaxAge          = verify.DefaultMaxAge
	dbFileName             = "hookseal.db"
)

// routeSpec is one route, its secrets read.
type routeSpec struct {
	name, path string
	sender     *senderKind
	provider   string // the name deliveries report; the sender's own unless configurable

	secrets  []verify.Secret // HMAC secrets, tokens, Authorization values, Basic passwords
	scheme   verify.Scheme   // the HMAC senders'
	tsHeader string          // grafana's timestamp header
	header   string          // token's header
	user     string          // basic's and datadog's user name
	jwt      *jwt.Config     // datadog's bearer tokens
	jwtFlags string          // what JWT errors name: the flags or the file's key
	repeat   time.Duration   // alertmanager's repeat_interval; 0 for the default

	order, strict bool
	// coalesce: a newer pending event of a resource supersedes the older
	// ones in the inbox (middleware.WithCoalescing); needs order and an
	// inbox.
	coalesce bool
	keys     event.KeyMap
	upstream *upstreamSpec // proxy only

	// at returns "FILE:LINE: " for the route's key (or the route itself
	// when the key is absent), so that an error found while building it
	// points into the file; "" for routes made from flags.
	at func(key string) string
}

// upstreamSpec is where a proxy route forwards, and the secrets the hop is
// signed with (Standard Webhooks, whsec_...).
type upstreamSpec struct {
	url       string
	timeout   time.Duration
	secrets   []string
	secretSet bool // the file said where the secret comes from (errors reading it are reported already)
}

// where prefixes err with the route's position in the file, if any.
func (rs *routeSpec) where(key string, err error) error {
	if rs.at == nil {
		return fmt.Errorf("route %s: %w", rs.path, err)
	}
	return fmt.Errorf("%sroute %s: %w", rs.at(key), rs.path, err)
}
