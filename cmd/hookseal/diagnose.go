package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/verify"
)

// This file finds which usual mistake explains a delivery that does not
// verify. It re-computes the MAC over variants of the body and of each
// secret with the scheme's own primitive (verify.Scheme.MAC), and looks for
// it in the signature header as the scheme's parser reads it
// (verify.Scheme.ParseSignatures), as written and in the spellings of the
// usual mistakes. The simplest explanation wins. Messages name secrets by position only, and never show
// a secret or an expected signature.

// mistake is one way the given input differs from what the sender signed.
type mistake struct {
	kind string // shown as "diagnosis (kind)"; tests match on it
	text string
}

// bodyVariant is the body as the sender may have signed it.
type bodyVariant struct {
	body []byte
	m    *mistake // nil for the body as given
}

// secretVariant is a secret as the sender may have it.
type secretVariant struct {
	value string
	m     *mistake
}

// finding is one explanation: which secret, which variants, which header
// mistakes.
type finding struct {
	list     string // "--secret" or "--also-try"
	index    int    // 1-based position in list
	mistakes []mistake
}

func (c *check) diagnose(w *strings.Builder, err error) {
	switch c.p.kind {
	case authAuthorization, authBasic:
		c.diagnoseCredential(w, err)
		return
	}
	if hasV1aKeys(c.secrets) || hasV1aKeys(c.also) {
		// Ed25519 keys: no MAC to recompute, so no variant to try.
		w.WriteString("diagnosis (v1a): an Ed25519 (v1a) signature has no variants to try; check that --secret holds the whpk_ public key of the whsk_ key the sender signs with, and that the body, webhook-id and webhook-timestamp are as sent.\n")
		return
	}
	s := c.p.scheme(c.tsHeader)
	switch {
	case errors.Is(err, verify.ErrMissingSignature) && len(c.header.Values(s.SignatureHeader)) == 0:
		fmt.Fprintf(w, "diagnosis (missing-header): there is no %s header among the -H flags (got: %s). Pass it as -H '%s: <value>'.\n",
			s.SignatureHeader, headerNames(c.header), s.SignatureHeader)
		c.otherProvider(w)
		return
	case errors.Is(err, verify.ErrMissingSignature) && s.IDHeader != "" && c.header.Get(s.IDHeader) == "":
		fmt.Fprintf(w, "diagnosis (missing-header): %s signs the delivery id, and there is no %s header. Pass it as -H '%s: <value>'.\n",
			c.p.name, s.IDHeader, s.IDHeader)
		return
	case errors.Is(err, verify.ErrMissingTimestamp):
		fmt.Fprintf(w, "diagnosis (missing-timestamp): %s\n", missingTimestamp(s))
		return
	case errors.Is(err, verify.ErrMalformedTimestamp):
		fmt.Fprintf(w, "diagnosis (malformed-timestamp): the timestamp in %s is not in a form %s sends (%s).\n",
			timestampHeaderName(s), c.p.name, formatName(s.TimestampFormat))
		return
	}
	if len(c.header.Values(s.SignatureHeader)) > 1 {
		fmt.Fprintf(w, "diagnosis (repeated-header): %s is given %d times; a receiver refuses an ambiguous signature. Pass it once.\n",
			s.SignatureHeader, len(c.header.Values(s.SignatureHeader)))
		return
	}

	best := c.search(s)
	if best == nil {
		lists := "--secret"
		if len(c.also) > 0 {
			lists = "--secret or --also-try"
		}
		fmt.Fprintf(w, "diagnosis (no-match): none of the usual mistakes explains it: no variant of the body (as given, with or without a "+
			"trailing newline, re-serialised JSON) under any secret of %s (as given or with whitespace around it) produces the signature in any spelling.\n"+
			"  Likely: the sender uses a secret you did not pass, or the body was changed on the way. Check the secret in the sender's settings; pass candidates with --also-try.\n", lists)
		c.otherProvider(w)
		return
	}
	if len(best.mistakes) == 0 {
		// The MAC is right as given: what failed is not the signature.
		fmt.Fprintf(w, "diagnosis (other): the signature matches --secret #%d over the body as given; the failure lies elsewhere: %s\n",
			best.index, oneLine(strings.TrimPrefix(err.Error(), "verify: ")))
		return
	}
	for i, m := range best.mistakes {
		lead := "diagnosis"
		if i > 0 {
			lead = "and"
		}
		fmt.Fprintf(w, "%s (%s): %s\n", lead, m.kind, m.text)
	}
	fmt.Fprintf(w, "  (the signature matches under %s #%d once this is undone)\n", best.list, best.index)
}

