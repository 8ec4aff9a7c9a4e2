import type { Context } from "hono";
import { checkText, issueToError } from "../../core/validation.ts";
import { QueryPolicy } from "./input-policy.ts";
import {
  type ApiEnv,
  type AuthMode,
  accessLog,
  authMiddleware,
  errorResponse,
  jsonNewline,
  limitBody,
  notFoundResponse,
  requestIdMiddleware,
} from "./middleware.ts";
import { RouteApp } from "./route-app.ts";

export type { ApiEnv, AuthMode, RouteApp };

/**
 * The one app factory every route module is built from: request id, JSON answers ending in a newline, access log, body limit, the auth
 * its routes need, unknown query parameters refused, free text checked, validation errors that name the
 * field, and the one error handler. A module's app is what its Lambda serves; the local server dispatches
 * to the same apps. A route added with `app.openapi(...)` or `app.get(...)` gets all of it.
 */
export function createApi(auth: AuthMode): RouteApp<ApiEnv> {
  const queries = new QueryPolicy();
  const app = new RouteApp<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        // zod-validator passes the raw input as `data` on failure too; the type leaves it out.
        if (issue) throw issueToError(issue, (result as { data?: unknown }).data);
      } else {
        checkText(result.data);
      }
    },
    onRoute: (route) => queries.declare(route),
  });
  app.use("*", requestIdMiddleware, jsonNewline, accessLog, limitBody);
  const authenticate = authMiddleware(auth);
  if (authenticate) app.use("*", authenticate);
  app.use("*", queries.middleware);
  app.onError(errorResponse);
  app.notFound(notFoundResponse);
  return app;
}

/** The caller's UIN on an account-authenticated route. */
export function callerUin(c: Context<ApiEnv>): string {
  const principal = c.get("principal");
  if (!principal) throw new Error("callerUin used on a route without account auth");
  return principal.uin;
}
