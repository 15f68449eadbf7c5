package verify_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// A Checkly alert webhook: the signature is the hex HMAC-SHA256 of the raw
// body; the timestamp header says when Checkly sent it, and a Window judges
// whether that is recent enough.
func Example() {
	secret := "checkly-channel-secret"
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"4b1c"}`)
	sentAt := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

	// What Checkly would send (in a test; the sender does this for real).
	header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, secret)

	v, err := verify.Checkly(verify.Secrets(secret))
	if err != nil {
		panic(err) // a blank secret, for instance, is refused here
	}
	d, err := v.Verify(header, body)
	fmt.Println(err, d.Provider, d.SecretID, d.TimestampSigned)
	fmt.Println(verify.DefaultWindow().Check(d.Timestamp, sentAt.Add(2*time.Second)))
	// Output:
	// <nil> checkly s1 false
	// <nil>
}

// Branching on the sentinel errors: authentication first, then freshness.
// A late retry is authentic, and the window finds it too old.
func Example_errorChecking() {
	secret := "checkly-channel-secret"
	body := []byte(`{"alert_type":"ALERT_FAILURE"}`)
	sentAt := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	signed, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, secret)
	now := sentAt.Add(10 * time.Minute) // ten minutes later: a late retry

	v, _ := verify.Checkly(verify.Secrets(secret))
	for _, tc := range []struct {
		name   string
		header http.Header
		body   []byte
	}{
		{"late retry", signed, body},
		{"tampered body", signed, []byte(`{"alert_type":"ALERT_RECOVERY"}`)},
		{"unsigned", http.Header{}, body},
	} {
		d, err := v.Verify(tc.header, tc.body)
		if err == nil {
			err = verify.DefaultWindow().Check(d.Timestamp, now)
		}
		switch {
		case err == nil:
			fmt.Println(tc.name, "=> process")
		case errors.Is(err, verify.ErrTooOld), errors.Is(err, verify.ErrTooNew):
			fmt.Println(tc.name, "=> drop, answer 200 so the sender stops retrying")
		case errors.Is(err, verify.ErrInvalidSignature):
			fmt.Println(tc.name, "=> 401: signature does not match")
		case errors.Is(err, verify.ErrMissingSignature):
			fmt.Println(tc.name, "=> 401: no signature")
		}
	}
	// Output:
	// late retry => drop, answer 200 so the sender stops retrying
	// tampered body => 401: signature does not match
	// unsigned => 401: no signature
}

// Rotation: both secrets are accepted while the sender moves to the new one,
// and the Delivery says which matched.
func ExampleSecret_rotation() {
	body := []byte(`{"event":"monitor.down","timestamp":"2026-11-23T08:00:00Z"}`)
	header, _ := verify.StatusStackScheme().Sign(body, verify.SignOptions{}, "new-secret")

	v, _ := verify.StatusStack([]verify.Secret{
		{ID: "2026-10", Value: "old-secret"},
		{ID: "2026-11", Value: "new-secret"},
	})
	d, err := v.Verify(header, body)
	fmt.Println(err, d.SecretID, d.TimestampSigned)
	// Output: <nil> 2026-11 true
}

// Secrets come from the environment by one rule, the CLI's: NAME holds one
// or several comma-separated secrets, NAME_FILE names a file with one per
// line (for mounted secrets, and secrets with a comma in them). A blank
// value or a stray newline is an error, never a verifier that accepts
// signatures made with " ".
func ExampleLookupSecrets() {
	dir, _ := os.MkdirTemp("", "secrets")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "checkly")
	_ = os.WriteFile(file, []byte("new,with-a-comma\r\nold\n\n"), 0o600)

	env := map[string]string{
		"CHECKLY_WEBHOOK_SECRET_FILE": file,
		"STATUSSTACK_WEBHOOK_SECRET":  " new , old ",
		"ONCALL_AUTHORIZATION":        " ",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, name := range []string{"CHECKLY_WEBHOOK_SECRET", "STATUSSTACK_WEBHOOK_SECRET", "ONCALL_AUTHORIZATION", "DATADOG_WEBHOOK_PASSWORD"} {
		s, found, err := verify.LookupSecrets(lookup, name)
		fmt.Println(name, len(s), found, err)
	}
	// Output:
	// CHECKLY_WEBHOOK_SECRET 2 true <nil>
	// STATUSSTACK_WEBHOOK_SECRET 2 true <nil>
	// ONCALL_AUTHORIZATION 0 true ONCALL_AUTHORIZATION: verify: no secret configured: the list of secrets is blank
	// DATADOG_WEBHOOK_PASSWORD 0 false <nil>
}

// A Window judges any time correctly, however far away: a timestamp past
// the year 2262 is too new, not (as a Duration's overflow would have it)
// fresh.
func ExampleWindow_Check() {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	w := verify.DefaultWindow()
	for _, ts := range []string{"1795420790", "1795420000", "13569465600"} {
		t, _ := verify.ParseTimestamp(ts, verify.TimestampUnixSeconds)
		fmt.Println(ts, w.Check(t, now))
	}
	// Output:
	// 1795420790 <nil>
	// 1795420000 verify: timestamp too old: sent 13m20s before the receiver's clock, tolerance 5m0s
	// 13569465600 verify: timestamp too far in the future: sent more than 290 years after the receiver's clock, tolerance 1m0s
}

// A sender with no preset is a Scheme value: here one that signs
// "<delivery id>.<body>" in base64 and prefixes the header.
func ExampleHMAC() {
	acme := verify.Scheme{
		Provider:        "acme",
		SignatureHeader: "X-Acme-Signature",
		Prefix:          "v1=",
		Encoding:        verify.EncodingBase64,
		IDHeader:        "X-Acme-Delivery",
		Signed:          "{id}.{body}",
	}
	body := []byte(`{"ok":true}`)
	header, _ := acme.Sign(body, verify.SignOptions{ID: "dlv_42"}, "acme-secret")

	v, err := verify.HMAC(acme, verify.Secrets("acme-secret"))
	if err != nil {
		panic(err)
	}
	d, err := v.Verify(header, body)
	fmt.Println(err, d.Provider, d.ID)
	// Output: <nil> acme dlv_42
}

// Sign is the sender's half, for tests and tools.
func ExampleScheme_Sign() {
	body := []byte(`{"id":"evt_1"}`)
	h, _ := verify.StripeScheme().Sign(body, verify.SignOptions{Timestamp: time.Unix(1795420800, 0)}, "whsec_test")
	fmt.Println(h.Get("Stripe-Signature")[:16])
	// Output: t=1795420800,v1=
}

// ParseSignatures and MAC are the primitives a verifier is built from, for
// tools that explain a failure (the CLI's verify command uses them).
func ExampleScheme_ParseSignatures() {
	s := verify.StripeScheme()
	body := []byte(`{"id":"evt_1"}`)
	h, _ := s.Sign(body, verify.SignOptions{Timestamp: time.Unix(1795420800, 0)}, "whsec_test")
	sigs, _ := s.ParseSignatures(h.Get("Stripe-Signature"))
	mac, _ := s.MAC("whsec_test", body, sigs.Timestamp, "")
	fmt.Println(len(sigs.MACs), sigs.Timestamp, string(mac) == string(sigs.MACs[0]))
	// Output: 1 1795420800 true
}

// Standard Webhooks' asymmetric signatures: the sender signs with an
// Ed25519 secret key ("whsk_..."), the receiver holds only the public key
// ("whpk_..."). During a move from HMAC to Ed25519 the sender puts a "v1"
// and a "v1a" entry in one header, and a receiver configured with either
// key accepts it.
func ExampleStandardWebhooksKeys() {
	seed := make([]byte, ed25519.SeedSize) // a real key comes from crypto/rand
	secretKey, publicKey := verify.FormatStandardWebhooksKey(ed25519.NewKeyFromSeed(seed))
	whsec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("an-older-symmetric-secret"))
	body := []byte(`{"type":"user.created","data":{"id":"u_1"}}`)

	// What the sender sends (in a test; the sender does this for real).
	header, _ := verify.StandardWebhooksScheme().Sign(body,
		verify.SignOptions{ID: "msg_1", Timestamp: time.Unix(1763884800, 0)}, whsec, secretKey)

	v, err := verify.StandardWebhooksKeys([]verify.Secret{{ID: "ed25519-2026", Value: publicKey}})
	if err != nil {
		panic(err)
	}
	d, err := v.Verify(header, body)
	fmt.Println(err, d.SecretID, d.ID, d.TimestampSigned)
	// Output:
	// <nil> ed25519-2026 msg_1 true
}
