package verify

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// v1aVectors is testdata/v1a_vectors.json, computed by
// testdata/gen_v1a_vectors.mjs with Node's crypto module (Ed25519 and
// HMAC-SHA256), independently of this package.
type v1aVectors struct {
	Keys []struct {
		Whsk     string `json:"whsk"`
		WhskSeed string `json:"whsk_seed"`
		Whpk     string `json:"whpk"`
	} `json:"keys"`
	Vectors []struct {
		Name      string            `json:"name"`
		Sender    []string          `json:"sender"`
		Receiver  []string          `json:"receiver"`
		Match     int               `json:"match"`
		ID        string            `json:"id"`
		Timestamp int64             `json:"timestamp"`
		Body      string            `json:"body"`
		Headers   map[string]string `json:"headers"`
	} `json:"vectors"`
}

func loadV1aVectors(t testing.TB) v1aVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/v1a_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs v1aVectors
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs.Vectors) < 10 || len(vs.Keys) < 2 {
		t.Fatalf("only %d vectors and %d keys", len(vs.Vectors), len(vs.Keys))
	}
	return vs
}

func TestV1aVectors(t *testing.T) {
	vs := loadV1aVectors(t)
	for _, vec := range vs.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			v, err := StandardWebhooksKeys(Secrets(vec.Receiver...))
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for k, val := range vec.Headers {
				h.Set(k, val)
			}
			d, err := v.Verify(h, []byte(vec.Body))
			if vec.Match < 0 {
				if !errors.Is(err, ErrInvalidSignature) || !d.Key.IsZero() {
					t.Fatalf("Verify = %+v, %v; want ErrInvalidSignature", d, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Delivery{
				Provider: ProviderStandardWebhooks, SecretID: "s" + strconv.Itoa(vec.Match+1), Scope: d.Scope,
				Timestamp: time.Unix(vec.Timestamp, 0).UTC(), TimestampSigned: true, BodySigned: true, ID: vec.ID,
				Key: keyFromID(ProviderStandardWebhooks, d.Scope, vec.ID),
			}
			if d != want || len(d.Scope) != 16 {
				t.Fatalf("delivery\n got %+v\nwant %+v", d, want)
			}

			// Any change to the signed content fails.
			if vec.Body != "" {
				tampered := []byte(vec.Body)
				tampered[len(tampered)/2] ^= 0x01
				if _, err := v.Verify(h, tampered); !errors.Is(err, ErrInvalidSignature) {
					t.Errorf("tampered body: %v", err)
				}
			}
			for _, name := range []string{"Webhook-Id", "Webhook-Timestamp"} {
				h2 := h.Clone()
				h2.Set(name, h.Get(name)+"1")
				if _, err := v.Verify(h2, []byte(vec.Body)); !errors.Is(err, ErrInvalidSignature) {
					t.Errorf("changed %s: %v", name, err)
				}
			}

			// Sign reproduces Node's header byte for byte (Ed25519 is
			// deterministic), from the sender's whsk_ and whsec_ keys.
			got, err := StandardWebhooksScheme().Sign([]byte(vec.Body), SignOptions{ID: vec.ID, Timestamp: time.Unix(vec.Timestamp, 0)}, vec.Sender...)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			for k, w := range vec.Headers {
				if g := got.Get(k); g != w {
					t.Errorf("Sign header %s = %q, want %q", k, g, w)
				}
			}
		})
	}
}

func TestStandardWebhooksKeyForms(t *testing.T) {
	for _, k := range loadV1aVectors(t).Keys {
		for _, sk := range []string{k.Whsk, k.WhskSeed} {
			pk, err := StandardWebhooksPublicKey(sk)
			if err != nil || pk != k.Whpk {
				t.Errorf("StandardWebhooksPublicKey = %q, %v; want %q", pk, err, k.Whpk)
			}
		}
		priv, err := parseSigningKey(k.Whsk)
		if err != nil {
			t.Fatal(err)
		}
		if sk, pk := FormatStandardWebhooksKey(priv); sk != k.Whsk || pk != k.Whpk {
			t.Errorf("FormatStandardWebhooksKey = %q %q", sk, pk)
		}
	}
}

