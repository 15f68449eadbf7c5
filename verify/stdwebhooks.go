package verify

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/hookseal/hookseal/verify/internal/header"
)

// StandardWebhooksAuth verifies Standard Webhooks deliveries signed either
// way the spec allows: "v1" entries (HMAC-SHA256 under a "whsec_" secret)
// and "v1a" entries (Ed25519 under a key whose "whpk_" public key the
// receiver holds). One webhook-signature header may carry both kinds, and
// several of each while keys are rotated; any entry made by any configured
// key passes. Build one with StandardWebhooksKeys. It is safe for
// concurrent use.
type StandardWebhooksAuth struct {
	opts    options
	scheme  Scheme
	parts   []signedPart
	macs    []*hmacKey // whsec_ secrets, in configured order
	pubs    []pubKey   // whpk_ public keys, in configured order
	order   []keyRef   // every key in configured order
	sigName string     // canonical header names
	idName  string
	tsName  string
}

type pubKey struct {
	id    string
	key   ed25519.PublicKey
	scope lazyScope
}

// keyRef points at one configured key: macs[i] or pubs[i].
type keyRef struct {
	asym bool
	i    int
}

// StandardWebhooksKeys returns a verifier for Standard Webhooks senders
// that accepts "v1" (HMAC-SHA256) and "v1a" (Ed25519) signatures. Each
// key's Value is either a "whsec_" secret, which checks "v1" entries, or a
// "whpk_" public key, which checks "v1a" entries; mix them to move a
// sender from one kind to the other without downtime, or list several of
// one kind to rotate. Keys are tried in the order given and
// Delivery.SecretID names the first that matches.
//
// It fails closed: no key, a key that is neither (a "whsk_" secret key
// belongs to the sender, and is refused with a message saying so), a
// public key that is not 32 bytes of base64, or IDs missing or repeated is
// an error wrapping ErrNoSecret or ErrInvalidConfig. Errors name keys by ID,
// never by value.
//
// Like StandardWebhooks, the signed webhook-id is the dedupe key and the
// signed webhook-timestamp the delivery's time.
func StandardWebhooksKeys(keys []Secret, opts ...Option) (*StandardWebhooksAuth, error) {
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := CheckSecrets(keys); err != nil {
		return nil, err
	}
	s := StandardWebhooksScheme()
	parts, err := s.validate()
	if err != nil {
		return nil, err
	}
	v := &StandardWebhooksAuth{
		opts: o, scheme: s, parts: parts,
		sigName: canonicalHeader(s.SignatureHeader),
		idName:  canonicalHeader(s.IDHeader),
		tsName:  canonicalHeader(s.TimestampHeader),
	}
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k.Value, prefixWhpk):
			pub, err := parsePublicKey(k.Value)
			if err != nil {
				return nil, errorf(ErrInvalidConfig, "key %q: %v", k.ID, err)
			}
			v.order = append(v.order, keyRef{asym: true, i: len(v.pubs)})
			v.pubs = append(v.pubs, pubKey{id: k.ID, key: pub, scope: newLazyScope(s.Provider, pub)})
		case strings.HasPrefix(k.Value, prefixWhsk):
			return nil, errorf(ErrInvalidConfig, "key %q is a whsk_ secret key, which signs: configure the receiver with its whpk_ public key (hookseal sign and hooktest derive it)", k.ID)
		default:
			key, err := decodeSecret(k, SecretWhsec)
			if err != nil {
				return nil, err
			}
			v.order = append(v.order, keyRef{i: len(v.macs)})
			v.macs = append(v.macs, &hmacKey{id: k.ID, key: key, scope: newLazyScope(s.Provider, key)})
		}
	}
	return v, nil
}

// maxEd25519Signatures bounds the v1a entries one header may carry: each
// costs a signature verification per configured public key.
const maxEd25519Signatures = 4

// stdSigs are the entries of one webhook-signature header.
type stdSigs struct {
	v1  sigList
	v1a [maxEd25519Signatures][ed25519.SignatureSize]byte
	na  int
}

