package main

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
)

// diagCase is one delivery with one usual mistake, and what verify must say.
type diagCase struct {
	provider string
	secret   string   // --secret
	extra    []string // more verify flags
	header   http.Header
	body     []byte // what the user passes on stdin
	code     int
	says     []string // the output must contain each
	hidden   []string // the output must contain none (secrets, signatures)
}

func (c diagCase) run(t *testing.T) {
	t.Helper()
	args := []string{"verify", "--provider", c.provider, "--secret", c.secret, "--now", t0p10}
	args = append(args, c.extra...)
	for name, vals := range c.header {
		for _, v := range vals {
			args = append(args, "-H", name+": "+v)
		}
	}
	r := hookseal(t, c.body, nil, args...)
	wantCode(t, r, c.code)
	for _, s := range c.says {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, r.stdout)
		}
	}
	hidden := append([]string{c.secret}, c.hidden...)
	for _, h := range c.header {
		for _, v := range h {
			if len(v) >= 40 { // a signature, never echoed
				hidden = append(hidden, v)
			}
		}
	}
	noSecrets(t, []string{r.stdout, r.stderr}, hidden...)
	if strings.Count(r.stdout, "diagnosis (") > 1 && !strings.Contains(r.stdout, "wrong-provider") {
		t.Errorf("more than one diagnosis:\n%s", r.stdout)
	}
}

