package verify

import (
	"errors"
	"math"
	"math/big"
	"testing"
	"time"
)

func TestWindowCheck(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	w := DefaultWindow()
	for _, tc := range []struct {
		name string
		t    time.Time
		want error
	}{
		{"now", now, nil},
		{"no time sent", time.Time{}, nil},
		{"exactly MaxAge ago", now.Add(-DefaultMaxAge), nil},
		{"just past MaxAge", now.Add(-DefaultMaxAge - time.Nanosecond), ErrTooOld},
		{"exactly MaxSkew ahead", now.Add(DefaultMaxSkew), nil},
		{"just past MaxSkew", now.Add(DefaultMaxSkew + time.Nanosecond), ErrTooNew},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), ErrTooNew},
		{"year 2400 (Stripe t=13569465600)", time.Unix(13569465600, 0), ErrTooNew},
		{"year 1", time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), ErrTooOld},
		{"300 years ago", now.AddDate(-300, 0, 0), ErrTooOld},
		{"300 years ahead", now.AddDate(300, 0, 0), ErrTooNew},
	} {
		if err := w.Check(tc.t, now); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: Check = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := (Window{MaxAge: 0, MaxSkew: time.Minute}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("zero MaxAge: %v", err)
	}
	if err := (Window{MaxAge: time.Minute, MaxSkew: -1}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative MaxSkew: %v", err)
	}
	if err := DefaultWindow().Validate(); err != nil {
		t.Errorf("default window: %v", err)
	}
}

// FuzzWindowCheck judges times of any sign and size against a reference
// that computes the difference exactly, in big integers: the window must
// never call a time fresh that is not, however far away it is.
func FuzzWindowCheck(f *testing.F) {
	for _, s := range [][2]int64{
		{1795420790, 1795420800}, {253402300799, 1795420800}, {13569465600, 1795420800},
		{-62135596800, 1795420800}, {math.MaxInt64 / 2, 0}, {math.MinInt64 / 2, 0},
		{1795420800, 253402300799}, {0, 0},
	} {
		f.Add(s[0], int32(0), s[1], int64(DefaultMaxAge), int64(DefaultMaxSkew))
	}
	f.Fuzz(func(t *testing.T, sec int64, nsec int32, nowSec int64, maxAge, maxSkew int64) {
		// Keep to the instants time.Time holds without wrapping (years 1 to
		// 9999 and a little beyond on both sides): what the parsers produce.
		const lo, hi = -62135596800 - 86400, 253402300799 + 86400
		if sec < lo || sec > hi || nowSec < lo || nowSec > hi || maxAge <= 0 || maxSkew < 0 {
			return
		}
		ts := time.Unix(sec, int64(nsec)%1e9)
		now := time.Unix(nowSec, 0)
		w := Window{MaxAge: time.Duration(maxAge), MaxSkew: time.Duration(maxSkew)}
		err := w.Check(ts, now)

		// Reference: diff = now - ts in nanoseconds, exactly.
		ns := func(t time.Time) *big.Int {
			v := big.NewInt(t.Unix())
			v.Mul(v, big.NewInt(1e9))
			return v.Add(v, big.NewInt(int64(t.Nanosecond())))
		}
		diff := new(big.Int).Sub(ns(now), ns(ts))
		var want error
		switch {
		case ts.IsZero():
		case diff.Cmp(big.NewInt(maxAge)) > 0:
			want = ErrTooOld
		case new(big.Int).Neg(diff).Cmp(big.NewInt(maxSkew)) > 0:
			want = ErrTooNew
		}
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Fatalf("Check(%v, now %v, %v) = %v, want %v", ts, now, w, err, want)
		}
	})
}
