package jwt

import (
	"slices"
	"strings"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// Config configures a Verifier. Algorithms, Issuer, Audience and Keys are
// required; the other fields have defaults.
type Config struct {
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
	// clock and the receiver's. The exp claim is required.
	Leeway time.Duration

	// Keys is where the keys that verify tokens come from: HMACSecrets,
	// PublicKeys, JWKS, JWKSFile or JWKSURL.
	Keys KeySource

	// Now is the receiver's clock, against which exp and nbf are judged.
	// Nil means time.Now; tests pass a fixed clock.
	Now func() time.Time

	// MaxHeaderLen bounds the Authorization header; a longer one is refused
	// before it is parsed. Real access tokens are 1 to 3 KB. Zero means
	// verify.DefaultMaxHeaderLen (4 KiB).
	MaxHeaderLen int
}

// maxProviderLen is verify's bound on provider names: verify.KeyFromBody
// derives keys in a fixed buffer sized for it.
const maxProviderLen = 64

// normalize returns a copy of c with its slices cloned (so the caller may
// reuse them) and its defaults applied, after checking every setting but
// the key source.
func (c Config) normalize(provider string) (Config, error) {
	if provider == "" {
		return c, errorf(verify.ErrInvalidConfig, "provider name is empty")
	}
	if len(provider) > maxProviderLen {
		return c, errorf(verify.ErrInvalidConfig, "provider name is %d bytes, limit %d", len(provider), maxProviderLen)
	}
	c.Algorithms = slices.Clone(c.Algorithms)
	c.Audience = slices.Clone(c.Audience)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxHeaderLen == 0 {
		c.MaxHeaderLen = verify.DefaultMaxHeaderLen
	}
	if c.MaxHeaderLen < 0 {
		return c, errorf(verify.ErrInvalidConfig, "MaxHeaderLen is negative (%d)", c.MaxHeaderLen)
	}
	if err := checkAlgorithms(c.Algorithms); err != nil {
		return c, err
	}
	return c, c.checkClaims()
}

// checkAlgorithms validates the allowlist: not empty, no "none", only
// algorithms this package knows, none twice.
func checkAlgorithms(algs []string) error {
	if len(algs) == 0 {
		return errorf(verify.ErrInvalidConfig, "no algorithm allowed; list the issuer's, e.g. Algorithms: []string{\"RS256\"}")
	}
	for i, alg := range algs {
		if strings.EqualFold(alg, "none") {
			return errorf(verify.ErrInvalidConfig, "algorithm \"none\" (unsigned tokens) can never be allowed")
		}
		if algFamily(alg) == famUnknown {
			return errorf(verify.ErrInvalidConfig, "unknown algorithm %q; use HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA", alg)
		}
		if slices.Contains(algs[:i], alg) {
			return errorf(verify.ErrInvalidConfig, "algorithm %s is listed twice", alg)
		}
	}
	return nil
}

// checkClaims validates the claim settings.
func (c *Config) checkClaims() error {
	if c.Issuer == "" {
		return errorf(verify.ErrInvalidConfig, "Issuer is empty; without it a token from any issuer that shares the keys would pass")
	}
	if len(c.Audience) == 0 {
		return errorf(verify.ErrInvalidConfig, "Audience is empty; without it a token issued for any other service would pass")
	}
	if slices.Contains(c.Audience, "") {
		return errorf(verify.ErrInvalidConfig, "Audience holds an empty value")
	}
	if c.Leeway < 0 {
		return errorf(verify.ErrInvalidConfig, "Leeway is negative (%s)", c.Leeway)
	}
	return nil
}

// checkKeyKind refuses an allowlist whose algorithms do not all take the
// key source's kind of key: HMAC algorithms with HMAC secrets only,
// public-key algorithms with public keys only.
func (c *Config) checkKeyKind() error {
	if c.Keys == nil {
		return errorf(verify.ErrNoSecret, "no key; set Keys to HMACSecrets(...), PublicKeys(...), JWKS(...), JWKSFile(...) or JWKSURL(...)")
	}
	hmacSource := c.Keys.hmac()
	for _, alg := range c.Algorithms {
		if isHMAC := algFamily(alg) == famHMAC; isHMAC != hmacSource {
			if isHMAC {
				return errorf(verify.ErrInvalidConfig, "algorithm %s is HMAC but the keys are public keys; allowing it would let anyone holding a public key sign tokens (algorithm confusion)", alg)
			}
			return errorf(verify.ErrInvalidConfig, "algorithm %s needs a public key but the keys are HMACSecrets; a verifier never mixes HMAC and public-key algorithms", alg)
		}
	}
	return nil
}
