package hooksealecho_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	hooksealecho "github.com/hookseal/hookseal/adapters/echov4"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/verify"
)

// tenantParam copies echo's path parameter into the request, where the
// core's WithTenant function reads it: the adapter decides nothing.
func tenantParam(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Request().SetPathValue("tenant", c.Param("tenant"))
		return next(c)
	}
}

// Secrets per tenant through echo: the tenant comes from echo's path
// parameter, each tenant's delivery is verified with its own secret and
// handed over with its tenant, another tenant's signature is refused.
func TestSecretsPerTenant(t *testing.T) {
	secrets := map[string]string{"acme": "acme-secret", "globex": "globex-secret"}
	auth, err := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) },
		verify.SecretSourceFunc(func(_ context.Context, tenant string) ([]verify.Secret, error) {
			s, ok := secrets[tenant]
			if !ok {
				return nil, verify.ErrUnknownTenant
			}
			return verify.Secrets(s), nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	opts := []middleware.Option{
		middleware.WithTenant(func(r *http.Request) string { return r.PathValue("tenant") }),
		middlewaretest.ClockAt(middlewaretest.Now()),
	}
	var got []string
	h, err := hooksealecho.Handler(auth, func(c echo.Context, e middleware.Event[checkly.Alert]) error {
		tenant, _ := middleware.TenantFrom(c.Request().Context())
		if tenant != c.Param("tenant") {
			return errors.New("the handler's tenant is not the path's")
		}
		got = append(got, tenant)
		return nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := middleware.NewRoute(auth, func(context.Context, middleware.Event[checkly.Alert]) error { return nil }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.POST("/hooks/:tenant/checkly", h, tenantParam)
	e.POST("/route/:tenant/checkly", hooksealecho.Route(rt), tenantParam)
	srv := httptest.NewServer(e)
	defer srv.Close()

	body := middlewaretest.AlertBody(checkly.AlertFailure, "check-1", middlewaretest.Now())
	s := &middlewaretest.Sender{Client: srv.Client()}
	send := func(path, secret string) *http.Request {
		hdr, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: middlewaretest.Now()}, secret)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		req.Header = hdr
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	s.Expect(t, send("/hooks/acme/checkly", "acme-secret"), middleware.Processed)
	s.Expect(t, send("/hooks/globex/checkly", "globex-secret"), middleware.Processed)
	s.Expect(t, send("/hooks/globex/checkly", "acme-secret"), middleware.Unauthenticated)
	s.Expect(t, send("/hooks/initech/checkly", "acme-secret"), middleware.Unauthenticated)
	s.Expect(t, send("/route/acme/checkly", "acme-secret"), middleware.Processed)
	if len(got) != 2 || got[0] != "acme" || got[1] != "globex" {
		t.Errorf("the handler saw tenants %q, want acme and globex", got)
	}
}
