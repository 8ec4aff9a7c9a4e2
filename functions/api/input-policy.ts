import type { RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { InvalidParameterError, RequestTooLargeError } from "../../core/errors.ts";

/**
 * What every route refuses before its handler runs, whoever wrote it: bodies over the limit however they
 * are framed, and query parameters the route does not declare. (Free text is checked where input is
 * validated: `checkText` in core/validation.ts.) `createApi` installs both; the Tencent surface reads its
 * body with `readBodyWithin`.
 */

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request body, read only up to `maxBytes`: a declared length over the limit is refused unread, and a
 * chunked body is refused as soon as it passes the limit, so no framing makes the process buffer more.
 * `undefined` when the request has no body.
 */
export async function readBodyWithin(
  request: Request,
  maxBytes = MAX_BODY_BYTES,
): Promise<Buffer | undefined> {
  if (!request.body) return undefined;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new RequestTooLargeError(maxBytes);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // The rest stays unread; the local server answers with `Connection: close` (infra/local/server.ts).
    if (size > maxBytes) throw new RequestTooLargeError(maxBytes);
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The body limit for every route. A body with a `Content-Length` within the limit cannot grow past it (the
 * HTTP server enforces the framing) and is left for the route to read; any other body is read here, within
 * the limit, and handed on.
 */
export const limitBody: MiddlewareHandler = async (c, next) => {
  const request = c.req.raw;
  // A GET or HEAD has no body a Request can hold. Asking one for `body` makes @hono/node-server build the
  // whole Request it otherwise keeps light: about a tenth of the server's CPU on a GET (profiled).
  if (request.method === "GET" || request.method === "HEAD") return next();
  const declared = request.headers.get("content-length");
  if (request.body && (declared === null || request.headers.has("transfer-encoding"))) {
    const body = await readBodyWithin(request);
    c.req.raw = new Request(request, { body });
  } else if (declared !== null && Number(declared) > MAX_BODY_BYTES) {
    throw new RequestTooLargeError(MAX_BODY_BYTES);
  }
  await next();
};

/**
 * Query parameters: a route accepts the keys of its `request.query` schema and nothing else. A key written
 * `prefix{name}` (as `tag:{key}`) stands for every key starting with `prefix`. Routes registered without a
 * query schema, OpenAPI or not, accept none.
 */
export class QueryPolicy {
  private readonly accepted = new Map<string, string[]>();

  /** Records what a route accepts; `createApi` calls this for every `app.openapi(route, ...)`. */
  declare(route: Pick<RouteConfig, "method" | "path" | "request">): void {
    const schema = route.request?.query as { shape?: Record<string, unknown> } | undefined;
    const path = route.path.replace(/\{([^}]+)\}/g, ":$1");
    this.accepted.set(`${route.method.toUpperCase()} ${path}`, Object.keys(schema?.shape ?? {}));
  }

  /** The middleware: refuses the first undeclared parameter with 400 UnknownParameter naming it. */
  readonly middleware: MiddlewareHandler = async (c, next) => {
    // The route that answers is the first one matched that is not a `use` middleware (a static path such
    // as `/v1/endpoints/export` is registered before `/v1/endpoints/:id`, which matches it too).
    const route = matchedRoutes(c).find((r) => r.method !== "ALL");
    if (route) {
      const accepted = this.accepted.get(`${route.method} ${route.path}`) ?? [];
      for (const key of Object.keys(c.req.queries())) {
        if (!accepted.some((a) => acceptsKey(a, key))) {
          throw new InvalidParameterError("UnknownParameter", `unknown query parameter ${key}`, {
            field: key,
          });
        }
      }
    }
    await next();
  };
}

function acceptsKey(accepted: string, key: string): boolean {
  const pattern = accepted.match(/^(.+)\{[^}]+\}$/);
  // `tag:` alone is the route's to refuse (it names the tag filter that is malformed).
  return pattern?.[1] ? key.startsWith(pattern[1]) : accepted === key;
}
