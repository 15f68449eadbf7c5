package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrInvalidURL is wrapped by the errors [ParseURL] and [Dial] return for a
// URL they cannot use. Such an error says what is wrong and what a valid
// URL looks like, and never quotes the URL given, which may carry a
// password.
var ErrInvalidURL = errors.New("redisstore: not a Redis URL")

// urlForms is what every ErrInvalidURL error says a URL looks like.
const urlForms = "want redis://[[user]:password@]host[:port][/db] (rediss:// for TLS, or unix:///path/to/redis.sock), " +
	"redis+cluster://[[user]:password@]host:port[,host:port...] for a Cluster, " +
	"or redis+sentinel://[[user]:password@]host:port[,host:port...]/primary-name[/db] for Sentinel, " +
	"with @ : / ? # % , and spaces in the user name or password percent-encoded"

// Kind is the Redis deployment a URL names.
type Kind int

const (
	// Node is a single Redis server: redis://, rediss:// or unix://.
	Node Kind = iota + 1
	// Cluster is a Redis Cluster, reached through any of its nodes:
	// redis+cluster:// or rediss+cluster://.
	Cluster
	// Sentinel is a primary and its replicas watched by Redis Sentinel,
	// reached through the sentinels: redis+sentinel:// or
	// rediss+sentinel://.
	Sentinel
)

// String returns "node", "cluster" or "sentinel".
func (k Kind) String() string {
	switch k {
	case Node:
		return "node"
	case Cluster:
		return "cluster"
	case Sentinel:
		return "sentinel"
	}
	return "unknown"
}

// DefaultPoolSize is the number of connections a client made by
// [ClientConfig.NewClient] keeps to each Redis server when the URL does not
// set pool_size. It is larger than go-redis's own default (10 per CPU): a
// call holds its connection for a round trip, and with 20 ms between the
// receiver and Redis, 400 deliveries a second already keep 16 connections
// busy; a delivery waiting for a connection is a delivery answered late.
const DefaultPoolSize = 64

// clusterReload is how often a Cluster client reloads the slot map when
// nothing fails (go-redis's default is a minute). A failure reloads it at
// once, see followFailover.
const clusterReload = 5 * time.Second

// ClientConfig is a Redis URL read by [ParseURL]: the kind of deployment,
// where it is, and the client's pool and timeouts, which a program may
// change (from its own flags, say) before [ClientConfig.NewClient] or
// [ClientConfig.Dial]. A zero pool size or timeout keeps the default.
type ClientConfig struct {
	// Kind says which client NewClient returns: a *redis.Client for
	// [Node] and [Sentinel] (a failover client that asks the sentinels
	// where the primary is), a *redis.ClusterClient for [Cluster].
	Kind Kind
	// PoolSize is the number of connections kept to each server (the
	// URL's pool_size; default [DefaultPoolSize]).
	PoolSize int
	// DialTimeout bounds opening a connection (dial_timeout; go-redis's
	// default, 5 s). ReadTimeout and WriteTimeout bound a socket read or
	// write (read_timeout, write_timeout; 3 s) of a call that has no
	// deadline of its own; the Store's and the Inbox's calls have one,
	// their budget, which wins when it is shorter. PoolTimeout bounds the
	// wait for a free connection (pool_timeout; read_timeout + 1 s), and
	// a call's budget bounds it too.
	DialTimeout, ReadTimeout, WriteTimeout, PoolTimeout time.Duration

	node     *redis.Options
	cluster  *redis.ClusterOptions
	sentinel *redis.FailoverOptions
}

