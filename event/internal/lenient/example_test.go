package lenient_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event/internal/lenient"
)

// The intended use: an unexported wire struct of lenient types, matched
// case-insensitively, copied into a payload type of plain Go types.
func Example() {
	var wire struct {
		ID      lenient.String     `json:"id,case:ignore"`
		Latency lenient.Int        `json:"latency_ms,case:ignore"`
		Retry   lenient.Bool       `json:"is_retry,case:ignore"`
		At      lenient.UnixMillis `json:"date,case:ignore"`
		Tags    lenient.List       `json:"tags,case:ignore"`
	}
	body := `{"ID":4711,"LATENCY_MS":"87","isRetry":"","date":"1714559400123","tags":"env:prod, team:core"}`
	if err := json.Unmarshal([]byte(body), &wire); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %+v %+v\n", wire.ID, wire.Latency, wire.Retry)
	fmt.Println(time.Time(wire.At), []string(wire.Tags))

	// A bad value names its member. (The json package varies the start
	// of its message from run to run; the end is stable.)
	err := json.Unmarshal([]byte(`{"latency_ms":"fast"}`), &wire)
	msg := err.Error()
	fmt.Println(msg[strings.Index(msg, "within"):])
	// Output:
	// "4711" {Value:87 Valid:true} {Value:false Valid:false}
	// 2024-05-01 10:30:00.123 +0000 UTC [env:prod team:core]
	// within "/latency_ms": want an integer or a numeric string, got string "fast"
}
