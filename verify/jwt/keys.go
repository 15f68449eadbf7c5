package jwt

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"

	"github.com/hookseal/hookseal/verify"
)

// KeySource is where a Verifier's keys come from (Config.Keys). Build one
// with HMACSecrets, PublicKeys, JWKS, JWKSFile or JWKSURL; other packages
// cannot implement it.
type KeySource interface {
	// hmac reports whether the source holds HMAC secrets rather than
	// public keys.
	hmac() bool
	// open loads the keys and checks them against the allowlist algs.
	open(algs []string) (keyStore, error)
}

// keyStore is an opened key source.
type keyStore interface {
	// candidates returns the keys that may verify a token signed with alg
	// whose header names kid ("" when it names none).
	candidates(alg, kid string) ([]candidate, error)
	// close stops any background work.
	close()
}

// candidate is one key that may verify a token.
type candidate struct {
	id  string // reported in Delivery.SecretID
	kid string // selects by token kid; "" matches every token
	key any    // []byte HMAC secret or a public key
}

// HMACSecrets returns a key source of shared secrets for HS256, HS384 and
// HS512 tokens. Each secret's Value is the raw key bytes (decode a base64
// secret first) and must be at least as long as the algorithm's hash: 32
// bytes for HS256, 48 for HS384, 64 for HS512 (RFC 7518 section 3.2). The
// secrets must pass verify.CheckSecrets. Every secret is tried, whatever
// kid a token names; Delivery.SecretID reports the ID of the one that
// matched.
func HMACSecrets(secrets ...verify.Secret) KeySource {
	return hmacSource(slices.Clone(secrets))
}

// Key is one PEM-encoded public key for PublicKeys.
type Key struct {
	// KID, when set, is the key's kid: a token whose header names another
	// kid is not checked against this key. Keys without a KID are tried for
	// every token. Delivery.SecretID reports the KID, or "key<n>" (n counting
	// from 1 in the PublicKeys list) when it is empty.
	KID string

	// PEM holds exactly one public key: a "PUBLIC KEY" (PKIX: RSA, ECDSA
	// P-256/P-384/P-521 or Ed25519), an "RSA PUBLIC KEY" (PKCS #1), or a
	// "CERTIFICATE" whose key is used (the certificate itself is not
	// validated). Private keys are refused: a receiver needs only the public
	// half. RSA keys must have at least 2048 bits.
	PEM []byte
}

// PublicKeys returns a key source of PEM public keys for RS*, PS*, ES* and
// EdDSA tokens.
func PublicKeys(keys ...Key) KeySource {
	return pemSource(slices.Clone(keys))
}

// JWKS returns a key source reading a JSON Web Key Set, as an issuer's
// jwks_uri serves it, from memory. Only public signing keys whose type
// (and "alg", when the JWK names one) fits the token's algorithm are used;
// "oct" keys and keys marked "use": "enc" never are.
func JWKS(json []byte) KeySource {
	return jwksSource{raw: slices.Clone(json)}
}

// JWKSFile returns a key source reading a JSON Web Key Set from the file at
// path, once, when the Verifier is built. Keys are used as with JWKS.
func JWKSFile(path string) KeySource {
	return jwksSource{path: path, fromFile: true}
}

type hmacSource []verify.Secret

func (hmacSource) hmac() bool { return true }

func (s hmacSource) open(algs []string) (keyStore, error) {
	if err := verify.CheckSecrets(s); err != nil {
		return nil, fmt.Errorf("jwt: HMACSecrets: %w", err)
	}
	keys := make(staticStore, len(s))
	for i, sec := range s {
		keys[i] = candidate{id: sec.ID, key: []byte(sec.Value)}
	}
	return keys, keys.check("secret", algs)
}

type pemSource []Key

func (pemSource) hmac() bool { return false }

func (s pemSource) open(algs []string) (keyStore, error) {
	if len(s) == 0 {
		return nil, errorf(verify.ErrNoSecret, "PublicKeys holds no key")
	}
	keys := make(staticStore, 0, len(s))
	for i, k := range s {
		id := k.KID
		if id == "" {
			id = "key" + strconv.Itoa(i+1)
		}
		if slices.ContainsFunc(keys, func(c candidate) bool { return c.id == id }) {
			return nil, errorf(verify.ErrInvalidConfig, "public key %d: kid %q is used twice", i+1, id)
		}
		key, err := parsePublicKeyPEM(k.PEM)
		if err != nil {
			return nil, errorf(verify.ErrInvalidConfig, "public key %d (%s): %v", i+1, id, err)
		}
		keys = append(keys, candidate{id: id, kid: k.KID, key: key})
	}
	return keys, keys.check("public key", algs)
}

// staticStore holds keys configured one by one: HMAC secrets or PEM keys.
type staticStore []candidate

