import fc from "fast-check";
import Sign from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";
import { describe, expect, it } from "vitest";
import {
  checkTimestamp,
  parseAuthorization,
  signature,
  utcDate,
  verify,
} from "../../functions/api/tencent/tc3.ts";
import { nowSeconds } from "../support/clock.ts";
import { specAuthorization } from "../support/tc3-spec.ts";

/** What the official SDK would send: its own signer, its own body serialisation. */
function sdkSigned(
  body: Record<string, unknown>,
  timestamp: number,
  secretKey: string,
  service = "vpc",
  host = "vpc.tencentcloudapi.com",
) {
  const authorization = (Sign as unknown as { sign3: (o: object) => string }).sign3({
    method: "POST",
    url: `https://${host}/`,
    payload: body,
    timestamp,
    service,
    secretId: "AKIDtest",
    secretKey,
    headers: { "Content-Type": "application/json" },
  });
  return { authorization, raw: JSON.stringify(body) };
}

describe("TC3-HMAC-SHA256", () => {
  it("computes the same signature as the official SDK for any body, time and key", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        ),
        fc.integer({ min: 1_500_000_000, max: 2_000_000_000 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (body, timestamp, secretKey) => {
          const { authorization, raw } = sdkSigned(body, timestamp, secretKey);
          const auth = parseAuthorization(authorization);
          const ours = signature({
            method: "POST",
            path: "/",
            query: "",
            headers: { "content-type": "application/json", host: "vpc.tencentcloudapi.com" },
            signedHeaders: auth.signedHeaders,
            body: raw,
            timestamp,
            service: auth.service,
            secretKey,
          });
          expect(ours).toBe(auth.signature);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("accepts the SDK's signature over host without the port when the request went to host:port", () => {
    const now = nowSeconds();
    const { authorization, raw } = sdkSigned({ Limit: 1 }, now, "k", "127", "127.0.0.1:3000");
    const auth = parseAuthorization(authorization);
    expect(auth.service).toBe("127");
    expect(() =>
      verify(auth, {
        method: "POST",
        path: "/",
        query: "",
        headers: { "content-type": "application/json", host: "127.0.0.1:3000" },
        body: raw,
        timestamp: now,
        secretKey: "k",
      }),
    ).not.toThrow();
  });

  it.each<[string, { body?: string; secretKey?: string; host?: string }, string]>([
    ["a tampered body", { body: '{"Limit":2}' }, "AuthFailure.SignatureFailure"],
    ["a wrong key", { secretKey: "other" }, "AuthFailure.SignatureFailure"],
    ["another host", { host: "evil.example.com" }, "AuthFailure.SignatureFailure"],
  ])("refuses %s", (_what, change, code) => {
    const now = nowSeconds();
    const { authorization, raw } = sdkSigned({ Limit: 1 }, now, "k");
    const input = {
      method: "POST",
      path: "/",
      query: "",
      headers: { "content-type": "application/json", host: change.host ?? "vpc.tencentcloudapi.com" },
      body: change.body ?? raw,
      timestamp: now,
      secretKey: change.secretKey ?? "k",
    };
    expect(() => verify(parseAuthorization(authorization), input)).toThrow(expect.objectContaining({ code }));
  });

  it("refuses a scope date that is not the timestamp's UTC date", () => {
    const now = nowSeconds();
    const { authorization, raw } = sdkSigned({}, now, "k");
    const auth = { ...parseAuthorization(authorization), date: utcDate(now - 86_400) };
    const input = {
      method: "POST",
      path: "/",
      query: "",
      headers: { "content-type": "application/json", host: "vpc.tencentcloudapi.com" },
      body: raw,
      timestamp: now,
      secretKey: "k",
    };
    expect(() => verify(auth, input)).toThrow(
      expect.objectContaining({ code: "AuthFailure.SignatureFailure" }),
    );
  });

  it.each([
    undefined,
    "Bearer x",
    "TC3-HMAC-SHA256 Credential=AKID/2026-11-29/vpc/tc3_request, SignedHeaders=host, Signature=" +
      "a".repeat(64),
    "TC3-HMAC-SHA256 Credential=AKID/2026-11-29/vpc/tc3_request, SignedHeaders=content-type;host, Signature=xyz",
  ])("refuses the malformed Authorization %s", (header) => {
    expect(() => parseAuthorization(header)).toThrow(
      expect.objectContaining({ code: "AuthFailure.InvalidAuthorization" }),
    );
  });

  it("reads the Authorization whole: no text before or after it, a space after each comma optional", () => {
    const valid =
      "TC3-HMAC-SHA256 Credential=AKID/2026-11-29/vpc/tc3_request, SignedHeaders=content-type;host, Signature=" +
      "a".repeat(64);
    expect(parseAuthorization(valid.replaceAll(", ", ","))).toMatchObject({
      secretId: "AKID",
      signedHeaders: ["content-type", "host"],
    });
    for (const header of [`x${valid}`, `${valid}0`]) {
      expect(() => parseAuthorization(header), header).toThrow(
        expect.objectContaining({ code: "AuthFailure.InvalidAuthorization" }),
      );
    }
  });

  it("takes X-TC-Timestamp only as plain decimal seconds", () => {
    const now = 1_764_400_000_000;
    for (const text of [
      "1764400000.5",
      "1.7644e9",
      "-1764400000",
      " 1764400000",
      "1764400000 ",
      "0x692a5f80",
      "",
    ]) {
      expect(() => checkTimestamp(text, now), text).toThrow(
        expect.objectContaining({ code: "AuthFailure.InvalidAuthorization" }),
      );
    }
  });

  it("signs header values canonically: trimmed and lower-cased, as the SDK does", () => {
    const now = 1_764_400_000;
    const { authorization, raw } = sdkSigned({ Limit: 1 }, now, "k");
    const input = {
      method: "POST",
      path: "/",
      query: "",
      headers: { "content-type": "  Application/JSON ", host: "VPC.tencentcloudapi.com" },
      body: raw,
      timestamp: now,
      secretKey: "k",
    };
    expect(() => verify(parseAuthorization(authorization), input)).not.toThrow();
  });

  it("allows 300 s of clock skew and no more", () => {
    const now = 1_764_400_000_000;
    expect(checkTimestamp(String(now / 1000 - 300), now)).toBe(now / 1000 - 300);
    expect(() => checkTimestamp(String(now / 1000 - 301), now)).toThrow(
      expect.objectContaining({ code: "AuthFailure.SignatureExpire" }),
    );
    expect(() => checkTimestamp(String(now / 1000 + 301), now)).toThrow(
      expect.objectContaining({ code: "AuthFailure.SignatureExpire" }),
    );
    expect(() => checkTimestamp("soon", now)).toThrow(
      expect.objectContaining({ code: "AuthFailure.InvalidAuthorization" }),
    );
  });
});

describe("TC3-HMAC-SHA256 as the Python SDK sends it (vectors from the algorithm's specification)", () => {
  const query = fc.stringMatching(/^[A-Za-z0-9.=&%_-]{0,60}$/);
  const key = fc.string({ minLength: 1, maxLength: 40 });
  const time = fc.integer({ min: 1_500_000_000, max: 2_000_000_000 });

  it("matches for GET with the parameters in the query string and an empty payload", () => {
    fc.assert(
      fc.property(query, time, key, (q, timestamp, secretKey) => {
        const contentType = "application/x-www-form-urlencoded";
        const { authorization } = specAuthorization({
          method: "GET",
          host: "vpc.example.com",
          query: q,
          contentType,
          timestamp,
          service: "vpc",
          secretId: "AKIDtest",
          secretKey,
        });
        const auth = parseAuthorization(authorization);
        const ours = signature({
          method: "GET",
          path: "/",
          query: q,
          headers: { "content-type": contentType, host: "vpc.example.com" },
          signedHeaders: auth.signedHeaders,
          body: "",
          timestamp,
          service: auth.service,
          secretKey,
        });
        expect(ours).toBe(auth.signature);
      }),
      { numRuns: 100 },
    );
  });

  it("matches for UNSIGNED-PAYLOAD, whatever the body, and only when the request says so", () => {
    fc.assert(
      fc.property(fc.string(), time, key, (body, timestamp, secretKey) => {
        const { authorization } = specAuthorization({
          method: "POST",
          host: "vpc.example.com",
          body,
          contentType: "application/json",
          unsignedPayload: true,
          timestamp,
          service: "vpc",
          secretId: "AKIDtest",
          secretKey,
        });
        const auth = parseAuthorization(authorization);
        const input = {
          method: "POST",
          path: "/",
          query: "",
          headers: { "content-type": "application/json", host: "vpc.example.com" },
          signedHeaders: auth.signedHeaders,
          body: `${body}tampered`,
          timestamp,
          service: auth.service,
          secretKey,
        };
        expect(signature({ ...input, unsignedPayload: true })).toBe(auth.signature);
        expect(signature(input)).not.toBe(auth.signature);
      }),
      { numRuns: 100 },
    );
  });
});
