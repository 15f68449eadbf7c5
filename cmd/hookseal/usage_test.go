package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		r := hookseal(t, nil, nil, args...)
		wantCode(t, r, 0)
		for _, c := range []string{"demo", "listen", "sign", "send", "verify", "Examples:"} {
			if !strings.Contains(r.stdout, c) {
				t.Errorf("%v: usage lacks %q:\n%s", args, c, r.stdout)
			}
		}
	}
	for _, c := range []string{"demo", "listen", "sign", "send", "verify"} {
		for _, h := range []string{"--help", "-h"} {
			r := hookseal(t, nil, nil, c, h)
			wantCode(t, r, 0)
			if !strings.Contains(r.stdout, "Usage:\n  hookseal "+c) || !strings.Contains(r.stdout, "Examples:\n") || !strings.Contains(r.stdout, "hookseal "+c+" --") ||
				!strings.Contains(r.stdout, "Flags:") {
				t.Errorf("%s %s: help lacks usage, flags or examples:\n%s", c, h, r.stdout)
			}
		}
	}
	r := hookseal(t, nil, nil, "help", "verify")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "--also-try") {
		t.Errorf("help verify:\n%s", r.stdout)
	}
}

// Usage errors exit 2 and name the flag or input to fix.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwks, []byte(`{"keys":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	blankFile := filepath.Join(dir, "blank")
	ctlFile := filepath.Join(dir, "ctl")
	if err := os.WriteFile(blankFile, []byte("\n \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ctlFile, []byte("good-one\nhunter2\x07\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		env   []string
		args  []string
		names string // the message must contain this
	}{
		{"no command", nil, nil, "Usage:"},
		{"unknown command", nil, []string{"serve"}, `unknown command "serve"`},
		{"unknown flag", nil, []string{"sign", "--bogus"}, "-bogus"},
		{"stray argument", nil, []string{"demo", "now"}, `unexpected argument "now"`},
		{"sign: no provider", nil, []string{"sign", "--secret", "s"}, "--provider is required"},
		{"sign: unknown provider", nil, []string{"sign", "--provider", "opsgenie", "--secret", "s"}, `--provider "opsgenie"`},
		{"sign: no secret", nil, []string{"sign", "--provider", "checkly"}, "--secret is required"},
		{"sign: two secrets, one signature", nil, []string{"sign", "--provider", "checkly", "--secret", "a,b"}, "--secret"},
		{"sign: empty item", nil, []string{"sign", "--provider", "stripe", "--secret", "a,,b"}, "--secret: no secret configured: secret 2 of 3 is blank"},
		{"sign: bad timestamp", nil, []string{"sign", "--provider", "checkly", "--secret", "s", "--timestamp", "yesterday"}, "--timestamp"},
		{"sign: datadog without colon", nil, []string{"sign", "--provider", "datadog", "--secret", "nocolon"}, "user:password"},
		{"sign: bad whsec", nil, []string{"sign", "--provider", "standardwebhooks", "--secret", "whsec_%%%"}, "--secret"},
		{"send: no url", nil, []string{"send", "--provider", "checkly", "--secret", "s"}, "--url is required"},
		{"send: bad url", nil, []string{"send", "--provider", "checkly", "--secret", "s", "--url", "ftp://x/y"}, "--url"},
		{"send: unknown event", nil, []string{"send", "--provider", "checkly", "--secret", "s", "--url", "http://127.0.0.1:9/checkly", "--event", "ALERT_NOPE"}, `--event "ALERT_NOPE"`},
		{"send: event and body", nil, []string{"send", "--provider", "checkly", "--secret", "s", "--url", "http://127.0.0.1:9/c", "--event", "ALERT_SSL", "--body", jwks}, "--event"},
		{"send: missing body file", nil, []string{"send", "--provider", "checkly", "--secret", "s", "--url", "http://127.0.0.1:9/c", "--body", filepath.Join(dir, "nope.json")}, "--body"},
		{"send: event for github", nil, []string{"send", "--provider", "github", "--secret", "s", "--url", "http://127.0.0.1:9/c", "--event", "push"}, "--event"},
		{"verify: no -H", nil, []string{"verify", "--provider", "checkly", "--secret", "s"}, "-H is required"},
		{"verify: bad -H", nil, []string{"verify", "--provider", "checkly", "--secret", "s", "-H", "no colon"}, "-H"},
		{"verify: no secret", nil, []string{"verify", "--provider", "checkly", "-H", "a: b"}, "--secret is required"},
		{"verify: bad --now", nil, []string{"verify", "--provider", "checkly", "--secret", "s", "-H", "a: b", "--now", "noon"}, "--now"},
		{"verify: bad tolerance", nil, []string{"verify", "--provider", "checkly", "--secret", "s", "-H", "a: b", "--tolerance", "0s"}, "--tolerance"},
		// Neither quotes the URL, which carries a password (checked below).
		{"listen: --redis not a URL", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--redis", "http://user:hunter2@redis.internal:6379"}, "--redis: redisstore: not a Redis URL"},
		{"listen: HOOKSEAL_REDIS_URL not a URL", []string{"CHECKLY_WEBHOOK_SECRET=s", "HOOKSEAL_REDIS_URL=redis//:hunter2@redis.internal"}, []string{"listen"}, "HOOKSEAL_REDIS_URL: redisstore: not a Redis URL"},
		// Set but blank is a mistake, not a request for the in-memory store.
		{"listen: HOOKSEAL_REDIS_URL empty", []string{"CHECKLY_WEBHOOK_SECRET=s", "HOOKSEAL_REDIS_URL="}, []string{"listen"}, "HOOKSEAL_REDIS_URL is set but empty"},
		{"listen: HOOKSEAL_REDIS_URL blank", []string{"CHECKLY_WEBHOOK_SECRET=s", "HOOKSEAL_REDIS_URL= "}, []string{"listen"}, "HOOKSEAL_REDIS_URL is set but empty"},
		{"listen: --redis empty", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--redis", ""}, "--redis is set but empty"},
		{"listen: unencoded # in the password", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--redis", "redis://:4242#hunter2@127.0.0.1:6379/0"}, "percent-encoded"},
		{"listen: empty --redis-prefix", []string{"CHECKLY_WEBHOOK_SECRET=s", "HOOKSEAL_REDIS_URL=redis://127.0.0.1:6379/0"}, []string{"listen", "--redis-prefix", ""}, "--redis-prefix must not be empty"},
		{"listen: --redis-prefix without Redis", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--redis-prefix", "app:"}, "--redis-prefix names Redis keys and needs a Redis URL"},
		{"listen: nothing configured", nil, []string{"listen"}, "no route is configured"},
		{"listen: empty secret item", []string{"CHECKLY_WEBHOOK_SECRET=a,,b"}, []string{"listen"}, "CHECKLY_WEBHOOK_SECRET: no secret configured: secret 2 of 3 is blank"},
		{"listen: blank secret", []string{"CHECKLY_WEBHOOK_SECRET= "}, []string{"listen"}, "CHECKLY_WEBHOOK_SECRET: no secret configured: the list of secrets is blank"},
		{"listen: blank secret flag", nil, []string{"listen", "--checkly-secret", " "}, "--checkly-secret: no secret configured"},
		{"listen: secret and secret file", []string{"CHECKLY_WEBHOOK_SECRET=hunter2", "CHECKLY_WEBHOOK_SECRET_FILE=" + blankFile}, []string{"listen"}, "both CHECKLY_WEBHOOK_SECRET and CHECKLY_WEBHOOK_SECRET_FILE"},
		{"listen: blank secret file", []string{"STATUSSTACK_WEBHOOK_SECRET_FILE=" + blankFile}, []string{"listen"}, blankFile + " holds no secret"},
		{"listen: secret file with a control character", []string{"ONCALL_AUTHORIZATION_FILE=" + ctlFile}, []string{"listen"}, "line 2"},
		{"listen: missing secret file", []string{"GRAFANA_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "nope")}, []string{"listen"}, "GRAFANA_WEBHOOK_SECRET_FILE"},
		{"send: password in an unparseable URL", nil, []string{"send", "--provider", "datadog", "--secret", "dd:pw", "--url", "http://dd:hunter2#pw@127.0.0.1:1/datadog"}, "http://***@127.0.0.1:1/datadog"},
		{"send: password in a URL with a slash", nil, []string{"send", "--provider", "datadog", "--secret", "dd:pw", "--url", "http://dd:hun/ter2@127.0.0.1:1/datadog"}, "--url"},
		{"listen: datadog user only", []string{"DATADOG_WEBHOOK_USER=dd"}, []string{"listen"}, "DATADOG_WEBHOOK_PASSWORD"},
		{"listen: datadog password only", []string{"DATADOG_WEBHOOK_PASSWORD=pw"}, []string{"listen"}, "DATADOG_WEBHOOK_USER"},
		{"listen: jwks without issuer", nil, []string{"listen", "--jwks", jwks, "--audience", "a"}, "--issuer"},
		{"listen: jwks without audience", nil, []string{"listen", "--jwks", jwks, "--issuer", "i"}, "--audience"},
		{"listen: issuer without jwks", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--issuer", "i"}, "--jwks"},
		{"listen: empty jwks", nil, []string{"listen", "--jwks", jwks, "--issuer", "i", "--audience", "a"}, "JWT"},
		{"listen: HS256 with a key set", nil, []string{"listen", "--jwks", jwks, "--issuer", "i", "--audience", "a", "--jwt-alg", "HS256"}, "HS256"},
		{"listen: max-body", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--max-body", "0"}, "--max-body"},
		{"listen: tolerance", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--tolerance", "-1m"}, "--tolerance"},
		{"listen: bad duration", []string{"CHECKLY_WEBHOOK_SECRET=s"}, []string{"listen", "--tolerance", "5"}, "-tolerance"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hookseal(t, nil, c.env, c.args...)
			wantCode(t, r, 2)
			if !strings.Contains(r.stderr, c.names) {
				t.Errorf("stderr does not say %q:\n%s", c.names, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("a usage error printed to stdout:\n%s", r.stdout)
			}
			noSecrets(t, []string{r.stdout, r.stderr}, "hunter2", "hun/ter2")
		})
	}
}