func (s staticStore) candidates(alg, kid string) ([]candidate, error) {
	var out []candidate
	for _, k := range s {
		if kid != "" && k.kid != "" && k.kid != kid {
			continue
		}
		if keyFits(alg, k.key) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (staticStore) close() {}

// check requires every key to fit an allowed algorithm and every allowed
// algorithm to have a key; kind names the keys in messages.
func (s staticStore) check(kind string, algs []string) error {
	for _, k := range s {
		if !slices.ContainsFunc(algs, func(alg string) bool { return keyFits(alg, k.key) }) {
			return errorf(verify.ErrInvalidConfig, "%s %q (%s) fits none of the allowed algorithms %v%s", kind, k.id, describeKey(k.key), algs, strengthHint(k.key))
		}
	}
	for _, alg := range algs {
		if !slices.ContainsFunc(s, func(k candidate) bool { return keyFits(alg, k.key) }) {
			return errorf(verify.ErrInvalidConfig, "algorithm %s is allowed but no configured %s fits it", alg, kind)
		}
	}
	return nil
}

// maxJWKSSize bounds a key set read from a file or a URL. Real sets are a
// few kilobytes.
const maxJWKSSize = 1 << 20

type jwksSource struct {
	raw      []byte
	path     string
	fromFile bool
}

func (jwksSource) hmac() bool { return false }

func (s jwksSource) open(algs []string) (keyStore, error) {
	raw := s.raw
	switch {
	case s.fromFile && s.path == "":
		return nil, errorf(verify.ErrNoSecret, "JWKSFile names no file")
	case s.fromFile:
		var err error
		if raw, err = readBounded(s.path, maxJWKSSize); err != nil {
			return nil, errorf(verify.ErrInvalidConfig, "JWKSFile: %v", err)
		}
	case len(raw) == 0:
		return nil, errorf(verify.ErrNoSecret, "JWKS is empty")
	case len(raw) > maxJWKSSize:
		return nil, errorf(verify.ErrInvalidConfig, "JWKS is %d bytes, limit %d", len(raw), maxJWKSSize)
	}
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return nil, errorf(verify.ErrInvalidConfig, "JWKS does not parse: %v", err)
	}
	st := &jwksStore{storage: kf.Storage(), ctx: context.Background()}
	return st, st.check("the JWKS", algs)
}

// jwksStore holds a JSON Web Key Set: read once (JWKS, JWKSFile), or
// fetched and kept fresh (JWKSURL).
type jwksStore struct {
	storage jwkset.Storage
	ctx     context.Context    // ends with close, for a fetched set
	cancel  context.CancelFunc // nil for a set read once
	// unknownKID is added to the error for a kid the set lacks, saying
	// how often such a kid may refresh a fetched set.
	unknownKID string
}

// candidates returns the set's keys that fit alg: the one with the token's
// kid (for a fetched set, refreshing it, rate-limited, when the kid is
// unknown), or all of them for a token without a kid.
func (s *jwksStore) candidates(alg, kid string) ([]candidate, error) {
	var jwks []jwkset.JWK
	if kid != "" {
		j, err := s.storage.KeyRead(s.ctx, kid)
		if err != nil {
			return nil, errorf(verify.ErrUnauthorized, "no key with kid %q in the JWKS%s", clip(kid), s.unknownKID)
		}
		jwks = []jwkset.JWK{j}
	} else {
		all, err := s.storage.KeyReadAll(s.ctx)
		if err != nil {
			return nil, errorf(verify.ErrUnauthorized, "reading the JWKS failed")
		}
		jwks = all
	}
	var out []candidate
	for _, j := range jwks {
		if key := jwkFits(j, alg); key != nil {
			id := j.Marshal().KID
			if id == "" {
				id = "jwks"
			}
			out = append(out, candidate{id: id, key: key})
		}
	}
	if len(out) == 0 && kid != "" {
		return nil, errorf(verify.ErrUnauthorized, "the JWKS key with kid %q does not fit algorithm %s (its type, use or alg differs)", clip(kid), alg)
	}
	return out, nil
}

func (s *jwksStore) close() {
	if s.cancel != nil {
		s.cancel()
	}
}

// check requires the set to hold at least one key usable with the
// allowlist; what names the set in messages.
func (s *jwksStore) check(what string, algs []string) error {
	all, err := s.storage.KeyReadAll(s.ctx)
	if err != nil {
		return errorf(verify.ErrInvalidConfig, "reading %s: %v", what, err)
	}
	for _, alg := range algs {
		for _, j := range all {
			if jwkFits(j, alg) != nil {
				return nil
			}
		}
	}
	return errorf(verify.ErrInvalidConfig, "%s holds %d key(s), none usable with %v", what, len(all), algs)
}

// readBounded reads the file at path, refusing one larger than limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}
