import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import * as z from "zod";
import * as Config from "../../core/config.ts";
import * as Credential from "../../core/credential/index.ts";
import { translateSdkError } from "../../core/db/errors.ts";
import {
  AuthFailureError,
  InternalError,
  InvalidParameterError,
  isLinkplaneError,
  type LinkplaneError,
  LinkplaneError as LinkplaneErrorClass,
  NotFoundError,
  RequestTooLargeError,
} from "../../core/errors.ts";
import { safeEqual } from "../../core/util/crypto.ts";
import { requestId as newRequestId } from "../../core/util/id.ts";
import { log } from "../../core/util/log.ts";
import { issueToError } from "../../core/validation.ts";
import { MAX_BODY_BYTES } from "./input-policy.ts";

export type AuthMode = "none" | "operator" | "account" | "ingest";

export interface ApiEnv {
  Variables: {
    requestId: string;
    principal: Credential.Principal | undefined;
  };
}

export { limitBody, MAX_BODY_BYTES } from "./input-policy.ts";

/** Every request gets an ID, returned in `X-Request-Id` and in every error body. */
export const requestIdMiddleware: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const id = newRequestId();
  c.set("requestId", id);
  c.header("X-Request-Id", id);
  await next();
};

/**
 * JSON answers end with a newline, as command-line tools' output does: `curl` without `jq` then leaves
 * the shell prompt on a line of its own. JSON parsers ignore it. `c.json` is given the newline as it
 * serializes (what Hono's own does, plus "\n"), so no answer is read back and rebuilt; every JSON
 * answer, errors included, goes through it. Streamed files (CSV, NDJSON) are not JSON and untouched.
 */
export const jsonNewline: MiddlewareHandler<ApiEnv> = async (c, next) => {
  c.json = ((object: unknown, arg?: never, headers?: Record<string, string>) =>
    c.newResponse(`${JSON.stringify(object)}\n`, arg, {
      "Content-Type": "application/json",
      ...headers,
    })) as typeof c.json;
  await next();
};

/** One JSON line per request. Headers are never logged, so credentials cannot leak through here. */
export const accessLog: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  log.info("request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    ms: Math.round((performance.now() - started) * 10) / 10,
    uin: c.get("principal")?.uin,
  });
};

function bearer(c: Context): string {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) {
    throw new AuthFailureError(
      "AuthFailure.InvalidAuthorization",
      "expected Authorization: Bearer <credentials>",
    );
  }
  return match[1];
}

/** `Authorization: Bearer <operator token>`. Without a configured token the operator API is closed. */
export const operatorAuth: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const token = bearer(c);
  const expected = Config.get().operatorToken;
  if (!expected || !safeEqual(token, expected)) {
    throw new AuthFailureError("AuthFailure.InvalidAuthorization", "the operator token is not valid");
  }
  await next();
};

/** The data plane's samples: the ingest token (LINKPLANE_INGEST_TOKEN) or the operator token. */
export const ingestAuth: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const token = bearer(c);
  const { ingestToken, operatorToken } = Config.get();
  const ok = [ingestToken, operatorToken].some(
    (expected) => expected !== undefined && safeEqual(token, expected),
  );
  if (!ok) throw new AuthFailureError("AuthFailure.InvalidAuthorization", "the ingest token is not valid");
  await next();
};

/** `Authorization: Bearer <SecretId>:<SecretKey>`: the caller's account becomes the request's principal. */
export const accountAuth: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const value = bearer(c);
  const colon = value.indexOf(":");
  if (colon <= 0) {
    throw new AuthFailureError(
      "AuthFailure.InvalidAuthorization",
      "expected Authorization: Bearer <SecretId>:<SecretKey>",
    );
  }
  c.set("principal", await Credential.authenticate(value.slice(0, colon), value.slice(colon + 1)));
  await next();
};

export function authMiddleware(mode: AuthMode): MiddlewareHandler<ApiEnv> | undefined {
  if (mode === "operator") return operatorAuth;
  if (mode === "account") return accountAuth;
  if (mode === "ingest") return ingestAuth;
  return undefined;
}

/** Framework exceptions (malformed JSON, wrong media type) in the domain's terms. */
function fromHttpException(error: HTTPException): LinkplaneError {
  if (error.status === 413) return new RequestTooLargeError(MAX_BODY_BYTES);
  if (error.status === 415) {
    return new LinkplaneErrorClass(
      "unsupported_media",
      "InvalidParameter.ContentType",
      "send Content-Type: application/json",
    );
  }
  if (error.status === 400) {
    return new InvalidParameterError("InvalidParameter.MalformedBody", "the request body is not valid JSON", {
      field: "body",
    });
  }
  return new InternalError(undefined, { cause: error });
}

export function toLinkplaneError(error: unknown): LinkplaneError {
  if (isLinkplaneError(error)) return error;
  if (error instanceof HTTPException) return fromHttpException(error);
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    if (issue) return issueToError(issue, undefined);
  }
  // A DynamoDB error that escaped its call site: a timeout is still a 503, throttling still a 429.
  return translateSdkError(error);
}

/** The one error answer: `{"error": {"code", "message", "requestId", "field"?}}`, never a stack. */
export function errorResponse(error: unknown, c: Context<ApiEnv>): Response {
  const e = toLinkplaneError(error);
  const requestId = c.get("requestId") ?? newRequestId();
  if (e.kind === "internal") log.error("request failed", { requestId, code: e.code, error: e.cause ?? e });
  if (e.kind === "unavailable") {
    // The database is slow or gone: expected, said once per request, without a stack per request.
    const { name, message } = (e.cause ?? e) as Error;
    log.warn("request failed", { requestId, code: e.code, error: { name, message } });
  }
  const body = {
    error: { code: e.code, message: e.message, requestId, ...(e.field ? { field: e.field } : {}) },
  };
  return c.json(body, e.status as 400);
}

export function notFoundResponse(c: Context<ApiEnv>): Response {
  return errorResponse(new NotFoundError("route", `${c.req.method} ${c.req.path}`), c);
}
