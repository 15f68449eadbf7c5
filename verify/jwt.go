package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Defaults for a JWKS fetched from a URL (JWTConfig.JWKSURL).
const (
	// DefaultJWKSRefreshInterval is how often the key set is fetched in the
	// background, so keys an issuer publishes ahead of use are known before
	// the first token signed with them arrives.
	DefaultJWKSRefreshInterval = time.Hour

	// DefaultJWKSUnknownKIDInterval is the least time between two fetches
	// caused by a token whose kid is not in the cached set: one fetch is
	// allowed at once, then one per interval. A freshly rotated key is
	// picked up by the first token that names it; a flood of tokens with
	// invented kids costs the issuer at most one request a minute. While no
	// fetch is allowed, such a token fails at once, unless the next allowed
	// fetch is less than the fetch timeout away: then one request waits for
	// it.
	DefaultJWKSUnknownKIDInterval = time.Minute

	// DefaultJWKSFetchTimeout bounds one fetch of the key set, and how long a
	// request with an unknown kid may wait for one. It stays under Grafana
	// OnCall's 4 s delivery timeout with room for the handler.
	DefaultJWKSFetchTimeout = 3 * time.Second
)

// maxJWKSSize bounds a key set read from a file or a URL. Real sets are a
// few kilobytes.
const maxJWKSSize = 1 << 20

// JWTConfig configures a JWT bearer verifier (JWT). Algorithms, Issuer,
// Audience and exactly one key source are required.
type JWTConfig struct {
	// Algorithms is the allowlist of signing algorithms ("RS256", "ES256",
	// "EdDSA", "HS256", ...). A token signed with any other is refused
	// before a key is looked up. "none" is never allowed. HMAC algorithms
	// (HS*) are allowed only with HMACSecrets, and public-key algorithms only
	// with a public-key source: a verifier never holds both kinds of key, so
	// a token cannot pass by naming an HMAC algorithm and being "signed"
	// with a public key's bytes.
	Algorithms []string

	// Issuer is the required value of the iss claim, compared exactly.
	Issuer string

	// Audience lists the accepted values of the aud claim; a token passes
	// when its aud holds at least one of them. At least one is required.
	Audience []string

	// Leeway is the clock skew tolerated when judging exp and nbf. Zero
	// means none; 30 s to 1 min absorbs ordinary skew between the issuer's
	// clock and the receiver's (WithClock). The exp claim is required.
	Leeway time.Duration

	// Key sources: set exactly one.

	// HMACSecrets verify HS256, HS384 and HS512 tokens. Each secret's Value
	// is the raw key bytes (decode a base64 secret first) and must be at
	// least as long as the algorithm's hash: 32 bytes for HS256, 48 for
	// HS384, 64 for HS512 (RFC 7518 section 3.2). Every secret is tried;
	// Delivery.SecretID reports which matched.
	HMACSecrets []Secret

	// PublicKeys verify RS*, PS*, ES* and EdDSA tokens (see JWTKey).
	PublicKeys []JWTKey

	// JWKSJSON is a JSON Web Key Set, as an issuer's jwks_uri serves it.
	JWKSJSON []byte

	// JWKSFile is the path of a JSON Web Key Set file, read once at
	// construction.
	JWKSFile string

	// JWKSURL is the issuer's jwks_uri. The set is fetched at construction
	// and then kept fresh: every JWKSRefreshInterval in the background, and
	// at once when a token names a kid the cached set lacks, at most once per
	// JWKSUnknownKIDInterval. The URL must be https, or http to a loopback
	// address. Call Close when the verifier is no longer needed, to stop the
	// background refresh.
	JWKSURL string

	// The settings below apply to JWKSURL only.

	// JWKSRefreshInterval: default DefaultJWKSRefreshInterval.
	JWKSRefreshInterval time.Duration
	// JWKSUnknownKIDInterval: default DefaultJWKSUnknownKIDInterval.
	JWKSUnknownKIDInterval time.Duration
	// JWKSFetchTimeout: default DefaultJWKSFetchTimeout.
	JWKSFetchTimeout time.Duration
	// JWKSHTTPClient fetches the set; default an http.Client with
	// JWKSFetchTimeout. Responses over 1 MiB are refused either way.
	JWKSHTTPClient *http.Client
	// JWKSErrorHandler receives background refresh failures. Default: they
	// are logged with log/slog's default logger.
	JWKSErrorHandler func(error)
	// JWKSStartWithoutKeys lets construction succeed when the first fetch
	// fails; tokens are then refused until a refresh succeeds. By default a
	// failed first fetch is a construction error, so a wrong URL shows at
	// start-up.
	JWKSStartWithoutKeys bool
}

