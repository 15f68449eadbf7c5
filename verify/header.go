package verify

import (
	"net/http"
	"strings"
)

// headerState classifies a header lookup so each caller can map it to the
// sentinel that fits its header (signature, timestamp, id, credential).
type headerState uint8

const (
	headerOK       headerState = iota
	headerAbsent               // not sent, or sent empty
	headerRepeated             // sent more than once: ambiguous, refused
	headerTooLong              // longer than the caller's bound
)

// singleHeader returns the one value of the header stored under canonical,
// trimmed of surrounding whitespace. It looks the name up directly first
// (net/http canonicalises names it parses) and falls back to a
// case-insensitive scan for headers built by hand.
//
// A header sent twice is refused rather than resolved: a proxy or attacker
// appending a second signature must not make the choice ours.
func singleHeader(h http.Header, canonical string, maxLen int) (string, headerState) {
	vals, ok := h[canonical]
	if !ok {
		for k, v := range h {
			if strings.EqualFold(k, canonical) {
				if ok { // two spellings of one name
					return "", headerRepeated
				}
				vals, ok = v, true
			}
		}
	}
	switch {
	case len(vals) == 0:
		return "", headerAbsent
	case len(vals) > 1:
		return "", headerRepeated
	case len(vals[0]) > maxLen:
		return "", headerTooLong
	}
	v := trimOWS(vals[0])
	if v == "" {
		return "", headerAbsent
	}
	return v, headerOK
}
