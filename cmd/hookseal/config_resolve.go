package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// readConfigFile reads and checks the config file at path and reads every
// secret it names, for proxy (forward) or listen. Every error names the
// file and line; all of them are reported at once, as usage errors.
func readConfigFile(e *env, path string, forward bool) (*serveConfig, error) {
	fc, root, err := parseConfigFile(path)
	if err != nil {
		return nil, err
	}
	r := &resolver{e: e, fl: fileLines{path: path, root: root}, forward: forward}
	cfg := r.resolve(fc)
	if len(r.errs) > 0 {
		return nil, usagef("%s", strings.Join(r.errs, "\n"))
	}
	return cfg, nil
}

// resolver turns the file's raw form into a serveConfig, collecting errors.
type resolver struct {
	e       *env
	fl      fileLines
	forward bool
	errs    []string
}

func (r *resolver) errorf(at []any, format string, args ...any) {
	r.errs = append(r.errs, r.fl.at(at...)+fmt.Sprintf(format, args...))
}

func (r *resolver) resolve(fc *fileConfig) *serveConfig {
	cfg := &serveConfig{
		source: r.fl.path, listen: defaultListen, admin: defaultProxyAdmin, maxBody: defaultMaxBody,
		maxAge: defaultMaxAge, shutdownTimeout: defaultShutdownTimeout, inbox: defaultInbox(), forward: r.forward,
	}
	if fc.Listen != nil {
		cfg.listen = *fc.Listen
		if _, _, err := net.SplitHostPort(cfg.listen); err != nil {
			r.errorf([]any{"listen"}, "listen %q: want host:port, such as 127.0.0.1:8080 or :8080", cfg.listen)
		}
	}
	if fc.Admin != nil {
		cfg.admin = *fc.Admin
		if _, _, err := net.SplitHostPort(cfg.admin); cfg.admin != "" && err != nil {
			r.errorf([]any{"admin"}, `admin %q: want host:port, such as 127.0.0.1:9090, or "" for no admin listener`, cfg.admin)
		}
	}
	if fc.MaxBody != nil {
		cfg.maxBody = *fc.MaxBody
		if cfg.maxBody <= 0 {
			r.errorf([]any{"max_body"}, "max_body must be a positive number of bytes, got %d", cfg.maxBody)
		}
	}
	r.duration(&cfg.maxAge, fc.MaxAge, "max_age")
	r.duration(&cfg.shutdownTimeout, fc.ShutdownTimeout, "shutdown_timeout")
	cfg.noiseEvery = 1
	if fc.LogNoiseEvery != nil {
		cfg.noiseEvery = *fc.LogNoiseEvery
		if cfg.noiseEvery < 1 {
			r.errorf([]any{"log_noise_every"}, "log_noise_every must be 1 (print every line) or more, got %d", cfg.noiseEvery)
		}
	}
	cfg.dataDir = r.fl.resolvePath(fc.DataDir)
	r.backends(cfg, fc)

	var top *upstreamSpec
	if fc.Upstream != nil {
		top = r.upstream(fc.Upstream, nil, "upstream")
	}
	if len(fc.Routes) == 0 {
		r.errorf([]any{"routes"}, "no routes: list at least one under `routes:` (each with path, sender and secrets)")
	}
	paths, names := map[string]int{}, map[string]int{}
	for i := range fc.Routes {
		rs := r.route(&fc.Routes[i], i, top)
		if rs == nil {
			continue
		}
		if j, dup := paths[rs.path]; dup {
			r.errorf([]any{"routes", i, "path"}, "path %s is already the path of route %d", rs.path, j+1)
		}
		if j, dup := names[rs.name]; dup {
			r.errorf([]any{"routes", i}, "route name %q is already the name of route %d; set name: to tell them apart", rs.name, j+1)
		}
		if rs.coalesce && !cfg.inbox.enabled {
			r.errorf([]any{"routes", i, "coalesce"}, "coalesce: a newer pending event supersedes older ones in the inbox, which is turned off; turn it on (inbox: {enabled: true}) or drop coalesce")
		}
		paths[rs.path], names[rs.name] = i, i
		cfg.routes = append(cfg.routes, rs)
	}
	return cfg
}

