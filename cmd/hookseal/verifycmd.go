package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hookseal/hookseal/verify"
)

const verifyAbout = `
Check one delivery, its headers given with -H and its body on stdin, the
way a hookseal receiver would. Exit 0 when it is authentic and fresh, 1 when
it is not, 2 on a usage error.

When it is not authentic, verify tries the usual mistakes and says which
one fits: the body re-serialised (the same JSON written compactly, indented
or with sorted keys), a trailing newline added or lost, whitespace around
the secret, another secret (from --also-try: a retired one, another
channel's), the signature's letter case or encoding changed, a sha256=
prefix the sender does not send or one it needs, a timestamp outside the
window, a header that belongs to another provider. Secrets are named by
their position in --secret or --also-try; neither a secret nor an expected
signature is ever printed.`

const verifyExamples = `  hookseal verify --provider checkly --secret s3cr3t \
      -H "x-checkly-signature: $SIG" -H "x-checkly-timestamp: $TS" < body.json
  hookseal verify --provider stripe --secret whsec_new,whsec_old -H "Stripe-Signature: $SIG" < event.json
  hookseal verify --provider github --secret s3cr3t --also-try old1,old2 -H "X-Hub-Signature-256: $SIG" < body.json
  hookseal verify --provider checkly --secret s3cr3t --now 2025-06-01T12:00:00Z -H ... < body.json
  hookseal verify --provider oncall --secret 'Bearer t0ken' -H "Authorization: $AUTH" < body.json`

func runVerify(e *env, args []string) int {
	f := newFlags("verify", "hookseal verify --provider P --secret S -H 'Name: value'... < body", verifyAbout, verifyExamples)
	name := f.String("provider", "", "the sender: "+providerList)
	secret := f.String("secret", "", secretHelp)
	alsoTry := f.String("also-try", "", "other `secrets`, comma-separated, tried only to diagnose a failure (never accepted)")
	var hf headerFlags
	f.Var(&hf, "H", "a request `header`, 'Name: value'; repeat for each")
	tolerance := f.Duration("tolerance", verify.DefaultMaxAge, "how old a sender's timestamp may be")
	nowFlag := f.String("now", "", "judge freshness at this `time` (Unix seconds, milliseconds or RFC 3339) instead of now")
	tsHeader := f.String("timestamp-header", "", "grafana only: the timestamp `header` the contact point is configured with")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	p, err := findProvider(*name)
	if err != nil {
		return fail(e, "verify", err)
	}
	if *secret == "" {
		return fail(e, "verify", usagef("--secret is required (the secret the receiver is configured with)"))
	}
	rawSecrets, secrets, err := splitSecrets("--secret", *secret)
	if err != nil {
		return fail(e, "verify", err)
	}
	var rawAlso []string
	if *alsoTry != "" {
		if rawAlso, _, err = splitSecrets("--also-try", *alsoTry); err != nil {
			return fail(e, "verify", err)
		}
	}
	if len(hf.h) == 0 {
		return fail(e, "verify", usagef("-H is required: pass the delivery's headers, e.g. -H 'x-checkly-signature: <value>'"))
	}
	if *tolerance <= 0 {
		return fail(e, "verify", usagef("--tolerance must be positive, got %s", *tolerance))
	}
	now := time.Now()
	if *nowFlag != "" {
		if now, err = parseTime("--now", *nowFlag); err != nil {
			return fail(e, "verify", err)
		}
	}
	body, err := readInput(e.stdin, "stdin")
	if err != nil {
		return fail(e, "verify", err)
	}

	c := &check{
		p: p, header: hf.h, body: body, now: now, maxAge: *tolerance, tsHeader: *tsHeader,
		raw: rawSecrets, secrets: secrets, also: rawAlso,
	}
	v, err := c.verifier(secrets)
	if err != nil {
		return fail(e, "verify", err)
	}
	d, verr := v.Verify(c.header, c.body)
	var out strings.Builder
	code := c.report(&out, d, verr)
	_, _ = io.WriteString(e.stdout, out.String())
	return code
}

// check is one delivery being verified and diagnosed.
type check struct {
	p        provider
	header   http.Header
	body     []byte
	now      time.Time
	maxAge   time.Duration
	tsHeader string
	raw      []string // --secret items as given
	secrets  []string // --secret items, trimmed
	also     []string // --also-try items as given
}