// JWTKey is one PEM-encoded public key for JWTConfig.PublicKeys.
type JWTKey struct {
	// KID, when set, is the key's kid: a token whose header names another
	// kid is not checked against this key. Keys without a KID are tried for
	// every token. Delivery.SecretID reports the KID, or "key<n>" (n counting
	// from 1 in PublicKeys) when it is empty.
	KID string

	// PEM holds exactly one public key: a "PUBLIC KEY" (PKIX: RSA, ECDSA
	// P-256/P-384/P-521 or Ed25519), an "RSA PUBLIC KEY" (PKCS #1), or a
	// "CERTIFICATE" whose key is used (the certificate itself is not
	// validated). Private keys are refused: a receiver needs only the public
	// half. RSA keys must have at least 2048 bits.
	PEM []byte
}

// JWTClaims are the claims of a verified token, for callers that need to
// know who the token was issued to (VerifyClaims).
type JWTClaims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ID        string // jti
	ExpiresAt time.Time
	NotBefore time.Time // zero when the token has no nbf
	IssuedAt  time.Time // zero when the token has no iat
	// All holds every claim as encoding/json decoded it (numbers are
	// float64), for private claims such as azp, client_id or scope.
	All map[string]any
}

// JWTAuth verifies deliveries carrying a JWT as "Authorization: Bearer
// <jwt>": Datadog's OAuth 2.0 client-credentials option, where the token URL
// belongs to an issuer of JWT access tokens (Auth0, Okta, Keycloak, Entra
// ID), or a JWT placed in a Grafana OnCall authorization header. Build one
// with JWT. It is safe for concurrent use.
//
// The token is not the delivery: a sender reuses one access token for many
// deliveries until it expires, and signs nothing about the body. So the
// Delivery's Key derives from the body (KeyFromBody), its ID stays empty (a
// jti names the token, not the delivery), and its Timestamp stays zero (iat
// says when the token was issued, not when the delivery was sent); freshness
// options do not apply. Delivery.SecretID names the key that verified the
// token: the JWK's or JWTKey's kid, or the HMAC secret's ID.
type JWTAuth struct {
	provider string
	opts     options
	cfg      JWTConfig // algorithms, issuer, audience, leeway, JWKS settings
	allowed  []string
	parser   *jwt.Parser

	static []jwtKey        // HMACSecrets or PublicKeys
	jwks   jwkset.Storage  // JWKSJSON, JWKSFile or JWKSURL
	ctx    context.Context // ends the JWKS refresh goroutine
	cancel context.CancelFunc
}

// jwtKey is one configured key: a []byte HMAC secret or a public key.
type jwtKey struct {
	id  string // reported in Delivery.SecretID
	kid string // selects by token kid; "" matches every token
	key any
}

// JWT returns a verifier for JWT bearer tokens under cfg. The token must be
// signed by a configured key with an allowed algorithm whose key type fits
// (HS* with an HMAC secret, RS* and PS* with an RSA key, ES256/384/512 with
// an ECDSA key on P-256/P-384/P-521, EdDSA with an Ed25519 key), carry the
// configured iss, one of the configured aud values and an exp, and be within
// exp and nbf by the receiver's clock (WithClock) give or take cfg.Leeway.
//
// It fails closed: an empty allowlist, an unknown algorithm or "none", an
// empty Issuer or Audience, no key source or more than one, a key that fits
// no allowed algorithm, an allowed algorithm with no key, an HMAC algorithm
// beside a public-key source, or a JWKS that cannot be read is an error
// wrapping ErrInvalidConfig or ErrNoSecret. Failures at request time wrap
// ErrUnauthorized and, where one applies, the golang-jwt sentinel
// (jwt.ErrTokenExpired, jwt.ErrTokenInvalidIssuer, ...).
//
// Options used: WithClock (token times), WithMaxHeaderLen (the Authorization
// header; real access tokens are 1 to 3 KB, under the 4 KiB default), and
// WithProvider.
func JWT(provider string, cfg JWTConfig, opts ...Option) (*JWTAuth, error) {
	o, provider, err := optionsFor(provider, opts)
	if err != nil {
		return nil, err
	}
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	cfg.Audience = slices.Clone(cfg.Audience)
	if err := cfg.checkClaims(); err != nil {
		return nil, err
	}
	v := &JWTAuth{provider: provider, opts: o, cfg: cfg, allowed: cfg.Algorithms}
	if err := v.loadKeys(); err != nil {
		v.Close()
		return nil, err
	}
	v.parser = v.newParser()
	return v, nil
}

