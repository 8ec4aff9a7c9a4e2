import type { IncomingMessage } from "node:http";
import { resolve } from "node:path";
import { Hono, type MiddlewareHandler } from "hono";
import { notFoundResponse } from "../../functions/api/middleware.ts";
import { honoPath, type RouteEntry, routes } from "../../functions/api/routes.ts";

interface RouteModule {
  app: { fetch: (request: Request) => Response | Promise<Response> };
  handler: unknown;
}

/** A body this small still in flight is read and dropped after the answer; the connection is kept. */
const DRAIN_BYTES = 64 * 1024;

/**
 * A route may answer without reading the whole body (a 413, a 401, a body sent to a route that takes
 * none). The Node adapter then drains the rest for at most 500 ms and drops the connection it had
 * promised to keep alive, so the client's next request on it fails. Such answers say `Connection: close`
 * instead (unless the rest is small enough to drain), and the client opens a new connection.
 */
export const closeIfBodyUnread: MiddlewareHandler<{ Bindings: { incoming?: IncomingMessage } }> = async (
  c,
  next,
) => {
  await next();
  const incoming = c.env?.incoming;
  if (!incoming || incoming.complete) return;
  const declared = Number(incoming.headers["content-length"]);
  if (declared <= DRAIN_BYTES) return;
  try {
    c.res.headers.set("connection", "close");
  } catch {
    // Headers of a Response passed through unchanged can be immutable: copy it.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set("connection", "close");
  }
};

/**
 * One port for every route: each registry entry is dispatched to its module's app, exactly as API
 * Gateway would invoke that route's Lambda with the request. Modules are loaded by the paths the registry
 * names, so a route that works here is wired the same way in AWS.
 */
export async function createLocalApp(projectRoot: string, entries: RouteEntry[] = routes): Promise<Hono> {
  const modules = new Map<string, RouteModule>();
  for (const module of new Set(entries.map((e) => e.module))) {
    modules.set(module, (await import(resolve(projectRoot, module))) as RouteModule);
  }
  const root = new Hono();
  root.use("*", closeIfBodyUnread as MiddlewareHandler);
  for (const entry of entries) {
    const mod = modules.get(entry.module) as RouteModule;
    root.on(entry.method, honoPath(entry.path), (c) => mod.app.fetch(c.req.raw));
  }
  root.notFound((c) => notFoundResponse(c as never));
  return root;
}
