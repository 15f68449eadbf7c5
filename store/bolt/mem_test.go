package boltstore

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The heaps behind ready, delayed, leases and accepted give the smallest
// (instant, ID) first and remove any entry by the place it keeps, through
// random adds and removes checked against a sorted list.
func TestTimedIDsHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := slotHeap()
	ents := map[uint64]*ment{}
	var want []timedID
	t0 := time.Unix(1_700_000_000, 0)
	for step := range 20000 {
		if id := uint64(rng.IntN(500)) + 1; ents[id] == nil && rng.IntN(3) > 0 {
			e := &ment{}
			at := t0.Add(time.Duration(rng.IntN(50)) * time.Second)
			ents[id] = e
			h.add(id, e, at)
			want = append(want, timedID{at: at, id: id})
		} else if e := ents[id]; e != nil {
			h.remove(e)
			h.remove(e) // a second remove changes nothing
			delete(ents, id)
			want = slices.DeleteFunc(want, func(x timedID) bool { return x.id == id })
		}
		slices.SortFunc(want, compareTimed)
		f, ok := h.first()
		if ok != (len(want) > 0) || (ok && (f.id != want[0].id || !f.at.Equal(want[0].at))) || h.len() != len(want) {
			t.Fatalf("step %d: first %+v, %v (len %d); want %+v (len %d)", step, f, ok, h.len(), want[:min(1, len(want))], len(want))
		}
		for i, it := range h.items {
			if it.e.slotPlace != i+1 {
				t.Fatalf("step %d: the entry at %d says it is at %d", step, i, it.e.slotPlace-1)
			}
		}
	}
}

// Removing an entry from a heap it is not in, with a place from another
// heap, stops rather than take out the entry that is there.
func TestTimedIDsHeapRefusesAForeignPlace(t *testing.T) {
	ready, delayed := slotHeap(), slotHeap()
	a, b := &ment{}, &ment{}
	ready.add(1, a, time.Time{})
	delayed.add(2, b, time.Unix(10, 0))
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
		if f, _ := delayed.first(); f.e != b || delayed.len() != 1 {
			t.Fatalf("delayed lost its entry: %+v", f)
		}
	}()
	delayed.remove(a) // a is in ready, at the place b holds in delayed
}