// ParseURL reads a Redis URL in one of three forms:
//
//	redis://[[user]:password@]host[:port][/db][?option=value&...]        one server (port 6379; rediss:// for TLS)
//	unix://[[user]:password@]/path/to/redis.sock[?db=n&...]              one server on a Unix socket
//	redis+cluster://[[user]:password@]host:port[,host:port...][?...]     a Redis Cluster (rediss+cluster:// for TLS)
//	redis+sentinel://[[user]:password@]host:port[,host:port...]/name[/db][?...]
//	                                                                     the primary called name, found through
//	                                                                     the sentinels listed (port 26379;
//	                                                                     rediss+sentinel:// for TLS)
//
// A Cluster URL lists some of the cluster's nodes (one is enough; the
// client learns the others from it, but a node listed is a node that may
// be down at start-up). A Sentinel URL lists sentinels; its user and
// password are the primary's and replicas' (requirepass or an ACL user),
// and sentinels that require a password of their own take it in the
// sentinel_username and sentinel_password options.
//
// Options are go-redis's URL options (see [redis.ParseURL],
// [redis.ParseClusterURL] and [redis.ParseFailoverURL]), among them
// pool_size, dial_timeout, read_timeout, write_timeout and pool_timeout
// (a duration such as 500ms; a bare number is seconds). An unknown option
// is an error. In a Cluster or Sentinel URL, the addresses, the primary's
// name, the database and the credentials come from the URL's own parts,
// never from options.
//
// Errors wrap [ErrInvalidURL] and never quote the URL or a password.
func ParseURL(rawURL string) (*ClientConfig, error) {
	scheme, _, found := strings.Cut(rawURL, "://")
	if !found {
		return nil, invalid("it has no scheme (redis://, rediss://, unix://, redis+cluster:// or redis+sentinel://)")
	}
	switch scheme {
	case "redis", "rediss", "unix":
		return parseNode(rawURL)
	case "redis+cluster", "rediss+cluster":
		return parseCluster(rawURL)
	case "redis+sentinel", "rediss+sentinel":
		return parseSentinel(rawURL)
	}
	return nil, invalid("the scheme is not redis, rediss, unix, redis+cluster, rediss+cluster, redis+sentinel or rediss+sentinel")
}

func invalid(reason string) error { return fmt.Errorf("%w (%s); %s", ErrInvalidURL, reason, urlForms) }

// parseNode reads a single server's URL with go-redis's ParseURL, after
// checking that its credentials were read as credentials (see wellFormed).
func parseNode(rawURL string) (*ClientConfig, error) {
	if !wellFormed(rawURL) {
		return nil, invalid("it does not parse, or an unencoded character in the password ends it early")
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis's message may quote the URL, password and all.
		return nil, invalid("go-redis refuses it (an unknown option, a bad database number or duration?)")
	}
	c := &ClientConfig{Kind: Node, node: opt}
	c.PoolSize, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout = opt.PoolSize, opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout
	return c, nil
}

// multiURL is a URL with several hosts, which net/url does not read:
// scheme://[userinfo@]host[:port][,host[:port]...][/path][?query].
type multiURL struct {
	tls      bool
	userinfo string // as written, still percent-encoded; "" for none
	user     *url.Userinfo
	hosts    []string // host:port, the default port added
	path     string
	query    url.Values
}

// splitMulti reads a URL with several hosts, strictly: no fragment, no '@'
// outside the credentials, every host a host with an optional numeric
// port.
func splitMulti(rawURL string, defaultPort string) (multiURL, error) {
	var m multiURL
	scheme, rest, _ := strings.Cut(rawURL, "://")
	m.tls = strings.HasPrefix(scheme, "rediss")
	if strings.ContainsAny(rawURL, "# \t\r\n") {
		return m, invalid("it holds a '#' or a space: percent-encode them in a password")
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		m.userinfo, authority = authority[:i], authority[i+1:]
		u, err := url.Parse("redis://" + m.userinfo + "@localhost")
		if err != nil || u.User == nil {
			return m, invalid("its user name or password is not percent-encoded")
		}
		m.user = u.User
	}
	if strings.Contains(tail, "@") {
		return m, invalid("an unencoded '/' or '?' in the password ends its credentials early: percent-encode it")
	}
	if authority == "" {
		return m, invalid("it names no host")
	}
	for h := range strings.SplitSeq(authority, ",") {
		if h == "" {
			return m, invalid("its list of hosts has an empty entry")
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			if host, port = h, defaultPort; strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
				return m, invalid("a host's port is not a number")
			}
			host = strings.Trim(host, "[]")
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return m, invalid("a host's port is not a number from 1 to 65535")
		}
		if host == "" || strings.ContainsAny(host, "/?%[]") {
			return m, invalid("a host name is empty or holds / ? % [ ]")
		}
		m.hosts = append(m.hosts, net.JoinHostPort(host, port))
	}
	path, query, _ := strings.Cut(tail, "?")
	m.path = path
	q, err := url.ParseQuery(query)
	if err != nil {
		return m, invalid("its options (after '?') are not percent-encoded")
	}
	m.query = q
	return m, nil
}