// search tries every secret, secret variant and body variant, and returns
// the explanation with the fewest mistakes, or nil. The MAC is computed by
// the scheme itself (verify.Scheme.MAC), with the delivery's timestamp and
// id exactly as they travel, and the header is read by the scheme's own
// parser (verify.Scheme.ParseSignatures), as written and in the spellings
// of the usual mistakes.
func (c *check) search(s verify.Scheme) *finding {
	spellings := c.spellings(s)
	if len(spellings) == 0 {
		return nil
	}
	ts, id := c.signedValues(s)
	bodies := bodyVariants(c.body)
	var best *finding
	lists := []struct {
		name  string
		items []string
	}{{"--secret", c.raw}, {"--also-try", c.also}}
	for _, list := range lists {
		for i, raw := range list.items {
			for _, sv := range secretVariants(raw) {
				for _, bv := range bodies {
					mac, err := s.MAC(sv.value, bv.body, ts, id)
					if err != nil {
						continue
					}
					hm, ok := matchSpelling(spellings, mac)
					if !ok {
						continue
					}
					f := &finding{list: list.name, index: i + 1}
					if list.name == "--also-try" {
						f.mistakes = append(f.mistakes, mistake{"other-secret", fmt.Sprintf(
							"the delivery is signed with --also-try secret #%d, which the receiver is not configured with: the sender uses another secret (a retired one, or another channel's). Configure it in the receiver, or set the sender's secret to --secret #1.", i+1)})
					}
					if sv.m != nil {
						f.mistakes = append(f.mistakes, *sv.m)
					}
					if bv.m != nil {
						f.mistakes = append(f.mistakes, *bv.m)
					}
					f.mistakes = append(f.mistakes, hm...)
					if best == nil || len(f.mistakes) < len(best.mistakes) {
						best = f
					}
					if len(best.mistakes) == 0 {
						return best
					}
				}
			}
		}
	}
	return best
}

// signedValues returns the timestamp and id as the delivery carries them,
// for the signed content: the timestamp from its header or the signature
// header's entry, the id from its header.
func (c *check) signedValues(s verify.Scheme) (ts, id string) {
	if s.TimestampHeader != "" {
		ts = strings.TrimSpace(c.header.Get(s.TimestampHeader))
	} else if s.TimestampKey != "" {
		if sigs, err := s.ParseSignatures(c.header.Get(s.SignatureHeader)); err == nil {
			ts = sigs.Timestamp
		}
	}
	if s.IDHeader != "" {
		id = strings.TrimSpace(c.header.Get(s.IDHeader))
	}
	return ts, id
}

// spelling is the signatures the header holds when read as one way of
// writing them, and the mistakes that way of writing is.
type spelling struct {
	macs     [][]byte
	mistakes []mistake
	text     string // the header value, for a letter-case check
}

// spellings reads the signature header as the scheme writes it, and as
// the usual mistakes write it: the other encoding, a sha256= prefix the
// sender does not send, a prefix it needs left out.
func (c *check) spellings(s verify.Scheme) []spelling {
	value := c.header.Get(s.SignatureHeader)
	if value == "" {
		return nil
	}
	encoding := mistake{"encoding", fmt.Sprintf("the signature is written in base64, and %s writes it in hex.", s.Provider)}
	other := verify.EncodingBase64
	if s.Encoding == verify.EncodingBase64 {
		encoding = mistake{"encoding", fmt.Sprintf("the signature is written in hex, and %s writes it in base64.", s.Provider)}
		other = verify.EncodingHex
	}
	type variant struct {
		scheme   verify.Scheme
		mistakes []mistake
	}
	variants := []variant{{scheme: s}}
	flip := s
	flip.Encoding = other
	variants = append(variants, variant{flip, []mistake{encoding}})
	if s.Format == verify.FormatPlain {
		prefixed := mistake{"prefix-present", fmt.Sprintf(
			"%s carries a sha256= prefix, and %s sends the bare signature. Remove the prefix (it belongs to GitHub's X-Hub-Signature-256).",
			s.SignatureHeader, s.Provider)}
		if s.Prefix != "" {
			prefixed = mistake{"prefix-missing", fmt.Sprintf(
				"%s lacks the %s prefix %s sends before the signature. Keep the header value whole.", s.SignatureHeader, s.Prefix, s.Provider)}
		}
		for _, v := range variants[:2] {
			p := v.scheme
			if s.Prefix == "" {
				p.Prefix = "sha256="
			} else {
				p.Prefix = ""
			}
			variants = append(variants, variant{p, append([]mistake{prefixed}, v.mistakes...)})
		}
	}
	var out []spelling
	for _, v := range variants {
		sigs, err := v.scheme.ParseSignatures(value)
		if err != nil {
			continue
		}
		out = append(out, spelling{macs: sigs.MACs, mistakes: v.mistakes, text: value})
	}
	if s.Encoding == verify.EncodingBase64 {
		// A base64 signature whose letter case was changed decodes to other
		// bytes: keep the raw text to recognise it.
		out = append(out, spelling{text: value, mistakes: []mistake{{"base64-case", fmt.Sprintf(
			"the signature is the right one with its letter case changed. %s's signature is base64, where case matters: something lower- or upper-cased the header value. Pass it exactly as received.",
			s.Provider)}}})
	}
	return out
}