// newParser returns the parser for v's allowlist and claims. A parser is
// read-only once built and safe for concurrent use.
func (v *JWTAuth) newParser() *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods(v.allowed),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience...),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(v.cfg.Leeway),
		jwt.WithTimeFunc(v.opts.now),
		// Canonical base64 only, so one token has one spelling.
		jwt.WithStrictDecoding(),
	)
}

// Close stops the background refresh of a JWKS fetched from a URL. The
// verifier keeps verifying with the keys it holds, but no longer fetches.
// For other key sources Close does nothing. It always returns nil.
func (v *JWTAuth) Close() error {
	if v.cancel != nil {
		v.cancel()
	}
	return nil
}

// checkClaims validates the algorithm allowlist and the claim settings.
func (c *JWTConfig) checkClaims() error {
	if len(c.Algorithms) == 0 {
		return errorf(ErrInvalidConfig, "JWT: no algorithm allowed; list the issuer's, e.g. Algorithms: []string{\"RS256\"}")
	}
	for i, alg := range c.Algorithms {
		if strings.EqualFold(alg, "none") {
			return errorf(ErrInvalidConfig, "JWT: algorithm \"none\" (unsigned tokens) can never be allowed")
		}
		if algFamily(alg) == famUnknown {
			return errorf(ErrInvalidConfig, "JWT: unknown algorithm %q; use HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA", alg)
		}
		if slices.Contains(c.Algorithms[:i], alg) {
			return errorf(ErrInvalidConfig, "JWT: algorithm %s is listed twice", alg)
		}
	}
	if c.Issuer == "" {
		return errorf(ErrInvalidConfig, "JWT: Issuer is empty; without it a token from any issuer that shares the keys would pass")
	}
	if len(c.Audience) == 0 {
		return errorf(ErrInvalidConfig, "JWT: Audience is empty; without it a token issued for any other service would pass")
	}
	if slices.Contains(c.Audience, "") {
		return errorf(ErrInvalidConfig, "JWT: Audience holds an empty value")
	}
	if c.Leeway < 0 {
		return errorf(ErrInvalidConfig, "JWT: Leeway is negative (%s)", c.Leeway)
	}
	if c.JWKSRefreshInterval < 0 || c.JWKSUnknownKIDInterval < 0 || c.JWKSFetchTimeout < 0 {
		return errorf(ErrInvalidConfig, "JWT: JWKS intervals and timeout must not be negative")
	}
	return nil
}

