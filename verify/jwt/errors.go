package jwt

import (
	"errors"
	"fmt"
	"strings"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
)

// The sentinels of github.com/golang-jwt/jwt/v5 that request-time errors
// wrap beside verify.ErrUnauthorized, where one applies. They are the same
// values as golang-jwt's, so errors.Is finds either; they are here so a
// caller need not import golang-jwt, whose package is also named jwt.
var (
	// ErrTokenMalformed: a part of the token is not base64url-encoded JSON.
	ErrTokenMalformed = gojwt.ErrTokenMalformed
	// ErrTokenUnverifiable: the token's header names no algorithm.
	ErrTokenUnverifiable = gojwt.ErrTokenUnverifiable
	// ErrTokenSignatureInvalid: no configured key verifies the signature,
	// or the algorithm is not allowed (alg none included).
	ErrTokenSignatureInvalid = gojwt.ErrTokenSignatureInvalid
	// ErrTokenInvalidClaims: some claim is not valid; one of the more
	// specific sentinels below says which.
	ErrTokenInvalidClaims = gojwt.ErrTokenInvalidClaims
	// ErrTokenExpired: exp is past, by the receiver's clock and leeway.
	ErrTokenExpired = gojwt.ErrTokenExpired
	// ErrTokenNotValidYet: nbf is ahead, by the receiver's clock and leeway.
	ErrTokenNotValidYet = gojwt.ErrTokenNotValidYet
	// ErrTokenInvalidIssuer: iss is not Config.Issuer.
	ErrTokenInvalidIssuer = gojwt.ErrTokenInvalidIssuer
	// ErrTokenInvalidAudience: aud holds none of Config.Audience.
	ErrTokenInvalidAudience = gojwt.ErrTokenInvalidAudience
	// ErrTokenRequiredClaimMissing: exp, iss or aud is absent.
	ErrTokenRequiredClaimMissing = gojwt.ErrTokenRequiredClaimMissing
)

// errorf wraps a verify sentinel with detail. The detail must never include
// key material or a presented token.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("jwt: %w: "+format, append([]any{sentinel}, args...)...)
}

// tokenError wraps verify.ErrUnauthorized and, for errors.Is, the
// golang-jwt cause, while its text is ours alone: golang-jwt's text is not
// shown.
type tokenError struct {
	msg   string
	cause error
}

func (e *tokenError) Error() string { return "jwt: " + verify.ErrUnauthorized.Error() + ": " + e.msg }

func (e *tokenError) Unwrap() []error {
	if e.cause == nil {
		return []error{verify.ErrUnauthorized}
	}
	return []error{verify.ErrUnauthorized, e.cause}
}

// clip bounds attacker-chosen strings (kid, alg) quoted in messages.
func clip(s string) string {
	const limit = 40
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

// algError explains why a token's algorithm is refused.
func (v *Verifier) algError(alg string) error {
	if alg == "" {
		return &tokenError{msg: "token header names no algorithm (alg)", cause: gojwt.ErrTokenUnverifiable}
	}
	if strings.EqualFold(alg, "none") {
		return &tokenError{msg: "token is unsigned (alg none), which is never accepted", cause: gojwt.ErrTokenSignatureInvalid}
	}
	return &tokenError{msg: fmt.Sprintf("algorithm %q is not in the allowlist %v", clip(alg), v.cfg.Algorithms), cause: gojwt.ErrTokenSignatureInvalid}
}

// explain turns a parse failure into an error a user can act on. picked is
// what pickKey decided: the key's id, or why no key could be used.
func (v *Verifier) explain(tok *gojwt.Token, claims gojwt.MapClaims, err error, picked keyChoice) error {
	if picked.err != nil {
		return picked.err
	}
	if tok == nil || errors.Is(err, gojwt.ErrTokenMalformed) {
		return &tokenError{msg: "bearer token is malformed: a part is not base64url-encoded JSON", cause: err}
	}
	if tok.Method == nil {
		alg, _ := tok.Header["alg"].(string)
		return v.algError(alg)
	}
	if !v.allowed(tok.Method.Alg()) {
		return v.algError(tok.Method.Alg())
	}
	if errors.Is(err, gojwt.ErrTokenSignatureInvalid) {
		return &tokenError{msg: fmt.Sprintf("token signature does not verify with the configured key %q", picked.id), cause: gojwt.ErrTokenSignatureInvalid}
	}
	if !errors.Is(err, gojwt.ErrTokenInvalidClaims) {
		return &tokenError{msg: "bearer token is not valid", cause: err}
	}
	return &tokenError{msg: strings.Join(v.claimProblems(claims, err), "; "), cause: err}
}

// claimProblems lists every claim check err failed, with the values a
// reader needs to see why (times, the expected issuer and audience).
func (v *Verifier) claimProblems(claims gojwt.MapClaims, err error) []string {
	var why []string
	for _, p := range []struct {
		claim string
		cause error
		msg   string
	}{
		{"exp", gojwt.ErrTokenExpired, "token is expired"},
		{"nbf", gojwt.ErrTokenNotValidYet, "token is not valid yet"},
		{"iss", gojwt.ErrTokenInvalidIssuer, fmt.Sprintf("token issuer does not match (want %q)", v.cfg.Issuer)},
		{"aud", gojwt.ErrTokenInvalidAudience, fmt.Sprintf("token audience does not match (want one of %q)", v.cfg.Audience)},
	} {
		if errors.Is(err, p.cause) {
			why = append(why, p.msg+v.when(p.claim, claims))
		}
	}
	if errors.Is(err, gojwt.ErrTokenRequiredClaimMissing) {
		for _, c := range []string{"exp", "iss", "aud"} {
			if _, ok := claims[c]; !ok {
				why = append(why, "token has no "+c+" claim")
			}
		}
	}
	if errors.Is(err, gojwt.ErrInvalidType) {
		why = append(why, "a registered claim (exp, nbf, iat, iss, aud) has the wrong JSON type")
	}
	if len(why) == 0 {
		why = append(why, "token claims are not valid")
	}
	return why
}

// when adds the token's time and the receiver's to an exp or nbf message.
func (v *Verifier) when(claim string, claims gojwt.MapClaims) string {
	var t time.Time
	switch claim {
	case "exp":
		t = numericTime(claims.GetExpirationTime())
	case "nbf":
		t = numericTime(claims.GetNotBefore())
	default:
		return ""
	}
	return fmt.Sprintf(" (%s %s, receiver's clock %s, leeway %s)", claim, t.UTC().Format(time.RFC3339), v.cfg.Now().UTC().Format(time.RFC3339), v.cfg.Leeway)
}