func TestStandardWebhooksKeysConfig(t *testing.T) {
	vs := loadV1aVectors(t)
	pk, sk := vs.Keys[0].Whpk, vs.Keys[0].Whsk
	other := vs.Keys[1]
	// A 64-byte key whose public half is another key's.
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sk, "whsk_"))
	otherRaw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(other.Whsk, "whsk_"))
	mismatched := "whsk_" + base64.StdEncoding.EncodeToString(append(raw[:32:32], otherRaw[32:]...))
	short := "whpk_" + base64.StdEncoding.EncodeToString(make([]byte, 31))
	for _, tc := range []struct {
		name string
		keys []Secret
		want error
	}{
		{"nok, no key", nil, ErrNoSecret},
		{"nok, a whsk_ secret key on the receiver", Secrets(sk), ErrInvalidConfig},
		{"nok, whpk_ of 31 bytes", Secrets(short), ErrInvalidConfig},
		{"nok, whpk_ not base64", Secrets("whpk_!!!!"), ErrInvalidConfig},
		{"nok, whpk_ with a newline", []Secret{{ID: "a", Value: pk + "\n"}}, ErrInvalidConfig},
		{"nok, whsec_ not base64", Secrets("whsec_***"), ErrInvalidConfig},
		{"nok, one ID twice", []Secret{{ID: "a", Value: pk}, {ID: "a", Value: other.Whpk}}, ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := StandardWebhooksKeys(tc.keys)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, k := range tc.keys {
				if strings.Contains(err.Error(), strings.TrimSpace(k.Value)) {
					t.Fatalf("error quotes a key: %v", err)
				}
			}
		})
	}
	for _, bad := range []string{mismatched, "whsk_" + base64.StdEncoding.EncodeToString(make([]byte, 40)), "whsk_%%"} {
		_, err := StandardWebhooksPublicKey(bad)
		if !errors.Is(err, ErrInvalidConfig) || strings.Contains(err.Error(), strings.TrimPrefix(bad, "whsk_")) {
			t.Errorf("StandardWebhooksPublicKey(bad) = %v", err)
		}
		if _, err := StandardWebhooksScheme().Sign([]byte("{}"), SignOptions{ID: "m", Timestamp: time.Unix(1, 0)}, bad); err == nil {
			t.Errorf("Sign with a bad whsk_ key succeeded")
		}
	}
	// The HMAC-only preset names what to use instead of guessing.
	for _, k := range []string{pk, sk} {
		_, err := StandardWebhooks(Secrets(k))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "v1a") {
			t.Errorf("StandardWebhooks(%.5s...) = %v", k, err)
		}
	}
}

