package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"sync"
	"testing"
)

var benchSizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"16KiB", 16 << 10}, {"256KiB", 256 << 10}, {"1MiB", 1 << 20}}

// BenchmarkChecklyVerify measures hookseal's Checkly verification of a body
// already in memory beside two floors, the least any receiver can do:
//
//   - impl=floor: bare crypto/hmac over the same bytes (hmac.New, Write,
//     Sum), as most receivers write it;
//   - impl=floor-pooled-hmac: what a careful receiver writes by hand,
//     keyed HMAC states in a sync.Pool (Reset, Write, Sum), the signature
//     header read with Header.Get, hex-decoded without allocating and
//     compared with hmac.Equal. It allocates nothing.
//
// Compare them with benchstat or `make bench` (internal/benchratio). The
// goals: 0 allocs/op; at most 1.1x the pooled floor's time at 1 KiB, where
// hookseal's fixed costs (reading the timestamp header, parsing it, the
// delivery's Key) weigh most, and >= 0.9x its throughput from 16 KiB up.
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
		b.Run(fmt.Sprintf("size=%s/impl=floor-pooled-hmac", size.name), func(b *testing.B) {
			key := []byte(testSecret)
			pool := sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}
			var sum, sig [sha256.Size]byte
			var enc [2 * sha256.Size]byte
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				m := pool.Get().(hash.Hash)
				m.Reset()
				m.Write(body)
				m.Sum(sum[:0])
				pool.Put(m)
				v := h.Get("X-Checkly-Signature")
				if len(v) != len(enc) {
					b.Fatal("floor: malformed signature")
				}
				copy(enc[:], v)
				if _, err := hex.Decode(sig[:], enc[:]); err != nil || !hmac.Equal(sum[:], sig[:]) {
					b.Fatal("floor: signature mismatch")
				}
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
