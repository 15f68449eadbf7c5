package verify

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/hookseal/hookseal/verify/internal/header"
)

// Signatures is what one signature header carries, decoded as its Scheme
// says it is written.
type Signatures struct {
	// MACs are the candidate signatures, each sha256.Size bytes: one per
	// secret the sender signed with (list formats carry several during a
	// rotation; FormatPlain carries one). Entries of other versions are
	// skipped.
	MACs [][]byte
	// Timestamp is the FormatKeyValue header's timestamp entry exactly as
	// sent (Stripe's t), or "" when the header carries none.
	Timestamp string
}

// ParseSignatures decodes a signature header's value as s says it is
// written: the primitive the verifier and the CLI's diagnosis share. Every
// failure wraps ErrMalformedSignature (or ErrMissingSignature for a list
// with no entry of s.Version) and names the problem without echoing the
// value.
func (s Scheme) ParseSignatures(value string) (Signatures, error) {
	var ph parsedHeader
	if err := parseSignatureHeader(header.TrimOWS(value), &s, &ph); err != nil {
		return Signatures{}, err
	}
	out := Signatures{Timestamp: ph.timestamp, MACs: make([][]byte, ph.list.n)}
	for i := range out.MACs {
		out.MACs[i] = append([]byte(nil), ph.list.sigs[i][:]...)
	}
	return out, nil
}

// sigList holds the candidate signatures decoded from one header. It lives
// on the caller's stack: parsing a header allocates nothing.
type sigList struct {
	sigs [maxSignatures][sha256.Size]byte
	n    int
}

// parsedHeader is the result of parsing a signature header.
type parsedHeader struct {
	list      sigList
	timestamp string // FormatKeyValue's timestamp entry, raw
}

// parseSignatureHeader decodes value according to the scheme. Every failure
// wraps ErrMalformedSignature (or ErrMissingSignature for a list with no
// signature in it) and names the problem without echoing the value.
func parseSignatureHeader(value string, s *Scheme, out *parsedHeader) error {
	switch s.Format {
	case FormatPlain:
		if out.list.n == maxSignatures {
			return errorf(ErrMalformedSignature, "%s carries more than %d signatures", s.SignatureHeader, maxSignatures)
		}
		if err := parsePlain(value, s, &out.list.sigs[out.list.n]); err != nil {
			return err
		}
		out.list.n++
		return nil
	case FormatKeyValue:
		return parseKeyValue(value, s, out)
	case FormatVersioned:
		return parseVersioned(value, s, out)
	}
	return errorf(ErrInvalidConfig, "unknown format %d", s.Format)
}

// parsePlain decodes a FormatPlain header's one signature into dst.
func parsePlain(value string, s *Scheme, dst *[sha256.Size]byte) error {
	if s.Prefix != "" {
		if len(value) < len(s.Prefix) || !strings.EqualFold(value[:len(s.Prefix)], s.Prefix) {
			return errorf(ErrMalformedSignature, "%s must start with %q", s.SignatureHeader, s.Prefix)
		}
		value = value[len(s.Prefix):]
	}
	return decodeSignature(dst, value, s.Encoding, s.SignatureHeader)
}

// parseKeyValue parses "t=123,v1=abc,v1=def,v0=...". Entries with other keys
// are skipped; a repeated timestamp entry is refused.
func parseKeyValue(value string, s *Scheme, out *parsedHeader) error {
	entries := 0
	for rest := value; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		entry = header.TrimOWS(entry)
		if entry == "" {
			continue
		}
		if entries++; entries > 4*maxSignatures {
			return errorf(ErrMalformedSignature, "%s has more than %d entries", s.SignatureHeader, 4*maxSignatures)
		}
		k, v, ok := strings.Cut(entry, "=")
		if !ok {
			return errorf(ErrMalformedSignature, "%s entry %d is not key=value", s.SignatureHeader, entries)
		}
		switch {
		case s.TimestampKey != "" && k == s.TimestampKey:
			if out.timestamp != "" {
				return errorf(ErrMalformedSignature, "%s carries %q twice", s.SignatureHeader, s.TimestampKey)
			}
			if v == "" {
				return errorf(ErrMalformedSignature, "%s has an empty %q entry", s.SignatureHeader, s.TimestampKey)
			}
			out.timestamp = v
		case k == s.Version:
			if err := out.list.add(v, s.Encoding, s.SignatureHeader); err != nil {
				return err
			}
		}
	}
	if out.list.n == 0 {
		return errorf(ErrMissingSignature, "%s has no %q entry", s.SignatureHeader, s.Version)
	}
	return nil
}

