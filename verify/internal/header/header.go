// Package header reads the one value of a request header the way every
// hookseal verifier does: bounded before parsing, refused when repeated,
// trimmed of the optional whitespace HTTP allows around a value.
package header

import (
	"net/http"
	"strconv"
	"strings"
)

// State classifies a header lookup, so each verifier can map it to the
// sentinel error that fits its header (signature, timestamp, id,
// credential).
type State uint8

// The states of a lookup.
const (
	OK       State = iota
	Absent         // not sent, or sent empty
	Repeated       // sent more than once: ambiguous, refused
	TooLong        // longer than the caller's bound
)

// Single returns the one value of the header stored under canonical,
// trimmed of surrounding spaces and tabs. It looks the name up directly
// first (net/http canonicalises the names it parses) and falls back to a
// case-insensitive scan for headers built by hand.
//
// A header sent twice is refused rather than resolved: a proxy or attacker
// appending a second signature must not make the choice ours.
func Single(h http.Header, canonical string, maxLen int) (string, State) {
	vals, ok := h[canonical]
	if !ok {
		for k, v := range h {
			if strings.EqualFold(k, canonical) {
				if ok { // two spellings of one name
					return "", Repeated
				}
				vals, ok = v, true
			}
		}
	}
	switch {
	case len(vals) == 0:
		return "", Absent
	case len(vals) > 1:
		return "", Repeated
	case len(vals[0]) > maxLen:
		return "", TooLong
	}
	v := TrimOWS(vals[0])
	if v == "" {
		return "", Absent
	}
	return v, OK
}

// Describe says what went wrong with a lookup, for error messages; maxLen
// is the bound the lookup was given.
func (s State) Describe(maxLen int) string {
	switch s {
	case Absent:
		return "missing or empty"
	case Repeated:
		return "sent more than once"
	case TooLong:
		return "longer than " + strconv.Itoa(maxLen) + " bytes"
	}
	return "ok"
}

// TrimOWS trims the optional whitespace (spaces and tabs) that RFC 9110
// allows around a field value.
func TrimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