// matchSpelling reports whether mac is one of the signatures in some
// spelling, and that spelling's mistakes.
func matchSpelling(spellings []spelling, mac []byte) ([]mistake, bool) {
	for _, sp := range spellings {
		if sp.macs == nil { // the letter-case check
			b64 := base64.StdEncoding.EncodeToString(mac)
			if !strings.Contains(sp.text, b64) && strings.Contains(strings.ToLower(sp.text), strings.ToLower(b64)) {
				return sp.mistakes, true
			}
			continue
		}
		for _, m := range sp.macs {
			if bytes.Equal(m, mac) {
				return sp.mistakes, true
			}
		}
	}
	return nil, false
}

// secretVariants are the secret as given (trimmed: how a receiver reads
// it), untrimmed when that differs, and with the whitespace a copy or a
// secret file often adds.
func secretVariants(raw string) []secretVariant {
	t := strings.TrimSpace(raw)
	out := []secretVariant{{value: t}}
	if raw != t {
		out = append(out, secretVariant{raw, &mistake{"secret-whitespace",
			"the sender's secret includes the whitespace around the --secret value you gave. A receiver ignores it (listen does), so remove it from the secret in the sender's settings."}})
	}
	for _, v := range []struct{ s, what string }{
		{t + "\n", "followed by a newline"},
		{t + "\r\n", "followed by CR LF"},
		{t + " ", "followed by a space"},
		{" " + t, "preceded by a space"},
	} {
		if v.s == raw {
			continue
		}
		out = append(out, secretVariant{v.s, &mistake{"secret-whitespace",
			"the sender signs with the secret " + v.what + " (a secret file or variable saved with it, or a copy that took it along). Remove it in the sender's settings."}})
	}
	return out
}

// bodyVariants are the body as given, with a trailing newline added or
// stripped, and, for JSON, the same value written the ways common tools
// write it.
func bodyVariants(body []byte) []bodyVariant {
	out := []bodyVariant{{body: body}}
	seen := map[string]bool{string(body): true}
	add := func(b []byte, m mistake) {
		if b == nil || seen[string(b)] {
			return
		}
		seen[string(b)] = true
		mm := m
		out = append(out, bodyVariant{body: b, m: &mm})
	}
	switch {
	case bytes.HasSuffix(body, []byte("\r\n")):
		add(body[:len(body)-2], mistake{"trailing-newline-added",
			"the body you gave ends with a line break (CR LF) the sender did not send. Pass the body without it (printf '%s', or a file saved without a final newline)."})
	case bytes.HasSuffix(body, []byte("\n")):
		add(body[:len(body)-1], mistake{"trailing-newline-added",
			"the body you gave ends with a newline the sender did not send (echo and here-documents add one). Pass the body without it: printf '%s' \"$BODY\", or a file saved without a final newline."})
	}
	if !bytes.HasSuffix(body, []byte("\n")) {
		add(append(bytes.Clone(body), '\n'), mistake{"trailing-newline-missing",
			"the sender's body ends with a newline, and the body you gave lacks it (copied from a log or a terminal, or sent with curl -d, which strips newlines). Pass the raw bytes: save the body as received, send with curl --data-binary."})
	}

	trimmed := bytes.TrimSpace(body)
	if !json.Valid(trimmed) {
		return out
	}
	reserialised := func(how string) mistake {
		return mistake{"body-reserialised", "the body was re-serialised: the signature matches the same JSON written " + how +
			", not the bytes you gave. Something (a logger, jq, a framework's parsed body, JSON.stringify) re-wrote it after it was received. Verify the raw request body, byte for byte; never re-serialise before checking a signature."}
	}
	forms := []struct {
		how string
		f   func([]byte) []byte
	}{
		{"compactly (as JSON.stringify or json.Marshal write it)", func(b []byte) []byte {
			var buf bytes.Buffer
			if json.Compact(&buf, b) != nil {
				return nil
			}
			return buf.Bytes()
		}},
		{"indented by 2 spaces", indentWith("  ")},
		{"indented by 4 spaces", indentWith("    ")},
		{"indented by tabs", indentWith("\t")},
		{`with ", " and ": " separators (as Python's json.dumps writes it)`, func(b []byte) []byte {
			v := jsontext.Value(bytes.Clone(b))
			if v.Format(jsontext.SpaceAfterColon(true), jsontext.SpaceAfterComma(true)) != nil {
				return nil
			}
			return v
		}},
		{"compactly with its keys sorted", func(b []byte) []byte {
			v := jsontext.Value(bytes.Clone(b))
			if v.Canonicalize() != nil {
				return nil
			}
			return v
		}},
	}
	for _, form := range forms {
		b := form.f(trimmed)
		if b == nil {
			continue
		}
		add(b, reserialised(form.how))
		add(append(bytes.Clone(b), '\n'), reserialised(form.how+", with a final newline"))
	}
	return out
}

