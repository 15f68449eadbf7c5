package redisstore

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
)

// eventSortKey sorts as the times do, to the nanosecond, across 1970 and
// out to the bounds, which clamp.
func TestEventSortKeyOrder(t *testing.T) {
	times := []time.Time{
		{}, // the zero time: before everything
		time.Unix(0, math.MinInt64),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 12, 0, 0, 1, time.UTC),
		time.Date(2026, 1, 1, 14, 0, 0, 2, time.FixedZone("", 2*3600)), // one ns later, elsewhere
		time.Unix(0, math.MaxInt64),
	}
	var keys []string
	for _, tm := range times {
		k := eventSortKey(tm)
		if len(k) != 16 {
			t.Fatalf("eventSortKey(%v) = %q, want 16 hex digits", tm, k)
		}
		keys = append(keys, k)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("keys out of order: %q", keys)
	}
	if eventSortKey(time.Time{}) != eventSortKey(time.Unix(0, math.MinInt64)) ||
		eventSortKey(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) != eventSortKey(time.Unix(0, math.MaxInt64)) {
		t.Error("times beyond UnixNano's range do not clamp to its bounds")
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, e := range []inbox.Entry{
		{},
		{Route: "checkly", EventTime: time.Date(2026, 1, 1, 12, 0, 0, 5, time.UTC), Body: []byte(`{"a":1}`),
			Meta: map[string]string{"content-type": "application/json", "b": "", "": "x"}},
		{Route: "r", Meta: map[string]string{}, Body: []byte{0, 0xff}},
	} {
		p, err := encodePayload(e)
		if err != nil {
			t.Fatal(err)
		}
		var got inbox.Entry
		if err := decodePayload(p, &got); err != nil {
			t.Fatalf("decode(encode(%+v)): %v", e, err)
		}
		want := e
		if want.Body == nil {
			want.Body = []byte{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
		}
	}
	for _, bad := range []string{"", "\x02", "\x01", "\x01\x05ab", "\x01\x00\x00", "\x01\x00\x0f\x01\x00\x00\x00\x0e\xd9\x16\x50\x00\x00\x00\x00\xff\xff\x05"} {
		var e inbox.Entry
		if err := decodePayload(bad, &e); err == nil {
			t.Errorf("decodePayload(%q) accepted a malformed payload", bad)
		}
	}
}

// No payload, however malformed, panics the decoder; what decodes encodes
// to the same entry again.
func FuzzDecodePayload(f *testing.F) {
	for _, e := range []inbox.Entry{{}, {Route: "r", Meta: map[string]string{"k": "v"}, Body: []byte("body")}} {
		p, _ := encodePayload(e)
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		var e inbox.Entry
		if decodePayload(p, &e) != nil {
			return
		}
		again, err := encodePayload(e)
		if err != nil {
			return // a time MarshalBinary refuses (an offset beyond its range)
		}
		var e2 inbox.Entry
		err = decodePayload(again, &e2)
		if err != nil || !e.EventTime.Equal(e2.EventTime) || zoneOffset(e.EventTime) != zoneOffset(e2.EventTime) {
			t.Fatalf("re-encoded payload decodes to %+v, %v; want %+v", e2, err, e)
		}
		e.EventTime, e2.EventTime = time.Time{}, time.Time{} // two equal zones are two *Locations
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("re-encoded payload decodes to %+v; want %+v", e2, e)
		}
	})
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}
