import type { Context } from "hono";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import * as Config from "../../../core/config.ts";
import * as Credential from "../../../core/credential/index.ts";
import * as SignatureLedger from "../../../core/credential/replay.ts";
import { AuthFailureError, InvalidParameterError, LinkplaneError } from "../../../core/errors.ts";
import { requestId as newRequestId } from "../../../core/util/id.ts";
import { log } from "../../../core/util/log.ts";
import { validate } from "../../../core/validation.ts";
import { readBodyWithin } from "../input-policy.ts";
import { toLinkplaneError } from "../middleware.ts";
import { actions } from "./actions.ts";
import { coerceTo, unflatten } from "./query-params.ts";
import { checkTimestamp, parseAuthorization, UNSIGNED_PAYLOAD, verify } from "./tc3.ts";

/**
 * The reference product's API (VPC API 2017-03-12): `POST /` with a JSON body or `GET /` with the
 * parameters in the query string, the action in X-TC-Action, requests signed with TC3-HMAC-SHA256, every
 * answer in `{"Response": {...}}` with HTTP 200, errors included, as the official SDKs expect. A second
 * surface over `core/`; see actions.ts.
 */
export const VERSION = "2017-03-12";

class TencentError extends LinkplaneError {
  constructor(code: string, message: string) {
    super("invalid", code, message);
  }
}

/**
 * Signature v1 puts `SecretId`, `Signature` and the action among the parameters instead of in headers;
 * it is recognised so that it is answered for what it is, not as a request missing X-TC-Action.
 */
function refuseSignatureV1(c: Context, url: URL, body: Buffer): void {
  if (c.req.header("authorization")) return;
  const form = (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const params = c.req.method === "GET" ? url.searchParams : new URLSearchParams(form ? body.toString() : "");
  if (!params.has("Signature") && !params.has("SignatureMethod")) return;
  throw new AuthFailureError(
    "AuthFailure.InvalidAuthorization",
    "signature v1 (HmacSHA1/HmacSHA256 in the parameters) is not served; sign requests with TC3-HMAC-SHA256, the SDKs' default (signMethod TC3-HMAC-SHA256)",
  );
}

/** The action's parameters: the JSON body of a POST, or the flattened query string of a GET. */
function parameters(method: string, url: URL, body: Buffer, schema: Parameters<typeof coerceTo>[0]): unknown {
  if (method === "GET") return coerceTo(schema, unflatten(url.searchParams));
  let params: unknown;
  try {
    params = body.length ? JSON.parse(body.toString("utf8")) : {};
  } catch {
    throw new InvalidParameterError("InvalidParameter", "the request body is not valid JSON");
  }
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new InvalidParameterError("InvalidParameter", "the request body must be a JSON object");
  }
  return params;
}

async function serve(c: Context) {
  const requestId = newRequestId();
  const started = performance.now();
  const action = c.req.header("x-tc-action") ?? "";
  let uin: string | undefined;
  let code = "OK";
  try {
    const body = (await readBodyWithin(c.req.raw)) ?? Buffer.alloc(0);
    const url = new URL(c.req.url);
    refuseSignatureV1(c, url, body);
    if (!action) throw InvalidParameterError.missing("X-TC-Action");
    const version = c.req.header("x-tc-version");
    if (version !== VERSION)
      throw new TencentError(
        "NoSuchVersion",
        `version ${version ?? "(none)"} of this API does not exist; use ${VERSION}`,
      );

    const auth = parseAuthorization(c.req.header("authorization"));
    const timestamp = checkTimestamp(c.req.header("x-tc-timestamp"));
    const key = await Credential.signingKey(auth.secretId);
    // Header names come from the caller's SignedHeaders: no prototype for `__proto__` to reach.
    const headers: Record<string, string> = Object.create(null);
    for (const name of auth.signedHeaders) headers[name] = c.req.header(name) ?? "";
    verify(auth, {
      method: c.req.method,
      path: url.pathname,
      query: url.search.slice(1),
      headers,
      body,
      unsignedPayload: c.req.header("x-tc-content-sha256") === UNSIGNED_PAYLOAD,
      timestamp,
      secretKey: key.secretKey,
    });
    uin = key.uin;

    const region = c.req.header("x-tc-region") ?? "";
    // Before anything else is looked at: a signature spent on one action cannot be re-aimed at another.
    await SignatureLedger.claim({
      signature: auth.signature,
      secretId: auth.secretId,
      action,
      region,
      timestamp,
      readOnly: action.startsWith("Describe"),
    });

    // An own-property look-up: `constructor` or `hasOwnProperty` is no action.
    const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!handler) throw new TencentError("InvalidAction", `the action ${action} does not exist`);
    // A POST's parameters are its body; a query string on it is a mistake (a GET's is its parameters).
    const unknown = c.req.method === "POST" ? [...url.searchParams.keys()][0] : undefined;
    if (unknown !== undefined) {
      throw new InvalidParameterError("UnknownParameter", `unknown query parameter ${unknown}`, {
        field: unknown,
      });
    }
    if (!region) throw InvalidParameterError.missing("X-TC-Region");
    if (!Config.get().regions.includes(region))
      throw new TencentError("UnsupportedRegion", `region ${region} is not served here`);

    const params = parameters(c.req.method, url, body, handler.input);
    const result = await handler.run({ uin, region }, validate(handler.input, params) as never);
    return c.json({ Response: { ...result, RequestId: requestId } });
  } catch (error) {
    const e = toLinkplaneError(error);
    code = e.code;
    if (e.kind === "internal" || e.kind === "unavailable")
      log.error("tencent api request failed", { requestId, action, error: e.cause ?? e });
    // Errors are HTTP 200 as the SDKs expect, except a body refused unread: its 413 tells any client
    // (and proxy) that the request was not taken.
    return c.json(
      { Response: { Error: { Code: e.code, Message: e.message }, RequestId: requestId } },
      e.kind === "too_large" ? 413 : 200,
    );
  } finally {
    log.info("tencent request", {
      requestId,
      action,
      method: c.req.method,
      uin,
      code,
      ms: Math.round(performance.now() - started),
    });
  }
}

export const app = new Hono().post("/", serve).get("/", serve);

export const handler = handle(app);
