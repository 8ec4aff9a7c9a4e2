import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AuthFailureError } from "../../../core/errors.ts";
import { Clock } from "../../../core/util/time.ts";

/**
 * TC3-HMAC-SHA256, verified exactly as the reference product defines it:
 *   canonical request = method \n path \n query \n canonical headers \n signed headers \n hex(sha256(body))
 *   string to sign    = "TC3-HMAC-SHA256" \n timestamp \n <date>/<service>/tc3_request \n hex(sha256(canonical))
 *   key               = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request")
 * Headers are the ones the client says it signed, names and values lower-cased and trimmed.
 * With `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` (the SDKs' `unsignedPayload` profile option) the body is
 * not signed: the canonical request carries hex(sha256("UNSIGNED-PAYLOAD")) in its place.
 */
export const ALGORITHM = "TC3-HMAC-SHA256";
export const MAX_SKEW_SECONDS = 300;
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

export interface ParsedAuthorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s,]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  const match = header?.trim().match(AUTHORIZATION);
  if (!match) {
    throw new AuthFailureError(
      "AuthFailure.InvalidAuthorization",
      "Authorization must be TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=<list>, Signature=<hex>",
    );
  }
  const [, secretId, date, service, signed, signature] = match as unknown as string[];
  const signedHeaders = (signed as string).split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("content-type")) {
    throw new AuthFailureError(
      "AuthFailure.InvalidAuthorization",
      "SignedHeaders must include content-type and host",
    );
  }
  return {
    secretId: secretId as string,
    date: date as string,
    service: service as string,
    signedHeaders,
    signature: signature as string,
  };
}

export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

export function checkTimestamp(text: string | undefined, now = Clock.now()): number {
  const timestamp = Number(text);
  if (!text || !/^\d{1,12}$/.test(text) || !Number.isSafeInteger(timestamp)) {
    throw new AuthFailureError(
      "AuthFailure.InvalidAuthorization",
      "X-TC-Timestamp must be a Unix timestamp in seconds",
    );
  }
  if (Math.abs(now / 1000 - timestamp) > MAX_SKEW_SECONDS) {
    throw new AuthFailureError(
      "AuthFailure.SignatureExpire",
      "the signature has expired: X-TC-Timestamp is more than 300 s off the server's clock",
    );
  }
  return timestamp;
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export interface SignInput {
  method: string;
  path: string;
  query: string;
  /** Lower-case header name → value as to be signed. */
  headers: Record<string, string>;
  signedHeaders: string[];
  body: Buffer | string;
  /** The client sent `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`: the body is not part of the signature. */
  unsignedPayload?: boolean;
  timestamp: number;
  service: string;
  secretKey: string;
}

export function signature(input: SignInput): string {
  const canonicalHeaders = input.signedHeaders
    .map((name) => `${name}:${(input.headers[name] ?? "").trim().toLowerCase()}\n`)
    .join("");
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path,
    input.query,
    canonicalHeaders,
    input.signedHeaders.join(";"),
    sha256Hex(input.unsignedPayload ? UNSIGNED_PAYLOAD : input.body),
  ].join("\n");
  const date = utcDate(input.timestamp);
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = [ALGORITHM, String(input.timestamp), scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(`TC3${input.secretKey}`, date), input.service), "tc3_request");
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a request's signature. The official SDKs sign `host` without the port even when the request
 * goes to one (`127.0.0.1:3000`); a client may also sign it with the port. Both are what the client
 * could have meant by "host", so both are tried, each compared in constant time.
 */
export function verify(auth: ParsedAuthorization, input: Omit<SignInput, "signedHeaders" | "service">): void {
  if (auth.date !== utcDate(input.timestamp)) {
    throw new AuthFailureError(
      "AuthFailure.SignatureFailure",
      "the date in the credential scope does not match X-TC-Timestamp",
    );
  }
  const host = input.headers.host ?? "";
  const hosts = [host, host.replace(/:\d+$/, "")].filter((h, i, all) => all.indexOf(h) === i);
  const ok = hosts.some((h) =>
    sameHex(
      signature({
        ...input,
        headers: { ...input.headers, host: h },
        signedHeaders: auth.signedHeaders,
        service: auth.service,
      }),
      auth.signature,
    ),
  );
  if (!ok) throw new AuthFailureError("AuthFailure.SignatureFailure", "the request signature does not match");
}