// verifier builds the receiver's verifier for secrets.
func (c *check) verifier(secrets []string) (verify.Verifier, error) {
	var v verify.Verifier
	var err error
	switch c.p.kind {
	case authHMAC:
		v, err = hmacVerifier(c.p.name, c.p.scheme(c.tsHeader), verify.Secrets(secrets...))
	case authAuthorization:
		v, err = verify.Authorization(c.p.name, verify.Secrets(secrets...))
	case authBasic:
		creds := make([]verify.Credential, len(secrets))
		for i, s := range secrets {
			user, pass, perr := basicCredentials(s)
			if perr != nil {
				return nil, perr
			}
			creds[i] = verify.Credential{ID: fmt.Sprintf("s%d", i+1), Username: user, Password: pass}
		}
		v, err = verify.Basic(c.p.name, creds)
	}
	if err != nil {
		return nil, usagef("--secret: %s", strings.TrimPrefix(err.Error(), "verify: "))
	}
	return v, nil
}

// report writes the verdict and, for a failure, the diagnosis, and returns
// the exit code. An authentic delivery's time is judged as a receiver
// judges it, in the window of --tolerance and the default skew.
func (c *check) report(w *strings.Builder, d verify.Delivery, err error) int {
	if err != nil {
		fmt.Fprintf(w, "not authentic: %s\n", oneLine(strings.TrimPrefix(err.Error(), "verify: ")))
		c.diagnose(w, err)
		return exitNo
	}
	window := verify.Window{MaxAge: c.maxAge, MaxSkew: verify.DefaultMaxSkew}
	if werr := window.Check(d.Timestamp, c.now); werr != nil {
		fmt.Fprintf(w, "not accepted: authentic, but stale: %s\n", strings.TrimPrefix(werr.Error(), "verify: "))
		c.staleDiagnosis(w, d, werr)
		return exitNo
	}
	fmt.Fprintf(w, "authentic: %s delivery, accepted by --secret #%s of %d\n", c.p.name, strings.TrimPrefix(d.SecretID, "s"), len(c.secrets))
	c.notes(w, d)
	return exitOK
}

// notes adds what is worth knowing about an authentic delivery.
func (c *check) notes(w *strings.Builder, d verify.Delivery) {
	if !d.Timestamp.IsZero() {
		signed := "signed"
		if !d.TimestampSigned {
			signed = "not covered by the signature: it tells freshness, it does not stop replays"
		}
		fmt.Fprintf(w, "  timestamp %s, %s before --now (%s)\n", d.Timestamp.UTC().Format(time.RFC3339), c.now.Sub(d.Timestamp).Round(time.Second), signed)
	}
	if d.ID != "" {
		fmt.Fprintf(w, "  delivery id %s\n", clip(d.ID, 80))
	}
	fmt.Fprintf(w, "  dedupe key %s\n", d.Key)
	for i, r := range c.raw {
		if r != c.secrets[i] {
			fmt.Fprintf(w, "  note: --secret #%d has surrounding whitespace, which is ignored (as listen ignores it)\n", i+1)
		}
	}
	if c.p.kind == authHMAC {
		s := c.p.scheme(c.tsHeader)
		v := strings.TrimPrefix(c.header.Get(s.SignatureHeader), s.Prefix)
		if s.Encoding == verify.EncodingHex && strings.ContainsAny(v, "ABCDEF") {
			fmt.Fprintf(w, "  note (hex-case): the signature is upper-case hex. hookseal accepts either case, but %s sends lower case, and a receiver comparing strings (as Checkly's Node example does) would reject it\n", c.p.name)
		}
	}
}

// staleDiagnosis explains an authentic delivery outside the window.
func (c *check) staleDiagnosis(w *strings.Builder, d verify.Delivery, err error) {
	age := c.now.Sub(d.Timestamp).Round(time.Second)
	when := fmt.Sprintf("%s older than --now", age)
	if errors.Is(err, verify.ErrTooNew) {
		when = fmt.Sprintf("%s ahead of --now", -age)
	}
	fmt.Fprintf(w, "diagnosis (stale): the signature is right, but the timestamp %s is %s; the window is %s old to %s ahead.\n",
		d.Timestamp.UTC().Format(time.RFC3339), when, c.maxAge, verify.DefaultMaxSkew)
	if errors.Is(err, verify.ErrTooNew) {
		w.WriteString("  The sender's clock or this machine's is off. ")
	} else {
		w.WriteString("  A receiver drops it as stale (200, outcome stale): a late retry or a replay. ")
	}
	w.WriteString("For a delivery captured earlier, pass --now with the time it arrived; or widen --tolerance.\n")
	if !d.TimestampSigned {
		fmt.Fprintf(w, "  %s's timestamp is not signed: it tells freshness, it does not stop replays.\n", c.p.name)
	}
}

// headerNames lists the names of the given headers, for messages.
func headerNames(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// oneLine joins a multi-line error (verify.AnyOf joins with newlines).
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }
