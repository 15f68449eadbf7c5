package redisstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/hookseal/hookseal/inbox"
)

// An entry is kept in two keys: a hash of the small fields the scripts
// read and change (state, attempts, lease, key, resource...), and a string,
// the payload, of what only Go reads: route, event time, meta and body.
// Splitting them keeps the hash's values short, so Redis stores it as a
// compact listpack rather than a hash table (a body would exceed
// hash-max-listpack-value, 64 bytes, and cost several hundred bytes of
// table overhead per entry), and the scripts never copy a body they do
// not need.
//
// The payload: a version byte, then the route, the event time
// (time.Time.MarshalBinary), and the meta (count+1, 0 for nil, then
// key-value pairs in key order), each length a uvarint, then the body.
const payloadVersion = 1

var errPayload = errors.New("malformed entry payload; is another version of hookseal using the same keys?")

func encodePayload(e inbox.Entry) (string, error) {
	et, err := e.EventTime.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("event time: %w", err)
	}
	b := make([]byte, 0, 64+len(e.Route)+len(et)+len(e.Body))
	b = append(b, payloadVersion)
	b = appendString(b, e.Route)
	b = appendString(b, string(et))
	if e.Meta == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(e.Meta))+1)
		keys := make([]string, 0, len(e.Meta))
		for k := range e.Meta {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = appendString(b, k)
			b = appendString(b, e.Meta[k])
		}
	}
	return string(append(b, e.Body...)), nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodePayload fills e's route, event time, meta and body from p.
func decodePayload(p string, e *inbox.Entry) error {
	if len(p) == 0 || p[0] != payloadVersion {
		return errPayload
	}
	rest := p[1:]
	next := func() (string, bool) {
		n, w := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
		if w <= 0 || n > uint64(len(rest)-w) {
			return "", false
		}
		s := rest[w : w+int(n)]
		rest = rest[w+int(n):]
		return s, true
	}
	route, ok1 := next()
	et, ok2 := next()
	if !ok1 || !ok2 {
		return errPayload
	}
	if err := e.EventTime.UnmarshalBinary([]byte(et)); err != nil {
		return errPayload
	}
	n, w := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
	if w <= 0 || n > uint64(len(rest)) { // each pair takes at least two bytes
		return errPayload
	}
	rest = rest[w:]
	if n > 0 {
		e.Meta = make(map[string]string, n-1)
		for range n - 1 {
			k, ok1 := next()
			v, ok2 := next()
			if !ok1 || !ok2 {
				return errPayload
			}
			e.Meta[k] = v
		}
	}
	e.Route, e.Body = route, []byte(rest)
	return nil
}

// Bounds of the event times eventSortKey tells apart: those UnixNano
// holds (years 1678 to 2262). Earlier and later times sort as the bounds.
var (
	minSortTime = time.Unix(0, math.MinInt64)
	maxSortTime = time.Unix(0, math.MaxInt64)
)

// eventSortKey is t as 16 hex digits that sort as the times do: its
// nanoseconds since 1970 with the sign bit flipped. A resource's queue
// orders its entries by this key, then by their sequence number, to the
// nanosecond, as inbox.Memory does.
func eventSortKey(t time.Time) string {
	var ns int64
	switch {
	case t.Before(minSortTime):
		ns = math.MinInt64
	case t.After(maxSortTime):
		ns = math.MaxInt64
	default:
		ns = t.UnixNano()
	}
	return fmt.Sprintf("%016x", uint64(ns)^1<<63)
}

// parseSnapshot reads a script's {id, fields, payload} of one entry.
func parseSnapshot(v any) (inbox.Entry, error) {
	r, ok := v.([]any)
	if !ok || len(r) != 3 {
		return inbox.Entry{}, fmt.Errorf("unexpected entry %v", v)
	}
	id, ok1 := r[0].(string)
	flat, ok2 := r[1].([]any)
	payload, ok3 := r[2].(string)
	if !ok1 || !ok2 || !ok3 || len(flat)%2 != 0 {
		return inbox.Entry{}, fmt.Errorf("unexpected entry %v", v)
	}
	f := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, _ := flat[i].(string)
		s, _ := flat[i+1].(string)
		f[k] = s
	}
	e := inbox.Entry{
		ID: id, Key: f["k"], Resource: f["rs"], Coalesce: f["c"] == "1",
		LastError: f["le"], Dead: f["s"] == "d",
	}
	var err error
	num := func(name string) int64 {
		if f[name] == "" || err != nil {
			return 0
		}
		var n int64
		n, err = strconv.ParseInt(f[name], 10, 64)
		return n
	}
	e.Accepted = time.UnixMicro(num("a"))
	e.Attempts = int(num("n"))
	if nb := num("nb"); nb > 0 {
		e.NotBefore = time.UnixMilli(nb)
	}
	if err != nil || f["a"] == "" {
		return inbox.Entry{}, fmt.Errorf("entry %s: bad fields %q", id, flat)
	}
	if err := decodePayload(payload, &e); err != nil {
		return inbox.Entry{}, fmt.Errorf("entry %s: %w", id, err)
	}
	return e, nil
}
