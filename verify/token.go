package verify

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/hookseal/hookseal/verify/internal/header"
)

// This file holds the verifiers for senders that sign nothing and prove
// themselves with a credential in a header instead: a shared token
// (TokenAuth, built by Token and Authorization) and HTTP Basic credentials
// (BasicAuth). JWT bearer tokens are in package verify/jwt.
//
// The comparisons hide lengths as well as contents: the presented value and
// every configured one are reduced to SHA-256 digests, and the fixed-size
// digests are compared with crypto/subtle against every configured value,
// with no early exit. A timing observer learns neither how long the expected
// value is, nor how many leading bytes matched, nor which configured value
// matched.

// TokenAuth verifies deliveries that carry a shared token in a named header,
// compared verbatim. Build one with Token (any header) or Authorization (the
// Authorization header, as Grafana OnCall sends it). It is safe for
// concurrent use.
//
// The header value is compared exactly, after only the surrounding spaces and
// tabs HTTP allows are trimmed: no scheme is parsed or added. A sender that
// sends "Authorization: Token abc" is configured with the value "Token abc";
// one that sends "X-Hook-Token: abc" with the value "abc". Schemes are
// therefore compared case-sensitively, as the sender's setting spells them.
type TokenAuth struct {
	provider   string
	header     string // canonical
	headerName string // as configured, for messages
	opts       options
	tokens     []digestSecret
}

// digestSecret is one configured value, kept only as its SHA-256 digest
// (and the scope derived from it).
type digestSecret struct {
	id    string
	sum   [sha256.Size]byte
	scope lazyScope
}

// Token returns a verifier accepting a delivery whose header carries, exactly,
// the Value of one of tokens; Delivery.SecretID reports which one's ID.
// Several tokens may be active at once while a token is rotated.
//
// It fails closed: no token, a blank token, a token with surrounding
// whitespace or control characters (it could never arrive intact), two tokens
// with one value, or a token longer than the header bound (WithMaxHeaderLen)
// is an error. Failures at request time wrap ErrUnauthorized.
func Token(provider, headerName string, tokens []Secret, opts ...Option) (*TokenAuth, error) {
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := checkProvider(provider); err != nil {
		return nil, err
	}
	if !validHeaderName(headerName) {
		return nil, errorf(ErrInvalidConfig, "%q is not a header name", headerName)
	}
	if err := CheckSecrets(tokens); err != nil {
		return nil, err
	}
	v := &TokenAuth{
		provider:   provider,
		header:     canonicalHeader(headerName),
		headerName: headerName,
		opts:       o,
		tokens:     make([]digestSecret, 0, len(tokens)),
	}
	seen := make(map[[sha256.Size]byte]string, len(tokens))
	for _, t := range tokens {
		if err := checkHeaderValue("token", t.ID, t.Value, o.maxHeaderLen); err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(t.Value))
		if other, dup := seen[sum]; dup {
			return nil, errorf(ErrInvalidConfig, "tokens %q and %q have the same value", other, t.ID)
		}
		seen[sum] = t.ID
		v.tokens = append(v.tokens, digestSecret{id: t.ID, sum: sum, scope: newLazyScope(provider, []byte(t.Value))})
	}
	return v, nil
}

// Authorization returns a verifier accepting a delivery whose Authorization
// header is, exactly, the Value of one of values. It is Token with the header
// "Authorization", for Grafana OnCall's authorization_header setting, which
// OnCall copies verbatim into the header without adding a scheme: configure
// the same string on both sides ("Bearer s3cr3t" if that is what OnCall's
// setting holds).
func Authorization(provider string, values []Secret, opts ...Option) (*TokenAuth, error) {
	return Token(provider, "Authorization", values, opts...)
}

// Verify implements Verifier. The Delivery's Key derives from the body
// (KeyFromBody); its Timestamp is zero, since these senders send none.
func (v *TokenAuth) Verify(h http.Header, body []byte) (Delivery, error) {
	d := Delivery{Provider: v.provider}
	raw, st := header.Single(h, v.header, v.opts.maxHeaderLen)
	if st != header.OK {
		return d, errorf(ErrUnauthorized, "header %s is %s", v.headerName, st.Describe(v.opts.maxHeaderLen))
	}
	sum := sha256.Sum256([]byte(raw))
	i, ok := matchDigest(&sum, v.tokens)
	if !ok {
		return d, errorf(ErrUnauthorized, "header %s matches no configured token (%d tried)", v.headerName, len(v.tokens))
	}
	d.SecretID = v.tokens[i].id
	d.Scope = v.tokens[i].scope.get()
	d.Key = KeyFromBody(v.provider, d.Scope, body)
	return d, nil
}

