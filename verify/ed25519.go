package verify

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Standard Webhooks' asymmetric signatures ("v1a"). The sender signs the
// same content as for "v1" ("<webhook-id>.<webhook-timestamp>.<body>") with
// an Ed25519 private key, and the receiver holds only the public key, so it
// cannot forge a delivery. The spec serialises both keys as base64 behind a
// prefix:
//
//   - "whpk_" + base64 of the 32-byte Ed25519 public key (what the receiver
//     is configured with);
//   - "whsk_" + base64 of the 64-byte Ed25519 private key, the seed followed
//     by the public key, as crypto/ed25519 and libsodium write it. The
//     32-byte seed alone is accepted too. Only senders (and hooktest, and
//     hookseal sign) hold one.
const (
	prefixWhsec = "whsec_"
	prefixWhpk  = "whpk_"
	prefixWhsk  = "whsk_"

	versionV1  = "v1"
	versionV1a = "v1a"
)

// parsePublicKey decodes a "whpk_" public key. Errors wrap ErrInvalidConfig
// and describe the value by its length only.
func parsePublicKey(value string) (ed25519.PublicKey, error) {
	v, ok := strings.CutPrefix(value, prefixWhpk)
	if !ok {
		return nil, errorf(ErrInvalidConfig, "not a whpk_ public key (want \"whpk_\" followed by base64)")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil {
		return nil, errorf(ErrInvalidConfig, "whpk_ public key is not standard base64")
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, errorf(ErrInvalidConfig, "whpk_ public key decodes to %d bytes, want %d (an Ed25519 public key)", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// parseSigningKey decodes a "whsk_" secret key: 64 bytes (seed and public
// key) or the 32-byte seed. A 64-byte key whose public half does not belong
// to its seed is refused: it would sign with one key and announce another.
// Errors wrap ErrInvalidConfig and never quote the value.
func parseSigningKey(value string) (ed25519.PrivateKey, error) {
	v, ok := strings.CutPrefix(value, prefixWhsk)
	if !ok {
		return nil, errorf(ErrInvalidConfig, "not a whsk_ secret key (want \"whsk_\" followed by base64)")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil {
		return nil, errorf(ErrInvalidConfig, "whsk_ secret key is not standard base64")
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		key := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
		if subtle.ConstantTimeCompare(key[ed25519.SeedSize:], raw[ed25519.SeedSize:]) != 1 {
			return nil, errorf(ErrInvalidConfig, "whsk_ secret key: its public half does not belong to its seed")
		}
		return key, nil
	}
	return nil, errorf(ErrInvalidConfig, "whsk_ secret key decodes to %d bytes, want %d (seed and public key) or %d (seed)", len(raw), ed25519.PrivateKeySize, ed25519.SeedSize)
}

// StandardWebhooksPublicKey returns the "whpk_" public key that belongs to
// a "whsk_" secret key: what the sender hands its receivers. Errors wrap
// ErrInvalidConfig and never quote the key.
func StandardWebhooksPublicKey(secretKey string) (string, error) {
	k, err := parseSigningKey(secretKey)
	if err != nil {
		return "", err
	}
	return prefixWhpk + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)), nil
}

// FormatStandardWebhooksKey returns the "whsk_" form of an Ed25519 private
// key (seed and public key, 64 bytes) and the "whpk_" form of its public key.
func FormatStandardWebhooksKey(key ed25519.PrivateKey) (secretKey, publicKey string) {
	return prefixWhsk + base64.StdEncoding.EncodeToString(key),
		prefixWhpk + base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}

// signedBytes returns the signed content the parts describe, in one slice:
// what an Ed25519 signature covers.
func signedBytes(parts []signedPart, body []byte, ts, id string) []byte {
	n := len(body) + len(ts) + len(id)
	for _, p := range parts {
		n += len(p.lit)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		switch p.kind {
		case partBody:
			out = append(out, body...)
		case partTimestamp:
			out = append(out, ts...)
		case partID:
			out = append(out, id...)
		case partLiteral:
			out = append(out, p.lit...)
		}
	}
	return out
}
