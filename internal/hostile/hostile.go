// Package hostile is the hostile-input suite shared by the middleware's
// tests and the CLI's (`hookseal listen`): requests an attacker or a broken
// sender can send to a Checkly route, written as raw bytes on a TCP
// connection so that nothing — not even net/http's client — cleans them up
// first, each with the status and outcome the receiver must answer.
//
// None of them may reach the handler: the route's handler is expected to
// run only for the valid control delivery (Valid).
package hostile

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// Target is the Checkly route under attack.
type Target struct {
	// Path is the route's path, e.g. "/checkly".
	Path string
	// Secret is the Checkly secret the route verifies with.
	Secret string
	// Now is the receiver's current time; signed deliveries carry it.
	Now time.Time
	// MaxBody is the route's body limit in bytes.
	MaxBody int
	// MaxHeaderBytes is the server's http.Server.MaxHeaderBytes, 0 for
	// net/http's default (1 MiB). Requests whose headers exceed it are
	// refused by net/http with 431 before hookseal sees them.
	MaxHeaderBytes int
}

// Case is one request and the answer it must get.
type Case struct {
	Name string
	// Raw is the whole HTTP/1.1 request.
	Raw []byte
	// Status is the status code to expect.
	Status int
	// Outcome is the Hookseal-Outcome to expect, "" where net/http itself
	// refuses the request before hookseal sees it.
	Outcome string
}

// request is a raw request under construction: headers in order, repeats
// and bytes net/http's client would refuse allowed.
type request struct {
	method  string
	path    string
	headers [][2]string
	body    []byte
	chunked bool
}

func (r request) bytes() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", r.method, r.path)
	for _, h := range r.headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if r.chunked {
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for body := r.body; len(body) > 0; {
			n := min(len(body), 4096)
			fmt.Fprintf(&b, "%x\r\n", n)
			b.Write(body[:n])
			b.WriteString("\r\n")
			body = body[n:]
		}
		b.WriteString("0\r\n\r\n")
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(r.body))
	b.Write(r.body)
	return b.Bytes()
}

// Valid returns a valid delivery for t: the control that must be
// processed. n makes it unique.
func Valid(t Target, n int) []byte {
	body := alert(t.Now, fmt.Sprintf("control-%d", n))
	return signed(t, body, t.Now, nil).bytes()
}

func alert(at time.Time, check string) []byte {
	return fmt.Appendf(nil, `{"alert_type":"ALERT_FAILURE","check_id":%q,"started_at":%q}`, check, at.UTC().Format(time.RFC3339))
}

// signed is a POST of body with a valid Checkly signature and timestamp,
// then edit applied to its headers.
func signed(t Target, body []byte, at time.Time, edit func(h [][2]string) [][2]string) request {
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: at}, t.Secret)
	if err != nil {
		panic(err) // a fixed preset and a non-empty secret cannot fail
	}
	headers := [][2]string{
		{"Content-Type", "application/json"},
		{"X-Checkly-Signature", h.Get("X-Checkly-Signature")},
		{"X-Checkly-Timestamp", h.Get("X-Checkly-Timestamp")},
	}
	if edit != nil {
		headers = edit(headers)
	}
	return request{method: http.MethodPost, path: t.Path, headers: headers, body: body}
}

// set replaces (or, with value "", removes) a header by name.
func set(name, value string) func([][2]string) [][2]string {
	return func(h [][2]string) [][2]string {
		out := h[:0:0]
		for _, kv := range h {
			if !strings.EqualFold(kv[0], name) {
				out = append(out, kv)
			}
		}
		if value != "\x00remove" {
			out = append(out, [2]string{name, value})
		}
		return out
	}
}

func remove(name string) func([][2]string) [][2]string { return set(name, "\x00remove") }