// parseVersioned parses "v1,sig v1,sig v1a,...". Entries of other versions
// (such as Standard Webhooks' asymmetric v1a) are skipped.
func parseVersioned(value string, s *Scheme, out *parsedHeader) error {
	entries := 0
	for _, entry := range strings.Fields(value) {
		if entries++; entries > 4*maxSignatures {
			return errorf(ErrMalformedSignature, "%s has more than %d entries", s.SignatureHeader, 4*maxSignatures)
		}
		ver, sig, ok := strings.Cut(entry, ",")
		if !ok {
			return errorf(ErrMalformedSignature, "%s entry %d is not version,signature", s.SignatureHeader, entries)
		}
		if ver != s.Version {
			continue
		}
		if err := out.list.add(sig, s.Encoding, s.SignatureHeader); err != nil {
			return err
		}
	}
	if out.list.n == 0 {
		return errorf(ErrMissingSignature, "%s has no %q entry", s.SignatureHeader, s.Version)
	}
	return nil
}

// add decodes one encoded signature into the list.
func (l *sigList) add(enc string, e Encoding, header string) error {
	if l.n == maxSignatures {
		return errorf(ErrMalformedSignature, "%s carries more than %d signatures", header, maxSignatures)
	}
	if err := decodeSignature(&l.sigs[l.n], enc, e, header); err != nil {
		return err
	}
	l.n++
	return nil
}

// decodeSignature decodes one encoded signature into dst.
func decodeSignature(dst *[sha256.Size]byte, enc string, e Encoding, header string) error {
	switch e {
	case EncodingHex:
		if len(enc) != 2*sha256.Size {
			return errorf(ErrMalformedSignature, "%s: want %d hex digits, got %d characters", header, 2*sha256.Size, len(enc))
		}
		if !decodeHex(dst, enc) {
			return errorf(ErrMalformedSignature, "%s: not hexadecimal", header)
		}
	case EncodingBase64:
		if len(enc) != base64.StdEncoding.EncodedLen(sha256.Size) {
			return errorf(ErrMalformedSignature, "%s: want %d base64 characters, got %d", header, base64.StdEncoding.EncodedLen(sha256.Size), len(enc))
		}
		// 44 characters without padding decode to 33 bytes, and Decode
		// writes DecodedLen(len(src)) bytes at most, so decode into a
		// buffer that large and insist on exactly one digest.
		var buf [base64DecodedLen]byte
		n, err := strictBase64.Decode(buf[:], []byte(enc))
		if err != nil || n != sha256.Size {
			return errorf(ErrMalformedSignature, "%s: not standard base64", header)
		}
		copy(dst[:], buf[:n])
	default:
		return errorf(ErrInvalidConfig, "unknown encoding %d", e)
	}
	return nil
}

// decodeHex decodes len(dst)*2 hex digits of either case from s. Unlike
// encoding/hex it reads a string directly, so the header value is not copied.
// The digits are looked up in a table and their bits or'ed together, so one
// check at the end finds any character that is not a digit.
func decodeHex(dst *[sha256.Size]byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	s = s[:2*len(dst)] // a length the compiler knows: no bounds checks below
	var bad byte
	for i := range dst {
		hi, lo := hexValue[s[2*i]], hexValue[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0x0f
	}
	return bad&0x80 == 0
}

// hexValue maps a hex digit of either case to its value and every other
// byte to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

// strictBase64 is standard base64 that refuses what a sender's encoder never
// writes: padding bits that are not zero and embedded line breaks. With it a
// signature has exactly one spelling, so every accepted header re-encodes to
// itself (FuzzParseStandardSignatures checks this).
var strictBase64 = base64.StdEncoding.Strict()

// base64DecodedLen is base64.StdEncoding.DecodedLen of a padded SHA-256
// digest (44 characters): the most Decode may write for such an input.
const base64DecodedLen = (4 * ((sha256.Size + 2) / 3)) / 4 * 3
