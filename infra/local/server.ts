import { resolve } from "node:path";
import { Hono } from "hono";
import { notFoundResponse } from "../../functions/api/middleware.ts";
import { honoPath, type RouteEntry, routes } from "../../functions/api/routes.ts";

interface RouteModule {
  app: { fetch: (request: Request) => Response | Promise<Response> };
  handler: unknown;
}

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
  for (const entry of entries) {
    const mod = modules.get(entry.module) as RouteModule;
    root.on(entry.method, honoPath(entry.path), (c) => mod.app.fetch(c.req.raw));
  }
  root.notFound((c) => notFoundResponse(c as never));
  return root;
}
