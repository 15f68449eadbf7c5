package main

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/examples/internal/demotest"
	"github.com/hookseal/hookseal/middleware"
)

// The tests serve the receiver over real HTTP on loopback and send it
// Checkly alerts signed with each tenant's secret.

// toTenant is a Checkly delivery to tenant's URL, signed with secret.
func toTenant(t testing.TB, tenant, secret string, body []byte) demotest.Request {
	t.Helper()
	req := demotest.Checkly(t, secret, body)
	req.Path = "/hooks/" + tenant + "/checkly"
	return req
}

// checkTenants sends deliveries across the demo tenants: each is processed
// and logged with its tenant; a copy is a duplicate; another tenant's
// signature, and a tenant that does not exist, are refused alike.
func checkTenants(t *testing.T, base string, logs *demotest.Buffer) {
	t.Helper()
	body := demotest.ChecklyAlert(t, "ALERT_FAILURE", demotest.ID("check"), "API health", time.Now())
	for i := 1; i <= DemoTenants; i += 111 {
		tenant := demoTenant(i)
		demotest.Expect(t, tenant, demotest.Send(t, base, toTenant(t, tenant, demoSecret(tenant), body)), http.StatusOK, middleware.Processed)
		demotest.WantLog(t, logs, "checkly alert", "tenant="+tenant)
	}
	t1, t2 := demoTenant(1), demoTenant(2)
	demotest.Expect(t, "a copy", demotest.Send(t, base, toTenant(t, t1, demoSecret(t1), body)), http.StatusOK, middleware.Duplicate)
	demotest.Expect(t, "another tenant's signature", demotest.Send(t, base, toTenant(t, t2, demoSecret(t1), body)),
		http.StatusUnauthorized, middleware.Unauthenticated)
	demotest.Expect(t, "no such tenant", demotest.Send(t, base, toTenant(t, "tenant-9999", demoSecret("tenant-9999"), body)),
		http.StatusUnauthorized, middleware.Unauthenticated)
	demotest.WantLog(t, logs, "webhook", "outcome=unauthenticated", "reason=unknown_tenant", "tenant=tenant-9999")
}

func TestDemoTenants(t *testing.T) {
	base, logs := demotest.Start(t, newHandler, nil)
	checkTenants(t, base, logs)
	demotest.WantLog(t, logs, "route mounted", "tenants=1000")
}

// TENANT_SECRETS_FILE: one line per tenant, several secrets for a rotation.
func TestSecretsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants")
	content := "# tenant secrets\nacme new-acme-secret, old-acme-secret\n\nglobex globex-secret\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := demotest.Start(t, newHandler, map[string]string{EnvSecretsFile: file})
	body := demotest.ChecklyAlert(t, "ALERT_FAILURE", demotest.ID("check"), "API health", time.Now())
	other := demotest.ChecklyAlert(t, "ALERT_FAILURE", demotest.ID("check"), "API health", time.Now())
	for _, c := range []struct {
		tenant, secret string
		body           []byte
		status         int
		want           middleware.Outcome
	}{
		{"acme", "old-acme-secret", body, http.StatusOK, middleware.Processed},
		{"acme", "old-acme-secret", body, http.StatusOK, middleware.Duplicate},
		{"acme", "new-acme-secret", other, http.StatusOK, middleware.Processed},
		{"globex", "globex-secret", body, http.StatusOK, middleware.Processed},
		{"globex", "new-acme-secret", other, http.StatusUnauthorized, middleware.Unauthenticated},
		{demoTenant(1), demoSecret(demoTenant(1)), body, http.StatusUnauthorized, middleware.Unauthenticated},
	} {
		demotest.Expect(t, c.tenant+" signed with "+c.secret, demotest.Send(t, base, toTenant(t, c.tenant, c.secret, c.body)), c.status, c.want)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, env := range map[string]map[string]string{
		"missing file":     {EnvSecretsFile: filepath.Join(dir, "absent")},
		"empty file":       {EnvSecretsFile: write("empty", "# nothing\n\n")},
		"no secret":        {EnvSecretsFile: write("nosecret", "acme\n")},
		"blank secret":     {EnvSecretsFile: write("blank", "acme pw-secret, \n")},
		"tenant twice":     {EnvSecretsFile: write("twice", "acme pw-secret\nacme pw-secret-2\n")},
		"bad Redis URL":    {demo.EnvRedisURL: "redis://:pw-secret@[::1"},
		"control in value": {EnvSecretsFile: write("control", "acme pw\x01secret\n")},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := newHandler(t.Context(), demotest.Env(env), slog.New(slog.DiscardHandler))
			if err == nil {
				t.Fatal("no error")
			}
			for _, secret := range []string{"pw-secret", "pw\x01secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes a secret", err)
				}
			}
		})
	}
}

// TestServer runs the real server, as main does, on a loopback port.
func TestServer(t *testing.T) {
	demotest.CheckServer(t, newHandler, nil, func(t *testing.T, base string) { checkTenants(t, base, nil) })
	demotest.CheckBadAddr(t, newHandler, nil)
}