// parseStandardSignatures parses "v1,<b64> v1a,<b64> ...". Entries of other
// versions are skipped. Errors wrap ErrMalformedSignature and never quote
// the value.
func parseStandardSignatures(value, name string, out *stdSigs) error {
	entries := 0
	for _, entry := range strings.Fields(value) {
		if entries++; entries > 4*maxSignatures {
			return errorf(ErrMalformedSignature, "%s has more than %d entries", name, 4*maxSignatures)
		}
		ver, sig, ok := strings.Cut(entry, ",")
		if !ok {
			return errorf(ErrMalformedSignature, "%s entry %d is not version,signature", name, entries)
		}
		switch ver {
		case versionV1:
			if err := out.v1.add(sig, EncodingBase64, name); err != nil {
				return err
			}
		case versionV1a:
			if out.na == maxEd25519Signatures {
				return errorf(ErrMalformedSignature, "%s carries more than %d v1a signatures", name, maxEd25519Signatures)
			}
			if len(sig) != base64.StdEncoding.EncodedLen(ed25519.SignatureSize) {
				return errorf(ErrMalformedSignature, "%s: a v1a signature is %d base64 characters, got %d", name, base64.StdEncoding.EncodedLen(ed25519.SignatureSize), len(sig))
			}
			var buf [ed25519.SignatureSize + 2]byte
			n, err := strictBase64.Decode(buf[:], []byte(sig))
			if err != nil || n != ed25519.SignatureSize {
				return errorf(ErrMalformedSignature, "%s: a v1a signature is not standard base64", name)
			}
			copy(out.v1a[out.na][:], buf[:n])
			out.na++
		}
	}
	if out.v1.n == 0 && out.na == 0 {
		return errorf(ErrMissingSignature, "%s has no v1 or v1a entry", name)
	}
	return nil
}

// Verify implements Verifier.
func (v *StandardWebhooksAuth) Verify(h http.Header, body []byte) (Delivery, error) {
	s := &v.scheme
	d := Delivery{Provider: s.Provider}
	raw, st := header.Single(h, v.sigName, v.opts.maxHeaderLen)
	switch st {
	case header.Absent:
		return d, errorf(ErrMissingSignature, "header %s is missing or empty", s.SignatureHeader)
	case header.Repeated:
		return d, errorf(ErrMalformedSignature, "header %s is sent more than once", s.SignatureHeader)
	case header.TooLong:
		return d, errorf(ErrMalformedSignature, "header %s is longer than %d bytes", s.SignatureHeader, v.opts.maxHeaderLen)
	}
	var sigs stdSigs
	if err := parseStandardSignatures(raw, s.SignatureHeader, &sigs); err != nil {
		return d, err
	}
	switch {
	case sigs.v1.n > 0 && len(v.macs) == 0 && sigs.na == 0:
		return d, errorf(ErrMissingSignature, "%s carries only v1 (HMAC) signatures and this verifier holds only whpk_ public keys", s.SignatureHeader)
	case sigs.na > 0 && len(v.pubs) == 0 && sigs.v1.n == 0:
		return d, errorf(ErrMissingSignature, "%s carries only v1a (Ed25519) signatures and this verifier holds only whsec_ secrets", s.SignatureHeader)
	}
	id, st := header.Single(h, v.idName, maxIDLen)
	if st != header.OK {
		return d, errorf(ErrMissingSignature, "header %s: %s", s.IDHeader, st.Describe(maxIDLen))
	}
	ts, st := header.Single(h, v.tsName, maxTimestampLen)
	switch st {
	case header.Absent:
		return d, errorf(ErrMissingTimestamp, "the signature covers a timestamp and none was sent")
	case header.Repeated, header.TooLong:
		return d, errorf(ErrMalformedTimestamp, "header %s: %s", s.TimestampHeader, st.Describe(maxTimestampLen))
	}

	var msg []byte // built once, for Ed25519
	var matchID, scope string
	found := false
	for _, ref := range v.order {
		if ref.asym {
			if sigs.na == 0 {
				continue
			}
			if msg == nil {
				msg = signedBytes(v.parts, body, ts, id)
			}
			k := &v.pubs[ref.i]
			for j := 0; j < sigs.na; j++ {
				if ed25519.Verify(k.key, msg, sigs.v1a[j][:]) {
					matchID, scope, found = k.id, k.scope.get(), true
					break
				}
			}
		} else {
			if sigs.v1.n == 0 {
				continue
			}
			k := v.macs[ref.i]
			st := k.get()
			writeSigned(st, v.parts, body, ts, id)
			st.h.Sum(st.sum[:0])
			var mac [sha256.Size]byte = st.sum
			k.state.Put(st)
			for j := 0; j < sigs.v1.n; j++ {
				if hmac.Equal(mac[:], sigs.v1.sigs[j][:]) {
					matchID, scope, found = k.id, k.scope.get(), true
					break
				}
			}
		}
		if found {
			break
		}
	}
	if !found {
		return d, errorf(ErrInvalidSignature, "no configured key signs this delivery (%d key(s) tried)", len(v.order))
	}

	t, err := ParseTimestamp(ts, s.TimestampFormat)
	if err != nil {
		return d, err
	}
	d.SecretID, d.Scope = matchID, scope
	d.Timestamp, d.TimestampSigned, d.BodySigned = t, true, true
	d.ID = id
	d.Key = keyFromID(s.Provider, scope, id)
	return d, nil
}
