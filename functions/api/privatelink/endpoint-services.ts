import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import * as PrivateLink from "../../../core/privatelink/index.ts";
import * as EndpointService from "../../../core/privatelink/service.ts";
import * as EndpointServiceCreation from "../../../core/privatelink/service-create.ts";
import * as EndpointServiceUpdate from "../../../core/privatelink/service-update.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";
import { Authorized, PUBLIC_FIELDS } from "./service-scope.ts";
import { ListQuery, projected, tagsOf } from "./shared.ts";

const Info = named(EndpointService.Info, "EndpointService");
const PublicInfo = named(EndpointService.PublicInfo, "EndpointServicePublic");
const common = { tags: ["Endpoint services"], security: security("account") };
const byId = { params: IdParam("endpoint service ID", "vpcsvc-1a2b3c4d") };

const ServiceListQuery = ListQuery.extend(Authorized);

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/endpoint-services",
      summary: "Publish an endpoint service in front of a backend instance",
      request: { body: jsonBody(EndpointService.CreateInput) },
      responses: { 201: jsonResponse(Info, "The service") },
    }),
    async (c) => c.json(await EndpointServiceCreation.create(callerUin(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoint-services",
      summary: "List the caller's services, or (authorized=true) the services it may connect to",
      request: { query: ServiceListQuery },
      responses: {
        200: jsonResponse(
          pageOf(z.union([Info.partial(), PublicInfo.partial()])),
          "A page of services (only the chosen fields)",
        ),
      },
    }),
    async (c) => {
      const { authorized, fields, limit, cursor, ...filters } = c.req.valid("query");
      const uin = callerUin(c);
      const query = { ...filters, tags: tagsOf(c) };
      if (authorized === "true") {
        const page = await EndpointService.listAuthorized(uin, query.region, query, { limit, cursor });
        return c.json(projected(page, PUBLIC_FIELDS, fields), 200);
      }
      return c.json(
        projected(await EndpointService.list(uin, query, { limit, cursor }), EndpointService.FIELDS, fields),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoint-services/{id}",
      summary: "Get one of the caller's services",
      request: byId,
      responses: { 200: jsonResponse(Info, "The service") },
    }),
    async (c) => c.json(await EndpointService.get(callerUin(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/v1/endpoint-services/{id}",
      summary: "Rename, toggle auto-accept (later requests only), replace tags, or change the backend",
      request: { ...byId, body: jsonBody(EndpointService.UpdateInput) },
      responses: { 200: jsonResponse(Info, "The service") },
    }),
    async (c) =>
      c.json(
        await EndpointServiceUpdate.update(callerUin(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/endpoint-services/{id}",
      summary: "Delete a service; ResourceInUse while connections are live unless rejectConnections=true",
      request: {
        ...byId,
        query: z.object({ rejectConnections: z.enum(["true", "false"]).optional() }),
      },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      const reject = c.req.valid("query").rejectConnections === "true";
      await PrivateLink.deleteService(callerUin(c), c.req.valid("param").id, reject);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/endpoint-services/{id}/verify",
      summary: "May the caller connect to this service? Its public facts, or the reason not",
      request: {
        ...byId,
        body: { ...jsonBody(z.strictObject({ region: z.string().max(32).optional() })), required: false },
      },
      responses: {
        200: jsonResponse(
          z.object({
            connectable: z.boolean(),
            service: PublicInfo.optional(),
            reason: z.object({ code: z.string(), message: z.string() }).optional(),
          }),
          "The verdict",
        ),
      },
    }),
    async (c) =>
      c.json(
        await EndpointService.verify(callerUin(c), c.req.valid("param").id, c.req.valid("json").region),
        200,
      ),
  );

export const handler = handle(app);
