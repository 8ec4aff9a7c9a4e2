import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as WebhookDelivery from "../../core/webhook/delivery.ts";

// Deliveries are signed with node:crypto (core/webhook/signature.ts); the Standard Webhooks reference
// library is the judge: what it signs must be what we sign, and what we send must pass its `verify`.
const secret = fc
  .record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }), prefixed: fc.boolean() })
  .map(({ bytes, prefixed }) => `${prefixed ? "whsec_" : ""}${Buffer.from(bytes).toString("base64")}`);
// Any text: every code point, any UTF-16 code unit (lone surrogates: both encode them as U+FFFD), and
// what deliveries really carry, JSON.
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const payload = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: codeUnit }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);
const at = fc.date({ min: new Date("1960-01-01"), max: new Date("2200-01-01"), noInvalidDate: true });

describe("webhook signatures", () => {
  // The library checks the timestamp against Date.now(): its clock is set to each delivery's instant.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("are the reference library's, byte for byte, and pass its verify, for any secret, id, time and payload", () => {
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 2 }),
        fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
        at,
        payload,
        (secrets, id, when, body) => {
          // Prepare
          const references = secrets.map((s) => new Webhook(s));

          // Act
          const headers = WebhookDelivery.headers({ id, payload: body }, secrets, when);

          // Assess
          expect(headers["webhook-id"]).toBe(id);
          expect(headers["webhook-timestamp"]).toBe(String(Math.floor(when.getTime() / 1000)));
          expect(headers["webhook-signature"]?.split(" ")).toEqual(
            references.map((wh) => wh.sign(id, when, body)),
          );
          vi.setSystemTime(when);
          for (const wh of references) {
            expect(() => wh.verify(body, headers, { jsonParse: false })).not.toThrow();
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
