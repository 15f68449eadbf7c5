package hooktest_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

var (
	now       = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	whsecA    = "whsec_" + base64.StdEncoding.EncodeToString([]byte("standard-webhooks-secret-one-32b"))
	whsecB    = "whsec_" + base64.StdEncoding.EncodeToString([]byte("standard-webhooks-secret-two-32b"))
	bodyJSON  = []byte(`{"event":"component.status_changed","timestamp":"2025-06-01T12:00:00Z","stack":{"id":"s1","name":"Prod","slug":"prod"}}`)
	otherBody = []byte(`{"action":"opened","number":42}`)
)

// preset is one HMAC sender: how hooktest signs for it, and the body it sends.
type preset struct {
	name        string
	signer      func(secrets ...string) *hooktest.Signer
	secrets     [2]string // two distinct valid secrets
	body        []byte
	timestamped bool // the sender's time travels in a header
	list        bool // the header carries one signature per secret
}

var presets = []preset{
	{"checkly", func(s ...string) *hooktest.Signer { return hooktest.Checkly(s[0]) }, [2]string{"checkly-one", "checkly-two"}, otherBody, true, false},
	{"statusstack", func(s ...string) *hooktest.Signer { return hooktest.StatusStack(s[0]) }, [2]string{"ss-one", "ss-two"}, bodyJSON, false, false},
	{"grafana", func(s ...string) *hooktest.Signer { return hooktest.GrafanaAlerting(s[0]) }, [2]string{"gr-one", "gr-two"}, otherBody, false, false},
	{"grafana-timestamped", func(s ...string) *hooktest.Signer {
		return hooktest.NewSigner(verify.GrafanaAlertingScheme("X-Grafana-Alerting-Timestamp"), s...)
	}, [2]string{"gr-one", "gr-two"}, otherBody, true, false},
	{"github", func(s ...string) *hooktest.Signer { return hooktest.GitHub(s[0]) }, [2]string{"gh-one", "gh-two"}, otherBody, false, false},
	{"stripe", hooktest.Stripe, [2]string{"whsec_stripe_one", "whsec_stripe_two"}, otherBody, true, true},
	{"standardwebhooks", hooktest.StandardWebhooks, [2]string{whsecA, whsecB}, otherBody, true, true},
}

// signCase is one delivery of a preset and what its verifier should say.
type signCase struct {
	name string
	opts []hooktest.Option
	v    func() verify.Verifier // nil: the preset's verifier with the signing secret
	want error
}

func TestSignerVerifiesWithPreset(t *testing.T) {
	for _, p := range presets {
		t.Run(p.name, func(t *testing.T) {
			s := p.signer(p.secrets[0])
			v, err := s.Verifier()
			if err != nil {
				t.Fatal(err)
			}
			cases := []signCase{
				{"ok", []hooktest.Option{hooktest.WithTimestamp(now)}, nil, nil},
				{"ok, timestamp 4 min old", []hooktest.Option{hooktest.WithTimestamp(now.Add(-4 * time.Minute))}, nil, nil},
				{"nok, tampered", []hooktest.Option{hooktest.WithTimestamp(now), hooktest.Tampered()}, nil, verify.ErrInvalidSignature},
				{"nok, wrong secret", []hooktest.Option{hooktest.WithTimestamp(now)}, func() verify.Verifier {
					w, err := p.signer(p.secrets[1]).Verifier()
					if err != nil {
						t.Fatal(err)
					}
					return w
				}, verify.ErrInvalidSignature},
			}
			if p.timestamped {
				cases = append(cases,
					signCase{"nok, 6 min old", []hooktest.Option{hooktest.WithTimestamp(now.Add(-6 * time.Minute))}, nil, verify.ErrTooOld},
					signCase{"nok, 2 min ahead", []hooktest.Option{hooktest.WithTimestamp(now.Add(2 * time.Minute))}, nil, verify.ErrTooNew},
				)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					req, err := s.Request("/hooks/"+p.name, p.body, c.opts...)
					if err != nil {
						t.Fatal(err)
					}
					got, err := io.ReadAll(req.Body)
					if err != nil {
						t.Fatal(err)
					}
					if req.Header.Get("Content-Type") != "application/json" {
						t.Errorf("Content-Type = %q", req.Header.Get("Content-Type"))
					}
					vv := verify.Verifier(v)
					if c.v != nil {
						vv = c.v()
					}
					d, err := vv.Verify(req.Header, got)
					if err == nil {
						if d.SecretID != "s1" {
							t.Errorf("delivery %+v, want one authenticated by s1", d)
						}
						err = verify.DefaultWindow().Check(d.Timestamp, now) // what a route judges next
					}
					if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
						t.Fatalf("Verify: %v, want %v", err, c.want)
					}
				})
			}
		})
	}
}

