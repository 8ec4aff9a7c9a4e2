import type { OpenAPIHonoOptions, RouteConfig, RouteHandler, RouteHook } from "@hono/zod-openapi";
import { zValidator } from "@hono/zod-validator";
import { type Context, type Env, Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

type ZodHook = NonNullable<Parameters<typeof zValidator>[2]>;
type Schema = Parameters<typeof zValidator>[1];

export interface RouteAppOptions<E extends Env> {
  /** Called with every validation result, as OpenAPIHono's `defaultHook`. */
  defaultHook: NonNullable<OpenAPIHonoOptions<E>["defaultHook"]>;
  /** Called with every route added with `openapi`, before it is mounted. */
  onRoute?: (route: RouteConfig) => void;
}

/**
 * The app a route module's function serves: Hono, plus OpenAPIHono's `openapi(route, handler)` without
 * its document machinery. OpenAPIHono keeps an OpenAPIRegistry and refers to zod-to-openapi's
 * generators, which a route's function never runs (31 KB of every bundle: docs/deploy.md "Bundles").
 * Requests are validated as OpenAPIHono 1.6 validates them (one zValidator per request part, the same
 * media-type gate, an optional body left empty), and each route's definition is kept in `definitions`,
 * from which functions/api/openapi-document.ts builds the OpenAPI document: one set of definitions for both.
 */
export class RouteApp<E extends Env> extends Hono<E> {
  /** Every route added with `openapi`, in order, as the OpenAPI document describes it. */
  readonly definitions: RouteConfig[] = [];
  readonly #options: RouteAppOptions<E>;

  constructor(options: RouteAppOptions<E>) {
    super();
    this.#options = options;
  }

  openapi<R extends RouteConfig>(config: R, handler: RouteHandler<R, E>, hook?: RouteHook<R, E>): this {
    const { middleware, hide, ...route } = config;
    this.#options.onRoute?.(route);
    if (!hide) this.definitions.push(route);
    const onResult = (hook ?? this.#options.defaultHook) as unknown as ZodHook;
    const request = route.request;
    const validators: MiddlewareHandler[] = [];
    if (request?.query) validators.push(zValidator("query", request.query as Schema, onResult));
    if (request?.params) validators.push(zValidator("param", request.params as Schema, onResult));
    if (request?.headers) validators.push(zValidator("header", request.headers as Schema, onResult));
    if (request?.cookies) validators.push(zValidator("cookie", request.cookies as Schema, onResult));
    const content = request?.body?.content as Record<string, { schema?: unknown } | undefined> | undefined;
    if (content) validators.push(...bodyValidators(content, request?.body?.required === true, onResult));
    const own = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
    const on = this.on as (method: string[], path: string[], ...handlers: unknown[]) => unknown;
    const path = route.path.replaceAll(/\/{(.+?)}/g, "/:$1");
    on.call(this, [route.method], [path], ...own, ...validators, handler);
    return this;
  }
}

/** OpenAPIHono's checks for a body: the media-type gate, then a validator per JSON or form type. */
function bodyValidators(
  content: Record<string, { schema?: unknown } | undefined>,
  required: boolean,
  hook: ZodHook,
): MiddlewareHandler[] {
  const declared = Object.keys(content);
  const out: MiddlewareHandler[] = [];
  if (declared.some((type) => isZod(content[type]?.schema) && (isJson(type) || isForm(type))))
    out.push(mediaTypeGate(declared));
  for (const type of declared) {
    const schema = content[type]?.schema;
    if (!isZod(schema)) continue;
    if (isJson(type)) out.push(optionalUnless(required, "json", isJson, zValidator("json", schema, hook)));
    if (isForm(type)) out.push(optionalUnless(required, "form", isForm, zValidator("form", schema, hook)));
  }
  return out;
}

/** A body of a type the route does not declare, or a body without a type, is refused with 415. */
function mediaTypeGate(declared: string[]): MiddlewareHandler {
  return async (c, next) => {
    const contentType = c.req.header("content-type");
    if (contentType ? !declared.some((type) => matchesMediaType(contentType, type)) : await hasBody(c))
      throw new HTTPException(415, { message: "Unsupported Media Type" });
    await next();
  };
}

/** An optional body of another type (or none) validates as `{}`, as OpenAPIHono does. */
function optionalUnless(
  required: boolean,
  target: "json" | "form",
  accepts: (type: string) => boolean,
  validator: MiddlewareHandler,
): MiddlewareHandler {
  if (required) return validator;
  return async (c, next) => {
    const type = c.req.header("content-type");
    if (type && accepts(type)) return validator(c, next);
    c.req.addValidatedData(target, {});
    await next();
  };
}

function isZod(x: unknown): x is Schema {
  if (typeof x !== "object" || x === null) return false;
  const s = x as Record<string, unknown>;
  return ["parse", "safeParse", "parseAsync", "safeParseAsync"].every((m) => typeof s[m] === "function");
}

function isJson(type: string): boolean {
  return /^application\/([a-z-.]+\+)?json/i.test(type);
}

function isForm(type: string): boolean {
  const lower = type.toLowerCase();
  return lower.startsWith("multipart/form-data") || lower.startsWith("application/x-www-form-urlencoded");
}

const JSON_REQUEST = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
const MULTIPART_REQUEST = /^multipart\/form-data(;\s?boundary=[a-zA-Z0-9'"()+_,\-./:=?]+)?$/i;
const URLENCODED_REQUEST = /^application\/x-www-form-urlencoded(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

function matchesMediaType(contentType: string, declared: string): boolean {
  if (declared === "*/*") return true;
  if (isJson(declared)) return JSON_REQUEST.test(contentType);
  if (isForm(declared)) return MULTIPART_REQUEST.test(contentType) || URLENCODED_REQUEST.test(contentType);
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (declared.endsWith("/*")) return essence.startsWith(declared.slice(0, -1).toLowerCase());
  return essence === declared.toLowerCase();
}

/** Whether a request without a Content-Type still carries bytes (read from a clone, so they stay). */
async function hasBody(c: Context): Promise<boolean> {
  const raw = c.req.raw;
  if (raw.body === null) return false;
  if (raw.bodyUsed) return (await c.req.arrayBuffer()).byteLength > 0;
  const body = raw.clone().body;
  if (body === null) return false;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
