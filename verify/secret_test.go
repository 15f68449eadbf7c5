package verify

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSecrets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  error
	}{
		{"s3cret", []string{"s3cret"}, nil},
		{" new , old ", []string{"new", "old"}, nil},
		{"new,old\n", []string{"new", "old"}, nil},
		{"", nil, ErrNoSecret},
		{"   ", nil, ErrNoSecret},
		{"new,,old", nil, ErrNoSecret},
		{"new,", nil, ErrNoSecret},
		{"new\x00x,old-secret", nil, ErrInvalidConfig},
	} {
		got, err := ParseSecrets(tc.in)
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("ParseSecrets(%q) err = %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err != nil {
			for _, v := range strings.Split(tc.in, ",") {
				if v = strings.TrimSpace(v); len(v) >= 3 && strings.Contains(err.Error(), v) {
					t.Errorf("ParseSecrets(%q) error %q quotes a secret", tc.in, err)
				}
			}
			continue
		}
		var values []string
		for i, s := range got {
			values = append(values, s.Value)
			if s.ID != "s"+string(rune('1'+i)) {
				t.Errorf("ParseSecrets(%q)[%d].ID = %q", tc.in, i, s.ID)
			}
		}
		if strings.Join(values, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ParseSecrets(%q) = %q, want %q", tc.in, values, tc.want)
		}
	}
}

func TestLookupSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mounted := write("mounted", "k8s-secret-value\n")          // the trailing newline every file has
	windows := write("windows", "new-secret\r\nold,comma\r\n") // a comma is part of a secret in a file
	blank := write("blank", "\n  \n")
	ctl := write("ctl", "good-secret\nbad\x01secret\n")
	huge := write("huge", strings.Repeat("x", maxSecretsFile+1))

	for _, tc := range []struct {
		name  string
		env   map[string]string
		want  []string
		found bool
		err   error
		msg   string
	}{
		{name: "unset", env: nil},
		{name: "value", env: map[string]string{"S": "a1b2c3"}, want: []string{"a1b2c3"}, found: true},
		{name: "rotation", env: map[string]string{"S": "new-one, old-one"}, want: []string{"new-one", "old-one"}, found: true},
		{name: "file with a trailing newline", env: map[string]string{"S_FILE": mounted}, want: []string{"k8s-secret-value"}, found: true},
		{name: "file with CRLF and a comma", env: map[string]string{"S_FILE": windows}, want: []string{"new-secret", "old,comma"}, found: true},
		{name: "blank value", env: map[string]string{"S": " "}, found: true, err: ErrNoSecret, msg: "S: "},
		{name: "empty value", env: map[string]string{"S": ""}, found: true, err: ErrNoSecret},
		{name: "both set", env: map[string]string{"S": "a1b2c3", "S_FILE": mounted}, found: true, err: ErrInvalidConfig, msg: "both S and S_FILE"},
		{name: "blank file name", env: map[string]string{"S_FILE": " "}, found: true, err: ErrNoSecret},
		{name: "file of blank lines", env: map[string]string{"S_FILE": blank}, found: true, err: ErrNoSecret, msg: "no secret"},
		{name: "file with a control character", env: map[string]string{"S_FILE": ctl}, found: true, err: ErrInvalidConfig, msg: "line 2"},
		{name: "file too large", env: map[string]string{"S_FILE": huge}, found: true, err: ErrInvalidConfig, msg: "larger than"},
		{name: "missing file", env: map[string]string{"S_FILE": filepath.Join(dir, "nope")}, found: true, err: os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			got, found, err := LookupSecrets(lookup, "S")
			if found != tc.found || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("LookupSecrets = %v, %v, %v; want found %v, err %v", got, found, err, tc.found, tc.err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("err = %q, want it to say %q", err, tc.msg)
				}
				for _, secret := range []string{"a1b2c3", "k8s-secret-value", "good-secret", "bad\x01secret"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("err = %q quotes a secret", err)
					}
				}
				return
			}
			var values []string
			for _, s := range got {
				values = append(values, s.Value)
			}
			if strings.Join(values, "|") != strings.Join(tc.want, "|") {
				t.Errorf("secrets = %q, want %q", values, tc.want)
			}
			if len(got) > 0 {
				if _, err := Checkly(got); err != nil {
					t.Errorf("a verifier refuses what LookupSecrets read: %v", err)
				}
			}
		})
	}
}

func TestSecretsFromEnv(t *testing.T) {
	t.Setenv("HOOKSEAL_TEST_SECRET", "from-env-1,from-env-2")
	s, err := SecretsFromEnv("HOOKSEAL_TEST_SECRET")
	if err != nil || len(s) != 2 || s[1].Value != "from-env-2" {
		t.Fatalf("SecretsFromEnv = %v, %v", s, err)
	}
	if _, err := SecretsFromEnv("HOOKSEAL_TEST_SECRET_UNSET"); !errors.Is(err, ErrNoSecret) || !strings.Contains(err.Error(), "HOOKSEAL_TEST_SECRET_UNSET_FILE") {
		t.Fatalf("unset: err = %v, want ErrNoSecret naming both variables", err)
	}
}

// TestEveryVerifierRefusesBlankSecrets: one table over every constructor
// that takes a secret, so a new one cannot forget the rule.
func TestEveryVerifierRefusesBlankSecrets(t *testing.T) {
	bad := map[string]string{"blank": " ", "newline": "s3cret\n", "tab inside": "s3\tcret", "NUL": "s3cret\x00"}
	for name, value := range bad {
		for _, tc := range []struct {
			ctor string
			make func() error
		}{
			{"Checkly", func() error { _, err := Checkly(Secrets(value)); return err }},
			{"StatusStack", func() error { _, err := StatusStack(Secrets(value)); return err }},
			{"GrafanaAlerting", func() error { _, err := GrafanaAlerting(Secrets(value)); return err }},
			{"GitHub", func() error { _, err := GitHub(Secrets(value)); return err }},
			{"Stripe", func() error { _, err := Stripe(Secrets(value)); return err }},
			{"StandardWebhooks", func() error { _, err := StandardWebhooks(Secrets(value)); return err }},
			{"StandardWebhooksKeys", func() error { _, err := StandardWebhooksKeys(Secrets(value)); return err }},
			{"PagerDuty", func() error { _, err := PagerDuty(Secrets(value)); return err }},
			{"HMAC", func() error {
				_, err := HMAC(Scheme{Provider: "x", SignatureHeader: "X-Sig"}, Secrets(value))
				return err
			}},
			{"Token", func() error { _, err := Token("x", "X-Token", Secrets(value)); return err }},
			{"Authorization", func() error { _, err := Authorization("x", Secrets(value)); return err }},
			{"Basic password", func() error {
				_, err := Basic("x", []Credential{{ID: "a", Username: "user", Password: value}})
				return err
			}},
			{"Basic user", func() error {
				_, err := Basic("x", []Credential{{ID: "a", Username: value, Password: "pw-123456"}})
				return err
			}},
		} {
			err := tc.make()
			if !errors.Is(err, ErrNoSecret) && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%s with a %s secret: err = %v, want a construction error", tc.ctor, name, err)
			}
		}
	}
}
