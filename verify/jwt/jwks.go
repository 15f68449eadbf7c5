package jwt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"golang.org/x/time/rate"

	"github.com/hookseal/hookseal/verify"
)

// Defaults for a key set fetched from a URL (JWKSURL).
const (
	// DefaultRefreshInterval is how often the key set is fetched in the
	// background, so keys an issuer publishes ahead of use are known before
	// the first token signed with them arrives.
	DefaultRefreshInterval = time.Hour

	// DefaultUnknownKIDInterval is the least time between two fetches
	// caused by a token whose kid is not in the cached set: one fetch is
	// allowed at once, then one per interval. A freshly rotated key is
	// picked up by the first token that names it; a flood of tokens with
	// invented kids costs the issuer at most one request a minute. While no
	// fetch is allowed, such a token fails at once, unless the next allowed
	// fetch is less than the fetch timeout away: then one request waits for
	// it.
	DefaultUnknownKIDInterval = time.Minute

	// DefaultFetchTimeout bounds one fetch of the key set, and how long a
	// request with an unknown kid may wait for one. It stays under Grafana
	// OnCall's 4 s delivery timeout with room for the handler.
	DefaultFetchTimeout = 3 * time.Second
)

// maxRedirects bounds the redirects followed when fetching a key set,
// unless the caller's http.Client decides with its own CheckRedirect.
const maxRedirects = 5

// JWKSOption configures a key set fetched from a URL (JWKSURL).
type JWKSOption func(*remoteSource)

// WithRefreshInterval sets how often the set is fetched in the background.
// Zero means DefaultRefreshInterval.
func WithRefreshInterval(d time.Duration) JWKSOption {
	return func(s *remoteSource) { s.refresh = d }
}

// WithUnknownKIDInterval sets the least time between two fetches caused by
// tokens naming a kid the set lacks. Zero means DefaultUnknownKIDInterval.
func WithUnknownKIDInterval(d time.Duration) JWKSOption {
	return func(s *remoteSource) { s.unknownKID = d }
}

// WithFetchTimeout bounds one fetch, and how long a request with an unknown
// kid may wait for one. Zero means DefaultFetchTimeout.
func WithFetchTimeout(d time.Duration) JWKSOption {
	return func(s *remoteSource) { s.timeout = d }
}

// WithHTTPClient fetches the set with a copy of c (c itself is never
// changed), for a proxy, custom TLS roots or a transport with metrics. The
// copy keeps c's transport, timeout and cookie jar, and runs c's
// CheckRedirect, but it never follows a redirect to a URL the set may not
// be fetched from (see JWKSURL), and it refuses responses over 1 MiB.
func WithHTTPClient(c *http.Client) JWKSOption {
	return func(s *remoteSource) { s.client = c }
}

// WithErrorHandler receives background refresh failures, with the URL's
// user information and query removed. By default they are logged with
// log/slog's default logger.
func WithErrorHandler(f func(error)) JWKSOption {
	return func(s *remoteSource) { s.onError = f }
}

// WithStartWithoutKeys lets New succeed when the first fetch fails; tokens
// are then refused until a refresh succeeds. By default a failed first
// fetch is an error of New, so a wrong URL shows at start-up.
func WithStartWithoutKeys() JWKSOption {
	return func(s *remoteSource) { s.startEmpty = true }
}

// JWKSURL returns a key source fetching a JSON Web Key Set from an issuer's
// jwks_uri. The set is fetched when the Verifier is built and then kept
// fresh: every refresh interval in the background, and at once when a token
// names a kid the cached set lacks, at most once per unknown-kid interval.
// Keys are used as with JWKS.
//
// The URL must be https, or http to a loopback address; redirects are held
// to the same rule (http to loopback only from an http loopback URL), and a
// response over 1 MiB is refused. Errors show the URL without its user
// information and query, which may carry credentials. Call
// Verifier.Close when the verifier is no longer needed, to stop the
// background refresh.
func JWKSURL(rawURL string, opts ...JWKSOption) KeySource {
	s := remoteSource{url: rawURL}
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return s
}

type remoteSource struct {
	url                          string
	refresh, unknownKID, timeout time.Duration
	client                       *http.Client
	onError                      func(error)
	startEmpty                   bool
}

func (remoteSource) hmac() bool { return false }