func TestStandardWebhooksKeysRequests(t *testing.T) {
	vs := loadV1aVectors(t)
	vec := vs.Vectors[0]
	pub, err := StandardWebhooksKeys(Secrets(vs.Keys[0].Whpk))
	if err != nil {
		t.Fatal(err)
	}
	sym, err := StandardWebhooksKeys(Secrets(whsecTest))
	if err != nil {
		t.Fatal(err)
	}
	good := vec.Headers["webhook-signature"]
	sig := strings.TrimPrefix(good, "v1a,")
	hdr := func(kv ...string) http.Header {
		h := http.Header{"Webhook-Id": {vec.ID}, "Webhook-Timestamp": {strconv.FormatInt(vec.Timestamp, 10)}, "Webhook-Signature": {good}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(h, kv[i])
				continue
			}
			h[kv[i]] = []string{kv[i+1]}
		}
		return h
	}
	for _, tc := range []struct {
		name string
		v    *StandardWebhooksAuth
		h    http.Header
		want error
	}{
		{"ok, v1a", pub, hdr(), nil},
		{"ok, v1a after an unknown version", pub, hdr("Webhook-Signature", "v2,abc "+good), nil},
		{"nok, no signature header", pub, hdr("Webhook-Signature", ""), ErrMissingSignature},
		{"nok, only unknown versions", pub, hdr("Webhook-Signature", "v2,abc v0,def"), ErrMissingSignature},
		{"nok, only v1 for a public key", pub, hdr("Webhook-Signature", "v1,"+macB64(whsecKey, "x")), ErrMissingSignature},
		{"nok, only v1a for a secret", sym, hdr(), ErrMissingSignature},
		{"nok, v1a too short", pub, hdr("Webhook-Signature", "v1a,"+sig[:40]), ErrMalformedSignature},
		{"nok, v1a not base64", pub, hdr("Webhook-Signature", "v1a,"+strings.Repeat("*", 88)), ErrMalformedSignature},
		{"nok, v1a unpadded", pub, hdr("Webhook-Signature", "v1a,"+strings.TrimRight(sig, "=")+"A"), ErrMalformedSignature},
		{"nok, entry without comma", pub, hdr("Webhook-Signature", "v1a"+sig), ErrMalformedSignature},
		{"nok, too many v1a", pub, hdr("Webhook-Signature", strings.Repeat(good+" ", maxEd25519Signatures+1)), ErrMalformedSignature},
		{"nok, header repeated", pub, http.Header{"Webhook-Id": {vec.ID}, "Webhook-Timestamp": {"1"}, "Webhook-Signature": {good, good}}, ErrMalformedSignature},
		{"nok, header too long", pub, hdr("Webhook-Signature", good+" "+strings.Repeat("x", DefaultMaxHeaderLen)), ErrMalformedSignature},
		{"nok, no id", pub, hdr("Webhook-Id", ""), ErrMissingSignature},
		{"nok, no timestamp", pub, hdr("Webhook-Timestamp", ""), ErrMissingTimestamp},
		{"nok, timestamp repeated", pub, http.Header{"Webhook-Id": {vec.ID}, "Webhook-Timestamp": {"1", "2"}, "Webhook-Signature": {good}}, ErrMalformedTimestamp},
		{"nok, signature flipped", pub, hdr("Webhook-Signature", "v1a,"+flipB64(sig)), ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.v.Verify(tc.h, []byte(vec.Body))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil {
				if !d.Key.IsZero() || d.SecretID != "" {
					t.Fatalf("a refused delivery carries %+v", d)
				}
				if strings.Contains(err.Error(), sig[:20]) {
					t.Fatalf("error quotes the signature: %v", err)
				}
			}
		})
	}
	// A timestamp that is signed but not a number is refused after the
	// signature holds.
	h, err := StandardWebhooksScheme().Sign([]byte(vec.Body), SignOptions{ID: vec.ID, Timestamp: time.Unix(vec.Timestamp, 0)}, vs.Keys[0].Whsk)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := parseSigningKey(vs.Keys[0].Whsk)
	h.Set("Webhook-Timestamp", "soon")
	h.Set("Webhook-Signature", "v1a,"+base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(vec.ID+".soon."+vec.Body))))
	if _, err := pub.Verify(h, []byte(vec.Body)); !errors.Is(err, ErrMalformedTimestamp) {
		t.Errorf("signed non-numeric timestamp: %v", err)
	}
}

// flipB64 changes one bit of a base64 signature, keeping it well formed.
func flipB64(s string) string {
	raw, _ := base64.StdEncoding.DecodeString(s)
	raw[10] ^= 0x04
	return base64.StdEncoding.EncodeToString(raw)
}

func FuzzParseStandardSignatures(f *testing.F) {
	sig := base64.StdEncoding.EncodeToString(make([]byte, 64))
	mac := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, s := range []string{"v1a," + sig, "v1," + mac + " v1a," + sig, "v1a,", "v1a," + sig[:87] + "*", "", " ", "v2,x",
		strings.Repeat("v1a,"+sig+" ", 5), "v1a,,", "\x00,\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		var out stdSigs
		err := parseStandardSignatures(value, "Webhook-Signature", &out)
		if out.na > maxEd25519Signatures || out.v1.n > maxSignatures {
			t.Fatalf("%d v1a, %d v1 entries", out.na, out.v1.n)
		}
		if err == nil && out.na == 0 && out.v1.n == 0 {
			t.Fatalf("no entry and no error for %q", value)
		}
		if err == nil {
			for i := 0; i < out.na; i++ {
				if !strings.Contains(value, "v1a,"+base64.StdEncoding.EncodeToString(out.v1a[i][:])) {
					t.Fatalf("decoded a v1a signature %q does not carry", value)
				}
			}
		}
	})
}