// loadKeys builds the one key source and checks it against the allowlist.
func (v *JWTAuth) loadKeys() error {
	c := &v.cfg
	sources := 0
	for _, set := range []bool{len(c.HMACSecrets) > 0, len(c.PublicKeys) > 0, len(c.JWKSJSON) > 0, c.JWKSFile != "", c.JWKSURL != ""} {
		if set {
			sources++
		}
	}
	switch {
	case sources == 0:
		return errorf(ErrNoSecret, "JWT: no key; set one of HMACSecrets, PublicKeys, JWKSJSON, JWKSFile or JWKSURL")
	case sources > 1:
		return errorf(ErrInvalidConfig, "JWT: set only one of HMACSecrets, PublicKeys, JWKSJSON, JWKSFile and JWKSURL")
	}
	hmacSource := len(c.HMACSecrets) > 0
	for _, alg := range v.allowed {
		if isHMAC := algFamily(alg) == famHMAC; isHMAC != hmacSource {
			if isHMAC {
				return errorf(ErrInvalidConfig, "JWT: algorithm %s is HMAC but the keys are public keys; allowing it would let anyone holding a public key sign tokens (algorithm confusion)", alg)
			}
			return errorf(ErrInvalidConfig, "JWT: algorithm %s needs a public key but the keys are HMACSecrets; a verifier never mixes HMAC and public-key algorithms", alg)
		}
	}

	switch {
	case hmacSource:
		if err := checkSecrets(c.HMACSecrets); err != nil {
			return err
		}
		for _, s := range c.HMACSecrets {
			v.static = append(v.static, jwtKey{id: s.ID, key: []byte(s.Value)})
		}
		return v.checkStatic("secret")
	case len(c.PublicKeys) > 0:
		seen := map[string]bool{}
		for i, k := range c.PublicKeys {
			id := k.KID
			if id == "" {
				id = "key" + strconv.Itoa(i+1)
			}
			if seen[id] {
				return errorf(ErrInvalidConfig, "JWT: public key %d: kid %q is used twice", i+1, id)
			}
			seen[id] = true
			key, err := parsePublicKeyPEM(k.PEM)
			if err != nil {
				return errorf(ErrInvalidConfig, "JWT: public key %d (%s): %v", i+1, id, err)
			}
			v.static = append(v.static, jwtKey{id: id, kid: k.KID, key: key})
		}
		return v.checkStatic("public key")
	case c.JWKSURL != "":
		return v.loadRemoteJWKS()
	}

	raw := c.JWKSJSON
	if c.JWKSFile != "" {
		var err error
		if raw, err = readBounded(c.JWKSFile, maxJWKSSize); err != nil {
			return errorf(ErrInvalidConfig, "JWT: JWKSFile: %v", err)
		}
	}
	if len(raw) > maxJWKSSize {
		return errorf(ErrInvalidConfig, "JWT: JWKS is %d bytes, limit %d", len(raw), maxJWKSSize)
	}
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return errorf(ErrInvalidConfig, "JWT: JWKS does not parse: %v", err)
	}
	v.jwks = kf.Storage()
	return v.checkJWKS("the JWKS")
}

// checkStatic checks that every configured key fits an allowed algorithm
// and every allowed algorithm has a key.
func (v *JWTAuth) checkStatic(kind string) error {
	for _, k := range v.static {
		if !slices.ContainsFunc(v.allowed, func(alg string) bool { return keyFits(alg, k.key) }) {
			return errorf(ErrInvalidConfig, "JWT: %s %q (%s) fits none of the allowed algorithms %v%s", kind, k.id, describeKey(k.key), v.allowed, hmacHint(k.key))
		}
	}
	for _, alg := range v.allowed {
		if !slices.ContainsFunc(v.static, func(k jwtKey) bool { return keyFits(alg, k.key) }) {
			return errorf(ErrInvalidConfig, "JWT: algorithm %s is allowed but no configured %s fits it", alg, kind)
		}
	}
	return nil
}

func hmacHint(key any) string {
	if _, ok := key.([]byte); ok {
		return "; HS256 needs at least 32 bytes, HS384 48, HS512 64"
	}
	if k, ok := key.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return "; RSA keys need at least 2048 bits"
	}
	return ""
}

// checkJWKS requires the set to hold at least one key usable with the
// allowlist.
func (v *JWTAuth) checkJWKS(what string) error {
	all, err := v.jwks.KeyReadAll(v.context())
	if err != nil {
		return errorf(ErrInvalidConfig, "JWT: reading %s: %v", what, err)
	}
	for _, alg := range v.allowed {
		for _, j := range all {
			if jwkFits(j, alg) != nil {
				return nil
			}
		}
	}
	return errorf(ErrInvalidConfig, "JWT: %s holds %d key(s), none usable with %v", what, len(all), v.allowed)
}

func (v *JWTAuth) context() context.Context {
	if v.ctx == nil {
		return context.Background()
	}
	return v.ctx
}