func (r *resolver) duration(dst *time.Duration, v *time.Duration, key ...any) {
	if v == nil {
		return
	}
	if *v <= 0 {
		r.errorf(key, "%s must be positive, got %s", key[len(key)-1], *v)
		return
	}
	*dst = *v
}

// backends settles the store and the inbox: the file backend in data_dir,
// or Redis, or (without an inbox) memory.
func (r *resolver) backends(cfg *serveConfig, fc *fileConfig) {
	if fc.Redis != nil {
		rs := &redisSettings{source: fc.Redis.URLEnv, prefix: redisstore.DefaultPrefix}
		if rs.source == "" {
			rs.source = envRedisURL
		}
		v, ok := r.e.lookupEnv(rs.source)
		switch {
		case !ok:
			r.errorf([]any{"redis", "url_env"}, "redis: %s is not set; it holds the Redis URL (redis://[:password@]host:port/db), which stays out of the file", rs.source)
		case strings.TrimSpace(v) == "":
			r.errorf([]any{"redis", "url_env"}, "redis: %s is set but empty; give it the Redis URL", rs.source)
		}
		rs.url = strings.TrimSpace(v)
		if fc.Redis.Prefix != nil {
			if rs.prefix = *fc.Redis.Prefix; rs.prefix == "" {
				r.errorf([]any{"redis", "prefix"}, "redis prefix must not be empty (the default is %q): hookseal's keys could collide with other data in the database", redisstore.DefaultPrefix)
			}
		}
		if n := fc.Redis.PoolSize; n != nil {
			if *n <= 0 {
				r.errorf([]any{"redis", "pool_size"}, "redis pool_size must be positive, got %d", *n)
			}
			rs.poolSize = *n
		}
		r.duration(&rs.timeout, fc.Redis.Timeout, "redis", "timeout")
		r.duration(&rs.dialTimeout, fc.Redis.DialTimeout, "redis", "dial_timeout")
		cfg.redis = rs
		if fc.DataDir != "" {
			r.errorf([]any{"data_dir"}, "data_dir and redis are both set: the store and inbox live in one of them; remove one")
		}
	}
	if fc.Inbox != nil {
		ib, in := &cfg.inbox, fc.Inbox
		if in.Enabled != nil {
			ib.enabled = *in.Enabled
		}
		if in.Name != "" {
			if strings.ContainsAny(in.Name, "{}") {
				r.errorf([]any{"inbox", "name"}, "inbox name %q must not contain '{' or '}'", in.Name)
			}
			ib.name = in.Name
		}
		r.duration(&ib.maxAge, in.MaxAge, "inbox", "max_age")
		r.duration(&ib.backoffMin, in.BackoffMin, "inbox", "backoff_min")
		r.duration(&ib.backoffMax, in.BackoffMax, "inbox", "backoff_max")
		if ib.backoffMax < ib.backoffMin {
			r.errorf([]any{"inbox", "backoff_max"}, "inbox backoff_max (%s) is shorter than backoff_min (%s)", ib.backoffMax, ib.backoffMin)
		}
		for _, n := range []struct {
			key string
			v   *int
			dst *int
		}{{"concurrency", in.Concurrency, &ib.concurrency}, {"max_entries", in.MaxEntries, &ib.maxEntries}, {"max_bytes", in.MaxBytes, &ib.maxBytes}} {
			if n.v == nil {
				continue
			}
			if *n.v <= 0 {
				r.errorf([]any{"inbox", n.key}, "inbox %s must be positive, got %d", n.key, *n.v)
			}
			*n.dst = *n.v
		}
	}
	if cfg.inbox.enabled && fc.DataDir == "" && fc.Redis == nil {
		r.errorf([]any{"inbox"}, "the inbox (on by default) keeps accepted deliveries in data_dir (a directory for the file backend) or redis; "+
			"set one, or turn it off with `inbox: {enabled: false}` (then an upstream that fails makes the sender's delivery fail with 503)")
	}
}

var routeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// route checks the i-th route and reads its secrets; nil when it is too
// broken to check further.
func (r *resolver) route(fr *fileRoute, i int, top *upstreamSpec) *routeSpec {
	at := func(keys ...any) []any { return append([]any{"routes", i}, keys...) }
	fl := r.fl
	rs := &routeSpec{path: fr.Path, name: fr.Name, order: fr.Order, strict: fr.Strict, coalesce: fr.Coalesce, jwtFlags: "jwt",
		at: func(key string) string {
			if key == "" {
				return fl.at("routes", i)
			}
			return fl.at("routes", i, key)
		}}
	switch {
	case fr.Path == "":
		r.errorf(at(), "route %d has no path (such as /checkly)", i+1)
		return nil
	case !strings.HasPrefix(fr.Path, "/") || strings.ContainsAny(fr.Path, "{} \t") || (len(fr.Path) > 1 && strings.HasSuffix(fr.Path, "/")):
		r.errorf(at("path"), "path %q: want an absolute path such as /checkly, without a trailing slash, braces or spaces", fr.Path)
		return nil
	}
	if rs.name == "" {
		rs.name = strings.ReplaceAll(strings.Trim(fr.Path, "/"), "/", "-")
	}
	if !routeName.MatchString(rs.name) {
		r.errorf(at("name"), "route %s: name %q: want up to 64 letters, digits, '.', '_' or '-' (it labels logs and metrics)", fr.Path, rs.name)
	}
	bad := func(key, format string, args ...any) {
		r.errorf(at(key), "route %s: "+format, append([]any{fr.Path}, args...)...)
	}
	if fr.Sender == "" {
		bad("sender", "no sender; one of %s", senderNames())
		return nil
	}
	rs.sender = findSender(fr.Sender)
	if rs.sender == nil {
		bad("sender", "sender %q is not one of %s", fr.Sender, senderNames())
		return nil
	}
	k := rs.sender
	rs.provider = k.name
	if fr.Provider != "" {
		if !k.configurable {
			bad("provider", "provider: sender %s names itself; provider is for hmac, token and basic", k.name)
		} else {
			rs.provider = fr.Provider
		}
	} else if k.configurable {
		rs.provider = rs.name
	}

	// Keys that belong to one kind of sender only.
	only := []struct {
		key   string
		set   bool
		kinds string
	}{
		{"user", fr.User != "", "basic datadog"},
		{"header", fr.Header != "", "token"},
		{"timestamp_header", fr.TimestampHeader != "", "grafana"},
		{"jwt", fr.JWT != nil, "datadog alertmanager jwt"},
		{"scheme", fr.Scheme != nil, "hmac"},
		{"repeat_interval", fr.RepeatInterval != nil, "alertmanager"},
	}
	for _, o := range only {
		if o.set && !strings.Contains(" "+o.kinds+" ", " "+k.name+" ") {
			bad(o.key, "%s is not a setting of sender %s (it is one of %s)", o.key, k.name, strings.ReplaceAll(o.kinds, " ", ", "))
		}
	}
	if fr.Order && !k.typed {
		bad("order", "order: sender %s has no event type hookseal decodes, so nothing names a resource to order by; "+
			"ordering works for checkly, statusstack, grafana, oncall, datadog, pagerduty and alertmanager", k.name)
	}
	if fr.Coalesce && !fr.Order {
		bad("coalesce", "coalesce: a newer event of a resource supersedes older pending ones, which needs order: true to know which is newer")
	}
	if fr.Strict && !k.typed {
		bad("strict", "strict: sender %s's bodies are forwarded as they are; there is nothing they could lack", k.name)
	}
	if len(fr.Keys) > 0 {
		r.keys(rs, fr, at("keys"))
	}

	if fr.RepeatInterval != nil {
		if *fr.RepeatInterval < verify.MinRepeatInterval {
			bad("repeat_interval", "repeat_interval %s is shorter than %s: give the receiver route's repeat_interval from alertmanager.yml", *fr.RepeatInterval, verify.MinRepeatInterval)
		}
		rs.repeat = *fr.RepeatInterval
	}
	if fr.Secrets != nil {
		rs.secrets = r.secrets(fr.Secrets, at("secrets"), fr.Path)
	}
	switch k.auth {
	case authDatadog:
		r.datadog(rs, fr, at)
	case authJWT:
		if fr.JWT == nil {
			bad("sender", "sender jwt needs jwt: {jwks, issuer, audience} (the key set and the claims every token must carry)")
		}
		if fr.Secrets != nil {
			bad("secrets", "sender jwt takes no secrets: its keys come from jwt.jwks")
		}
		r.jwt(rs, fr, at)
	case authAuthorization:
		if k.name == "alertmanager" {
			r.jwt(rs, fr, at)
		}
	case authBasic:
		if fr.User == "" {
			bad("sender", "sender basic needs user: (the user name) and secrets: (the password)")
		}
		rs.user = fr.User
	case authToken:
		if fr.Header == "" {
			bad("sender", "sender token needs header: (the header carrying the token)")
		}
		rs.header = fr.Header
	}
	jwtOnly := fr.JWT != nil && ((k.auth == authDatadog && fr.User == "") || k.auth == authJWT || k.name == "alertmanager")
	if fr.Secrets == nil && !jwtOnly && k.auth != authJWT {
		bad("sender", "no secrets: say where they come from with secrets: {env: NAME} or secrets: {file: PATH}")
	}
	if k.auth == authHMAC {
		r.scheme(rs, fr, at)
	}
	if fr.Upstream != nil {
		rs.upstream = r.upstream(fr.Upstream, top, "routes", i, "upstream")
	} else {
		rs.upstream = top
	}
	switch up := rs.upstream; {
	case !r.forward:
	case up == nil || up.url == "":
		bad("", "no upstream url: set upstream: {url: ...} (where the app listens, such as http://127.0.0.1:3000/webhooks) at the top level or on the route")
	case !up.secretSet:
		bad("", "no upstream secret: set upstream: {secret: {env: NAME}} (or file: PATH) at the top level or on the route: "+
			"the Standard Webhooks secret (whsec_...) the hop to the app is signed with")
	}
	return rs
}

