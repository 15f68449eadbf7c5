package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/verify"
)

// The headers the proxy tells the app what it established with. They are
// the only headers of the hop besides Content-Type and the hop's own
// Standard Webhooks signature: nothing else of the sender's request is
// forwarded, so a sender (or anyone) cannot put words in hookseal's mouth
// by sending a Hookseal-Provider or webhook-signature header of its own.
const (
	hdrProvider   = "Hookseal-Provider"
	hdrRoute      = "Hookseal-Route"
	hdrEventType  = "Hookseal-Event-Type"
	hdrResource   = "Hookseal-Resource"
	hdrSignedTime = "Hookseal-Signed-Time"
	hdrDelivery   = "Hookseal-Delivery"
	hdrAttempt    = "Hookseal-Attempt"
)

// maxUpstreamAnswer bounds how much of the app's answer is read (and
// discarded): enough to keep the connection reusable for any sane answer,
// not enough for a broken app to hold the proxy up.
const maxUpstreamAnswer = 64 << 10

// forwarder POSTs deliveries to the app over one client, so connections
// are reused across routes and requests.
type forwarder struct {
	client *http.Client
	now    func() time.Time
	hop    verify.Scheme
}

func newForwarder(now func() time.Time) *forwarder {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &forwarder{
		client: &http.Client{
			Transport: tr,
			// A redirect is a wrong upstream URL, not a place to send
			// the body again: it is reported, and the entry dead-lettered.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now: now,
		hop: verify.StandardWebhooksScheme(),
	}
}

// forward POSTs d to up and says what the app's answer means: nil for a
// 2xx; an error to retry for a refused connection, a timeout, 408, 429 or a
// 5xx (wrapped by inbox.RetryAfter when the app says when); an error
// wrapped by inbox.Permanent for any other answer, which a retry would
// only repeat. Inline (without an inbox) every error is the sender's 503.
func (f *forwarder) forward(ctx context.Context, up *upstreamSpec, d delivered) error {
	ctx, cancel := context.WithTimeout(ctx, up.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, up.url, bytes.NewReader(d.body))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("upstream: %w", err))
	}
	h := req.Header
	if d.contentType != "" {
		h.Set("Content-Type", d.contentType)
	}
	h.Set("User-Agent", "hookseal-proxy")
	h.Set(hdrProvider, d.provider)
	h.Set(hdrRoute, d.route)
	h.Set(hdrDelivery, d.key)
	h.Set(hdrAttempt, strconv.Itoa(d.attempt))
	if d.eventType != "" {
		h.Set(hdrEventType, d.eventType)
	}
	if d.resource != "" {
		h.Set(hdrResource, d.resource)
	}
	if !d.signedTime.IsZero() {
		h.Set(hdrSignedTime, d.signedTime.UTC().Format(time.RFC3339))
	}
	// The delivery key is the hop's webhook-id: the same on every retry,
	// so the app can dedupe by it as any Standard Webhooks receiver does.
	sig, err := f.hop.Sign(d.body, verify.SignOptions{ID: d.key, Timestamp: f.now()}, up.secrets...)
	if err != nil {
		return fmt.Errorf("signing the hop: %w", err)
	}
	for k, v := range sig {
		h[k] = v
	}

	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return transportError(err, up.timeout, time.Since(start))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxUpstreamAnswer))
	resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		err := fmt.Errorf("upstream answered %d", code)
		if d := retryAfter(resp.Header.Get("Retry-After"), f.now()); d > 0 {
			return inbox.RetryAfter(fmt.Errorf("%w, retry after %s", err, d), d)
		}
		return err
	}
	return inbox.Permanent(fmt.Errorf("upstream answered %d, which a retry would not change (the app refused the delivery)", code))
}

// transportError says why the request got no answer, without the URL
// (net/http's *url.Error quotes it, query and all).
func transportError(err error, timeout, took time.Duration) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, http.ErrHandlerTimeout) || isTimeout(err) {
		return fmt.Errorf("upstream did not answer within %s (timeout %s)", took.Round(time.Millisecond), timeout)
	}
	return fmt.Errorf("upstream: %w", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// maxRetryAfter caps what an app may ask for: the inbox's own max age
// bounds it further.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After value, delay-seconds or an HTTP date;
// 0 when there is none or it does not parse.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}