// sign signs body for provider p's scheme with secret at t0 and returns the
// headers, without Content-Type.
func sign(t *testing.T, s *hooktest.Signer, body []byte, opts ...hooktest.Option) http.Header {
	t.Helper()
	d, err := s.Sign(body, append([]hooktest.Option{hooktest.WithTimestamp(t0), hooktest.WithContentType("")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return d.Header
}

// hexMAC is the bare hex signature a body-only hex scheme expects: it must
// never be printed.
func hexMAC(t *testing.T, body []byte, secret string) string {
	t.Helper()
	return sign(t, hooktest.Checkly(secret), body).Get("X-Checkly-Signature")
}

const compactJSON = `{"alert_type":"ALERT_FAILURE","check_id":"c1","tags":["api","prod"]}`

const prettyJSON = `{
  "alert_type": "ALERT_FAILURE",
  "check_id": "c1",
  "tags": [
    "api",
    "prod"
  ]
}`

func TestVerifyDiagnosesBodyReserialised(t *testing.T) {
	t.Parallel()
	const secret = "checkly-s3cr3t"
	// Signed compact, passed pretty (a logger pretty-printed it).
	diagCase{
		provider: "checkly", secret: secret,
		header: sign(t, hooktest.Checkly(secret), []byte(compactJSON)),
		body:   []byte(prettyJSON), code: 1,
		says:   []string{"diagnosis (body-reserialised)", "written compactly", "under --secret #1"},
		hidden: []string{hexMAC(t, []byte(prettyJSON), secret)},
	}.run(t)
	// Signed pretty (the sender's template is indented), passed compact,
	// and under the second secret of a rotation.
	diagCase{
		provider: "statusstack", secret: "new-secret," + secret,
		header: sign(t, hooktest.StatusStack(secret), []byte(prettyJSON)),
		body:   []byte(compactJSON), code: 1,
		says:   []string{"diagnosis (body-reserialised)", "indented by 2 spaces", "under --secret #2"},
		hidden: []string{secret, "new-secret"},
	}.run(t)
}

func TestVerifyDiagnosesTrailingNewline(t *testing.T) {
	t.Parallel()
	const secret = "gh-s3cr3t"
	diagCase{
		provider: "github", secret: secret,
		header: sign(t, hooktest.GitHub(secret), []byte(compactJSON)),
		body:   []byte(compactJSON + "\n"), code: 1,
		says: []string{"diagnosis (trailing-newline-added)", "echo"},
	}.run(t)
	diagCase{
		provider: "github", secret: secret,
		header: sign(t, hooktest.GitHub(secret), []byte(compactJSON+"\n")),
		body:   []byte(compactJSON), code: 1,
		says: []string{"diagnosis (trailing-newline-missing)", "--data-binary"},
	}.run(t)
}

func TestVerifyDiagnosesSecretWhitespace(t *testing.T) {
	t.Parallel()
	// The sender's secret was saved with a trailing newline.
	diagCase{
		provider: "checkly", secret: "checkly-s3cr3t",
		header: sign(t, hooktest.Checkly("checkly-s3cr3t\n"), []byte(compactJSON)),
		body:   []byte(compactJSON), code: 1,
		says: []string{"diagnosis (secret-whitespace)", "followed by a newline"},
	}.run(t)
	// The sender's secret is exact; the one passed has whitespace, which a
	// receiver ignores: authentic, with a note.
	diagCase{
		provider: "checkly", secret: " checkly-s3cr3t ",
		header: sign(t, hooktest.Checkly("checkly-s3cr3t"), []byte(compactJSON)),
		body:   []byte(compactJSON), code: 0,
		says:   []string{"authentic", "--secret #1 has surrounding whitespace"},
		hidden: []string{"checkly-s3cr3t"},
	}.run(t)
}

func TestVerifyDiagnosesOtherSecret(t *testing.T) {
	t.Parallel()
	diagCase{
		provider: "checkly", secret: "current-s3cr3t",
		extra:  []string{"--also-try", "retired-one,other-channel-s3cr3t"},
		header: sign(t, hooktest.Checkly("other-channel-s3cr3t"), []byte(compactJSON)),
		body:   []byte(compactJSON), code: 1,
		says:   []string{"diagnosis (other-secret)", "--also-try secret #2"},
		hidden: []string{"retired-one", "other-channel-s3cr3t"},
	}.run(t)
}

func TestVerifyHexCase(t *testing.T) {
	t.Parallel()
	// hookseal accepts upper-case hex, and says a string-comparing receiver
	// would not.
	h := sign(t, hooktest.Checkly("checkly-s3cr3t"), []byte(compactJSON))
	h.Set("X-Checkly-Signature", strings.ToUpper(h.Get("X-Checkly-Signature")))
	diagCase{
		provider: "checkly", secret: "checkly-s3cr3t", header: h, body: []byte(compactJSON), code: 0,
		says: []string{"authentic", "note (hex-case)", "upper-case hex"},
	}.run(t)
}

func TestVerifyDiagnosesBase64Case(t *testing.T) {
	t.Parallel()
	h := sign(t, hooktest.StandardWebhooks(whsec), []byte(compactJSON), hooktest.WithID("msg_1"))
	sig := h.Get("Webhook-Signature")
	h.Set("Webhook-Signature", strings.ToLower(sig))
	diagCase{
		provider: "standardwebhooks", secret: whsec, header: h, body: []byte(compactJSON), code: 1,
		says:   []string{"diagnosis (base64-case)", "letter case changed"},
		hidden: []string{strings.TrimPrefix(sig, "v1,")},
	}.run(t)
}

func TestVerifyDiagnosesEncoding(t *testing.T) {
	t.Parallel()
	// A hex MAC where Standard Webhooks sends base64.
	h := sign(t, hooktest.StandardWebhooks(whsec), []byte(compactJSON), hooktest.WithID("msg_1"))
	raw, err := decodeB64(strings.TrimPrefix(h.Get("Webhook-Signature"), "v1,"))
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Webhook-Signature", "v1,"+hex.EncodeToString(raw))
	diagCase{
		provider: "standardwebhooks", secret: whsec, header: h, body: []byte(compactJSON), code: 1,
		says: []string{"diagnosis (encoding)", "written in hex"},
	}.run(t)
}

func TestVerifyDiagnosesPrefix(t *testing.T) {
	t.Parallel()
	// Checkly sends no sha256= prefix.
	h := sign(t, hooktest.Checkly("checkly-s3cr3t"), []byte(compactJSON))
	h.Set("X-Checkly-Signature", "sha256="+h.Get("X-Checkly-Signature"))
	diagCase{
		provider: "checkly", secret: "checkly-s3cr3t", header: h, body: []byte(compactJSON), code: 1,
		says: []string{"diagnosis (prefix-present)", "sha256= prefix"},
	}.run(t)
	// GitHub needs it.
	g := sign(t, hooktest.GitHub("gh-s3cr3t"), []byte(compactJSON))
	g.Set("X-Hub-Signature-256", strings.TrimPrefix(g.Get("X-Hub-Signature-256"), "sha256="))
	diagCase{
		provider: "github", secret: "gh-s3cr3t", header: g, body: []byte(compactJSON), code: 1,
		says: []string{"diagnosis (prefix-missing)", "sha256="},
	}.run(t)
}

func TestVerifyDiagnosesStale(t *testing.T) {
	t.Parallel()
	old := sign(t, hooktest.Checkly("checkly-s3cr3t"), []byte(compactJSON), hooktest.WithTimestamp(t0.Add(-7*time.Minute)))
	diagCase{
		provider: "checkly", secret: "checkly-s3cr3t", header: old, body: []byte(compactJSON), code: 1,
		says: []string{"not accepted: authentic, but stale", "diagnosis (stale)", "7m10s older than --now", "not signed"},
	}.run(t)
	ahead := sign(t, hooktest.Stripe("whsec_stripe"), []byte(compactJSON), hooktest.WithTimestamp(t0.Add(3*time.Minute)))
	diagCase{
		provider: "stripe", secret: "whsec_stripe", header: ahead, body: []byte(compactJSON), code: 1,
		says: []string{"diagnosis (stale)", "2m50s ahead of --now", "clock"},
	}.run(t)
	// Widening the window accepts it.
	diagCase{
		provider: "checkly", secret: "checkly-s3cr3t", extra: []string{"--tolerance", "10m"}, header: old,
		body: []byte(compactJSON), code: 0, says: []string{"authentic"},
	}.run(t)
}

func TestVerifyDiagnosesMissingHeaders(t *testing.T) {
	t.Parallel()
	// A GitHub delivery checked as Checkly: the header is not there, and
	// the one that is verifies as GitHub.
	diagCase{
		provider: "checkly", secret: "s3cr3t",
		header: sign(t, hooktest.GitHub("s3cr3t"), []byte(compactJSON)),
		body:   []byte(compactJSON), code: 1,
		says: []string{"diagnosis (missing-header)", "X-Checkly-Signature", "diagnosis (wrong-provider)", "--provider github"},
	}.run(t)
	// Checkly always sends its timestamp.
	h := sign(t, hooktest.Checkly("s3cr3t"), []byte(compactJSON))
	h.Del("X-Checkly-Timestamp")
	diagCase{
		provider: "checkly", secret: "s3cr3t", header: h, body: []byte(compactJSON), code: 1,
		says: []string{"diagnosis (missing-timestamp)", "X-Checkly-Timestamp"},
	}.run(t)
}

func TestVerifyNoMatch(t *testing.T) {
	t.Parallel()
	diagCase{
		provider: "checkly", secret: "s3cr3t",
		header: sign(t, hooktest.Checkly("something-else-entirely"), []byte(compactJSON)),
		body:   []byte(compactJSON), code: 1,
		says:   []string{"diagnosis (no-match)", "--also-try"},
		hidden: []string{"something-else-entirely", hexMAC(t, []byte(compactJSON), "s3cr3t")},
	}.run(t)
}

func TestVerifyDiagnosesCredentials(t *testing.T) {
	t.Parallel()
	body := hooktest.OnCallBody(hooktest.OnCallEvent("acknowledge", t0))
	diagCase{
		provider: "oncall", secret: "oncall-t0ken", header: hooktest.AuthorizationHeader("Bearer oncall-t0ken"),
		body: body, code: 1, says: []string{"diagnosis (prefix-present)", "Bearer scheme", "verbatim"},
	}.run(t)
	diagCase{
		provider: "oncall", secret: "Bearer oncall-t0ken", header: hooktest.AuthorizationHeader("oncall-t0ken"),
		body: body, code: 1, says: []string{"diagnosis (prefix-missing)"},
	}.run(t)
	diagCase{
		provider: "oncall", secret: "oncall-t0ken", extra: []string{"--also-try", "old-t0ken"},
		header: hooktest.AuthorizationHeader("old-t0ken"), body: body, code: 1,
		says: []string{"diagnosis (other-secret)", "--also-try #1"}, hidden: []string{"old-t0ken"},
	}.run(t)
	dd := hooktest.DatadogDefaultBody(hooktest.DatadogEvent("Recovered", t0))
	diagCase{
		provider: "datadog", secret: "dd:right-passw0rd", header: hooktest.BasicHeader("dd", "wrong-passw0rd"),
		body: dd, code: 1, says: []string{"diagnosis (password)"}, hidden: []string{"right-passw0rd", "wrong-passw0rd"},
	}.run(t)
	diagCase{
		provider: "datadog", secret: "dd:right-passw0rd", header: hooktest.BearerHeader("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
		body: dd, code: 1, says: []string{"diagnosis (not-basic)", "Bearer scheme", "--jwks"}, hidden: []string{"eyJhbGciOiJSUzI1NiJ9"},
	}.run(t)
}

func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