// matchDigest compares sum with every configured digest in constant time and
// returns the index of the match. It never exits early: the time taken does
// not depend on which entry, if any, matched.
func matchDigest(sum *[sha256.Size]byte, set []digestSecret) (int, bool) {
	found, idx := 0, 0
	for i := range set {
		eq := subtle.ConstantTimeCompare(sum[:], set[i].sum[:])
		idx = subtle.ConstantTimeSelect(eq&^found, i, idx)
		found |= eq
	}
	return idx, found == 1
}

// checkHeaderValue refuses a configured credential that could never be
// presented intact in a header: one with surrounding whitespace (trimmed by
// every receiver), control characters (refused by net/http), or longer than
// the verifier's header bound. The messages name the credential by ID only.
func checkHeaderValue(kind, id, value string, maxLen int) error {
	if len(value) > maxLen {
		return errorf(ErrInvalidConfig, "%s %q is %d bytes, longer than the header bound %d (raise it with WithMaxHeaderLen)", kind, id, len(value), maxLen)
	}
	if header.TrimOWS(value) != value {
		return errorf(ErrInvalidConfig, "%s %q starts or ends with whitespace, which never arrives in a header", kind, id)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return errorf(ErrInvalidConfig, "%s %q contains a control character, which cannot be sent in a header", kind, id)
		}
	}
	return nil
}

// Credential is one user name and password pair a Basic verifier accepts.
// Several may be active at once while a password is rotated; Delivery.SecretID
// reports which one's ID matched.
type Credential struct {
	// ID names the credential in Delivery.SecretID, logs and metrics.
	// It must not be derived from the user name or password.
	ID string
	// Username is the user-id of RFC 7617; it may not contain ':'.
	Username string
	// Password may contain any character, ':' included.
	Password string
}

// BasicAuth verifies deliveries that carry HTTP Basic credentials (RFC 7617)
// in the Authorization header: Grafana OnCall's username and password
// settings, or Datadog's user:pass@ in the webhook URL. Build one with Basic.
// It is safe for concurrent use.
type BasicAuth struct {
	provider string
	opts     options
	creds    []basicDigest
}

type basicDigest struct {
	id         string
	user, pass [sha256.Size]byte
	scope      lazyScope
}

// Basic returns a verifier accepting a delivery whose Authorization header
// carries Basic credentials equal to one of creds.
//
// User name and password are both compared in constant time against every
// credential, and a delivery passes only when both match the same one; the
// error never says which part was wrong. The scheme name "Basic" matches
// case-insensitively; the credentials are standard base64 with padding.
//
// It fails closed: no credential, a blank user name or password, one with
// whitespace around it or a control character inside, a user name
// containing ':', IDs missing or repeated, or credentials too long for the
// header bound is an error. Failures at request time wrap ErrUnauthorized.
func Basic(provider string, creds []Credential, opts ...Option) (*BasicAuth, error) {
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := checkProvider(provider); err != nil {
		return nil, err
	}
	if len(creds) == 0 {
		return nil, errorf(ErrNoSecret, "pass at least one credential")
	}
	v := &BasicAuth{provider: provider, opts: o, creds: make([]basicDigest, 0, len(creds))}
	ids := make(map[string]bool, len(creds))
	for i, c := range creds {
		switch {
		case c.ID == "":
			return nil, errorf(ErrInvalidConfig, "credential %d has no ID", i+1)
		case ids[c.ID]:
			return nil, errorf(ErrInvalidConfig, "credential id %q is used twice", c.ID)
		case strings.TrimSpace(c.Password) == "":
			return nil, errorf(ErrNoSecret, "credential %q has a blank password", c.ID)
		case strings.TrimSpace(c.Username) == "":
			return nil, errorf(ErrInvalidConfig, "credential %q has a blank user name", c.ID)
		case strings.IndexByte(c.Username, ':') >= 0:
			return nil, errorf(ErrInvalidConfig, "credential %q has ':' in its user name, which Basic cannot carry", c.ID)
		}
		if err := checkSecretValue(c.Password); err != nil {
			return nil, errorf(ErrInvalidConfig, "credential %q: password: %v", c.ID, err)
		}
		if err := checkSecretValue(c.Username); err != nil {
			return nil, errorf(ErrInvalidConfig, "credential %q: user name: %v", c.ID, err)
		}
		ids[c.ID] = true
		if n := len("Basic ") + base64.StdEncoding.EncodedLen(len(c.Username)+1+len(c.Password)); n > o.maxHeaderLen {
			return nil, errorf(ErrInvalidConfig, "credential %q encodes to a %d-byte header, longer than the header bound %d (raise it with WithMaxHeaderLen)", c.ID, n, o.maxHeaderLen)
		}
		v.creds = append(v.creds, basicDigest{
			id:    c.ID,
			user:  sha256.Sum256([]byte(c.Username)),
			pass:  sha256.Sum256([]byte(c.Password)),
			scope: newLazyScope(provider, []byte(c.Username+"\x00"+c.Password)),
		})
	}
	return v, nil
}