// loadRemoteJWKS sets up keyfunc's cached, refreshing key set.
func (v *JWTAuth) loadRemoteJWKS() error {
	c := &v.cfg
	u, err := url.Parse(c.JWKSURL)
	if err != nil || u.Host == "" {
		return errorf(ErrInvalidConfig, "JWT: JWKSURL is not an absolute URL")
	}
	shown := redactURL(u)
	if !secureJWKSURL(u) {
		return errorf(ErrInvalidConfig, "JWT: JWKSURL %s must be https (http is allowed to loopback addresses only): keys fetched in clear text can be replaced on the way", shown)
	}
	every := cmpOr(c.JWKSRefreshInterval, DefaultJWKSRefreshInterval)
	unknownEvery := cmpOr(c.JWKSUnknownKIDInterval, DefaultJWKSUnknownKIDInterval)
	timeout := cmpOr(c.JWKSFetchTimeout, DefaultJWKSFetchTimeout)
	c.JWKSRefreshInterval, c.JWKSUnknownKIDInterval, c.JWKSFetchTimeout = every, unknownEvery, timeout

	client := &http.Client{Timeout: timeout, CheckRedirect: checkJWKSRedirect}
	if c.JWKSHTTPClient != nil {
		cp := *c.JWKSHTTPClient
		client = &cp
	}
	client.Transport = limitTransport{base: client.Transport, max: maxJWKSSize}

	override := keyfunc.Override{
		Client:      client,
		HTTPTimeout: timeout,
		// Refused rather than silently empty: a wrong URL shows at start-up.
		NoErrorReturnFirstHTTPReq: &c.JWKSStartWithoutKeys,
		// A request whose kid is unknown waits for the limiter and the fetch
		// at most this long; when the next allowed fetch is further away, it
		// fails at once instead of waiting.
		RateLimitWaitMax:  timeout,
		RefreshInterval:   every,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownEvery), 1),
	}
	if h := c.JWKSErrorHandler; h != nil {
		raw := c.JWKSURL
		override.RefreshErrorHandlerFunc = func(string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				h(fmt.Errorf("verify: refreshing JWKS %s: %s", shown, fetchError(err, raw, shown)))
			}
		}
	}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	kf, err := keyfunc.NewDefaultOverrideCtx(v.ctx, []string{c.JWKSURL}, override)
	if err != nil {
		return errorf(ErrInvalidConfig, "JWT: fetching JWKS %s: %s", shown, fetchError(err, c.JWKSURL, shown))
	}
	v.jwks = kf.Storage()
	if c.JWKSStartWithoutKeys {
		return nil
	}
	return v.checkJWKS("the JWKS at " + shown)
}

// fetchError is the text of a JWKS fetch error on one line, with the URL as
// configured replaced by its redacted form.
func fetchError(err error, raw, shown string) string {
	return strings.ReplaceAll(strings.ReplaceAll(err.Error(), raw, shown), "\n", "; ")
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// redactURL shows scheme, host and path only: user info and query strings
// can carry credentials.
func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// secureJWKSURL reports whether keys may be fetched from u: over https, or
// over http from the local machine (tests, a sidecar).
func secureJWKSURL(u *url.URL) bool {
	return u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())
}

// checkJWKSRedirect keeps the default client's redirects to the same rule as
// the configured URL, so an https URL cannot be redirected to clear text.
func checkJWKSRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if !secureJWKSURL(req.URL) {
		return fmt.Errorf("redirect to %s refused: keys are fetched over https only", redactURL(req.URL))
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// limitTransport refuses JWKS responses larger than max.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

var errJWKSTooLarge = errors.New("JWKS response is larger than 1 MiB")

type limitedBody struct {
	rc   io.ReadCloser
	left int64 // -1 once the limit is exceeded
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errJWKSTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	n, b.left = int(b.left), -1
	return n, errJWKSTooLarge
}

func (b *limitedBody) Close() error { return b.rc.Close() }

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}

// parsePublicKeyPEM decodes exactly one PEM public key. Errors describe the
// PEM's shape, never its content.
func parsePublicKeyPEM(data []byte) (any, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("PEM holds no PEM block")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("PEM holds more than one block; give each key its own JWTKey")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("PEM is a %s; configure the public key only", block.Type)
		}
		return nil, fmt.Errorf("PEM block type %q is not PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("PEM %s does not parse", block.Type)
	}
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("PEM holds a %T, not an RSA, ECDSA or Ed25519 public key", key)
}

// Algorithm families. A token's key must be of its algorithm's family.
type family uint8

const (
	famUnknown family = iota
	famHMAC
	famRSA
	famECDSA
	famEd25519
)

func algFamily(alg string) family {
	switch alg {
	case "HS256", "HS384", "HS512":
		return famHMAC
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return famRSA
	case "ES256", "ES384", "ES512":
		return famECDSA
	case "EdDSA":
		return famEd25519
	}
	return famUnknown
}

const minRSABits = 2048

