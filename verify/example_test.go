package verify_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// A Checkly alert webhook: the signature is the hex HMAC-SHA256 of the raw
// body; the timestamp header says when Checkly sent it.
func Example() {
	secret := "checkly-channel-secret"
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"4b1c"}`)
	sentAt := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

	// What Checkly would send (in a test; the sender does this for real).
	header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, secret)

	v, err := verify.Checkly(verify.Secrets(secret),
		verify.WithClock(func() time.Time { return sentAt.Add(2 * time.Second) }))
	if err != nil {
		panic(err) // an empty secret, for instance, is refused here
	}
	d, err := v.Verify(header, body)
	fmt.Println(err, d.Provider, d.SecretID, d.TimestampSigned)
	// Output: <nil> checkly s1 false
}

// Branching on the sentinel errors: a stale delivery is authentic and comes
// with its Delivery; anything else is an authentication failure.
func Example_errorChecking() {
	secret := "checkly-channel-secret"
	body := []byte(`{"alert_type":"ALERT_FAILURE"}`)
	sentAt := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	signed, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, secret)

	// Ten minutes later the same delivery is a late retry.
	v, _ := verify.Checkly(verify.Secrets(secret),
		verify.WithClock(func() time.Time { return sentAt.Add(10 * time.Minute) }))

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
		switch {
		case err == nil:
			fmt.Println(tc.name, "=> process")
		case verify.IsStale(err):
			fmt.Println(tc.name, "=> drop, answer 200; authentic:", d.Verified)
		case errors.Is(err, verify.ErrInvalidSignature):
			fmt.Println(tc.name, "=> 401: signature does not match")
		case errors.Is(err, verify.ErrMissingSignature):
			fmt.Println(tc.name, "=> 401: no signature")
		}
	}
	// Output:
	// late retry => drop, answer 200; authentic: true
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
	}, verify.WithClock(func() time.Time { return time.Date(2026, 11, 23, 8, 0, 1, 0, time.UTC) }))
	d, err := v.Verify(header, body)
	fmt.Println(err, d.SecretID, d.TimestampSigned)
	// Output: <nil> 2026-11 true
}

// A sender with no preset is a Scheme value: here one that signs
// "<delivery id>.<body>" in base64 and prefixes the header.
func ExampleNewHMAC() {
	acme := verify.Scheme{
		Provider:        "acme",
		SignatureHeader: "X-Acme-Signature",
		Prefix:          "v1=",
		Encoding:        verify.Base64,
		IDHeader:        "X-Acme-Delivery",
		Signed:          "{id}.{body}",
	}
	body := []byte(`{"ok":true}`)
	header, _ := acme.Sign(body, verify.SignOptions{ID: "dlv_42"}, "acme-secret")

	v, err := verify.NewHMAC(acme, verify.Secrets("acme-secret"))
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
