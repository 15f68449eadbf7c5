// Package jwt verifies webhook deliveries that carry a JWT bearer token
// ("Authorization: Bearer <jwt>"): Datadog's OAuth 2.0 client-credentials
// option, where the token URL belongs to an issuer of JWT access tokens
// (Auth0, Okta, Keycloak, Entra ID), or a JWT placed in a Grafana OnCall
// authorization header.
//
// It lives apart from package verify so that a program verifying only HMAC
// senders (Checkly, StatusStack, ...) links neither golang-jwt nor the
// JWKS client.
//
// # Quick start
//
// Configure what every token must show (an allowed algorithm, the issuer,
// one of the audiences, an exp), and where the keys come from:
//
//	v, err := jwt.New("datadog", jwt.Config{
//		Algorithms: []string{"RS256"},
//		Issuer:     "https://login.example.com/",
//		Audience:   []string{"https://hooks.example.com/datadog"},
//		Leeway:     30 * time.Second,
//		Keys:       jwt.JWKSURL("https://login.example.com/.well-known/jwks.json"),
//	})
//	if err != nil {
//		return err // the issuer's key set could not be fetched, or a setting is wrong
//	}
//	defer v.Close() // stops the key set's background refresh
//
// The Verifier is a verify.Verifier: hand it to the middleware like any
// other. Keys come from exactly one KeySource: HMACSecrets (HS256/384/512),
// PublicKeys (PEM), JWKS (a key set in memory), JWKSFile or JWKSURL (the
// issuer's jwks_uri, fetched over https and kept fresh).
//
// # What is refused
//
// A token is refused unless it is signed with an allowed algorithm by a
// configured key of that algorithm's family, so neither "alg": "none" nor
// an HMAC token "signed" with a public key's bytes (algorithm confusion)
// can pass; RSA keys need 2048 bits and ECDSA keys the algorithm's curve.
// Its iss must equal Config.Issuer, its aud hold one of Config.Audience,
// and it must carry an exp that, like its nbf, holds by Config.Now give or
// take Config.Leeway. Errors wrap verify.ErrUnauthorized (and, where one
// applies, a sentinel such as ErrTokenExpired) and never quote the token or
// a key.
//
// # Deliveries
//
// A token authenticates its sender, not a delivery: it is reused until it
// expires and signs nothing about the body. The Delivery's Key therefore
// derives from the body, and its Scope from the token's iss and sub, so two
// clients of one issuer keep their dedupe and ordering state apart.
package jwt
