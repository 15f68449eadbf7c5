package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookseal/hookseal/inbox"
)

// A runner retries an entry whose handler fails, with backoff, until it
// succeeds. A route with middleware.WithInbox appends its deliveries the
// same way and registers its handler under its name.
func Example() {
	ib := inbox.NewMemory()
	runner, err := inbox.NewRunner(ib, inbox.WithBackoff(time.Millisecond, 10*time.Millisecond), inbox.WithPoll(time.Millisecond))
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	err = runner.Handle("checkly", inbox.HandlerFunc(func(_ context.Context, e inbox.Entry) error {
		if e.Attempts < 3 {
			return errors.New("the pager API is down")
		}
		fmt.Printf("ran %s on attempt %d\n", e.Body, e.Attempts)
		close(done)
		return nil
	}))
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _ = runner.Run(ctx) }()

	_, added, err := ib.Append(ctx, inbox.Entry{Key: "delivery-1", Route: "checkly", Body: []byte(`{"alert_type":"ALERT_FAILURE"}`)})
	fmt.Println("accepted:", added, err)
	_, added, _ = ib.Append(ctx, inbox.Entry{Key: "delivery-1", Route: "checkly", Body: []byte(`{"alert_type":"ALERT_FAILURE"}`)})
	fmt.Println("its retry accepted again:", added)
	runner.Notify()
	<-done
	// Output:
	// accepted: true <nil>
	// its retry accepted again: false
	// ran {"alert_type":"ALERT_FAILURE"} on attempt 3
}
