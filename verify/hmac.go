package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"net/http"
	"sync"
	"time"

	"github.com/hookseal/hookseal/verify/internal/header"
)

// HMACAuth verifies deliveries signed with HMAC-SHA256 under a Scheme. Build
// one with HMAC or a preset constructor (Checkly, StatusStack, ...). It is
// safe for concurrent use and, for schemes whose signature is hex over the
// body, verifies a body already in memory without allocating.
type HMACAuth struct {
	scheme   Scheme
	parts    []signedPart
	opts     options
	provider string

	sigHeader, tsHeader, idHeader string // canonical names

	keys []*hmacKey

	idPath     []string // IDField, split
	bodyOnly   bool     // Signed is exactly "{body}": the MAC can be the dedupe key
	idSigned   bool     // Signed contains {id}: the id is the dedupe key
	tsInSigned bool     // Signed contains {timestamp}
	tsSigned   bool     // Delivery.TimestampSigned
}

// hmacKey is one active secret with a pool of keyed HMAC states. hmac.New
// derives the inner and outer pads from the key on every call; pooling keyed
// states and calling Reset reuses that work and the allocations.
type hmacKey struct {
	id    string
	key   []byte
	scope lazyScope
	state sync.Pool // *macState
}

type macState struct {
	h       hash.Hash
	sum     [sha256.Size]byte
	scratch [128]byte // stages string parts of the signed content
}

func (k *hmacKey) get() *macState {
	if st, ok := k.state.Get().(*macState); ok {
		st.h.Reset()
		return st
	}
	return &macState{h: hmac.New(sha256.New, k.key)}
}

// writeString feeds s to the hash through the scratch buffer, so string
// parts (timestamp, id, literals) are hashed without converting them.
func (st *macState) writeString(s string) {
	for s != "" {
		n := copy(st.scratch[:], s)
		st.h.Write(st.scratch[:n])
		s = s[n:]
	}
}

// HMAC returns a verifier for scheme accepting any of secrets.
// It fails closed: no secret, a blank secret or one with whitespace around
// it or a control character inside (CheckSecrets), a secret that does not
// decode under scheme.SecretFormat, or an inconsistent scheme is an error.
func HMAC(scheme Scheme, secrets []Secret, opts ...Option) (*HMACAuth, error) {
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	parts, err := scheme.validate()
	if err != nil {
		return nil, err
	}
	if err := CheckSecrets(secrets); err != nil {
		return nil, err
	}
	v := &HMACAuth{
		scheme:    scheme,
		parts:     parts,
		opts:      o,
		provider:  scheme.Provider,
		sigHeader: canonicalHeader(scheme.SignatureHeader),
		tsHeader:  canonicalHeader(scheme.TimestampHeader),
		idHeader:  canonicalHeader(scheme.IDHeader),
		bodyOnly:  len(parts) == 1 && parts[0].kind == partBody,
		tsSigned:  scheme.signsTimestamp(parts),
	}
	v.idPath, _ = parsePointer(scheme.IDField) // validated above
	for _, p := range parts {
		v.idSigned = v.idSigned || p.kind == partID
		v.tsInSigned = v.tsInSigned || p.kind == partTimestamp
	}
	for _, s := range secrets {
		key, err := decodeSecret(s, scheme.SecretFormat)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, &hmacKey{id: s.ID, key: key, scope: newLazyScope(scheme.Provider, key)})
	}
	return v, nil
}

// Scheme returns the scheme v verifies (a copy).
func (v *HMACAuth) Scheme() Scheme { return v.scheme }

