"""An app behind `hookseal proxy`, for the CLI's tests, in nothing but
Python's standard library: it verifies every hop's Standard Webhooks
signature itself (HMAC-SHA256 over "id.timestamp.body" under the base64
key after "whsec_", base64, any "v1," entry matching, the timestamp within
five minutes), prints one JSON line per request on stdout, and answers 204
for an accepted hop and 401 otherwise. A webhook-id accepted before is
answered 204 again and reported as a duplicate.

    HOOKSEAL_PROXY_SECRET=whsec_... PORT=3000 python3 server.py
"""
import base64
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["HOOKSEAL_PROXY_SECRET"]
KEY = base64.b64decode(SECRET[len("whsec_"):] if SECRET.startswith("whsec_") else SECRET)
TOLERANCE = 5 * 60
seen = set()
lock = threading.Lock()


def report(line):
    with lock:
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def verify(headers, body):
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        return "missing required headers"
    if not ts.isdigit():
        return "malformed timestamp"
    if abs(time.time() - int(ts)) > TOLERANCE:
        return "timestamp outside the tolerance"
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest())
    for entry in sigs.split(" "):
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig.encode(), expected):
            return None
    return "no matching signature"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        h = self.headers
        line = {
            "id": h.get("webhook-id", ""),
            "provider": h.get("hookseal-provider", ""),
            "route": h.get("hookseal-route", ""),
            "type": h.get("hookseal-event-type", ""),
            "resource": h.get("hookseal-resource", ""),
            "signed_time": h.get("hookseal-signed-time", ""),
            "attempt": int(h.get("hookseal-attempt", "0")),
            "content_type": h.get("content-type", ""),
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        err = verify(h, body)
        line["verified"] = err is None
        status = 204
        if err is not None:
            line["error"] = err
            status = 401
        else:
            with lock:
                line["duplicate"] = line["id"] in seen
                seen.add(line["id"])
        report(line)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass  # stdout holds the JSON lines only


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    report({"listening": server.server_address[1]})
    server.serve_forever()


if __name__ == "__main__":
    main()
