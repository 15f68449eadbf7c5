// Package hooktest builds deliveries the way webhook senders build them, for
// testing receivers: signed requests for every HMAC preset of package verify,
// credential headers and JWT bearer tokens for the senders without HMAC, and
// realistic sample bodies for every provider package under event/.
//
// Everything here is the sender's half of what package verify checks, built
// from the same code (verify.Scheme.Sign) or the same library (golang-jwt),
// so a test that passes with hooktest passes against the real sender's bytes
// too.
//
// Quick start: a signed Checkly alert through a handler under test.
//
//	at := time.Now()
//	body := hooktest.ChecklyBody(hooktest.ChecklyAlert(checkly.AlertFailure, at))
//	req, err := hooktest.Checkly("channel-secret").Request("/hooks/checkly", body, hooktest.WithTimestamp(at))
//	if err != nil {
//		t.Fatal(err)
//	}
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req) // 200, Hookseal-Outcome: processed
//
// Options cover what tests need to vary: the sender's timestamp
// ([WithTimestamp]), the delivery id ([WithID]), a body changed after signing
// ([Tampered]), and several secrets at once (pass them to [NewSigner], for
// schemes whose header carries one signature per secret).
//
// # Samples
//
// [ChecklyAlert], [StatusStackEvent], [OnCallEvent], [DatadogEvent] and
// [GrafanaMessage] return typed values filled the way the sender fills them
// for one event type; [ChecklyBody], [StatusStackBody], [OnCallBody],
// [DatadogBody], [DatadogDefaultBody] and [GrafanaBody] render them as the
// sender puts them on the wire. Decoding a rendered body with event.Decode
// gives the value back, field for field, less what the body has no place
// for (ChecklyBody renders the recommended template, which leaves out the
// free-text fields, and DatadogDefaultBody carries the default members
// only). The values are deterministic: the same arguments give the same
// bytes, so a test can compare delivery keys.
// [SampleBody] and [EventTypes] reach the same samples by provider name.
package hooktest
