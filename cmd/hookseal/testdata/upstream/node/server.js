// An app behind `hookseal proxy`, for the CLI's tests: it verifies every
// hop with the official Standard Webhooks library, as an app in Node would,
// and prints one JSON line per request on stdout saying what it got and
// whether the library accepted it. It answers 204 for an accepted hop and
// 401 for one the library refuses. A hop whose webhook-id it has accepted
// before is answered 204 again (the sender's at-least-once delivery, as
// the Standard Webhooks spec asks apps to dedupe) and reported as a
// duplicate.
//
//   HOOKSEAL_PROXY_SECRET=whsec_... PORT=3000 node server.js
"use strict";
const crypto = require("crypto");
const http = require("http");
const { Webhook } = require("standardwebhooks");

const wh = new Webhook(process.env.HOOKSEAL_PROXY_SECRET);
const seen = new Set();

function report(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const h = req.headers;
    const line = {
      id: h["webhook-id"] || "",
      provider: h["hookseal-provider"] || "",
      route: h["hookseal-route"] || "",
      type: h["hookseal-event-type"] || "",
      resource: h["hookseal-resource"] || "",
      signed_time: h["hookseal-signed-time"] || "",
      attempt: Number(h["hookseal-attempt"] || 0),
      content_type: h["content-type"] || "",
      bytes: body.length,
      sha256: crypto.createHash("sha256").update(body).digest("hex"),
    };
    try {
      wh.verify(body, h);
      line.verified = true;
    } catch (err) {
      line.verified = false;
      line.error = String(err && err.message);
      report(line);
      res.writeHead(401).end();
      return;
    }
    line.duplicate = seen.has(line.id);
    seen.add(line.id);
    report(line);
    res.writeHead(204).end();
  });
});

server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  report({ listening: server.address().port });
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
