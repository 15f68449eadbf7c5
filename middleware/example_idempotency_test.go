package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// pages stands for a database table of pages sent, with a unique
// constraint on the delivery's idempotency key and the fence of the claim
// that wrote each row (in SQL: idempotency_key TEXT PRIMARY KEY, fence
// BIGINT).
type pages struct {
	mu   sync.Mutex
	rows map[string]uint64 // idempotency key → fence
}

var errDuplicateKey = errors.New("duplicate key value violates unique constraint")

// insert is INSERT INTO pages (idempotency_key, fence) VALUES ($1, $2).
func (p *pages) insert(key string, fence uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.rows[key]; ok {
		return errDuplicateKey
	}
	p.rows[key] = fence
	return nil
}

// A side effect that must happen once even when the handler runs twice for
// one delivery: a crash between the effect and hookseal's commit, or a
// claim lost while the handler ran, lets the sender's retry run the
// handler again. Writing the effect under a unique constraint on
// Event.IdempotencyKey (with Event.Fence, so a holder whose claim was lost
// can be refused) makes the second run find it done.
func ExampleEvent_idempotencyKey() {
	db := &pages{rows: map[string]uint64{}}
	commitLost := true // the first run's answer never reaches the sender
	handler := func(ctx context.Context, e middleware.Event[alert]) error {
		err := db.insert(e.IdempotencyKey, e.Fence)
		switch {
		case errors.Is(err, errDuplicateKey):
			fmt.Println("already paged about", e.Payload.CheckID, "- nothing to do")
			return nil
		case err != nil:
			return err
		}
		fmt.Println("paged about", e.Payload.CheckID)
		if commitLost {
			commitLost = false
			return errors.New("connection reset while answering") // as a crash would
		}
		return nil
	}
	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := middleware.NewRoute(v, handler)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Checkly sends the alert, and retries it after the 500.
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health","check_result_id":"r-1","started_at":"` +
		time.Now().UTC().Format(time.RFC3339) + `"}`)
	for range 2 {
		header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, "checkly-secret")
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Hookseal-Outcome"))
	}
	fmt.Println(len(db.rows), "row in pages")
	// Output:
	// paged about api-health
	// 500 handler_error
	// already paged about api-health - nothing to do
	// 200 processed
	// 1 row in pages
}
