package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"
	"testing"
)

var benchSizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"16KiB", 16 << 10}, {"256KiB", 256 << 10}, {"1MiB", 1 << 20}}

// BenchmarkChecklyVerify measures hookseal's Checkly verification of a body
// already in memory beside the floor: bare crypto/hmac over the same bytes
// (hmac.New, Write, Sum), the least any receiver can do. Compare the two
// with benchstat or `make bench`; the goal is >= 0.9x the floor's throughput
// at 16 KiB and above, and 0 allocs/op.
func BenchmarkChecklyVerify(b *testing.B) {
	for _, size := range benchSizes {
		body := make([]byte, size.n)
		for i := range body {
			body[i] = byte('a' + i%26)
		}
		h := http.Header{
			"X-Checkly-Signature": {macHex(testSecret, string(body))},
			"X-Checkly-Timestamp": {"1795420790"},
		}
		b.Run(fmt.Sprintf("size=%s/impl=hookseal", size.name), func(b *testing.B) {
			v, err := Checkly(Secrets(testSecret))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("size=%s/impl=floor", size.name), func(b *testing.B) {
			key := []byte(testSecret)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				m := hmac.New(sha256.New, key)
				m.Write(body)
				sink = m.Sum(sink[:0])
			}
		})
	}
}

var sink []byte

// BenchmarkPresets verifies a 2 KiB body under each preset, two secrets
// configured with the second matching (the rotation case).
func BenchmarkPresets(b *testing.B) {
	body := make([]byte, 2<<10)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	for _, tc := range []struct {
		scheme Scheme
		secret string
	}{
		{ChecklyScheme(), testSecret}, {GitHubScheme(), testSecret}, {StripeScheme(), testSecret},
		{GrafanaAlertingScheme("X-Grafana-Alerting-Timestamp"), testSecret}, {StandardWebhooksScheme(), whsecTest},
	} {
		b.Run("preset="+tc.scheme.Provider, func(b *testing.B) {
			other := otherSec
			if tc.scheme.SecretFormat == SecretWhsec {
				other = whsecOther
			}
			h, err := tc.scheme.Sign(body, SignOptions{ID: "msg_1", Timestamp: testNow}, tc.secret)
			if err != nil {
				b.Fatal(err)
			}
			v, err := HMAC(tc.scheme, Secrets(other, tc.secret))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
