package verify

import (
	"encoding/base64"
	"fmt"
	"net/textproto"
	"strings"
)

// Scheme describes one HMAC-SHA256 signing convention: where the signature
// travels, how it is written, and which bytes it covers. Every preset
// (ChecklyScheme, StripeScheme, ...) is a Scheme value, and HMAC turns any
// Scheme, preset or hand-written, into a Verifier. Schemes are plain values:
// copy a preset and change a field to adapt it.
type Scheme struct {
	// Provider names the sender in Delivery.Provider and in dedupe keys.
	// To tell two accounts of one sender apart in logs, copy the preset
	// and rename it; their dedupe and ordering state is kept apart either
	// way (see Delivery.Scope).
	Provider string

	// SignatureHeader names the header carrying the signature(s). Header
	// names match case-insensitively.
	SignatureHeader string

	// Format says how the signature header is laid out.
	Format Format

	// Prefix, for FormatPlain, is a literal that precedes the signature
	// ("sha256=" for GitHub), matched case-insensitively. When set it is
	// required, and when empty a prefixed value is malformed: a sender that
	// disagrees with the scheme is misconfigured and should hear so.
	Prefix string

	// Version, for FormatKeyValue and FormatVersioned, is the entry tag that
	// marks an HMAC-SHA256 signature ("v1" for Stripe and Standard
	// Webhooks). Entries with other tags are ignored.
	Version string

	// Encoding is how signature bytes are written: EncodingHex (either
	// case) or EncodingBase64 (standard alphabet, padded).
	Encoding Encoding

	// Signed is the template of the signed content. Placeholders:
	// {body} (the raw body, required, exactly once), {timestamp} (the
	// timestamp exactly as sent) and {id} (the delivery id exactly as sent).
	// Everything else is literal. Empty means "{body}".
	Signed string

	// TimestampHeader names a header carrying the sender's timestamp.
	// For FormatKeyValue the timestamp comes from the signature header's
	// "t" entry instead (TimestampKey).
	TimestampHeader string

	// TimestampKey, for FormatKeyValue, is the entry carrying the timestamp
	// ("t" for Stripe).
	TimestampKey string

	// TimestampField names a top-level string member of a JSON body that
	// carries the timestamp (StatusStack's "timestamp"). The body is signed,
	// so such a timestamp is signed.
	TimestampField string

	// TimestampFormat is how the timestamp is written.
	TimestampFormat TimestampFormat

	// RequireTimestamp refuses deliveries without a timestamp
	// (ErrMissingTimestamp). Set it whenever the sender always sends one:
	// an absent timestamp would otherwise skip the freshness check.
	RequireTimestamp bool

	// IDHeader names a header carrying the sender's delivery id
	// ("webhook-id"). When Signed contains {id}, the header is required.
	IDHeader string

	// IDField is a JSON Pointer (RFC 6901, "/event/id") to a string member
	// of a JSON body that carries the sender's own id for the event
	// (PagerDuty's event.id). The body is signed, so the id is: it becomes
	// Delivery.ID and the dedupe key, so a retry is known by the sender's
	// id even if its bytes were written differently. A body without it
	// (or not JSON) keeps the key the scheme would otherwise derive.
	// Exclusive with IDHeader.
	IDField string

	// SecretFormat says how configured secrets are turned into HMAC keys.
	SecretFormat SecretFormat
}

// Format is the layout of a signature header.
type Format int

const (
	// FormatPlain: the whole value (after an optional Prefix) is one
	// signature. Checkly, StatusStack, GitHub, Grafana.
	FormatPlain Format = iota

	// FormatKeyValue: comma-separated key=value entries; every entry keyed
	// Version is a candidate signature and the TimestampKey entry is the
	// timestamp. Stripe: "t=1700000000,v1=ab12...,v1=cd34...".
	FormatKeyValue

	// FormatVersioned: space-separated "version,signature" entries; every
	// entry tagged Version is a candidate. Standard Webhooks:
	// "v1,base64sig v1,base64sig".
	FormatVersioned
)