func TestSignerSeveralSecrets(t *testing.T) {
	for _, p := range presets {
		t.Run(p.name, func(t *testing.T) {
			s := hooktest.NewSigner(p.signer(p.secrets[0]).Scheme(), p.secrets[0], p.secrets[1])
			signed, err := s.Sign(p.body, hooktest.WithTimestamp(now))
			if !p.list {
				if err == nil {
					t.Fatal("Sign with two secrets on a one-signature scheme: no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// A receiver that knows only the second secret accepts it.
			v, err := verify.HMAC(s.Scheme(), []verify.Secret{{ID: "second", Value: p.secrets[1]}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := v.Verify(signed.Header, signed.Body)
			if err != nil || d.SecretID != "second" {
				t.Fatalf("Verify: %v, secret %q", err, d.SecretID)
			}
		})
	}
}

func TestSignerFailsClosed(t *testing.T) {
	for name, s := range map[string]*hooktest.Signer{
		"empty secret":        hooktest.Checkly(""),
		"no secret":           hooktest.Stripe(),
		"undecodable whsec_":  hooktest.StandardWebhooks("whsec_%%%"),
		"two for a plain one": hooktest.NewSigner(verify.GitHubScheme(), "a", "b"),
	} {
		if _, err := s.Sign(otherBody); err == nil {
			t.Errorf("%s: Sign succeeded", name)
		}
		if _, err := s.Request("http://127.0.0.1/", otherBody); err == nil {
			t.Errorf("%s: Request succeeded", name)
		}
	}
}

func TestWithID(t *testing.T) {
	s := hooktest.StandardWebhooks(whsecA)
	v, err := s.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Sign(otherBody, hooktest.WithTimestamp(now), hooktest.WithID("msg_fixed"))
	if err != nil {
		t.Fatal(err)
	}
	retry, err := s.Sign(otherBody, hooktest.WithTimestamp(now.Add(time.Minute)), hooktest.WithID("msg_fixed"))
	if err != nil {
		t.Fatal(err)
	}
	d1, err1 := v.Verify(first.Header, first.Body)
	d2, err2 := v.Verify(retry.Header, retry.Body)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if d1.ID != "msg_fixed" || d1.Key != d2.Key {
		t.Errorf("retry with the same id: ids %q %q, keys equal %v", d1.ID, d2.ID, d1.Key == d2.Key)
	}
	// Without WithID every delivery gets a fresh id.
	a, _ := s.Sign(otherBody, hooktest.WithTimestamp(now))
	b, _ := s.Sign(otherBody, hooktest.WithTimestamp(now))
	if a.Header.Get("Webhook-Id") == b.Header.Get("Webhook-Id") || len(a.Header.Get("Webhook-Id")) != 31 {
		t.Errorf("default ids %q and %q", a.Header.Get("Webhook-Id"), b.Header.Get("Webhook-Id"))
	}
}

func TestWithHeaderAndContentType(t *testing.T) {
	signed, err := hooktest.GitHub("gh").Sign(otherBody,
		hooktest.WithContentType("application/x-www-form-urlencoded"),
		hooktest.WithHeader("X-GitHub-Event", "pull_request"),
		hooktest.WithHeader("X-Hub-Signature-256", "sha256=00"))
	if err != nil {
		t.Fatal(err)
	}
	if got := signed.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", got)
	}
	if got := signed.Header.Get("X-GitHub-Event"); got != "pull_request" {
		t.Errorf("X-GitHub-Event %q", got)
	}
	v, _ := verify.GitHub(verify.Secrets("gh"))
	if _, err := v.Verify(signed.Header, signed.Body); !errors.Is(err, verify.ErrMalformedSignature) {
		t.Errorf("replaced signature header: %v, want malformed", err)
	}
}

func TestTamper(t *testing.T) {
	for _, in := range []string{`{"a":"b"}`, `{"n":9}`, `{"z":"Z"}`, `[]`, ``} {
		out := hooktest.Tamper([]byte(in))
		if bytes.Equal(out, []byte(in)) {
			t.Errorf("Tamper(%q) = %q, unchanged", in, out)
		}
		if len(in) > 2 && len(out) != len(in) {
			t.Errorf("Tamper(%q) = %q, length changed", in, out)
		}
	}
	in := []byte(`{"a":"b"}`)
	hooktest.Tamper(in)
	if string(in) != `{"a":"b"}` {
		t.Errorf("Tamper changed its input: %q", in)
	}
}

func TestRequestErrors(t *testing.T) {
	if _, err := hooktest.Request("", nil, nil); err == nil {
		t.Error("empty target: no error")
	}
	if _, err := hooktest.Request("http://[::1", nil, nil); err == nil {
		t.Error("bad URL: no error")
	}
	req, err := hooktest.Request("/x", []byte("a=b"), hooktest.TokenHeader("Content-Type", "text/plain"))
	if err != nil || req.Header.Get("Content-Type") != "text/plain" || req.Method != "POST" {
		t.Errorf("Request kept the caller's Content-Type? %v %v", req, err)
	}
}

// A Standard Webhooks signer with whsk_ keys makes v1a entries, mixed with
// v1 entries for its whsec_ secrets; the receiver's verifier holds the
// whpk_ public keys, and accepts the delivery with any one of the keys.
func TestStandardWebhooksV1a(t *testing.T) {
	sk1, pk1 := hooktest.NewStandardWebhooksKey()
	sk2, pk2 := hooktest.NewStandardWebhooksKey()
	s := hooktest.StandardWebhooks(sk1, whsecA, sk2)
	signed, err := s.Sign(otherBody, hooktest.WithTimestamp(now), hooktest.WithID("msg_v1a"))
	if err != nil {
		t.Fatal(err)
	}
	entries := strings.Fields(signed.Header.Get("Webhook-Signature"))
	if len(entries) != 3 || !strings.HasPrefix(entries[0], "v1a,") || !strings.HasPrefix(entries[1], "v1,") || !strings.HasPrefix(entries[2], "v1a,") {
		t.Fatalf("webhook-signature = %q", entries)
	}
	v, err := s.StandardWebhooksVerifier()
	if err != nil {
		t.Fatal(err)
	}
	if d, err := v.Verify(signed.Header, signed.Body); err != nil || d.SecretID != "s1" || d.ID != "msg_v1a" {
		t.Fatalf("Verify: %+v, %v", d, err)
	}
	for i, keys := range [][]string{{pk2}, {whsecA}, {pk1}} {
		v, err := verify.StandardWebhooksKeys(verify.Secrets(keys...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(signed.Header, signed.Body); err != nil {
			t.Errorf("receiver %d: %v", i, err)
		}
	}
	// Tampered, it fails; a stranger's public key accepts nothing.
	bad, _ := s.Sign(otherBody, hooktest.Tampered())
	if _, err := v.Verify(bad.Header, bad.Body); !errors.Is(err, verify.ErrInvalidSignature) {
		t.Errorf("tampered: %v", err)
	}
	_, pk3 := hooktest.NewStandardWebhooksKey()
	stranger, _ := verify.StandardWebhooksKeys(verify.Secrets(pk3))
	if _, err := stranger.Verify(signed.Header, signed.Body); !errors.Is(err, verify.ErrInvalidSignature) {
		t.Errorf("stranger: %v", err)
	}
	if _, err := hooktest.Checkly("x").StandardWebhooksVerifier(); err == nil {
		t.Error("StandardWebhooksVerifier of a Checkly signer succeeded")
	}
	if _, err := hooktest.StandardWebhooks("whsk_AAAA").Sign(otherBody); err == nil {
		t.Error("Sign with a 3-byte whsk_ key succeeded")
	}
}
