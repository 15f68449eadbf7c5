#!/usr/bin/env node
// Generate verify/testdata/v1a_vectors.json: Standard Webhooks vectors for
// the asymmetric "v1a" signature (Ed25519) and for headers mixing "v1"
// (HMAC-SHA256) and "v1a" entries, computed with Node's crypto module,
// independently of the Go code.
//
// Run from the repository root:  node verify/testdata/gen_v1a_vectors.mjs
// It needs no package: node:crypto implements Ed25519 and HMAC. The output
// is committed; the Go tests only read it.
//
// Key forms (Standard Webhooks spec, "Signature scheme"):
//   whsk_ + base64(seed || public key)   64 bytes, the sender's secret key
//   whpk_ + base64(public key)           32 bytes, the receiver's key
//   whsec_ + base64(secret)              the symmetric secret
import { createHmac, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

// keyPair derives a key pair from a fixed 32-byte seed, so the vectors are
// reproducible.
function keyPair(label) {
  const seed = createHmac("sha256", "hookseal-v1a-vectors").update(label).digest();
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
  const pub = createPublicKey(priv).export({ format: "jwk" });
  const pubRaw = Buffer.from(pub.x, "base64url");
  return {
    priv,
    whsk: "whsk_" + Buffer.concat([seed, pubRaw]).toString("base64"),
    whskSeed: "whsk_" + seed.toString("base64"),
    whpk: "whpk_" + pubRaw.toString("base64"),
  };
}

const whsec = "whsec_" + Buffer.from("hookseal-v1a-vectors-symmetric-secret!").toString("base64");
const whsecOld = "whsec_" + Buffer.from("hookseal-v1a-vectors-old-symmetric-key").toString("base64");
const current = keyPair("current");
const old = keyPair("old");
const stranger = keyPair("stranger");

const TS = 1763884800; // 2025-11-23T08:00:00Z
const BODY = '{"type":"user.created","timestamp":"2025-11-23T08:00:00Z","data":{"id":"u_1","name":"Zoë"}}';

function content(id, ts, body) {
  return Buffer.from(`${id}.${ts}.${body}`, "utf8");
}
function v1a(k, id, ts, body) {
  const sig = sign(null, content(id, ts, body), k.priv);
  if (!verify(null, content(id, ts, body), createPublicKey(k.priv), sig)) throw new Error("self-check failed");
  return "v1a," + sig.toString("base64");
}
function v1(secret, id, ts, body) {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return "v1," + createHmac("sha256", key).update(content(id, ts, body)).digest("base64");
}

const vectors = [];
// sender: the keys the sender signs with, in header order (whsk_ and whsec_).
// receiver: the keys the receiver is configured with (whpk_ and whsec_).
// match: the index in receiver of the key that must match, or -1 when the
// delivery must be refused as invalid.
function add(name, sender, receiver, match, { id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", ts = TS, body = BODY } = {}) {
  const sigs = sender.map((k) => (typeof k === "string" ? v1(k, id, ts, body) : v1a(k, id, ts, body)));
  vectors.push({
    name,
    sender: sender.map((k) => (typeof k === "string" ? k : k.whsk)),
    receiver: receiver.map((k) => (typeof k === "string" ? k : k.whpk)),
    match,
    id,
    timestamp: ts,
    body,
    headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sigs.join(" ") },
  });
}

add("v1a", [current], [current], 0);
add("v1a-empty-body", [current], [current], 0, { body: "" });
add("v1a-pretty-body", [current], [current], 0, { body: '{\n  "type": "invoice.paid",\n  "data": {"snowman": "\u2603"}\n}\n', id: "msg_pretty" });
add("mixed-v1-then-v1a-public-key-only", [whsec, current], [current], 0);
add("mixed-v1-then-v1a-secret-only", [whsec, current], [whsec], 0);
add("mixed-v1a-then-v1-both-configured", [current, whsec], [whsec, current], 0);
add("rotation-new-and-old-receiver-holds-old", [current, old], [old], 0);
add("rotation-new-and-old-receiver-holds-both", [current, old], [current, old], 0);
add("rotation-receiver-moved-on", [old], [current, old], 1);
add("rotation-v1-to-v1a", [whsecOld, current], [current, whsecOld], 0);
add("unknown-key", [stranger], [current, old], -1);
add("unknown-key-with-v1-under-other-secret", [stranger, whsecOld], [current, whsec], -1);

// Each key pair in both whsk_ forms, for the key-decoding tests.
const keys = [current, old].map((k) => ({ whsk: k.whsk, whsk_seed: k.whskSeed, whpk: k.whpk }));

const out = join(dirname(fileURLToPath(import.meta.url)), "v1a_vectors.json");
writeFileSync(out, JSON.stringify({ keys, vectors }, null, 1) + "\n");
console.log(`wrote ${vectors.length} vectors to ${out}`);
