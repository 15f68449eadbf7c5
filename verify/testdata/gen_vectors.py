#!/usr/bin/env python3
"""Generate verify/testdata/vectors.json: HMAC-SHA256 test vectors for every
preset, computed with Python's hmac module, independently of the Go code.

Run from the repository root:  python3 verify/testdata/gen_vectors.py
The output is committed; the Go tests only read it.
"""
import base64
import hashlib
import hmac
import json
import os

def mac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()

TS = 1763884800  # 2025-11-23T08:00:00Z
BODIES = {
    "checkly": b'{"alert_type":"ALERT_FAILURE","check_id":"4b1c4d7e-1f2a-4c3b-9d8e-0a1b2c3d4e5f","check_name":"My API check","started_at":"2025-11-23T07:59:58.000Z"}',
    "statusstack": b'{"event":"component.status_changed","timestamp":"2025-11-23T08:00:00Z","stack":{"id":"stack_abc123","name":"Production Infrastructure","slug":"production"},"component":{"id":"comp_xyz789","name":"Production API","previous_status":"operational","current_status":"critical"},"incident":{"id":"inc_123","created_at":"2025-11-23T08:00:00Z"}}',
    "grafana": b'{"receiver":"hookseal","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"HighLatency"}}],"groupKey":"{}:{alertname=\\"HighLatency\\"}"}',
    "github": b'{"action":"opened","number":1}\n',
    "stripe": b'{"id":"evt_1","object":"event","type":"invoice.paid"}',
    "standardwebhooks": b'{"type":"user.created","timestamp":"2025-11-23T08:00:00Z","data":{"id":"u_1"}}',
    "pagerduty": b'{"event":{"id":"5ac64822-4adc-4fda-ade0-410becf0de4f","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2025-11-23T07:59:58.169Z","agent":null,"client":null,"data":{"id":"PGR0VU2","type":"incident","number":2,"status":"triggered","title":"A little bump in the road","urgency":"high"}}}',
    # Bytes a re-serialising receiver would lose: spacing, key order, unicode.
    "checkly-pretty": '{\n  "ALERT_TYPE": "ALERT_RECOVERY",\n  "CHECK_NAME": "Caf\u00e9 \u2603 check",\n  "TAGS": ["a", "b"]\n}\n'.encode("utf-8"),
}

vectors = []

def add(name, provider, secrets, body, headers, **extra):
    vectors.append(dict(name=name, provider=provider, secrets=secrets,
                        body=body.decode("utf-8"), headers=headers, timestamp=TS, **extra))

# Checkly: hex over the raw body; x-checkly-timestamp unsigned.
for name in ("checkly", "checkly-pretty"):
    body = BODIES[name]
    sig = mac(b"checkly-secret", body).hex()
    add(name, "checkly", ["checkly-secret"], body,
        {"X-Checkly-Signature": sig, "X-Checkly-Timestamp": str(TS)})
    add(name + "-ms-timestamp", "checkly", ["checkly-secret"], body,
        {"X-Checkly-Signature": sig, "X-Checkly-Timestamp": str(TS * 1000)})
    add(name + "-rfc3339-timestamp", "checkly", ["checkly-secret"], body,
        {"X-Checkly-Signature": sig, "X-Checkly-Timestamp": "2025-11-23T08:00:00.000Z"})
    add(name + "-uppercase-hex", "checkly", ["checkly-secret"], body,
        {"X-Checkly-Signature": sig.upper(), "X-Checkly-Timestamp": str(TS)}, sign=False)

# Checkly with a non-ASCII secret: the key is its UTF-8 bytes.
body = BODIES["checkly"]
add("checkly-utf8-secret", "checkly", ["s\u00e9cr\u00e8t \u2603"], body,
    {"X-Checkly-Signature": mac("s\u00e9cr\u00e8t \u2603".encode("utf-8"), body).hex(),
     "X-Checkly-Timestamp": str(TS)})