// open sets up keyfunc's cached, refreshing key set.
func (s remoteSource) open(algs []string) (keyStore, error) {
	if s.url == "" {
		return nil, errorf(verify.ErrNoSecret, "JWKSURL is empty")
	}
	if s.refresh < 0 || s.unknownKID < 0 || s.timeout < 0 {
		return nil, errorf(verify.ErrInvalidConfig, "JWKSURL: intervals and timeout must not be negative")
	}
	u, err := url.Parse(s.url)
	if err != nil || u.Host == "" {
		return nil, errorf(verify.ErrInvalidConfig, "JWKSURL is not an absolute URL")
	}
	shown := redactURL(u)
	if !secureURL(u) {
		return nil, errorf(verify.ErrInvalidConfig, "JWKSURL %s must be https (http is allowed to loopback addresses only): keys fetched in clear text can be replaced on the way", shown)
	}
	every := cmpOr(s.refresh, DefaultRefreshInterval)
	unknownEvery := cmpOr(s.unknownKID, DefaultUnknownKIDInterval)
	timeout := cmpOr(s.timeout, DefaultFetchTimeout)

	override := keyfunc.Override{
		Client:      fetchClient(s.client, timeout),
		HTTPTimeout: timeout,
		// Refused rather than silently empty: a wrong URL shows at start-up.
		NoErrorReturnFirstHTTPReq: &s.startEmpty,
		// A request whose kid is unknown waits for the limiter and the fetch
		// at most this long; when the next allowed fetch is further away, it
		// fails at once instead of waiting.
		RateLimitWaitMax:  timeout,
		RefreshInterval:   every,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownEvery), 1),
	}
	if h := s.onError; h != nil {
		override.RefreshErrorHandlerFunc = func(string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				h(fmt.Errorf("jwt: refreshing JWKS %s: %s", shown, fetchError(err, s.url, shown)))
			}
		}
	}
	st := &jwksStore{unknownKID: fmt.Sprintf(" (an unknown kid refreshes the set at most once per %s)", unknownEvery)}
	st.ctx, st.cancel = context.WithCancel(context.Background())
	kf, err := keyfunc.NewDefaultOverrideCtx(st.ctx, []string{s.url}, override)
	if err != nil {
		st.close()
		return nil, errorf(verify.ErrInvalidConfig, "fetching JWKS %s: %s", shown, fetchError(err, s.url, shown))
	}
	st.storage = kf.Storage()
	if s.startEmpty {
		return st, nil
	}
	if err := st.check("the JWKS at "+shown, algs); err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

// fetchClient returns the client a key set is fetched with: a shallow copy
// of the caller's (never the caller's itself), or a new one with timeout.
// Either way its redirects are held to the https-only rule and its
// responses bounded to maxJWKSSize.
func fetchClient(caller *http.Client, timeout time.Duration) *http.Client {
	c := &http.Client{Timeout: timeout}
	if caller != nil {
		cp := *caller
		c = &cp
	}
	c.CheckRedirect = redirectPolicy(c.CheckRedirect)
	c.Transport = limitTransport{base: c.Transport, max: maxJWKSSize}
	return c
}

// redirectPolicy keeps redirects to the rule the configured URL follows: a
// redirect target must be https, or http to a loopback address when the
// original URL was http to a loopback address too. So neither a compromised
// issuer page nor a proxy can send the fetch to clear text, where the key
// set can be replaced on the way. The caller's own check (next), when there
// is one, runs too, and decides how many redirects to follow; without one,
// at most maxRedirects are.
func redirectPolicy(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !redirectAllowed(via[0].URL, req.URL) {
			return fmt.Errorf("redirect to %s refused: keys are fetched over https only", redactURL(req.URL))
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}

// redirectAllowed reports whether a fetch of orig may follow a redirect to
// target.
func redirectAllowed(orig, target *url.URL) bool {
	if target.Scheme == "https" {
		return true
	}
	return target.Scheme == "http" && isLoopback(target.Hostname()) &&
		orig.Scheme == "http" && isLoopback(orig.Hostname())
}

// secureURL reports whether keys may be fetched from u: over https, or
// over http from the local machine (tests, a sidecar).
func secureURL(u *url.URL) bool {
	return u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL shows scheme, host and path only: user info and query strings
// can carry credentials.
func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// fetchError is the text of a key set fetch error on one line, with the URL
// as configured replaced by its redacted form, and so is the URL net/http
// names (a redirect target, which may carry credentials of its own).
func fetchError(err error, raw, shown string) string {
	msg := err.Error()
	if q := strconv.Quote(raw); q[1:len(q)-1] != raw { // jwkset quotes the URL with %q
		msg = strings.ReplaceAll(msg, q, strconv.Quote(shown))
	}
	msg = strings.ReplaceAll(msg, raw, shown)
	var ue *url.Error
	if errors.As(err, &ue) && ue.URL != "" {
		if u, perr := url.Parse(ue.URL); perr == nil {
			msg = strings.ReplaceAll(msg, ue.URL, redactURL(u))
		} else {
			msg = strings.ReplaceAll(msg, ue.URL, "(an unparsable URL)")
		}
	}
	return strings.ReplaceAll(msg, "\n", "; ")
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// limitTransport refuses key set responses larger than max.
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

// limitedBody reads at most left bytes, then fails with errJWKSTooLarge.
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
