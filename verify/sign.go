package verify

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SignOptions are the values a sender puts beside the body.
type SignOptions struct {
	// ID is the delivery id, for schemes with an IDHeader.
	ID string
	// Timestamp is the sender's time. Zero sends none, which fails for
	// schemes that sign a timestamp or require one in a header.
	Timestamp time.Time
}

// MAC returns the HMAC-SHA256 a sender following s computes under secret:
// over the signed content s.Signed describes, with timestamp and id exactly
// as they travel. It is the primitive Sign and the CLI's diagnosis share
// with the verifier. Unlike a verifier, it takes any non-empty secret, so a
// caller can reproduce a sender's mistake (a secret with a trailing
// newline); errors wrap ErrInvalidConfig or ErrNoSecret.
func (s Scheme) MAC(secret string, body []byte, timestamp, id string) ([]byte, error) {
	parts, err := s.validate()
	if err != nil {
		return nil, err
	}
	key, err := secretKey(secret, s.SecretFormat)
	if err != nil {
		return nil, err
	}
	st := &macState{h: hmac.New(sha256.New, key)}
	writeSigned(st, parts, body, timestamp, id)
	return st.h.Sum(nil), nil
}

// Sign returns the headers a sender following s would send with body,
// signed under each of secrets (list formats carry one signature per secret;
// FormatPlain takes exactly one). It is the sender's half of the scheme, for
// tests (package hooktest) and tools (hookseal sign/send); it computes the
// MAC with the code the verifier uses, so the two cannot drift apart. Like
// MAC, and unlike a verifier, it signs with any non-empty secret, so a test
// can play a sender that made a mistake (a secret saved with a newline).
//
// A TimestampField scheme (StatusStack) reads its time from the body, so
// Sign leaves the body as given.
//
// Under SecretWhsec with FormatVersioned (Standard Webhooks), a "whsk_"
// secret key signs with Ed25519 and gives a "v1a" entry; "whsec_" secrets
// give "v1" entries, so one call can mix both, as a sender moving between
// them does.
func (s Scheme) Sign(body []byte, o SignOptions, secrets ...string) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, errorf(ErrNoSecret, "pass at least one secret to sign with")
	}
	if s.Format == FormatPlain && len(secrets) > 1 {
		return nil, errorf(ErrInvalidConfig, "%s carries one signature; sign with one secret", s.SignatureHeader)
	}
	parts, err := s.validate()
	if err != nil {
		return nil, err
	}
	var idSigned, tsInSigned bool
	for _, p := range parts {
		idSigned = idSigned || p.kind == partID
		tsInSigned = tsInSigned || p.kind == partTimestamp
	}
	if idSigned && o.ID == "" {
		return nil, errorf(ErrMissingSignature, "%s signs a delivery id: set SignOptions.ID", s.Provider)
	}
	var ts string
	if !o.Timestamp.IsZero() && (s.TimestampHeader != "" || s.TimestampKey != "") {
		ts = FormatTimestamp(o.Timestamp, s.TimestampFormat)
	}
	if ts == "" && (tsInSigned || (s.RequireTimestamp && s.TimestampField == "")) {
		return nil, errorf(ErrMissingTimestamp, "%s needs a timestamp: set SignOptions.Timestamp", s.Provider)
	}

	sigs := make([]string, len(secrets))
	versions := make([]string, len(secrets))
	for i, secret := range secrets {
		versions[i] = s.Version
		if s.SecretFormat == SecretWhsec && s.Format == FormatVersioned && strings.HasPrefix(secret, prefixWhsk) {
			// Standard Webhooks' asymmetric signature: Ed25519 over the
			// same content, as a "v1a" entry.
			key, err := parseSigningKey(secret)
			if err != nil {
				return nil, fmt.Errorf("secret %d: %w", i+1, err)
			}
			sigs[i] = base64.StdEncoding.EncodeToString(ed25519.Sign(key, signedBytes(parts, body, ts, o.ID)))
			versions[i] = versionV1a
			continue
		}
		mac, err := s.MAC(secret, body, ts, o.ID)
		if err != nil {
			return nil, err
		}
		if s.Encoding == EncodingBase64 {
			sigs[i] = base64.StdEncoding.EncodeToString(mac)
		} else {
			sigs[i] = hex.EncodeToString(mac)
		}
	}

	h := make(http.Header)
	switch s.Format {
	case FormatPlain:
		h.Set(s.SignatureHeader, s.Prefix+sigs[0])
	case FormatKeyValue:
		entries := make([]string, 0, len(sigs)+1)
		if s.TimestampKey != "" && ts != "" {
			entries = append(entries, s.TimestampKey+"="+ts)
		}
		for _, sig := range sigs {
			entries = append(entries, s.Version+"="+sig)
		}
		h.Set(s.SignatureHeader, strings.Join(entries, ","))
	case FormatVersioned:
		entries := make([]string, len(sigs))
		for i, sig := range sigs {
			entries[i] = versions[i] + "," + sig
		}
		h.Set(s.SignatureHeader, strings.Join(entries, " "))
	}
	if s.TimestampHeader != "" && ts != "" {
		h.Set(s.TimestampHeader, ts)
	}
	if s.IDHeader != "" && o.ID != "" {
		h.Set(s.IDHeader, o.ID)
	}
	return h, nil
}
