package hooktest

import (
	"encoding/base64"
	"net/http"
)

// AuthorizationHeader returns the header Grafana OnCall sends for an
// outgoing webhook whose authorization_header setting is value: OnCall
// copies the setting verbatim into Authorization, adding no scheme. It is
// what verify.Authorization accepts when configured with the same value.
func AuthorizationHeader(value string) http.Header {
	h := make(http.Header)
	h.Set("Authorization", value)
	return h
}

// BasicHeader returns HTTP Basic credentials (RFC 7617) in Authorization:
// what Datadog sends for a webhook URL with user:password@, and Grafana
// OnCall for a webhook with a username and password. verify.Basic accepts
// it when configured with the same pair.
func BasicHeader(user, password string) http.Header {
	h := make(http.Header)
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	return h
}

// TokenHeader returns a shared token in a header of its own, as a Datadog
// webhook's custom headers ({"X-Hook-Token": "..."}) or an OnCall webhook's
// custom header template send it. verify.Token accepts it when configured
// with the same header name and value.
func TokenHeader(name, value string) http.Header {
	h := make(http.Header)
	h.Set(name, value)
	return h
}

// BearerHeader returns "Authorization: Bearer <token>", as Datadog sends the
// access token of its OAuth 2.0 client-credentials option. See [JWTIssuer]
// to mint a token that jwt.New's verifier (package verify/jwt) accepts.
func BearerHeader(token string) http.Header {
	h := make(http.Header)
	h.Set("Authorization", "Bearer "+token)
	return h
}