// Verify implements Verifier.
func (v *HMACAuth) Verify(h http.Header, body []byte) (Delivery, error) {
	d := Delivery{Provider: v.provider}
	s := &v.scheme

	raw, st := header.Single(h, v.sigHeader, v.opts.maxHeaderLen)
	switch st {
	case header.Absent:
		return d, errorf(ErrMissingSignature, "header %s is missing or empty", s.SignatureHeader)
	case header.Repeated:
		return d, errorf(ErrMalformedSignature, "header %s is sent more than once", s.SignatureHeader)
	case header.TooLong:
		return d, errorf(ErrMalformedSignature, "header %s is longer than %d bytes", s.SignatureHeader, v.opts.maxHeaderLen)
	}
	// The candidate signatures: a plain header's one is decoded straight
	// into an array, a list's into a parsedHeader.
	var one [1][sha256.Size]byte
	var sigs [][sha256.Size]byte
	var tsRaw string // a list's timestamp entry
	if s.Format == FormatPlain {
		if err := parsePlain(raw, s, &one[0]); err != nil {
			return d, err
		}
		sigs = one[:]
	} else {
		var ph parsedHeader
		if err := parseSignatureHeader(raw, s, &ph); err != nil {
			return d, err
		}
		sigs, tsRaw = ph.list.sigs[:ph.list.n], ph.timestamp
	}

	var id string
	if v.idHeader != "" {
		var st header.State
		id, st = header.Single(h, v.idHeader, maxIDLen)
		if st != header.OK && v.idSigned {
			return d, errorf(ErrMissingSignature, "header %s: %s", s.IDHeader, st.Describe(maxIDLen))
		}
	}

	// The raw timestamp: from the signature header's list, or its own header.
	// Hashed exactly as sent when the scheme signs it; parsed only after the
	// signature holds.
	if v.tsHeader != "" {
		var st header.State
		tsRaw, st = header.Single(h, v.tsHeader, maxTimestampLen)
		if st == header.Repeated || st == header.TooLong {
			return d, errorf(ErrMalformedTimestamp, "header %s: %s", s.TimestampHeader, st.Describe(maxTimestampLen))
		}
	}
	if v.tsInSigned && tsRaw == "" {
		return d, errorf(ErrMissingTimestamp, "the signature covers a timestamp and none was sent")
	}

	// Try every active secret against every candidate signature.
	var mac [sha256.Size]byte
	var matched *hmacKey
	for _, k := range v.keys {
		mac = v.compute(k, body, tsRaw, id)
		for i := range sigs {
			if hmac.Equal(mac[:], sigs[i][:]) {
				matched = k
				break
			}
		}
		if matched != nil {
			break
		}
	}
	if matched == nil {
		return d, errorf(ErrInvalidSignature, "no configured secret signs this body (%d secret(s) tried)", len(v.keys))
	}

	// Authentic from here on.
	ts, err := v.timestamp(tsRaw, body)
	if err != nil {
		return d, err
	}
	sc := matched.scope.load()
	d.SecretID = matched.id
	d.Scope = sc.scope
	d.Timestamp = ts
	d.TimestampSigned = v.tsSigned && !ts.IsZero()
	d.BodySigned = true
	if v.idPath != nil {
		// The body is signed, so an id in it is; a body without one keeps
		// the key below.
		if bid, ok := bodyString(body, v.idPath); ok && bid != "" && len(bid) <= maxIDLen {
			d.ID = bid
			d.Key = sc.keys.fromID(bid)
			return d, nil
		}
	}
	switch {
	case v.idSigned:
		d.ID = id
		d.Key = sc.keys.fromID(id)
	case v.bodyOnly:
		d.Key = sc.keys.fromMAC(mac[:])
	default:
		d.Key = sc.keys.fromBody(body)
	}
	return d, nil
}

// compute returns the MAC of the signed content under one key.
func (v *HMACAuth) compute(k *hmacKey, body []byte, ts, id string) [sha256.Size]byte {
	st := k.get()
	writeSigned(st, v.parts, body, ts, id)
	st.h.Sum(st.sum[:0])
	mac := st.sum
	k.state.Put(st)
	return mac
}

// writeSigned feeds the signed content the parts describe to st's hash.
func writeSigned(st *macState, parts []signedPart, body []byte, ts, id string) {
	for _, p := range parts {
		switch p.kind {
		case partBody:
			st.h.Write(body)
		case partTimestamp:
			st.writeString(ts)
		case partID:
			st.writeString(id)
		case partLiteral:
			st.writeString(p.lit)
		}
	}
}

// timestamp parses the delivery's timestamp once the signature holds.
func (v *HMACAuth) timestamp(tsRaw string, body []byte) (time.Time, error) {
	s := &v.scheme
	if s.TimestampField != "" {
		val, found, err := topLevelString(body, s.TimestampField)
		if err != nil {
			return time.Time{}, err
		}
		if found {
			tsRaw = val
		}
	}
	if tsRaw == "" {
		if s.RequireTimestamp {
			return time.Time{}, errorf(ErrMissingTimestamp, "%s deliveries always carry a timestamp and this one has none", s.Provider)
		}
		return time.Time{}, nil
	}
	return ParseTimestamp(tsRaw, s.TimestampFormat)
}