// Cases returns the suite for t.
func Cases(t Target) []Case {
	body := alert(t.Now, "hostile")
	sig := func(b []byte) string {
		h, _ := verify.ChecklyScheme().Sign(b, verify.SignOptions{Timestamp: t.Now}, t.Secret)
		return h.Get("X-Checkly-Signature")
	}
	good := sig(body)
	other, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: t.Now}, t.Secret+"-other")
	raw, _ := hex.DecodeString(good)

	const (
		unauth = "unauthenticated"
		bad    = "bad_payload"
	)
	var cs []Case
	maxHeader := t.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = http.DefaultMaxHeaderBytes
	}
	add := func(name string, r request, status int, outcome string) {
		raw := r.bytes()
		// net/http allows MaxHeaderBytes plus 4096 bytes of slack.
		if end := bytes.Index(raw, []byte("\r\n\r\n")); end > maxHeader+4096 {
			status, outcome = http.StatusRequestHeaderFieldsTooLarge, ""
		}
		cs = append(cs, Case{Name: name, Raw: raw, Status: status, Outcome: outcome})
	}
	signedBody := func(b []byte) request { return signed(t, b, t.Now, nil) }

	// Signature headers.
	add("signature missing", signed(t, body, t.Now, remove("X-Checkly-Signature")), 401, unauth)
	add("signature empty", signed(t, body, t.Now, set("X-Checkly-Signature", "")), 401, unauth)
	add("signature duplicated", signed(t, body, t.Now, func(h [][2]string) [][2]string {
		return append(h, [2]string{"X-Checkly-Signature", good})
	}), 401, unauth)
	add("signature 64 KiB", signed(t, body, t.Now, set("X-Checkly-Signature", strings.Repeat("a", 64<<10))), 401, unauth)
	add("signature non-ASCII", signed(t, body, t.Now, set("X-Checkly-Signature", strings.Repeat("é", 32))), 401, unauth)
	add("signature with NUL", signed(t, body, t.Now, set("X-Checkly-Signature", good[:10]+"\x00"+good[11:])), 400, "")
	add("NUL in another header", signed(t, body, t.Now, set("X-Extra", "a\x00b")), 400, "")
	add("signature too short", signed(t, body, t.Now, set("X-Checkly-Signature", good[:62])), 401, unauth)
	add("signature too long", signed(t, body, t.Now, set("X-Checkly-Signature", good+"00")), 401, unauth)
	add("signature base64", signed(t, body, t.Now, set("X-Checkly-Signature", base64.StdEncoding.EncodeToString(raw))), 401, unauth)
	add("signature of another secret", signed(t, body, t.Now, set("X-Checkly-Signature", other.Get("X-Checkly-Signature"))), 401, unauth)
	add("signature with sha256= prefix", signed(t, body, t.Now, set("X-Checkly-Signature", "sha256="+good)), 401, unauth)

	// Bodies.
	add("body empty, unsigned", request{method: "POST", path: t.Path, headers: [][2]string{{"Content-Type", "application/json"}}}, 401, unauth)
	add("body empty, signed", signedBody(nil), 400, bad)
	over := append(bytes.Repeat([]byte(" "), t.MaxBody+1-len(body)), body...)
	add("body one byte over the limit", signedBody(over), 413, "too_large")
	chunked := signedBody(over)
	chunked.chunked = true
	add("body over the limit, chunked without a length", chunked, 413, "too_large")
	add("body changed by one byte", signed(t, append(bytes.Clone(body[:len(body)-2]), `x}`...), t.Now, set("X-Checkly-Signature", good)), 401, unauth)
	add("body invalid UTF-8", signedBody([]byte("{\"alert_type\":\"ALERT_FAILURE\",\"check_id\":\"\xff\xfe\"}")), 400, bad)
	if depth := 100000; 2*depth <= t.MaxBody {
		add("body nested 100,000 levels", signedBody([]byte(strings.Repeat("[", depth)+strings.Repeat("]", depth))), 400, bad)
		add("body nested 100,000 objects", signedBody([]byte(strings.Repeat(`{"a":`, depth/5)+"1"+strings.Repeat("}", depth/5))), 400, bad)
	}
	add("body huge number", signedBody([]byte(`{"alert_type":"ALERT_FAILURE","response_time":1`+strings.Repeat("0", 4000)+`}`)), 400, bad)
	add("body huge exponent", signedBody([]byte(`{"alert_type":"ALERT_FAILURE","response_time":1e999999999}`)), 400, bad)
	add("body duplicate keys", signedBody([]byte(`{"alert_type":"ALERT_RECOVERY","alert_type":"ALERT_FAILURE","check_id":"x"}`)), 400, bad)
	add("body not JSON", signedBody([]byte(`alert_type=ALERT_FAILURE`)), 400, bad)
	add("body JSON array", signedBody([]byte(`[1,2,3]`)), 400, bad)
	add("body truncated", signedBody(body[:len(body)/2]), 400, bad)

	// Methods and content types.
	get := signedBody(body)
	get.method = http.MethodGet
	add("method GET", get, 405, "method_not_allowed")
	put := signedBody(body)
	put.method = http.MethodPut
	add("method PUT", put, 405, "method_not_allowed")
	add("content type text/xml", signed(t, body, t.Now, set("Content-Type", "text/xml")), 400, bad)
	add("content type form", signed(t, body, t.Now, set("Content-Type", "application/x-www-form-urlencoded")), 400, bad)
	add("content type unparseable", signed(t, body, t.Now, set("Content-Type", ";;;")), 400, bad)

	// Timestamps. Checkly's is not signed: an authentic body with a stale
	// header is a late retry, dropped with 200; a malformed one is refused.
	ts := func(v string) request { return signed(t, body, t.Now, set("X-Checkly-Timestamp", v)) }
	add("timestamp far past", ts("1000000000"), 200, "stale")
	add("timestamp far future", ts(strconv.FormatInt(t.Now.Add(24*time.Hour).Unix(), 10)), 200, "stale")
	add("timestamp negative", ts("-1700000000"), 401, unauth)
	add("timestamp overflowing int64", ts("99999999999999999999999"), 401, unauth)
	add("timestamp non-numeric", ts("yesterday"), 401, unauth)
	add("timestamp empty", ts(""), 401, unauth)
	add("timestamp 64 KiB", ts(strings.Repeat("1", 64<<10)), 401, unauth)
	add("timestamp year 9999", ts("9999-12-31T23:59:59Z"), 200, "stale")
	add("timestamp 19 digits (year 2262)", ts("9223372036854775807"), 200, "stale")
	add("timestamp year 1", ts("0001-01-01T00:00:01Z"), 200, "stale")
	add("timestamp the zero time", ts("0001-01-01T00:00:00Z"), 401, unauth)
	add("timestamp with a plus sign", ts("+"+strconv.FormatInt(t.Now.Unix(), 10)), 401, unauth)

	// Replays. The body's STARTED_AT is signed: a delivery captured a day
	// ago and sent again with a fresh (unsigned) header is stale, and so
	// is one whose signed time lies far ahead.
	add("replay with a rewritten timestamp header", signedBody(alert(t.Now.Add(-24*time.Hour), "replayed")), 200, "stale")
	add("signed body time in year 9999", signedBody(alert(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), "far")), 200, "stale")
	return cs
}

// Send writes raw to addr on a fresh connection and reads the answer.
func Send(addr string, raw []byte, timeout time.Duration) (status int, outcome string, err error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	// Write and read concurrently: a server may answer 413 and close
	// before the whole body is written.
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(raw)
		werr <- err
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if w := <-werr; w != nil {
			return 0, "", fmt.Errorf("writing: %v; reading: %w", w, err)
		}
		return 0, "", err
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Hookseal-Outcome"), nil
}
