import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import * as Account from "../../../core/account/index.ts";
import { PageParams } from "../../../core/db/page.ts";
import * as Allowlist from "../../../core/privatelink/allowlist.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";

const Info = named(Allowlist.Info, "AllowlistEntry");
const common = { tags: ["Allowlist"], security: security("account") };
const byId = { params: IdParam("endpoint service ID", "vpcsvc-1a2b3c4d") };
const byUin = {
  params: IdParam("endpoint service ID", "vpcsvc-1a2b3c4d").extend({ uin: z.string().max(24) }),
};
const Removed = z.object({ results: z.array(named(Allowlist.RemoveResult, "AllowlistRemoveResult")) });

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoint-services/{id}/allowlist",
      summary: "The service's allowlist, optionally one UIN",
      request: { ...byId, query: PageParams.extend({ uin: Account.Uin.optional() }) },
      responses: { 200: jsonResponse(pageOf(Info), "A page of entries") },
    }),
    async (c) => {
      const { uin, ...page } = c.req.valid("query");
      return c.json(await Allowlist.list(callerUin(c), c.req.valid("param").id, uin, page), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/endpoint-services/{id}/allowlist",
      summary: "Allow an account to connect (optionally with a connection limit)",
      request: { ...byId, body: jsonBody(Allowlist.AddInput) },
      responses: { 201: jsonResponse(Info, "The entry") },
    }),
    async (c) => c.json(await Allowlist.add(callerUin(c), c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/endpoint-services/{id}/allowlist/remove",
      summary: "Remove accounts; rejectConnections also rejects their live connections",
      request: { ...byId, body: jsonBody(Allowlist.RemoveInput) },
      responses: { 200: jsonResponse(Removed, "One result per UIN") },
    }),
    async (c) =>
      c.json(
        { results: await Allowlist.remove(callerUin(c), c.req.valid("param").id, c.req.valid("json")) },
        200,
      ),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/v1/endpoint-services/{id}/allowlist/{uin}",
      summary: "Edit an entry's description or connection limit (null lifts it)",
      request: { ...byUin, body: jsonBody(Allowlist.UpdateInput) },
      responses: { 200: jsonResponse(Info, "The entry") },
    }),
    async (c) => {
      const { id, uin } = c.req.valid("param");
      return c.json(await Allowlist.update(callerUin(c), id, uin, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/endpoint-services/{id}/allowlist/{uin}",
      summary: "Remove one account; ?rejectConnections=true also rejects its live connections",
      request: { ...byUin, query: z.object({ rejectConnections: z.enum(["true", "false"]).optional() }) },
      responses: { 204: { description: "Removed" } },
    }),
    async (c) => {
      const { id, uin } = c.req.valid("param");
      const rejectConnections = c.req.valid("query").rejectConnections === "true";
      await Allowlist.removeOne(callerUin(c), id, uin, rejectConnections);
      return c.body(null, 204);
    },
  );

export const handler = handle(app);
