package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// The processed line is encoded by hand on the hot path; it must be the
// bytes json.Marshal gives, escapes and all.
func TestProcessedLineIsMarshal(t *testing.T) {
	texts := []string{"", "checkly", "ALERT_FAILURE", "0d7c7c4e-4e8c-4f5a-9d4e-000000000001", "2026-11-29T03:46:00.123Z",
		`quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\r\x00\x1f\x7f", "café ☕ 日本",
		"\u2028\u2029", "bad utf-8 \xff\xfe", strings.Repeat("long ", 2000)}
	for _, s := range texts {
		for _, p := range []processedLine{
			{Provider: s, Type: "t", Resource: "r", Time: "x", Delivery: "d"},
			{Provider: "checkly", Type: s, Resource: s, Time: s, Delivery: s},
		} {
			want, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			if got := appendProcessedLine(nil, p); !bytes.Equal(got, want) {
				t.Errorf("%q:\n got %s\nwant %s", s, got, want)
			}
			var out bytes.Buffer
			(&lineLog{out: &out}).processed(p)
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("processed(%q) wrote %s, want %s", s, out.Bytes(), want)
			}
		}
	}
}

// Concurrent processed lines are written whole, one Write each.
func TestProcessedLinesWhole(t *testing.T) {
	var w writesRecorder
	l := &lineLog{out: &w}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				l.processed(processedLine{Provider: "checkly", Type: strings.Repeat("x", i*100), Delivery: "d"})
			}
		})
	}
	wg.Wait()
	if len(w.writes) != 1600 {
		t.Fatalf("%d writes, want 1600", len(w.writes))
	}
	for _, b := range w.writes {
		var p processedLine
		if bytes.Count(b, []byte("\n")) != 1 || json.Unmarshal(b, &p) != nil || p.Provider != "checkly" {
			t.Fatalf("write %q is not one whole line", b)
		}
	}
}

// writesRecorder keeps each Write's bytes (copied: the caller reuses its
// buffer). lineLog serializes its writes.
type writesRecorder struct{ writes [][]byte }

func (w *writesRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}