// Verify implements Verifier. The Delivery's Key derives from the body
// (KeyFromBody); its Timestamp is zero, since these senders send none.
func (v *BasicAuth) Verify(h http.Header, body []byte) (Delivery, error) {
	d := Delivery{Provider: v.provider}
	raw, st := header.Single(h, "Authorization", v.opts.maxHeaderLen)
	if st != header.OK {
		return d, errorf(ErrUnauthorized, "header Authorization is %s", st.Describe(v.opts.maxHeaderLen))
	}
	user, pass, err := parseBasic(raw)
	if err != nil {
		return d, err
	}
	us, ps := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	found, idx := 0, 0
	for i := range v.creds {
		c := &v.creds[i]
		// Both comparisons always run, and are combined without branching,
		// so a right user name with a wrong password takes as long as
		// anything else.
		eq := subtle.ConstantTimeCompare(us[:], c.user[:]) & subtle.ConstantTimeCompare(ps[:], c.pass[:])
		idx = subtle.ConstantTimeSelect(eq&^found, i, idx)
		found |= eq
	}
	if found != 1 {
		return d, errorf(ErrUnauthorized, "Basic credentials match no configured user name and password (%d tried)", len(v.creds))
	}
	d.SecretID = v.creds[idx].id
	d.Scope = v.creds[idx].scope.get()
	d.Key = KeyFromBody(v.provider, d.Scope, body)
	return d, nil
}

// parseBasic splits an Authorization value of the Basic scheme into user
// name and password. Errors wrap ErrUnauthorized and never quote the value:
// a misconfigured sender may have put a secret where the scheme belongs.
func parseBasic(value string) (user, pass string, err error) {
	cred, ok := cutScheme(value, "Basic")
	if !ok {
		return "", "", errorf(ErrUnauthorized, "Authorization header is not Basic (want \"Basic <base64 of user:password>\")")
	}
	if cred == "" {
		return "", "", errorf(ErrUnauthorized, "Authorization header is Basic with no credentials")
	}
	// encoding/base64 skips '\r' and '\n' anywhere in its input; a
	// credential is one token68 (RFC 9110 section 11.2), so only the
	// alphabet and padding are allowed.
	dec, derr := base64.StdEncoding.Strict().DecodeString(cred)
	if derr != nil || strings.ContainsFunc(cred, func(r rune) bool { return r == '\r' || r == '\n' }) {
		return "", "", errorf(ErrUnauthorized, "Basic credentials are not valid base64 (want standard base64 with padding)")
	}
	user, pass, ok = strings.Cut(string(dec), ":")
	if !ok {
		return "", "", errorf(ErrUnauthorized, "Basic credentials have no ':' between user name and password")
	}
	return user, pass, nil
}

// cutScheme reports whether value starts with the authentication scheme
// (matched case-insensitively, RFC 9110 section 11.1) followed by at least
// one space, and returns the rest with leading spaces removed. A value that
// is the scheme name alone returns "", true.
func cutScheme(value, scheme string) (rest string, ok bool) {
	if len(value) < len(scheme) || !strings.EqualFold(value[:len(scheme)], scheme) {
		return "", false
	}
	rest = value[len(scheme):]
	if rest == "" {
		return "", true
	}
	if rest[0] != ' ' {
		return "", false // "Basicx", "Bearer\tx", "Bearer:x"
	}
	return strings.TrimLeft(rest, " "), true
}