# StatusStack: hex over the raw body; time from the body.
body = BODIES["statusstack"]
add("statusstack", "statusstack", ["ss-secret"], body,
    {"X-StatusStack-Signature": mac(b"ss-secret", body).hex()})

# Grafana Alerting, without and with a timestamp header ("ts:body").
body = BODIES["grafana"]
add("grafana", "grafana", ["grafana-secret"], body,
    {"X-Grafana-Alerting-Signature": mac(b"grafana-secret", body).hex()})
add("grafana-timestamped", "grafana", ["grafana-secret"], body,
    {"X-Grafana-Alerting-Signature": mac(b"grafana-secret", str(TS).encode() + b":" + body).hex(),
     "X-Grafana-Alerting-Timestamp": str(TS)},
    timestamp_header="X-Grafana-Alerting-Timestamp")

# GitHub: "sha256=" + hex over the raw body.
body = BODIES["github"]
add("github", "github", ["It's a Secret to Everybody"], body,
    {"X-Hub-Signature-256": "sha256=" + mac(b"It's a Secret to Everybody", body).hex()})
# GitHub's own documented example (docs.github.com, "Validating webhook deliveries").
add("github-docs-example", "github", ["It's a Secret to Everybody"], b"Hello, World!",
    {"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"})

# Stripe: "t=<ts>,v1=<hex>[,v1=...]" over "<ts>.<body>"; two secrets during a roll.
body = BODIES["stripe"]
signed = str(TS).encode() + b"." + body
add("stripe", "stripe", ["whsec_stripe_old", "whsec_stripe_new"], body,
    {"Stripe-Signature": "t=%d,v1=%s,v1=%s,v0=%s" % (
        TS, mac(b"whsec_stripe_old", signed).hex(), mac(b"whsec_stripe_new", signed).hex(),
        "00" * 32)})

# Standard Webhooks: "v1,<base64>" over "<id>.<ts>.<body>", key = base64 after whsec_.
body = BODIES["standardwebhooks"]
key = b"hookseal-standard-webhooks-key-32"
secret = "whsec_" + base64.b64encode(key).decode()
msg_id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
sig = base64.b64encode(mac(key, ("%s.%d." % (msg_id, TS)).encode() + body)).decode()
add("standardwebhooks", "standardwebhooks", [secret], body,
    {"Webhook-Id": msg_id, "Webhook-Timestamp": str(TS), "Webhook-Signature": "v1," + sig},
    id=msg_id)
# Standard Webhooks' own published test vector (standard-webhooks spec test suite).
add("standardwebhooks-spec-example", "standardwebhooks", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    b'{"test": 2432232314}',
    {"Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "Webhook-Timestamp": "1614265330",
     "Webhook-Signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
    id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp_override=1614265330)

# PagerDuty v3: "v1=<hex>[,v1=<hex>...]" over the raw body, one entry per
# secret of the subscription (two during a rotation); event.id is the id.
body = BODIES["pagerduty"]
add("pagerduty", "pagerduty", ["pd-secret"], body,
    {"X-PagerDuty-Signature": "v1=" + mac(b"pd-secret", body).hex()},
    id="5ac64822-4adc-4fda-ade0-410becf0de4f")
add("pagerduty-rotation", "pagerduty", ["pd-secret-new", "pd-secret-old"], body,
    {"X-PagerDuty-Signature": "v1=%s,v1=%s" % (mac(b"pd-secret-new", body).hex(), mac(b"pd-secret-old", body).hex())},
    id="5ac64822-4adc-4fda-ade0-410becf0de4f")
add("pagerduty-spaces-and-unknown-version", "pagerduty", ["pd-secret"], body,
    {"X-PagerDuty-Signature": "v0=%s, v1=%s" % ("00" * 32, mac(b"pd-secret", body).hex())},
    id="5ac64822-4adc-4fda-ade0-410becf0de4f", sign=False)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")
with open(out, "w") as f:
    json.dump(vectors, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("wrote %d vectors to %s" % (len(vectors), out))
