package verify

// Provider names the presets report in Delivery.Provider.
const (
	ProviderCheckly          = "checkly"
	ProviderStatusStack      = "statusstack"
	ProviderGrafanaAlerting  = "grafana"
	ProviderGitHub           = "github"
	ProviderStripe           = "stripe"
	ProviderStandardWebhooks = "standardwebhooks"
	ProviderPagerDuty        = "pagerduty"
)

// ChecklyScheme is Checkly's alert-webhook signature: x-checkly-signature is
// the lowercase hex HMAC-SHA256 of the raw body under the channel's secret.
//
// x-checkly-timestamp is not signed; its format is unpublished, so it is
// parsed leniently and reported with TimestampSigned false. Checkly sends it
// on every delivery, so a delivery without it is refused.
func ChecklyScheme() Scheme {
	return Scheme{
		Provider:         ProviderCheckly,
		SignatureHeader:  "X-Checkly-Signature",
		Format:           FormatPlain,
		Encoding:         EncodingHex,
		Signed:           "{body}",
		TimestampHeader:  "X-Checkly-Timestamp",
		TimestampFormat:  TimestampLenient,
		RequireTimestamp: true,
	}
}

// StatusStackScheme is StatusStack's notification signature:
// X-StatusStack-Signature is the hex HMAC-SHA256 of the raw body. The sender
// time is the body's top-level "timestamp" (RFC 3339), which the signature
// covers.
func StatusStackScheme() Scheme {
	return Scheme{
		Provider:         ProviderStatusStack,
		SignatureHeader:  "X-StatusStack-Signature",
		Format:           FormatPlain,
		Encoding:         EncodingHex,
		Signed:           "{body}",
		TimestampField:   "timestamp",
		TimestampFormat:  TimestampRFC3339,
		RequireTimestamp: true,
	}
}

// GrafanaAlertingScheme is Grafana Alerting's webhook contact point with an
// HMAC secret: X-Grafana-Alerting-Signature is the hex HMAC-SHA256 of the raw
// body, or of "<unix seconds>:<body>" when the contact point is configured
// with a timestamp header. Grafana has no default name for that header, so
// pass the one configured, or "" for none.
func GrafanaAlertingScheme(timestampHeader string) Scheme {
	s := Scheme{
		Provider:        ProviderGrafanaAlerting,
		SignatureHeader: "X-Grafana-Alerting-Signature",
		Format:          FormatPlain,
		Encoding:        EncodingHex,
		Signed:          "{body}",
	}
	if timestampHeader != "" {
		s.TimestampHeader = timestampHeader
		s.TimestampFormat = TimestampUnixSeconds
		s.Signed = "{timestamp}:{body}"
		s.RequireTimestamp = true
	}
	return s
}

// GitHubScheme is GitHub's X-Hub-Signature-256: "sha256=" and the hex
// HMAC-SHA256 of the raw body. GitHub sends no timestamp.
func GitHubScheme() Scheme {
	return Scheme{
		Provider:        ProviderGitHub,
		SignatureHeader: "X-Hub-Signature-256",
		Format:          FormatPlain,
		Prefix:          "sha256=",
		Encoding:        EncodingHex,
		Signed:          "{body}",
	}
}

// StripeScheme is Stripe's Stripe-Signature: "t=<unix>,v1=<hex>[,v1=...]"
// over "<t>.<body>". Any v1 entry may match (Stripe sends one per active
// secret while a secret is rolled).
func StripeScheme() Scheme {
	return Scheme{
		Provider:         ProviderStripe,
		SignatureHeader:  "Stripe-Signature",
		Format:           FormatKeyValue,
		Version:          "v1",
		Encoding:         EncodingHex,
		TimestampKey:     "t",
		TimestampFormat:  TimestampUnixSeconds,
		Signed:           "{timestamp}.{body}",
		RequireTimestamp: true,
	}
}

// StandardWebhooksScheme is the Standard Webhooks (Svix) convention:
// webhook-signature is a space-separated list of "v1,<base64>" over
// "<webhook-id>.<webhook-timestamp>.<body>", under a "whsec_<base64>"
// secret. The signed webhook-id is the dedupe key.
func StandardWebhooksScheme() Scheme {
	return Scheme{
		Provider:         ProviderStandardWebhooks,
		SignatureHeader:  "Webhook-Signature",
		Format:           FormatVersioned,
		Version:          "v1",
		Encoding:         EncodingBase64,
		IDHeader:         "Webhook-Id",
		TimestampHeader:  "Webhook-Timestamp",
		TimestampFormat:  TimestampUnixSeconds,
		Signed:           "{id}.{timestamp}.{body}",
		RequireTimestamp: true,
		SecretFormat:     SecretWhsec,
	}
}

// PagerDutyScheme is PagerDuty's Generic Webhooks (v3) signature:
// X-PagerDuty-Signature is a comma-separated list of "v1=<hex>" entries,
// each the HMAC-SHA256 of the raw body under one of the subscription's
// secrets (several while a secret is rotated; any one matching passes).
//
// PagerDuty sends no timestamp header. The body's event.id, which the
// signature covers, is Delivery.ID and the dedupe key (IDField); its
// event.occurred_at, also signed, is the event's time, judged and ordered
// on by a route decoding into package event/pagerduty's Message (which
// implements event.Stamped).
func PagerDutyScheme() Scheme {
	return Scheme{
		Provider:        ProviderPagerDuty,
		SignatureHeader: "X-PagerDuty-Signature",
		Format:          FormatKeyValue,
		Version:         "v1",
		Encoding:        EncodingHex,
		Signed:          "{body}",
		IDField:         "/event/id",
	}
}

// PagerDuty returns a verifier for PagerDuty v3 webhooks. See
// PagerDutyScheme.
func PagerDuty(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(PagerDutyScheme(), secrets, opts...)
}

// Checkly returns a verifier for Checkly alert webhooks. See ChecklyScheme.
func Checkly(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(ChecklyScheme(), secrets, opts...)
}

// StatusStack returns a verifier for StatusStack notifications. See
// StatusStackScheme.
func StatusStack(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(StatusStackScheme(), secrets, opts...)
}

// GrafanaAlerting returns a verifier for Grafana Alerting webhooks signed
// over the body alone. For a contact point with a timestamp header use
// HMAC(GrafanaAlertingScheme(header), ...).
func GrafanaAlerting(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(GrafanaAlertingScheme(""), secrets, opts...)
}

// GitHub returns a verifier for GitHub webhooks. See GitHubScheme.
func GitHub(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(GitHubScheme(), secrets, opts...)
}

// Stripe returns a verifier for Stripe webhooks. See StripeScheme.
func Stripe(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(StripeScheme(), secrets, opts...)
}

// StandardWebhooks returns a verifier for Standard Webhooks senders that
// sign with HMAC ("v1" entries). Secrets are "whsec_..." strings. See
// StandardWebhooksScheme. For senders that sign with Ed25519 ("v1a"
// entries, "whpk_..." public keys), or both, use StandardWebhooksKeys.
func StandardWebhooks(secrets []Secret, opts ...Option) (*HMACAuth, error) {
	return HMAC(StandardWebhooksScheme(), secrets, opts...)
}