func indentWith(indent string) func([]byte) []byte {
	return func(b []byte) []byte {
		var buf bytes.Buffer
		if json.Indent(&buf, b, "", indent) != nil {
			return nil
		}
		return buf.Bytes()
	}
}

// otherProvider looks for another provider's signature header and, when
// one verifies, names the provider.
func (c *check) otherProvider(w *strings.Builder) {
	for _, p := range providers {
		if p.kind != authHMAC || p.name == c.p.name {
			continue
		}
		s := p.scheme(c.tsHeader)
		if len(c.header.Values(s.SignatureHeader)) == 0 {
			continue
		}
		v, err := verify.HMAC(s, verify.Secrets(c.secrets...))
		if err == nil {
			if d, err := v.Verify(c.header, c.body); err == nil {
				fmt.Fprintf(w, "diagnosis (wrong-provider): this is a %s delivery (%s), and it verifies as one with --secret %s. Use --provider %s.\n",
					p.name, s.SignatureHeader, "#"+strings.TrimPrefix(d.SecretID, "s"), p.name)
				return
			}
		}
		fmt.Fprintf(w, "  note: the headers hold %s, the signature header of %s: is --provider right?\n", s.SignatureHeader, p.name)
	}
}

// diagnoseCredential explains a refused Authorization value or Basic
// credentials, without showing either.
func (c *check) diagnoseCredential(w *strings.Builder, err error) {
	vals := c.header.Values("Authorization")
	switch {
	case len(vals) == 0:
		fmt.Fprintf(w, "diagnosis (missing-header): there is no Authorization header among the -H flags (got: %s). Pass it as -H 'Authorization: <value>'.\n", headerNames(c.header))
		return
	case len(vals) > 1:
		fmt.Fprintf(w, "diagnosis (repeated-header): Authorization is given %d times; a receiver refuses it. Pass it once.\n", len(vals))
		return
	}
	got := strings.TrimSpace(vals[0])
	if c.p.kind == authBasic {
		c.diagnoseBasic(w, got)
		return
	}
	for _, list := range []struct {
		name  string
		items []string
	}{{"--secret", c.secrets}, {"--also-try", c.also}} {
		for i, s := range list.items {
			s = strings.TrimSpace(s)
			_, gotRest, gotScheme := strings.Cut(got, " ")
			_, sRest, sScheme := strings.Cut(s, " ")
			switch {
			case list.name == "--also-try" && got == s:
				fmt.Fprintf(w, "diagnosis (other-secret): the Authorization value is --also-try #%d, which the receiver is not configured with. Configure it, or change OnCall's authorization_header to --secret #1.\n", i+1)
			case gotScheme && !sScheme && strings.TrimSpace(gotRest) == s:
				fmt.Fprintf(w, "diagnosis (prefix-present): the header carries a scheme word (%s) before the value %s #%d holds. OnCall sends its authorization_header setting verbatim: configure the same full string on both sides.\n", schemeWord(got), list.name, i+1)
			case sScheme && !gotScheme && strings.TrimSpace(sRest) == got:
				fmt.Fprintf(w, "diagnosis (prefix-missing): %s #%d starts with a scheme word the header lacks. OnCall adds no scheme: configure the same full string on both sides.\n", list.name, i+1)
			case strings.EqualFold(got, s) && got != s:
				fmt.Fprintf(w, "diagnosis (case): the header equals %s #%d but for letter case. The value is compared exactly.\n", list.name, i+1)
			default:
				continue
			}
			return
		}
	}
	fmt.Fprintf(w, "diagnosis (no-match): the Authorization value matches no --secret in any usual spelling (%s). Check OnCall's authorization_header setting.\n", oneLine(strings.TrimPrefix(err.Error(), "verify: ")))
}

func (c *check) diagnoseBasic(w *strings.Builder, got string) {
	scheme, cred, _ := strings.Cut(got, " ")
	if !strings.EqualFold(scheme, "Basic") {
		fmt.Fprintf(w, "diagnosis (not-basic): the Authorization header holds %s, not Basic credentials; datadog is checked here with Basic credentials (a webhook URL with user:password@). For OAuth bearer tokens, run listen with --jwks, --issuer and --audience.\n", schemeWord(got))
		return
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	user, pass, ok := strings.Cut(string(dec), ":")
	if err != nil || !ok {
		w.WriteString("diagnosis (malformed): the Basic credentials are not base64 of user:password.\n")
		return
	}
	for _, list := range []struct {
		name  string
		items []string
	}{{"--secret", c.secrets}, {"--also-try", c.also}} {
		for i, s := range list.items {
			wu, wp, _ := strings.Cut(strings.TrimSpace(s), ":")
			switch {
			case user == wu && pass == wp:
				fmt.Fprintf(w, "diagnosis (other-secret): the credentials are %s #%d, which the receiver is not configured with.\n", list.name, i+1)
			case user == wu && strings.TrimSpace(pass) == wp:
				fmt.Fprintf(w, "diagnosis (secret-whitespace): the user name matches %s #%d, and the password does once whitespace around it is removed: the sender's password includes it.\n", list.name, i+1)
			case user == wu:
				fmt.Fprintf(w, "diagnosis (password): the user name matches %s #%d and the password does not. Check the password in the webhook URL (percent-encode special characters there).\n", list.name, i+1)
			default:
				continue
			}
			return
		}
	}
	w.WriteString("diagnosis (no-match): the user name matches no --secret. Check the user:password@ part of the Datadog webhook URL.\n")
}

// schemeWord names the authentication scheme an Authorization value starts
// with, when it is a well-known one; anything else might be a credential, so
// it is not shown.
func schemeWord(value string) string {
	word, _, _ := strings.Cut(value, " ")
	for _, known := range []string{"Bearer", "Basic", "Token", "Digest", "ApiKey"} {
		if strings.EqualFold(word, known) {
			return "the " + known + " scheme"
		}
	}
	return "an unknown scheme or a bare value"
}

func timestampHeaderName(s verify.Scheme) string {
	if s.TimestampHeader != "" {
		return s.TimestampHeader
	}
	if s.TimestampKey != "" {
		return s.SignatureHeader + " (its " + s.TimestampKey + "= entry)"
	}
	return "the body's " + s.TimestampField + " member"
}

// missingTimestamp says which timestamp is missing and how to pass it.
func missingTimestamp(s verify.Scheme) string {
	switch {
	case s.TimestampField != "":
		return fmt.Sprintf("the signature is right, but the body has no %q member, which %s always sends; the receiver refuses the delivery.", s.TimestampField, s.Provider)
	case s.TimestampKey != "":
		return fmt.Sprintf("%s has no %s= entry, which %s always sends. Pass the header whole, as received.", s.SignatureHeader, s.TimestampKey, s.Provider)
	}
	return fmt.Sprintf("there is no %s header, which %s always sends. Pass it as -H '%s: <value>'.", s.TimestampHeader, s.Provider, s.TimestampHeader)
}

func formatName(f verify.TimestampFormat) string {
	switch f {
	case verify.TimestampUnixSeconds:
		return "Unix seconds"
	case verify.TimestampRFC3339:
		return "an RFC 3339 time"
	}
	return "Unix seconds, Unix milliseconds or RFC 3339"
}