// Encoding is how signature bytes are written in the header.
type Encoding int

const (
	// EncodingHex: 64 hexadecimal digits, upper or lower case.
	EncodingHex Encoding = iota
	// EncodingBase64: standard base64 with padding, 44 characters.
	EncodingBase64
)

// SecretFormat says how a configured secret string becomes an HMAC key.
type SecretFormat int

const (
	// SecretRaw uses the UTF-8 bytes of the secret as the key (Checkly,
	// StatusStack, GitHub, Stripe, Grafana).
	SecretRaw SecretFormat = iota

	// SecretWhsec decodes "whsec_<base64>" secrets to their bytes (Standard
	// Webhooks). A secret without the prefix is decoded as base64 too; one
	// that does not decode is a construction error. Scheme.Sign also takes
	// "whsk_" Ed25519 secret keys under this format, for "v1a" entries
	// (see StandardWebhooksKeys).
	SecretWhsec
)

// maxSignatures bounds how many candidate signatures one header may carry.
// Senders put one per active secret; more is hostile.
const maxSignatures = 16

// maxIDLen bounds a delivery id header.
const maxIDLen = 256

// signedPart is one piece of a parsed Signed template.
type signedPart struct {
	kind partKind
	lit  string
}

type partKind uint8

const (
	partLiteral partKind = iota
	partBody
	partTimestamp
	partID
)

// parseSigned parses a Signed template into parts.
func parseSigned(tmpl string) ([]signedPart, error) {
	if tmpl == "" {
		tmpl = "{body}"
	}
	var parts []signedPart
	bodies := 0
	for tmpl != "" {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			parts = append(parts, signedPart{kind: partLiteral, lit: tmpl})
			break
		}
		if open > 0 {
			parts = append(parts, signedPart{kind: partLiteral, lit: tmpl[:open]})
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			return nil, errorf(ErrInvalidConfig, "signed-content template has an unclosed '{'")
		}
		name := tmpl[open+1 : open+end]
		switch name {
		case "body":
			parts = append(parts, signedPart{kind: partBody})
			bodies++
		case "timestamp":
			parts = append(parts, signedPart{kind: partTimestamp})
		case "id":
			parts = append(parts, signedPart{kind: partID})
		default:
			return nil, errorf(ErrInvalidConfig, "signed-content template has unknown placeholder {%s}; use {body}, {timestamp} or {id}", name)
		}
		tmpl = tmpl[open+end+1:]
	}
	if bodies != 1 {
		return nil, errorf(ErrInvalidConfig, "signed-content template must contain {body} exactly once")
	}
	return parts, nil
}

// decodeSecret turns a configured secret into HMAC key bytes, refusing a
// value no verifier should accept (see CheckSecrets).
func decodeSecret(s Secret, f SecretFormat) ([]byte, error) {
	if err := checkSecretValue(s.Value); err != nil {
		return nil, fmt.Errorf("secret %q: %w", s.ID, err)
	}
	key, err := secretKey(s.Value, f)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", s.ID, err)
	}
	return key, nil
}

// secretKey turns a secret's text into HMAC key bytes under format f.
func secretKey(value string, f SecretFormat) ([]byte, error) {
	switch f {
	case SecretRaw:
		if value == "" {
			return nil, errorf(ErrNoSecret, "the secret is empty")
		}
		return []byte(value), nil
	case SecretWhsec:
		switch {
		case strings.HasPrefix(value, prefixWhpk):
			return nil, errorf(ErrInvalidConfig, "a whpk_ public key checks v1a (Ed25519) signatures, not v1 HMACs: verify with StandardWebhooksKeys")
		case strings.HasPrefix(value, prefixWhsk):
			return nil, errorf(ErrInvalidConfig, "a whsk_ secret key makes v1a (Ed25519) signatures, not v1 HMACs")
		}
		v := strings.TrimPrefix(value, "whsec_")
		key, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(key) == 0 {
			return nil, errorf(ErrInvalidConfig, "not a whsec_ secret (want \"whsec_\" followed by base64)")
		}
		return key, nil
	}
	return nil, errorf(ErrInvalidConfig, "unknown secret format %d", f)
}