// secrets reads the secrets ref names, by verify.LookupSecrets's rules:
// NAME or NAME_FILE for env, one secret per line for file.
func (r *resolver) secrets(ref *fileSecrets, at []any, path string) []verify.Secret {
	switch {
	case ref.Env != "" && ref.File != "":
		r.errorf(at, "route %s: secrets: set env or file, not both", path)
		return nil
	case ref.Env != "":
		s, found, err := verify.LookupSecrets(r.e.lookupEnv, ref.Env)
		switch {
		case err != nil:
			r.errorf(append(at, "env"), "route %s: secrets: %s", path, strings.ReplaceAll(err.Error(), "verify: ", ""))
		case !found:
			r.errorf(append(at, "env"), "route %s: secrets: neither %s nor %s_FILE is set", path, ref.Env, ref.Env)
		}
		return s
	case ref.File != "":
		return r.secretsFile(r.fl.resolvePath(ref.File), append(at, "file"), "route "+path+": secrets")
	}
	r.errorf(at, "route %s: secrets: set env: NAME (a variable, or NAME_FILE) or file: PATH", path)
	return nil
}

// secretsFile reads a file of secrets, one per line, by LookupSecrets's
// rules for NAME_FILE.
func (r *resolver) secretsFile(path string, at []any, what string) []verify.Secret {
	const name = "secrets"
	s, _, err := verify.LookupSecrets(func(n string) (string, bool) {
		if n == name+"_FILE" {
			return path, true
		}
		return "", false
	}, name)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), name+"_FILE: ")
		r.errorf(at, "%s: %s", what, strings.ReplaceAll(msg, "verify: ", ""))
	}
	return s
}

func (r *resolver) keys(rs *routeSpec, fr *fileRoute, at []any) {
	var m event.Mapped
	switch rs.sender.name {
	case "checkly":
		m = &checkly.Alert{}
	case "oncall":
		m = &oncall.Event{}
	case "datadog":
		m = &datadog.Event{}
	default:
		r.errorf(at, "route %s: keys: sender %s has no template variables to map; keys are for checkly, oncall and datadog", fr.Path, rs.sender.name)
		return
	}
	km := event.KeyMap(fr.Keys)
	if err := event.CheckKeyMap(km, m); err != nil {
		r.errorf(at, "route %s: keys: %s", fr.Path, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "event: "), "template key map: "))
		return
	}
	rs.keys = km
}

