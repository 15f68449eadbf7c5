package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/MicahParks/jwkset"
)

// This file decides which key may verify which algorithm, and reads PEM
// public keys. Keeping every key to its algorithm's family is what stops
// algorithm confusion.

// family is an algorithm family. A token's key must be of its algorithm's
// family.
type family uint8

const (
	famUnknown family = iota
	famHMAC
	famRSA
	famECDSA
	famEd25519
)

func algFamily(alg string) family {
	switch alg {
	case "HS256", "HS384", "HS512":
		return famHMAC
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return famRSA
	case "ES256", "ES384", "ES512":
		return famECDSA
	case "EdDSA":
		return famEd25519
	}
	return famUnknown
}

// minRSABits is the least RSA modulus size accepted (RFC 7518 section 3.3).
const minRSABits = 2048

// keyFits reports whether key may verify a token signed with alg: the key's
// type is the algorithm's family (HS* take []byte, RS*/PS* *rsa.PublicKey,
// ES* *ecdsa.PublicKey on the algorithm's curve, EdDSA ed25519.PublicKey),
// and it is strong enough (HMAC keys at least the hash size, RSA keys at
// least 2048 bits). This is what stops algorithm confusion: a token naming
// HS256 is never checked against a public key's bytes.
func keyFits(alg string, key any) bool {
	switch algFamily(alg) {
	case famHMAC:
		k, ok := key.([]byte)
		return ok && len(k) >= hashSize(alg)
	case famRSA:
		k, ok := key.(*rsa.PublicKey)
		return ok && k.N != nil && k.N.BitLen() >= minRSABits
	case famECDSA:
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve != nil && k.Curve == curveFor(alg)
	case famEd25519:
		k, ok := key.(ed25519.PublicKey)
		return ok && len(k) == ed25519.PublicKeySize
	}
	return false
}

// hashSize is the output size in bytes of an HMAC algorithm's hash (HS256 →
// 32), the least key length RFC 7518 section 3.2 allows.
func hashSize(alg string) int {
	switch alg {
	case "HS256":
		return 32
	case "HS384":
		return 48
	case "HS512":
		return 64
	}
	return 0
}

// curveFor is the curve an ECDSA algorithm uses: P-256, P-384, P-521.
func curveFor(alg string) elliptic.Curve {
	switch alg {
	case "ES256":
		return elliptic.P256()
	case "ES384":
		return elliptic.P384()
	case "ES512":
		return elliptic.P521()
	}
	return nil
}

// describeKey names a key's type and size, never its content.
func describeKey(key any) string {
	switch k := key.(type) {
	case []byte:
		return fmt.Sprintf("HMAC, %d bytes", len(k))
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA, %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", key)
}

// strengthHint says what a key that fits no algorithm lacks, when it is a
// matter of size.
func strengthHint(key any) string {
	if _, ok := key.([]byte); ok {
		return "; HS256 needs at least 32 bytes, HS384 48, HS512 64"
	}
	if k, ok := key.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return "; RSA keys need at least 2048 bits"
	}
	return ""
}

// jwkFits returns the JWK's public key when the JWK may verify a token
// signed with alg: a public key (a symmetric "oct" key in a key set is
// never used: a set is published, so its secret is not one), not marked for
// encryption only, its "alg" (if any) equal to alg, and its key in alg's
// family. Otherwise nil.
func jwkFits(j jwkset.JWK, alg string) any {
	key := j.Key()
	if _, symmetric := key.([]byte); symmetric {
		return nil
	}
	m := j.Marshal()
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil
	}
	if m.ALG != "" && string(m.ALG) != alg {
		return nil
	}
	if pk, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		key = pk.Public() // a set that, wrongly, publishes private keys
	}
	if !keyFits(alg, key) {
		return nil
	}
	return key
}

// parsePublicKeyPEM decodes exactly one PEM public key. Errors describe the
// PEM's shape, never its content.
func parsePublicKeyPEM(data []byte) (any, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("PEM holds no PEM block")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("PEM holds more than one block; give each key its own Key")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("PEM is a %s; configure the public key only", block.Type)
		}
		return nil, fmt.Errorf("PEM block type %q is not PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("PEM %s does not parse", block.Type)
	}
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("PEM holds a %T, not an RSA, ECDSA or Ed25519 public key", key)
}
