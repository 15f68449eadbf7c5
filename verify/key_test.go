package verify

import (
	"strings"
	"testing"
	"time"
)

// Keys are stored (the dedupe store, the inbox) and shown to handlers as
// the idempotency key, so how they are derived must not drift. Keys of an
// id or a body are v2's, as hookseal derived them before the per-credential
// key prefix; keys of a MAC are v3's, one SHA-256 block (checked against an
// independent computation: sha256(sha256(domain ‖ provider ‖ 0 ‖
// scope)[:22] ‖ 'm' ‖ MAC)).
func TestKeysDoNotDrift(t *testing.T) {
	mac := []byte(strings.Repeat("\x01\x02", 16))
	for _, tc := range []struct {
		name string
		got  Key
		want string
	}{
		{"MAC", keyFromMAC("checkly", "0123456789abcdef", mac), "1f6cef24129fd5c5a34942bd16c6ebdc456603b47eb268ec2b21d15d040a0f2d"},
		{"id", keyFromID("standardwebhooks", "0123456789abcdef", "msg_1"), "2da1472ffe9acde4d562456a6933494bc65bb445653199038805a8119f81bf84"},
		{"body", KeyFromBody("token", "0123456789abcdef", []byte(`{"a":1}`)), "ade308007b1ac21a52b4c6d181ecd50491f8ea992ae4f98a65eff5972a9bd67a"},
		{"long scope", KeyFromBody("token", strings.Repeat("s", 80), []byte(`{"a":1}`)), "af9c0311a6bc99e74292fff460be7ab277c0d793722a621d782b1d207aaa0392"},
		{"empty scope", keyFromMAC("p", "", mac), "a831c1b54bb5000389ca94b0a9e1bf554251f9b47813e9e177b09b08a05d02c5"},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s: key %s, want %s", tc.name, tc.got, tc.want)
		}
	}

	at := time.Unix(1714559400, 0)
	for _, tc := range []struct {
		scheme             Scheme
		secret             string
		body               string
		wantScope, wantKey string
	}{
		{ChecklyScheme(), "not-really-but-a-secret", `{"check_id":"c"}`, "0c16088719a2d138", "411b30f80e9be941ddba81d5901751c5ccf2239bffaf30b6505d4101e8d4d05d"},
		{StandardWebhooksScheme(), whsecTest, `{}`, "9b0cef0d8197e19c", "5ce88d13046a70e70de048c1c3e0c2e8a93c71a2840df378b79ab93601c8bd1d"},
		{StripeScheme(), "not-really-but-a-secret", `{}`, "5dd4600d8fad6f9d", "3b641d2654b15d87994af4bb28aa56f10064931a93d0a50116e7ef67cc0c633c"},
	} {
		v, err := HMAC(tc.scheme, Secrets(tc.secret))
		if err != nil {
			t.Fatal(err)
		}
		h, err := tc.scheme.Sign([]byte(tc.body), SignOptions{ID: "msg_1", Timestamp: at}, tc.secret)
		if err != nil {
			t.Fatal(err)
		}
		d, err := v.Verify(h, []byte(tc.body))
		if err != nil || d.Scope != tc.wantScope || d.Key.String() != tc.wantKey {
			t.Errorf("%s: scope %s, key %s, %v; want %s, %s", tc.scheme.Provider, d.Scope, d.Key, err, tc.wantScope, tc.wantKey)
		}
	}
}

// A credential's scope is derived (PBKDF2) once, the first time a delivery
// needs it, and every later delivery reads the cached value.
func TestScopeIsComputedOnce(t *testing.T) {
	s := newLazyScope("checkly", []byte("a secret"))
	first := s.load()
	if s.load() != first || s.get() != first.scope || len(first.scope) != 2*scopeLen {
		t.Fatalf("scope %q recomputed or malformed", first.scope)
	}
	v, err := Checkly(Secrets(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	k := v.keys[0]
	h := hdr("X-Checkly-Signature", macHex(testSecret, checklyBody), "X-Checkly-Timestamp", "1795420790")
	d1, err1 := v.Verify(h, []byte(checklyBody))
	cached := k.scope.load()
	d2, err2 := v.Verify(h, []byte(checklyBody))
	if err1 != nil || err2 != nil || k.scope.load() != cached || d1.Scope != cached.scope || d2.Key != d1.Key {
		t.Fatalf("%v %v: the second delivery did not reuse the scope", err1, err2)
	}
}