// goRedisURL is m written as go-redis's cluster and failover parsers take
// it: the first host, the others as addr options, then the query.
func (m multiURL) goRedisURL(userinfo, path string) string {
	q := url.Values{}
	for k, v := range m.query {
		q[k] = v
	}
	for _, h := range m.hosts[1:] {
		q.Add("addr", h)
	}
	scheme := "redis"
	if m.tls {
		scheme = "rediss"
	}
	if userinfo != "" {
		userinfo += "@"
	}
	return scheme + "://" + userinfo + m.hosts[0] + path + "?" + q.Encode()
}

// reserved are options a Cluster or Sentinel URL says with its own parts.
var reserved = []string{"addr", "master_name", "db", "username", "password"}

func (m multiURL) checkOptions() error {
	for _, k := range reserved {
		if m.query.Has(k) {
			return invalid("the option " + k + " is given by the URL's own parts (hosts, /name/db, user:password@), not as an option")
		}
	}
	return nil
}

// goRedisError describes an error of go-redis's parsers, unless it could
// quote a secret.
func goRedisError(err error, secrets ...string) error {
	msg := err.Error()
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return invalid("it does not parse")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			return invalid("go-redis refuses its options")
		}
	}
	return invalid(strings.TrimPrefix(msg, "redis: "))
}

func parseCluster(rawURL string) (*ClientConfig, error) {
	m, err := splitMulti(rawURL, "6379")
	if err != nil {
		return nil, err
	}
	if m.path != "" && m.path != "/" && m.path != "/0" {
		return nil, invalid("a Cluster has only database 0: end the hosts with nothing, / or /0")
	}
	if err := m.checkOptions(); err != nil {
		return nil, err
	}
	pw, _ := userPassword(m.user)
	opt, err := redis.ParseClusterURL(m.goRedisURL(m.userinfo, ""))
	if err != nil {
		return nil, goRedisError(err, m.userinfo, pw)
	}
	c := &ClientConfig{Kind: Cluster, cluster: opt}
	c.PoolSize, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout = opt.PoolSize, opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout
	return c, nil
}

func parseSentinel(rawURL string) (*ClientConfig, error) {
	m, err := splitMulti(rawURL, "26379")
	if err != nil {
		return nil, err
	}
	segs := strings.Split(strings.TrimPrefix(m.path, "/"), "/")
	if m.path == "" || segs[0] == "" || len(segs) > 2 || (len(segs) == 2 && segs[1] == "") {
		return nil, invalid("a Sentinel URL ends with /name or /name/db: the name of the primary, as the sentinels monitor it, and the database")
	}
	name, err := url.PathUnescape(segs[0])
	if err != nil || name == "" {
		return nil, invalid("the primary's name is not percent-encoded")
	}
	db := 0
	if len(segs) == 2 {
		if db, err = strconv.Atoi(segs[1]); err != nil || db < 0 {
			return nil, invalid("the database (after the primary's name) is not a number")
		}
	}
	if err := m.checkOptions(); err != nil {
		return nil, err
	}
	sentinelUser, sentinelPassword := m.query.Get("sentinel_username"), m.query.Get("sentinel_password")
	m.query.Del("sentinel_username")
	m.query.Del("sentinel_password")
	m.query.Set("master_name", name)
	pw, _ := userPassword(m.user)
	opt, err := redis.ParseFailoverURL(m.goRedisURL("", "/"+strconv.Itoa(db)))
	if err != nil {
		return nil, goRedisError(err, m.userinfo, pw, sentinelPassword)
	}
	if m.user != nil {
		opt.Username = m.user.Username()
		opt.Password = pw
	}
	opt.SentinelUsername, opt.SentinelPassword = sentinelUser, sentinelPassword
	c := &ClientConfig{Kind: Sentinel, sentinel: opt}
	c.PoolSize, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout = opt.PoolSize, opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout
	return c, nil
}

