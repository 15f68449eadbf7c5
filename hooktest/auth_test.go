package hooktest_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

func TestCredentialHeaders(t *testing.T) {
	oncallV, err := verify.Authorization("oncall", verify.Secrets("Bearer oncall-token", "oncall-old"))
	if err != nil {
		t.Fatal(err)
	}
	basicV, err := verify.Basic("datadog", []verify.Credential{{ID: "dd", Username: "datadog", Password: "p:ss w0rd"}})
	if err != nil {
		t.Fatal(err)
	}
	tokenV, err := verify.Token("datadog", "X-Hook-Token", verify.Secrets("dd-token"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		v      verify.Verifier
		header http.Header
		ok     bool
	}{
		{"ok, OnCall authorization_header", oncallV, hooktest.AuthorizationHeader("Bearer oncall-token"), true},
		{"ok, OnCall second value", oncallV, hooktest.AuthorizationHeader("oncall-old"), true},
		{"nok, OnCall scheme added", oncallV, hooktest.BearerHeader("oncall-old"), false},
		{"ok, Datadog Basic", basicV, hooktest.BasicHeader("datadog", "p:ss w0rd"), true},
		{"nok, Datadog wrong password", basicV, hooktest.BasicHeader("datadog", "p:ss"), false},
		{"ok, Datadog custom header", tokenV, hooktest.TokenHeader("X-Hook-Token", "dd-token"), true},
		{"nok, Datadog token in another header", tokenV, hooktest.TokenHeader("X-Token", "dd-token"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := hooktest.Request("http://127.0.0.1/hooks", otherBody, c.header)
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.v.Verify(req.Header, otherBody)
			if c.ok != (err == nil) || (!c.ok && !errors.Is(err, verify.ErrUnauthorized)) {
				t.Fatalf("Verify: %v, want ok=%v", err, c.ok)
			}
			if c.ok && (d.SecretID == "" || d.Key.IsZero()) {
				t.Fatalf("authentic delivery without a credential or key: %+v", d)
			}
		})
	}
}
