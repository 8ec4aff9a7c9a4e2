import { createHmac } from "node:crypto";

/*
 * A delivery's `webhook-signature` entry, as the Standard Webhooks spec defines it: HMAC-SHA256, keyed
 * with the base64 after `whsec_`, over `${id}.${unix seconds}.${payload}` (UTF-8), answered as
 * `v1,<base64>`. Node's crypto computes it natively; the `standardwebhooks` library did it in pure JS
 * (fast-sha256, @stablelib/base64: 12 KB loaded at every cold start of the functions that deliver).
 * test/unit/webhook-signature.test.ts holds it equal, byte for byte, to that library's `sign`, and
 * receivers (test/support/receiver.ts, `npm run webhooks:listen`) still verify with the library.
 */

const PREFIX = "whsec_";

/**
 * Secrets are Linkplane's own (`newSecret`, sealed with AES-GCM), always well-formed: Buffer's lenient
 * base64 decodes them as the library's strict decoder does. Decoding is cheap natively, so the key is
 * not cached per secret as the library's signers were.
 */
export function sign(secret: string, id: string, at: Date, payload: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
  const timestamp = Math.floor(at.getTime() / 1000);
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${payload}`).digest("base64")}`;
}
