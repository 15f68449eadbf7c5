package verify_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hookseal/hookseal/verify"
)

// Grafana OnCall copies its authorization_header setting verbatim into the
// Authorization header. Configure the same string here, scheme and all.
func ExampleAuthorization() {
	v, err := verify.Authorization("oncall", []verify.Secret{
		{ID: "oncall-2026", Value: "Bearer 7f3c9e1a52d4"},
	})
	if err != nil {
		panic(err) // an empty value, for instance, is refused here
	}

	body := []byte(`{"event":{"type":"resolve"},"alert_group_id":"I8ZW9PX5M1D3T"}`)
	req := httptest.NewRequest(http.MethodPost, "/hooks/oncall", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer 7f3c9e1a52d4") // what OnCall sends

	d, err := v.Verify(req.Header, body)
	fmt.Println(err, d.Provider, d.SecretID, d.Timestamp.IsZero())
	// Output: <nil> oncall oncall-2026 true
}

// Datadog's webhooks integration sends custom headers, the documented place
// for a shared token. Two tokens are active while the token is rotated.
func ExampleToken() {
	v, err := verify.Token("datadog", "X-Hook-Token", []verify.Secret{
		{ID: "2026-05", Value: "dd-old-4f1e"},
		{ID: "2026-11", Value: "dd-new-9c2a"},
	})
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	h.Set("X-Hook-Token", "dd-new-9c2a")
	d, err := v.Verify(h, []byte(`{"id":"7261749"}`))
	fmt.Println(err, d.SecretID)
	// Output: <nil> 2026-11
}

// HTTP Basic credentials (OnCall's username and password, or Datadog's
// user:pass@ in the webhook URL), and branching on the outcome: every
// credential failure wraps ErrUnauthorized and answers 401. The message says
// what is wrong without saying which part of the credentials was.
func ExampleBasic_errorChecking() {
	v, err := verify.Basic("datadog", []verify.Credential{
		{ID: "dd-webhook", Username: "datadog", Password: "correct horse battery"},
	})
	if err != nil {
		panic(err)
	}
	body := []byte(`{"id":"7261749","event_type":"query_alert_monitor"}`)

	right := httptest.NewRequest(http.MethodPost, "/hooks/datadog", nil)
	right.SetBasicAuth("datadog", "correct horse battery")
	wrong := httptest.NewRequest(http.MethodPost, "/hooks/datadog", nil)
	wrong.SetBasicAuth("datadog", "wrong horse battery")
	garbled := httptest.NewRequest(http.MethodPost, "/hooks/datadog", nil)
	garbled.Header.Set("Authorization", "Basic not-base64!")
	none := httptest.NewRequest(http.MethodPost, "/hooks/datadog", nil)

	for _, tc := range []struct {
		name string
		req  *http.Request
	}{{"right", right}, {"wrong password", wrong}, {"garbled", garbled}, {"no header", none}} {
		d, err := v.Verify(tc.req.Header, body)
		switch {
		case err == nil:
			fmt.Printf("%s => process (credential %s)\n", tc.name, d.SecretID)
		case errors.Is(err, verify.ErrUnauthorized):
			fmt.Printf("%s => 401: %v\n", tc.name, err)
		default:
			fmt.Printf("%s => 500: %v\n", tc.name, err)
		}
	}
	// Output:
	// right => process (credential dd-webhook)
	// wrong password => 401: verify: unauthorized: Basic credentials match no configured user name and password (1 tried)
	// garbled => 401: verify: unauthorized: Basic credentials are not valid base64 (want standard base64 with padding)
	// no header => 401: verify: unauthorized: header Authorization is missing or empty
}
