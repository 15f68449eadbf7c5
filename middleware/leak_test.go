package middleware_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// TestNothingSecretIsWritten drives every outcome through a Checkly (HMAC),
// a Basic and an Authorization-token route with known credentials and
// scans everything the routes write — response status lines, headers and
// bodies, slog lines at debug level, every observer Report printed with
// %+v, and the error strings — for the secrets, the Basic password (plain
// and inside the base64 credential), the token and every expected
// signature. None may appear.
func TestNothingSecretIsWritten(t *testing.T) {
	const (
		hmacSecret = "leak-test-hmac-secret-8d1f"
		basicUser  = "datadog"
		basicPass  = "leak-test-basic-password-2c9e"
		token      = "Bearer leak-test-oncall-token-77aa"
	)
	var (
		mu      sync.Mutex
		written bytes.Buffer // everything to scan
	)
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &written}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	slogObs := middleware.SlogObserver(logger)
	reported := map[middleware.Outcome]bool{} // outcomes the inbox's runner reports, never answers
	observe := func(ctx context.Context, r middleware.Report) {
		slogObs(ctx, r)
		mu.Lock()
		reported[r.Outcome] = true
		fmt.Fprintf(&written, "%+v\n", r)
		if r.Err != nil {
			fmt.Fprintf(&written, "%s\n%#v\n", r.Err, r.Err.Error())
		}
		mu.Unlock()
	}

	clk := newClock(t0)
	fstore := middlewaretest.NewFailingStore(store.NewMemory(store.WithClock(clk.Now)), false)
	block, entered := make(chan struct{}), make(chan struct{}, 1)
	var unblock sync.Once
	release := func() { unblock.Do(func() { close(block) }) }
	defer release() // a failed test must not leave the handler blocked
	handler := func(_ context.Context, e middleware.Event[alert]) error {
		switch e.Payload.CheckID {
		case "fail":
			return errors.New("downstream refused the alert")
		case "panic":
			panic("handler bug")
		case "block":
			entered <- struct{}{}
			<-block
		case "unhandled":
			return middleware.ErrUnhandled
		}
		return nil
	}
	opts := []middleware.Option{
		middleware.WithStore(fstore), middleware.WithObserver(observe),
		middleware.WithOrdering(0), middleware.WithMaxBodyBytes(4096), middleware.WithClock(clk.Now),
	}
	hv, err := verify.Checkly(verify.Secrets(hmacSecret))
	if err != nil {
		t.Fatal(err)
	}
	bv, err := verify.Basic("datadog", []verify.Credential{{ID: "dd", Username: basicUser, Password: basicPass}})
	if err != nil {
		t.Fatal(err)
	}
	tv, err := verify.Authorization("oncall", verify.Secrets(token))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	guard, err := middleware.NewGuard(hv, middleware.WithObserver(observe), middleware.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/guard", guard.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	// Routes with an inbox: one whose runner starts once two events of one
	// resource wait (coalescing supersedes the older), one full.
	ib := inbox.NewMemory(inbox.WithClock(clk.Now))
	runner, err := inbox.NewRunner(ib, inbox.WithPoll(5*time.Millisecond), inbox.WithBackoff(time.Hour, time.Hour), inbox.WithRunnerClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	full, _ := inbox.NewRunner(inbox.NewMemory(inbox.WithMaxEntries(1)))
	for path, r := range map[string]*inbox.Runner{"/inbox": runner, "/full": full} {
		h, err := middleware.NewRoute(hv, handler, append(opts, middleware.WithInbox(r), middleware.WithName(path), middleware.WithCoalescing())...)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(path, h)
	}
	for path, v := range map[string]verify.Verifier{"/checkly": hv, "/basic": bv, "/token": tv} {
		h, err := middleware.NewRoute(v, handler, opts...)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(path, h)
	}
	mux.Handle("/", middleware.NotFoundHandler(observe))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var expectedSigs []string
	sign := func(body []byte, ts time.Time, secret string) http.Header {
		h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: ts}, secret)
		if err != nil {
			t.Fatal(err)
		}
		m := hmac.New(sha256.New, []byte(hmacSecret))
		m.Write(body)
		expectedSigs = append(expectedSigs, hex.EncodeToString(m.Sum(nil)))
		return h
	}
	do := func(method, path string, body []byte, h http.Header) *http.Response {
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		fmt.Fprintf(&written, "%s %s\n", resp.Proto, resp.Status)
		_ = resp.Header.Write(&written)
		_, _ = io.Copy(&written, resp.Body)
		mu.Unlock()
		resp.Body.Close()
		return resp
	}
	body := func(check string, at time.Time) []byte { return alertBody("ALERT_FAILURE", check, at) }
	seen := map[string]bool{}
	note := func(resp *http.Response) { seen[resp.Header.Get(middleware.OutcomeHeader)] = true }

	// HMAC route: every outcome.
	note(do("POST", "/checkly", body("ok", t0), sign(body("ok", t0), t0, hmacSecret)))
	note(do("POST", "/checkly", body("ok", t0), sign(body("ok", t0), t0, hmacSecret)))                                     // duplicate
	note(do("POST", "/checkly", body("stale", t0), sign(body("stale", t0), t0.Add(-time.Hour), hmacSecret)))               // stale
	note(do("POST", "/checkly", body("ok", t0.Add(-time.Minute)), sign(body("ok", t0.Add(-time.Minute)), t0, hmacSecret))) // out_of_order
	note(do("POST", "/checkly", body("wrong", t0), sign(body("wrong", t0), t0, "not-the-secret")))                         // unauthenticated
	note(do("POST", "/checkly", body("nosig", t0), nil))                                                                   // unauthenticated
	big := body(strings.Repeat("x", 5000), t0)
	note(do("POST", "/checkly", big, sign(big, t0, hmacSecret)))                             // too_large
	note(do("POST", "/checkly", []byte("{"), sign([]byte("{"), t0, hmacSecret)))             // bad_payload
	note(do("GET", "/checkly", body("get", t0), sign(body("get", t0), t0, hmacSecret)))      // method_not_allowed
	note(do("POST", "/checkly", body("fail", t0), sign(body("fail", t0), t0, hmacSecret)))   // handler_error
	note(do("POST", "/checkly", body("panic", t0), sign(body("panic", t0), t0, hmacSecret))) // handler_error (panic)
	note(do("POST", "/checkly", body("unhandled", t0), sign(body("unhandled", t0), t0, hmacSecret)))
	untyped := alertBody("", "untyped", t0)
	note(do("POST", "/checkly", untyped, sign(untyped, t0, hmacSecret))) // incomplete
	fstore.SetLosing(true)
	note(do("POST", "/checkly", body("lost", t0), sign(body("lost", t0), t0, hmacSecret))) // claim_lost
	fstore.SetLosing(false)
	note(do("POST", "/inbox", body("fail", t0), sign(body("fail", t0), t0, hmacSecret)))                               // accepted, then retrying
	note(do("POST", "/inbox", []byte("{"), sign([]byte("{"), t0, hmacSecret)))                                         // dead_letter
	note(do("POST", "/inbox", body("x", t0.Add(-time.Second)), sign(body("x", t0.Add(-time.Second)), t0, hmacSecret))) // superseded by the next
	note(do("POST", "/inbox", body("x", t0), sign(body("x", t0), t0, hmacSecret)))
	note(do("POST", "/full", body("f1", t0), sign(body("f1", t0), t0, hmacSecret)))
	note(do("POST", "/full", body("f2", t0), sign(body("f2", t0), t0, hmacSecret))) // inbox_full
	rctx, stopRunner := context.WithCancel(context.Background())
	runnerDone := make(chan struct{})
	go func() { defer close(runnerDone); _ = runner.Run(rctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		ran := reported[middleware.Retrying] && reported[middleware.Superseded] && reported[middleware.Processed]
		mu.Unlock()
		if ran || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopRunner()
	<-runnerDone
	fw := do("POST", "/guard", body("guard", t0), sign(body("guard", t0), t0, hmacSecret))
	if fw.StatusCode == http.StatusOK {
		seen[string(middleware.Forwarded)] = true // the next handler writes the answer, without the header
	}
	// in_flight: a copy arrives while the first is still in the handler.
	blocked := body("block", t0)
	done := make(chan struct{})
	blockedHeader := sign(blocked, t0, hmacSecret)
	go func() {
		defer close(done)
		do("POST", "/checkly", blocked, blockedHeader)
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first copy never reached the handler")
	}
	note(do("POST", "/checkly", blocked, blockedHeader)) // in_flight
	release()
	<-done
	fstore.SetDown(true)
	note(do("POST", "/checkly", body("down", t0), sign(body("down", t0), t0, hmacSecret))) // store_unavailable
	fstore.SetDown(false)

	// A path no route serves, carrying a signed request anyway.
	note(do("POST", "/no-such-route", body("nf", t0), sign(body("nf", t0), t0, hmacSecret))) // not_found

	// Basic and token routes: wrong and right credentials.
	basic := func(user, pass string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
	}
	note(do("POST", "/basic", body("b1", t0), basic(basicUser, basicPass)))
	note(do("POST", "/basic", body("b2", t0), basic(basicUser, basicPass+"x")))
	note(do("POST", "/basic", body("b3", t0), basic("someone", basicPass)))
	note(do("POST", "/token", body("t1", t0), http.Header{"Authorization": {token}}))
	note(do("POST", "/token", body("t2", t0), http.Header{"Authorization": {token + "x"}}))
	note(do("POST", "/token", body("t3", t0), http.Header{"Authorization": {strings.ToLower(token)}}))

	for _, o := range middleware.AllOutcomes() {
		if o == middleware.BadRequest {
			continue // not reachable through a route with a well-formed client
		}
		if !seen[string(o)] && !reported[o] {
			t.Errorf("outcome %s was not exercised", o)
		}
	}

	mu.Lock()
	out := written.String()
	mu.Unlock()
	forbidden := map[string]string{
		"HMAC secret":            hmacSecret,
		"Basic password":         basicPass,
		"Basic credential":       base64.StdEncoding.EncodeToString([]byte(basicUser + ":" + basicPass)),
		"token":                  token,
		"token value":            strings.TrimPrefix(token, "Bearer "),
		"wrong Basic credential": base64.StdEncoding.EncodeToString([]byte(basicUser + ":" + basicPass + "x")),
	}
	for i, s := range expectedSigs {
		forbidden[fmt.Sprintf("expected signature %d", i)] = s
		forbidden[fmt.Sprintf("expected signature %d (upper)", i)] = strings.ToUpper(s)
		raw, _ := hex.DecodeString(s)
		forbidden[fmt.Sprintf("expected signature %d (base64)", i)] = base64.StdEncoding.EncodeToString(raw)
	}
	for what, s := range forbidden {
		if strings.Contains(out, s) {
			t.Errorf("the %s appears in what the routes wrote", what)
		}
	}
	if !strings.Contains(out, "handler_error") || !strings.Contains(out, `"secret_id"`) && !strings.Contains(out, "SecretID:s1") {
		t.Fatalf("the scan saw too little to mean anything:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