func userPassword(u *url.Userinfo) (string, bool) {
	if u == nil {
		return "", false
	}
	return u.Password()
}

// wellFormed reports whether rawURL parses as a URL whose credentials, if
// it has any, were read as credentials. An unencoded '#' in a password
// ends the URL's authority early: "redis://:4242#rest@host" would parse as
// host "" port 4242, and the address in a later error would show the
// start of the password. Redis URLs never carry a fragment, so one means
// such a mistake.
func wellFormed(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Fragment != "" || strings.Contains(rawURL, "#") {
		return false
	}
	return u.User != nil || !strings.Contains(rawURL, "@")
}

// Addrs returns the addresses the URL names: the server's, the Cluster
// nodes' or the sentinels'.
func (c *ClientConfig) Addrs() []string {
	switch c.Kind {
	case Node:
		return []string{c.node.Addr}
	case Cluster:
		return append([]string(nil), c.cluster.Addrs...)
	case Sentinel:
		return append([]string(nil), c.sentinel.SentinelAddrs...)
	}
	return nil
}

// String describes the deployment for logs and errors, without
// credentials: "Redis at 10.0.0.5:6379 (database 0)", "Redis Cluster
// through 10.0.0.5:7000, 10.0.0.6:7000", "Redis Sentinel primary
// \"main\" (database 0) through 10.0.0.5:26379".
func (c *ClientConfig) String() string {
	switch c.Kind {
	case Node:
		return fmt.Sprintf("Redis at %s (database %d)", c.node.Addr, c.node.DB)
	case Cluster:
		return "Redis Cluster through " + strings.Join(c.cluster.Addrs, ", ")
	case Sentinel:
		return fmt.Sprintf("Redis Sentinel primary %q (database %d) through %s", c.sentinel.MasterName, c.sentinel.DB, strings.Join(c.sentinel.SentinelAddrs, ", "))
	}
	return "Redis (no URL parsed)"
}

// NewClient returns a client of the deployment: a *redis.Client for a
// [Node], a failover *redis.Client for [Sentinel], a *redis.ClusterClient
// for a [Cluster]. It does not contact Redis. Every client gives up a
// socket read when its call's context ends (ContextTimeoutEnabled), so the
// Store's and the Inbox's budgets hold to the millisecond. A Cluster
// client reloads the slot map as soon as a call fails with a connection
// error, a timeout, CLUSTERDOWN, MASTERDOWN, TRYAGAIN or READONLY (and
// every 5 s besides), rather than waiting for a MOVED reply that a dead
// primary never sends, so the deliveries of a failed primary's slots go to
// the replica that takes over within moments of its promotion. Close the
// client when done.
func (c *ClientConfig) NewClient() redis.UniversalClient {
	pool := c.PoolSize
	if pool <= 0 {
		pool = DefaultPoolSize
	}
	switch c.Kind {
	case Cluster:
		o := *c.cluster
		o.PoolSize, o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = pool, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout
		o.ContextTimeoutEnabled = true
		if o.ClusterStateReloadInterval == 0 {
			o.ClusterStateReloadInterval = clusterReload
		}
		client := redis.NewClusterClient(&o)
		client.AddHook(followFailover{client})
		return client
	case Sentinel:
		o := *c.sentinel
		o.PoolSize, o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = pool, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout
		o.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(&o)
	default:
		o := *c.node
		o.PoolSize, o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = pool, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout
		o.ContextTimeoutEnabled = true
		return redis.NewClient(&o)
	}
}