// validate checks a scheme at construction and returns its parsed template.
func (s *Scheme) validate() ([]signedPart, error) {
	if err := checkProvider(s.Provider); err != nil {
		return nil, err
	}
	if !validHeaderName(s.SignatureHeader) {
		return nil, errorf(ErrInvalidConfig, "%s scheme: SignatureHeader %q is not a header name", s.Provider, s.SignatureHeader)
	}
	switch s.Format {
	case FormatPlain:
	case FormatKeyValue, FormatVersioned:
		if s.Version == "" {
			return nil, errorf(ErrInvalidConfig, "%s scheme: Version is required for list formats", s.Provider)
		}
	default:
		return nil, errorf(ErrInvalidConfig, "%s scheme: unknown Format %d", s.Provider, s.Format)
	}
	if s.Encoding != EncodingHex && s.Encoding != EncodingBase64 {
		return nil, errorf(ErrInvalidConfig, "%s scheme: unknown Encoding %d", s.Provider, s.Encoding)
	}
	parts, err := parseSigned(s.Signed)
	if err != nil {
		return nil, err
	}
	sources := 0
	if s.TimestampHeader != "" {
		if !validHeaderName(s.TimestampHeader) {
			return nil, errorf(ErrInvalidConfig, "%s scheme: TimestampHeader %q is not a header name", s.Provider, s.TimestampHeader)
		}
		sources++
	}
	if s.TimestampKey != "" {
		if s.Format != FormatKeyValue {
			return nil, errorf(ErrInvalidConfig, "%s scheme: TimestampKey needs FormatKeyValue", s.Provider)
		}
		sources++
	}
	if s.TimestampField != "" {
		sources++
	}
	if sources > 1 {
		return nil, errorf(ErrInvalidConfig, "%s scheme: set only one of TimestampHeader, TimestampKey and TimestampField", s.Provider)
	}
	for _, p := range parts {
		if p.kind == partTimestamp && s.TimestampHeader == "" && s.TimestampKey == "" {
			return nil, errorf(ErrInvalidConfig, "%s scheme: template signs {timestamp} but no TimestampHeader or TimestampKey says where it is", s.Provider)
		}
		if p.kind == partID && s.IDHeader == "" {
			return nil, errorf(ErrInvalidConfig, "%s scheme: template signs {id} but IDHeader is empty", s.Provider)
		}
	}
	if s.RequireTimestamp && sources == 0 {
		return nil, errorf(ErrInvalidConfig, "%s scheme: RequireTimestamp is set but no timestamp source is", s.Provider)
	}
	if s.IDField != "" {
		if s.IDHeader != "" {
			return nil, errorf(ErrInvalidConfig, "%s scheme: set only one of IDHeader and IDField", s.Provider)
		}
		if _, err := parsePointer(s.IDField); err != nil {
			return nil, errorf(ErrInvalidConfig, "%s scheme: IDField: %v", s.Provider, err)
		}
	}
	if s.IDHeader != "" && !validHeaderName(s.IDHeader) {
		return nil, errorf(ErrInvalidConfig, "%s scheme: IDHeader %q is not a header name", s.Provider, s.IDHeader)
	}
	return parts, nil
}

// signsTimestamp reports whether the timestamp is covered by the signature.
func (s *Scheme) signsTimestamp(parts []signedPart) bool {
	if s.TimestampField != "" {
		return true // it is inside the signed body
	}
	for _, p := range parts {
		if p.kind == partTimestamp {
			return true
		}
	}
	return false
}

func validHeaderName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// canonicalHeader returns the form net/http stores header names in, so
// lookups on the hot path hit the map directly.
func canonicalHeader(name string) string {
	if name == "" {
		return ""
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}