func (r *resolver) datadog(rs *routeSpec, fr *fileRoute, at func(...any) []any) {
	rs.user = fr.User
	switch {
	case fr.User != "" && fr.Secrets == nil:
		r.errorf(at("user"), "route %s: user %q needs secrets: (the Basic password)", fr.Path, fr.User)
	case fr.User == "" && fr.Secrets != nil:
		r.errorf(at("secrets"), "route %s: secrets are datadog's Basic password and need user: (the user name)", fr.Path)
	case fr.User == "" && fr.JWT == nil:
		r.errorf(at("sender"), "route %s: datadog needs user: and secrets: (Basic), jwt: (OAuth bearer tokens), or both", fr.Path)
	}
	r.jwt(rs, fr, at)
}

// jwt reads a route's jwt: settings (JWT bearer tokens checked against a
// JWKS) into rs, if it has them.
func (r *resolver) jwt(rs *routeSpec, fr *fileRoute, at func(...any) []any) {
	if fr.JWT == nil {
		return
	}
	j := fr.JWT
	switch {
	case j.JWKS == "":
		r.errorf(at("jwt"), "route %s: jwt needs jwks: (a JWKS file or https URL)", fr.Path)
	case j.Issuer == "":
		r.errorf(at("jwt"), "route %s: jwt needs issuer: (the iss every token must carry)", fr.Path)
	case len(j.Audience) == 0:
		r.errorf(at("jwt"), "route %s: jwt needs audience: (a list of accepted aud values)", fr.Path)
	}
	algs := j.Algorithms
	if len(algs) == 0 {
		algs = []string{"RS256"}
	}
	cfg := &jwt.Config{Algorithms: algs, Issuer: j.Issuer, Audience: j.Audience, Leeway: 30 * time.Second}
	if j.Leeway != nil {
		cfg.Leeway = *j.Leeway
	}
	if strings.HasPrefix(j.JWKS, "https://") || strings.HasPrefix(j.JWKS, "http://") {
		cfg.Keys = jwt.JWKSURL(j.JWKS)
	} else {
		cfg.Keys = jwt.JWKSFile(r.fl.resolvePath(j.JWKS))
	}
	rs.jwt = cfg
}

var (
	formats   = map[string]verify.Format{"plain": verify.FormatPlain, "keyvalue": verify.FormatKeyValue, "versioned": verify.FormatVersioned}
	encodings = map[string]verify.Encoding{"hex": verify.EncodingHex, "base64": verify.EncodingBase64}
	tsFormats = map[string]verify.TimestampFormat{"unix": verify.TimestampUnixSeconds, "lenient": verify.TimestampLenient, "rfc3339": verify.TimestampRFC3339}
	secretFmt = map[string]verify.SecretFormat{"raw": verify.SecretRaw, "whsec": verify.SecretWhsec}
)

// scheme settles an HMAC route's scheme: a preset's, or the file's own for
// sender hmac, checked (and its secrets with it) by building a verifier.
func (r *resolver) scheme(rs *routeSpec, fr *fileRoute, at func(...any) []any) {
	if s, ok := presetScheme(rs.sender.name, fr.TimestampHeader); ok {
		rs.scheme, rs.tsHeader = s, fr.TimestampHeader
	} else if fr.Scheme == nil {
		r.errorf(at("sender"), "route %s: sender hmac needs scheme: (signature_header, encoding, signed, ...)", fr.Path)
		return
	} else {
		fs, s := fr.Scheme, verify.Scheme{Provider: rs.provider, SignatureHeader: fr.Scheme.SignatureHeader, Prefix: fr.Scheme.Prefix,
			Version: fr.Scheme.Version, Signed: fr.Scheme.Signed, TimestampHeader: fr.Scheme.TimestampHeader,
			TimestampKey: fr.Scheme.TimestampKey, TimestampField: fr.Scheme.TimestampField,
			RequireTimestamp: fr.Scheme.RequireTimestamp, IDHeader: fr.Scheme.IDHeader}
		enum := func(key, v, def string, m map[string]int) int {
			if v == "" {
				v = def
			}
			n, ok := m[v]
			if !ok {
				r.errorf(at("scheme", key), "route %s: scheme %s %q: want one of %s", fr.Path, key, v, strings.Join(sortedKeys(m), ", "))
			}
			return n
		}
		s.Format = verify.Format(enum("format", fs.Format, "plain", intMap(formats)))
		s.Encoding = verify.Encoding(enum("encoding", fs.Encoding, "hex", intMap(encodings)))
		s.TimestampFormat = verify.TimestampFormat(enum("timestamp_format", fs.TimestampFormat, "unix", intMap(tsFormats)))
		s.SecretFormat = verify.SecretFormat(enum("secret_format", fs.SecretFormat, "raw", intMap(secretFmt)))
		if fs.SignatureHeader == "" {
			r.errorf(at("scheme"), "route %s: scheme needs signature_header: (the header carrying the signature)", fr.Path)
		}
		rs.scheme = s
	}
	if len(rs.secrets) == 0 {
		return
	}
	if _, err := hmacVerifier(rs.sender.name, rs.scheme, rs.secrets); err != nil {
		key := "secrets"
		if errors.Is(err, verify.ErrInvalidConfig) && fr.Scheme != nil && !strings.Contains(err.Error(), "secret") {
			key = "scheme"
		}
		r.errorf(at(key), "route %s: %s", fr.Path, strings.ReplaceAll(err.Error(), "verify: ", ""))
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func intMap[T ~int](m map[string]T) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = int(v)
	}
	return out
}

