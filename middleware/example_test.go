package middleware_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// A Checkly route: authenticate, drop late retries and duplicates, order per
// check, and call a handler per alert type.
func Example() {
	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	router := middleware.NewRouter[alert]().
		On("ALERT_FAILURE", func(ctx context.Context, e middleware.Event[alert]) error {
			fmt.Println("page someone about", e.Payload.CheckID)
			return nil
		})
	h, err := middleware.NewRoute(v, router.Dispatch, middleware.WithOrdering(0))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// What Checkly sends, twice (a retry).
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health","started_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}`)
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
	// Output:
	// page someone about api-health
	// 200 processed
	// 200 duplicate
}

// A Guard keeps an application's own handlers: they read r.Body as usual
// and find the Delivery in the request context.
func ExampleGuard() {
	v, _ := verify.GitHub(verify.Secrets("github-secret"))
	g, err := middleware.NewGuard(v)
	if err != nil {
		log.Fatal(err)
	}
	mine := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := middleware.DeliveryFrom(r.Context())
		fmt.Println("authentic delivery from", d.Provider)
	})
	h := g.Handler(mine)

	body := []byte(`{"action":"opened"}`)
	header, _ := verify.GitHubScheme().Sign(body, verify.SignOptions{}, "github-secret")
	req := httptest.NewRequest(http.MethodPost, "/hooks/github", bytes.NewReader(body))
	req.Header = header
	h.ServeHTTP(httptest.NewRecorder(), req)

	forged := httptest.NewRequest(http.MethodPost, "/hooks/github", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, forged)
	fmt.Println(rec.Code, rec.Header().Get("Hookseal-Outcome"))
	// Output:
	// authentic delivery from github
	// 401 unauthenticated
}