// Dial returns [ClientConfig.NewClient]'s client once Redis answers a PING
// within ctx, so that a wrong address or password stops a program at
// start-up instead of turning every delivery into a 503. A [Node] URL
// that names a node of a Redis Cluster is refused, saying to use
// redis+cluster://: a single-node client would be answered MOVED for most
// keys. Errors never quote the URL or a password.
func (c *ClientConfig) Dial(ctx context.Context) (redis.UniversalClient, error) {
	client := c.NewClient()
	// go-redis reads a reply until the deadline of ctx, not until ctx is
	// cancelled, so the check runs on a goroutine of its own: a caller that
	// gives up (a receiver told to stop while Redis hangs) need not wait
	// for the deadline. Closing the client ends that check.
	checked := make(chan error, 1)
	go func() { checked <- c.check(ctx, client) }()
	var err error
	select {
	case err = <-checked:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		_ = client.Close()
		if errors.Is(err, errClusterNode) {
			return nil, fmt.Errorf("redisstore: %s: %w", c, err)
		}
		return nil, fmt.Errorf("redisstore: %s does not answer PING: %w; check the address, the password and that redis-server is running", c, err)
	}
	return client, nil
}

var errClusterNode = errors.New("this server is a node of a Redis Cluster, which a single-node client cannot use (most keys would answer MOVED): " +
	"use a redis+cluster:// URL listing one or more of its nodes")

// check pings the deployment and, for a single server, makes sure it is
// not a Cluster node.
func (c *ClientConfig) check(ctx context.Context, client redis.UniversalClient) error {
	if err := client.Ping(ctx).Err(); err != nil {
		return err
	}
	if c.Kind != Node {
		return nil
	}
	info, err := client.Info(ctx, "cluster").Result()
	if err != nil {
		return nil // INFO may be renamed or forbidden by an ACL: not ours to require
	}
	if strings.Contains(info, "cluster_enabled:1") {
		return errClusterNode
	}
	return nil
}

// Dial connects to the Redis deployment rawURL names (see [ParseURL] for
// the forms: one server, a Cluster, or a primary found through Sentinel)
// and returns a Store on it, for programs configured with a URL (a flag or
// an environment variable) rather than a client of their own.
//
// Unlike New, Dial checks that Redis answers a PING within ctx (see
// [ClientConfig.Dial]). Close the Store when done: that closes its client.
// To share one client between a Store and an [Inbox], and to set the pool
// size or timeouts from elsewhere than the URL, use [ParseURL],
// [ClientConfig.Dial] and [New].
//
// Errors never quote the URL, which may carry a password.
func Dial(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	// Options first: a bad option is reported without contacting Redis.
	if _, err := storeConfig(false, opts); err != nil {
		return nil, err
	}
	client, err := cfg.Dial(ctx)
	if err != nil {
		return nil, err
	}
	s, err := New(client, opts...)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// followFailover is the hook of a Cluster client made by NewClient: a call
// that failed in a way a failover explains makes the client reload the
// slot map (go-redis coalesces reloads, at most one per 200 ms). go-redis
// reloads it on MOVED, and otherwise only every ClusterStateReloadInterval
// (a minute by default): a primary that was killed answers nothing, never
// MOVED, so without this its slots kept failing for up to a minute after
// a replica took over.
type followFailover struct{ c *redis.ClusterClient }

func (h followFailover) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h followFailover) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if topologyMayHaveChanged(err) {
			h.c.ReloadState(context.Background())
		}
		return err
	}
}

func (h followFailover) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		// err is the first command's error; a pipeline of a Store's
		// batched calls spans nodes, and the first error may be another
		// node's answer (a script's error) while a later command's node
		// is gone.
		reload := topologyMayHaveChanged(err)
		for _, cmd := range cmds {
			if reload {
				break
			}
			reload = topologyMayHaveChanged(cmd.Err())
		}
		if reload {
			h.c.ReloadState(context.Background())
		}
		return err
	}
}

// topologyMayHaveChanged reports whether err is one a failover causes: not
// an answer of a healthy primary (a script's error, NOSCRIPT, a nil reply),
// but a connection that failed, a call that timed out, or a node that says
// the cluster is changing.
func topologyMayHaveChanged(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true // a connection error, a timeout, a closed pool
	}
	msg := rerr.Error()
	for _, p := range []string{"CLUSTERDOWN", "MASTERDOWN", "TRYAGAIN", "READONLY", "LOADING", "MOVED"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
