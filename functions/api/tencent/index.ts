import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { Config } from "../../../core/config.ts";
import { Credential } from "../../../core/credential/index.ts";
import { InvalidParameterError, LinkplaneError } from "../../../core/errors.ts";
import { requestId as newRequestId } from "../../../core/util/id.ts";
import { log } from "../../../core/util/log.ts";
import { validate } from "../../../core/validation.ts";
import { readBodyWithin } from "../input-policy.ts";
import { toLinkplaneError } from "../middleware.ts";
import { actions } from "./actions.ts";
import { checkTimestamp, parseAuthorization, verify } from "./tc3.ts";

/**
 * The reference product's API (VPC API 2017-03-12): one POST endpoint, the action in X-TC-Action,
 * requests signed with TC3-HMAC-SHA256, every answer in `{"Response": {...}}` with HTTP 200, errors
 * included, as the official SDKs expect. A second surface over `core/`; see actions.ts.
 */
export const VERSION = "2017-03-12";

class TencentError extends LinkplaneError {
  constructor(code: string, message: string) {
    super("invalid", code, message);
  }
}

export const app = new Hono().post("/", async (c) => {
  const requestId = newRequestId();
  const started = performance.now();
  const action = c.req.header("x-tc-action") ?? "";
  let uin: string | undefined;
  let code = "OK";
  try {
    const body = (await readBodyWithin(c.req.raw)) ?? Buffer.alloc(0);
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
    const url = new URL(c.req.url);
    verify(auth, {
      method: c.req.method,
      path: url.pathname,
      query: url.search.slice(1),
      headers,
      body,
      timestamp,
      secretKey: key.secretKey,
    });
    uin = key.uin;

    // An own-property look-up: `constructor` or `hasOwnProperty` is no action.
    const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!handler) throw new TencentError("InvalidAction", `the action ${action} does not exist`);
    const unknown = [...url.searchParams.keys()][0];
    if (unknown !== undefined) {
      throw new InvalidParameterError("UnknownParameter", `unknown query parameter ${unknown}`, {
        field: unknown,
      });
    }
    const region = c.req.header("x-tc-region");
    if (!region) throw InvalidParameterError.missing("X-TC-Region");
    if (!Config.get().regions.includes(region))
      throw new TencentError("UnsupportedRegion", `region ${region} is not served here`);

    let params: unknown;
    try {
      params = body.length ? JSON.parse(body.toString("utf8")) : {};
    } catch {
      throw new InvalidParameterError("InvalidParameter", "the request body is not valid JSON");
    }
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      throw new InvalidParameterError("InvalidParameter", "the request body must be a JSON object");
    }
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
      uin,
      code,
      ms: Math.round(performance.now() - started),
    });
  }
});

export const handler = handle(app);
