import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import * as Endpoint from "../../../core/privatelink/endpoint.ts";
import * as EndpointCreation from "../../../core/privatelink/endpoint-create.ts";
import * as EndpointSecurityGroups from "../../../core/privatelink/endpoint-security-groups.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";
import { EndpointFilters, ListQuery, projected, tagsOf } from "./shared.ts";

const Info = named(Endpoint.Info, "Endpoint");
const Bindings = z.object({ items: z.array(named(EndpointSecurityGroups.Binding, "SecurityGroupBinding")) });
const History = z.object({ items: z.array(named(Endpoint.HistoryEntry, "EndpointHistoryEntry")) });
const common = { tags: ["Endpoints"], security: security("account") };
const byId = { params: IdParam("endpoint ID", "vpce-1a2b3c4d") };

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/endpoints",
      summary: "Create an endpoint in the caller's subnet, connected to an endpoint service",
      request: { body: jsonBody(Endpoint.CreateInput) },
      responses: {
        201: jsonResponse(Info, "The endpoint (also when a clientToken replays an earlier creation)"),
      },
    }),
    async (c) => {
      const { endpoint, replayed } = await EndpointCreation.create(callerUin(c), c.req.valid("json"));
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json(endpoint, 201);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoints",
      summary: "List the caller's endpoints, newest first",
      request: { query: ListQuery.extend(EndpointFilters) },
      responses: {
        200: jsonResponse(pageOf(Info.partial()), "A page of endpoints (only the chosen fields)"),
      },
    }),
    async (c) => {
      const { fields, limit, cursor, ...filters } = c.req.valid("query");
      const page = await Endpoint.list(callerUin(c), { ...filters, tags: tagsOf(c) }, { limit, cursor });
      return c.json(projected(page, Endpoint.FIELDS, fields), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoints/{id}",
      summary: "Get one of the caller's endpoints",
      request: byId,
      responses: { 200: jsonResponse(Info, "The endpoint") },
    }),
    async (c) => c.json(await Endpoint.get(callerUin(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/v1/endpoints/{id}",
      summary: "Rename an endpoint or replace its tags",
      request: { ...byId, body: jsonBody(Endpoint.UpdateInput) },
      responses: { 200: jsonResponse(Info, "The endpoint") },
    }),
    async (c) =>
      c.json(await Endpoint.update(callerUin(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/endpoints/{id}",
      summary: "Delete an endpoint (frees its IP)",
      request: byId,
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await Endpoint.remove(callerUin(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoints/{id}/security-groups",
      summary: "Bound security groups in priority order (1 first)",
      request: byId,
      responses: { 200: jsonResponse(Bindings, "The bindings") },
    }),
    async (c) =>
      c.json({ items: await EndpointSecurityGroups.list(callerUin(c), c.req.valid("param").id) }, 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "put",
      path: "/v1/endpoints/{id}/security-groups",
      summary: "Replace the bound security groups; their order is their priority (at most 5)",
      request: { ...byId, body: jsonBody(EndpointSecurityGroups.Input) },
      responses: { 200: jsonResponse(Bindings, "The bindings") },
    }),
    async (c) =>
      c.json(
        {
          items: await EndpointSecurityGroups.set(callerUin(c), c.req.valid("param").id, c.req.valid("json")),
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/endpoints/{id}/security-groups/{sgId}",
      summary: "Unbind one security group",
      request: { params: IdParam("endpoint ID", "vpce-1a2b3c4d").extend({ sgId: z.string().max(32) }) },
      responses: { 200: jsonResponse(Bindings, "The remaining bindings") },
    }),
    async (c) => {
      const { id, sgId } = c.req.valid("param");
      return c.json({ items: await EndpointSecurityGroups.unbind(callerUin(c), id, sgId) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoints/{id}/history",
      summary: "The state history of the endpoint's connection, oldest first",
      request: byId,
      responses: { 200: jsonResponse(History, "Every transition") },
    }),
    async (c) => c.json({ items: await Endpoint.history(callerUin(c), c.req.valid("param").id) }, 200),
  );

export const handler = handle(app);