// keyFits reports whether key may verify a token signed with alg: the key's
// type is the algorithm's family (HS* take []byte, RS*/PS* *rsa.PublicKey,
// ES* *ecdsa.PublicKey on the algorithm's curve, EdDSA ed25519.PublicKey),
// and it is strong enough (HMAC keys at least the hash size, RSA keys at
// least 2048 bits). This is what stops algorithm confusion: a token naming
// HS256 is never checked against a public key's bytes.
func keyFits(alg string, key any) bool {
	switch algFamily(alg) {
	case famHMAC:
		k, ok := key.([]byte)
		return ok && len(k) >= hashSize(alg)
	case famRSA:
		k, ok := key.(*rsa.PublicKey)
		return ok && k.N != nil && k.N.BitLen() >= minRSABits
	case famECDSA:
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve != nil && k.Curve == curveFor(alg)
	case famEd25519:
		k, ok := key.(ed25519.PublicKey)
		return ok && len(k) == ed25519.PublicKeySize
	}
	return false
}

// hashSize is the output size in bytes of an HMAC algorithm's hash (HS256 →
// 32), the least key length RFC 7518 section 3.2 allows.
func hashSize(alg string) int {
	switch {
	case strings.HasSuffix(alg, "256"):
		return 32
	case strings.HasSuffix(alg, "384"):
		return 48
	case strings.HasSuffix(alg, "512"):
		return 64
	}
	return 0
}

// curveFor is the curve an ECDSA algorithm uses: P-256, P-384, P-521.
func curveFor(alg string) elliptic.Curve {
	switch alg {
	case "ES256":
		return elliptic.P256()
	case "ES384":
		return elliptic.P384()
	case "ES512":
		return elliptic.P521()
	}
	return nil
}

// describeKey names a key's type and size, never its content.
func describeKey(key any) string {
	switch k := key.(type) {
	case []byte:
		return fmt.Sprintf("HMAC, %d bytes", len(k))
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA, %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", key)
}

// jwkFits returns the JWK's public key when the JWK may verify a token
// signed with alg: a public key (a symmetric "oct" key in a key set is
// never used: a set is published, so its secret is not one), not marked for
// encryption only, its "alg" (if any) equal to alg, and its key in alg's
// family. Otherwise nil.
func jwkFits(j jwkset.JWK, alg string) any {
	if _, symmetric := j.Key().([]byte); symmetric {
		return nil
	}
	m := j.Marshal()
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil
	}
	if m.ALG != "" && string(m.ALG) != alg {
		return nil
	}
	key := j.Key()
	if pk, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		key = pk.Public() // a set that, wrongly, publishes private keys
	}
	if !keyFits(alg, key) {
		return nil
	}
	return key
}

// Verify implements Verifier.
func (v *JWTAuth) Verify(h http.Header, body []byte) (Delivery, error) {
	d, _, err := v.verify(h, body)
	return d, err
}

// VerifyClaims is Verify that also returns the verified token's claims, for
// a receiver that must tell apart several clients of one issuer (by sub,
// azp or client_id). The claims are zero when err is not nil.
func (v *JWTAuth) VerifyClaims(h http.Header, body []byte) (Delivery, JWTClaims, error) {
	d, mc, err := v.verify(h, body)
	if err != nil {
		return d, JWTClaims{}, err
	}
	c := JWTClaims{All: map[string]any(mc)}
	c.Issuer, _ = mc.GetIssuer()
	c.Subject, _ = mc.GetSubject()
	c.Audience, _ = mc.GetAudience()
	c.ID, _ = mc["jti"].(string)
	c.ExpiresAt = numericTime(mc.GetExpirationTime())
	c.NotBefore = numericTime(mc.GetNotBefore())
	c.IssuedAt = numericTime(mc.GetIssuedAt())
	return d, c, nil
}

func numericTime(n *jwt.NumericDate, _ error) time.Time {
	if n == nil {
		return time.Time{}
	}
	return n.Time
}

// keyChoice records, for one token, which key verified it or why none could.
type keyChoice struct {
	id  string
	err error
}

func (v *JWTAuth) verify(h http.Header, body []byte) (Delivery, jwt.MapClaims, error) {
	d := Delivery{Provider: v.provider}
	raw, st := singleHeader(h, "Authorization", v.opts.maxHeaderLen)
	if st != headerOK {
		return d, nil, errorf(ErrUnauthorized, "header Authorization is %s", describe(st, v.opts.maxHeaderLen))
	}
	tokenString, err := parseBearer(raw)
	if err != nil {
		return d, nil, err
	}
	var ch keyChoice
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(tokenString, claims, func(t *jwt.Token) (any, error) {
		key, id, err := v.pickKey(t)
		ch.id, ch.err = id, err
		return key, err
	})
	if err != nil {
		return d, nil, v.explain(tok, claims, err, &ch)
	}
	if !tok.Valid || !slices.Contains(v.allowed, tok.Method.Alg()) { // belt and braces
		return d, nil, errorf(ErrUnauthorized, "bearer token is not valid")
	}
	d.Verified = true
	d.SecretID = ch.id
	d.Key = KeyFromBody(v.provider, body)
	return d, claims, nil
}

