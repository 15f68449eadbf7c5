package verify

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
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

// Sign returns the headers a sender following s would send with body,
// signed under each of secrets (list formats carry one signature per secret;
// FormatPlain takes exactly one). It is the sender's half of the scheme, for
// tests (package hooktest) and tools (hookseal sign/send); it uses the same
// code that verifies, so the two cannot drift apart.
//
// A TimestampField scheme (StatusStack) reads its time from the body, so
// Sign leaves the body as given.
func (s Scheme) Sign(body []byte, o SignOptions, secrets ...string) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, errorf(ErrNoSecret, "pass at least one secret to sign with")
	}
	if s.Format == FormatPlain && len(secrets) > 1 {
		return nil, errorf(ErrInvalidConfig, "%s carries one signature; sign with one secret", s.SignatureHeader)
	}
	v, err := NewHMAC(s, Secrets(secrets...), WithoutFreshness())
	if err != nil {
		return nil, err
	}
	if v.idSigned && o.ID == "" {
		return nil, errorf(ErrMissingSignature, "%s signs a delivery id: set SignOptions.ID", s.Provider)
	}
	var ts string
	if !o.Timestamp.IsZero() && (s.TimestampHeader != "" || s.TimestampKey != "") {
		ts = FormatTimestamp(o.Timestamp, s.TimestampFormat)
	}
	if ts == "" && (v.tsInSigned || (s.RequireTimestamp && s.TimestampField == "")) {
		return nil, errorf(ErrMissingTimestamp, "%s needs a timestamp: set SignOptions.Timestamp", s.Provider)
	}

	sigs := make([]string, len(v.keys))
	for i, k := range v.keys {
		mac := v.compute(k, body, ts, o.ID)
		if s.Encoding == Base64 {
			sigs[i] = base64.StdEncoding.EncodeToString(mac[:])
		} else {
			sigs[i] = hex.EncodeToString(mac[:])
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
			entries[i] = s.Version + "," + sig
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

// FormatTimestamp writes t the way a sender using format f would: Unix
// seconds for UnixSeconds, RFC 3339 in UTC for RFC3339, and RFC 3339 with
// milliseconds (JavaScript's toISOString) for Lenient.
func FormatTimestamp(t time.Time, f TimestampFormat) string {
	switch f {
	case UnixSeconds:
		return strconv.FormatInt(t.Unix(), 10)
	case RFC3339:
		return t.UTC().Format(time.RFC3339)
	default:
		return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
}
