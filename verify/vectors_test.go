package verify

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// vector is one entry of testdata/vectors.json, computed by
// testdata/gen_vectors.py with Python's hmac module, independently of this
// package. Two entries are the senders' own published examples (GitHub's docs
// and the Standard Webhooks test suite).
type vector struct {
	Name            string            `json:"name"`
	Provider        string            `json:"provider"`
	Secrets         []string          `json:"secrets"`
	Body            string            `json:"body"`
	Headers         map[string]string `json:"headers"`
	Timestamp       int64             `json:"timestamp"`
	TimestampOver   int64             `json:"timestamp_override"`
	TimestampHeader string            `json:"timestamp_header"`
	ID              string            `json:"id"`
	Sign            *bool             `json:"sign"`
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 10 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

func schemeFor(t testing.TB, provider, tsHeader string) Scheme {
	t.Helper()
	switch provider {
	case ProviderCheckly:
		return ChecklyScheme()
	case ProviderStatusStack:
		return StatusStackScheme()
	case ProviderGrafanaAlerting:
		return GrafanaAlertingScheme(tsHeader)
	case ProviderGitHub:
		return GitHubScheme()
	case ProviderStripe:
		return StripeScheme()
	case ProviderStandardWebhooks:
		return StandardWebhooksScheme()
	case ProviderPagerDuty:
		return PagerDutyScheme()
	}
	t.Fatalf("no scheme for provider %q", provider)
	return Scheme{}
}

func TestVectors(t *testing.T) {
	for _, vec := range loadVectors(t) {
		t.Run(vec.Name, func(t *testing.T) {
			ts := vec.Timestamp
			if vec.TimestampOver != 0 {
				ts = vec.TimestampOver
			}
			sent := time.Unix(ts, 0)
			scheme := schemeFor(t, vec.Provider, vec.TimestampHeader)
			v, err := HMAC(scheme, Secrets(vec.Secrets...))
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for k, val := range vec.Headers {
				h.Set(k, val)
			}
			d, err := v.Verify(h, []byte(vec.Body))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if d.SecretID != "s1" || d.Provider != vec.Provider || d.Key.IsZero() {
				t.Fatalf("delivery = %+v", d)
			}
			if scheme.TimestampHeader != "" || scheme.TimestampKey != "" || scheme.TimestampField != "" {
				if !d.Timestamp.Equal(sent) {
					t.Errorf("timestamp = %v, want %v", d.Timestamp, sent)
				}
			}
			if d.ID != vec.ID {
				t.Errorf("ID = %q, want %q", d.ID, vec.ID)
			}

			// Every vector also fails on the body changed by one byte.
			tampered := []byte(vec.Body)
			tampered[len(tampered)/2] ^= 0x01
			if _, err := v.Verify(h, tampered); !errorsIs(err, ErrInvalidSignature) {
				t.Errorf("tampered body: err = %v, want ErrInvalidSignature", err)
			}

			// Sign must reproduce the sender's headers byte for byte.
			if vec.Sign != nil && !*vec.Sign {
				return
			}
			got, err := scheme.Sign([]byte(vec.Body), SignOptions{ID: vec.ID, Timestamp: sent}, vec.Secrets...)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			for k, want := range vec.Headers {
				g := got.Get(k)
				if k == "Stripe-Signature" {
					// The vector carries a v0 decoy; Sign emits t and the v1s.
					want = strings.Replace(want, ",v0="+strings.Repeat("00", 32), "", 1)
				}
				if k == "X-Checkly-Timestamp" {
					continue // the vectors try several timestamp forms
				}
				if g != want {
					t.Errorf("Sign header %s = %q, want %q", k, g, want)
				}
			}
		})
	}
}