// upstream checks an upstream block; a route's inherits what it leaves
// out from the top level's (parent).
func (r *resolver) upstream(fu *fileUpstream, parent *upstreamSpec, at ...any) *upstreamSpec {
	up := &upstreamSpec{timeout: defaultUpstreamTimeout}
	if parent != nil {
		*up = *parent
	}
	if fu.URL != "" {
		up.url = fu.URL
		if err := checkUpstreamURL(fu.URL); err != nil {
			r.errorf(append(at, "url"), "upstream url: %v", err)
		}
	}
	r.duration(&up.timeout, fu.Timeout, append(at, "timeout")...)
	if fu.Secret != nil {
		up.secrets, up.secretSet = nil, true
		ss := r.hopSecrets(fu.Secret, append(at, "secret"))
		for _, s := range ss {
			up.secrets = append(up.secrets, s.Value)
		}
	}
	return up
}

// hopSecrets reads the proxy's Standard Webhooks secrets and checks they
// sign.
func (r *resolver) hopSecrets(ref *fileSecrets, at []any) []verify.Secret {
	var s []verify.Secret
	switch {
	case ref.Env != "" && ref.File != "":
		r.errorf(at, "upstream secret: set env or file, not both")
	case ref.Env != "":
		var found bool
		var err error
		s, found, err = verify.LookupSecrets(r.e.lookupEnv, ref.Env)
		switch {
		case err != nil:
			r.errorf(append(at, "env"), "upstream secret: %s", strings.ReplaceAll(err.Error(), "verify: ", ""))
		case !found:
			r.errorf(append(at, "env"), "upstream secret: neither %s nor %s_FILE is set (it holds the whsec_... secret the app verifies the hop with)", ref.Env, ref.Env)
		}
	case ref.File != "":
		s = r.secretsFile(r.fl.resolvePath(ref.File), append(at, "file"), "upstream secret")
	default:
		r.errorf(at, "upstream secret: set env: NAME or file: PATH")
	}
	for i, x := range s {
		if _, err := verify.StandardWebhooksScheme().MAC(x.Value, nil, "0", "x"); err != nil {
			r.errorf(at, "upstream secret %d: not a Standard Webhooks secret (whsec_ and base64, as `openssl rand -base64 32` prefixed with whsec_ makes)", i+1)
			return nil
		}
	}
	return s
}

// checkUpstreamURL accepts an absolute http or https URL without
// credentials: a password in it would end up in logs, and the hop is
// authenticated by its signature.
func checkUpstreamURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%q does not parse", redactURL(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: want an http or https URL, such as http://127.0.0.1:3000/webhooks", redactURL(raw))
	case u.Host == "":
		return fmt.Errorf("%q has no host", redactURL(raw))
	case u.User != nil:
		return fmt.Errorf("%q carries credentials; remove them: the app verifies the hop by its Standard Webhooks signature", redactURL(raw))
	case u.Fragment != "":
		return fmt.Errorf("%q has a #fragment, which HTTP never sends", redactURL(raw))
	}
	return nil
}