// pickKey finds the key that verifies t. It runs after the parser has
// checked the algorithm against the allowlist and before it checks the
// signature: it returns only a key of the token algorithm's family, and when
// several could fit it checks the signature itself to learn which one signs.
func (v *JWTAuth) pickKey(t *jwt.Token) (key any, id string, err error) {
	alg := t.Method.Alg()
	if !slices.Contains(v.allowed, alg) {
		return nil, "", v.algError(alg)
	}
	if _, crit := t.Header["crit"]; crit {
		return nil, "", errorf(ErrUnauthorized, "token header lists critical extensions (crit), which this verifier does not support")
	}
	var kid string
	if k, ok := t.Header["kid"]; ok {
		if kid, ok = k.(string); !ok {
			return nil, "", errorf(ErrUnauthorized, "token header kid is not a string")
		}
	}

	var cands []jwtKey
	if v.jwks != nil {
		cands, err = v.jwksCandidates(alg, kid)
		if err != nil {
			return nil, "", err
		}
	} else {
		for _, k := range v.static {
			if kid != "" && k.kid != "" && k.kid != kid {
				continue
			}
			if keyFits(alg, k.key) {
				cands = append(cands, k)
			}
		}
	}
	switch len(cands) {
	case 0:
		if kid != "" {
			return nil, "", errorf(ErrUnauthorized, "no configured key with kid %q fits algorithm %s", clip(kid), alg)
		}
		return nil, "", errorf(ErrUnauthorized, "no configured key fits algorithm %s", alg)
	case 1:
		return cands[0].key, cands[0].id, nil
	}
	signed := t.Raw[:strings.LastIndexByte(t.Raw, '.')]
	for _, c := range cands {
		if t.Method.Verify(signed, t.Signature, c.key) == nil {
			return c.key, c.id, nil
		}
	}
	return nil, "", &jwtError{
		msg:   fmt.Sprintf("token signature does not verify with any configured %s key (%d tried)", alg, len(cands)),
		cause: jwt.ErrTokenSignatureInvalid,
	}
}

// jwksCandidates returns the set's keys that fit alg: the one with the
// token's kid (refreshing the set, rate-limited, when it is unknown), or all
// of them for a token without a kid.
func (v *JWTAuth) jwksCandidates(alg, kid string) ([]jwtKey, error) {
	var jwks []jwkset.JWK
	if kid != "" {
		j, err := v.jwks.KeyRead(v.context(), kid)
		if err != nil {
			msg := fmt.Sprintf("no key with kid %q in the JWKS", clip(kid))
			if v.cfg.JWKSURL != "" {
				msg += fmt.Sprintf(" (an unknown kid refreshes the set at most once per %s)", v.cfg.JWKSUnknownKIDInterval)
			}
			return nil, errorf(ErrUnauthorized, "%s", msg)
		}
		jwks = []jwkset.JWK{j}
	} else {
		all, err := v.jwks.KeyReadAll(v.context())
		if err != nil {
			return nil, errorf(ErrUnauthorized, "reading the JWKS failed")
		}
		jwks = all
	}
	var cands []jwtKey
	for _, j := range jwks {
		if key := jwkFits(j, alg); key != nil {
			id := j.Marshal().KID
			if id == "" {
				id = "jwks"
			}
			cands = append(cands, jwtKey{id: id, key: key})
		}
	}
	if len(cands) == 0 && kid != "" {
		return nil, errorf(ErrUnauthorized, "the JWKS key with kid %q does not fit algorithm %s (its type, use or alg differs)", clip(kid), alg)
	}
	return cands, nil
}

func (v *JWTAuth) algError(alg string) error {
	if alg == "" {
		return &jwtError{msg: "token header names no algorithm (alg)", cause: jwt.ErrTokenUnverifiable}
	}
	if strings.EqualFold(alg, "none") {
		return &jwtError{msg: "token is unsigned (alg none), which is never accepted", cause: jwt.ErrTokenSignatureInvalid}
	}
	return &jwtError{msg: fmt.Sprintf("algorithm %q is not in the allowlist %v", clip(alg), v.allowed), cause: jwt.ErrTokenSignatureInvalid}
}

// explain turns a parse failure into an error a user can act on.
func (v *JWTAuth) explain(tok *jwt.Token, claims jwt.MapClaims, err error, ch *keyChoice) error {
	if ch.err != nil {
		return ch.err
	}
	if tok == nil || errors.Is(err, jwt.ErrTokenMalformed) {
		return &jwtError{msg: "bearer token is malformed: a part is not base64url-encoded JSON", cause: err}
	}
	if tok.Method == nil {
		alg, _ := tok.Header["alg"].(string)
		return v.algError(alg)
	}
	if !slices.Contains(v.allowed, tok.Method.Alg()) {
		return v.algError(tok.Method.Alg())
	}
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		return &jwtError{msg: fmt.Sprintf("token signature does not verify with the configured key %q", ch.id), cause: jwt.ErrTokenSignatureInvalid}
	}
	if !errors.Is(err, jwt.ErrTokenInvalidClaims) {
		return &jwtError{msg: "bearer token is not valid", cause: err}
	}
	var why []string
	for _, p := range []struct {
		claim string
		cause error
		msg   string
	}{
		{"exp", jwt.ErrTokenExpired, "token is expired"},
		{"nbf", jwt.ErrTokenNotValidYet, "token is not valid yet"},
		{"iss", jwt.ErrTokenInvalidIssuer, fmt.Sprintf("token issuer does not match (want %q)", v.cfg.Issuer)},
		{"aud", jwt.ErrTokenInvalidAudience, fmt.Sprintf("token audience does not match (want one of %q)", v.cfg.Audience)},
	} {
		if errors.Is(err, p.cause) {
			why = append(why, p.msg+v.when(p.claim, claims))
		}
	}
	if errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
		for _, c := range []string{"exp", "iss", "aud"} {
			if _, ok := claims[c]; !ok {
				why = append(why, "token has no "+c+" claim")
			}
		}
	}
	if errors.Is(err, jwt.ErrInvalidType) {
		why = append(why, "a registered claim (exp, nbf, iat, iss, aud) has the wrong JSON type")
	}
	if len(why) == 0 {
		why = append(why, "token claims are not valid")
	}
	return &jwtError{msg: strings.Join(why, "; "), cause: err}
}

// when adds the token's time and the receiver's to an exp or nbf message.
func (v *JWTAuth) when(claim string, claims jwt.MapClaims) string {
	var t time.Time
	switch claim {
	case "exp":
		t = numericTime(claims.GetExpirationTime())
	case "nbf":
		t = numericTime(claims.GetNotBefore())
	default:
		return ""
	}
	return fmt.Sprintf(" (%s %s, receiver's clock %s, leeway %s)", claim, t.UTC().Format(time.RFC3339), v.opts.now().UTC().Format(time.RFC3339), v.cfg.Leeway)
}

// jwtError wraps ErrUnauthorized and, for errors.Is, the golang-jwt cause,
// while its text is ours alone: golang-jwt's text is not shown.
type jwtError struct {
	msg   string
	cause error
}

func (e *jwtError) Error() string { return "verify: " + ErrUnauthorized.Error() + ": " + e.msg }

func (e *jwtError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrUnauthorized}
	}
	return []error{ErrUnauthorized, e.cause}
}

// clip bounds attacker-chosen strings (kid, alg) quoted in messages.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// parseBearer extracts the JWT from an Authorization value of the Bearer
// scheme (RFC 6750; the scheme name matches case-insensitively). It checks
// the token's shape, three base64url parts joined by '.', so obviously wrong
// values fail with a clear message before any decoding. Errors wrap
// ErrUnauthorized and never quote the value.
func parseBearer(value string) (string, error) {
	tok, ok := cutScheme(value, "Bearer")
	if !ok {
		return "", errorf(ErrUnauthorized, "Authorization header is not Bearer (want \"Bearer <jwt>\")")
	}
	if tok == "" {
		return "", errorf(ErrUnauthorized, "Authorization header is Bearer with no token")
	}
	dots := 0
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c == '.':
			dots++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "", errorf(ErrUnauthorized, "bearer token is not a JWT: it holds a character outside base64url and '.'")
		}
	}
	if dots != 2 {
		return "", errorf(ErrUnauthorized, "bearer token is not a signed JWT (want three base64url parts joined by '.', it has %d)", dots+1)
	}
	return tok, nil
}
