import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { PageParams } from "../../../core/db/page.ts";
import { ConnectionState } from "../../../core/privatelink/common.ts";
import * as Connection from "../../../core/privatelink/connection.ts";
import * as ConnectionBatch from "../../../core/privatelink/connection-batch.ts";
import * as Endpoint from "../../../core/privatelink/endpoint.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";

const Info = named(Connection.Info, "Connection");
const Results = z.object({ results: z.array(named(Connection.Result, "ConnectionResult")) });
const History = z.object({ items: z.array(named(Endpoint.HistoryEntry, "ConnectionHistoryEntry")) });
const common = { tags: ["Connections"], security: security("account") };
const byId = { params: IdParam("endpoint service ID", "vpcsvc-1a2b3c4d") };

function batchRoute(action: Connection.Action) {
  return createRoute({
    ...common,
    method: "post",
    path: `/v1/endpoint-services/{id}/connections/${action}`,
    summary: `${action === "accept" ? "Accept" : "Reject"} connections (1–500), answered per item`,
    request: { ...byId, body: jsonBody(Connection.BatchInput) },
    responses: {
      200: jsonResponse(Results, "One result per endpoint ID, in the order given"),
    },
  });
}

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoint-services/{id}/connections",
      summary: "The service's connections, newest first",
      request: { ...byId, query: PageParams.extend({ state: ConnectionState.optional() }) },
      responses: { 200: jsonResponse(pageOf(Info), "A page of connections") },
    }),
    async (c) => {
      const { state, ...page } = c.req.valid("query");
      return c.json(await Connection.list(callerUin(c), c.req.valid("param").id, state, page), 200);
    },
  )
  .openapi(batchRoute("accept"), async (c) =>
    c.json(
      {
        results: await ConnectionBatch.decide(
          callerUin(c),
          c.req.valid("param").id,
          "accept",
          c.req.valid("json"),
        ),
      },
      200,
    ),
  )
  .openapi(batchRoute("reject"), async (c) =>
    c.json(
      {
        results: await ConnectionBatch.decide(
          callerUin(c),
          c.req.valid("param").id,
          "reject",
          c.req.valid("json"),
        ),
      },
      200,
    ),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/endpoint-services/{id}/connections/{endpointId}/history",
      summary: "The state history of one connection, oldest first",
      request: {
        params: IdParam("endpoint service ID", "vpcsvc-1a2b3c4d").extend({ endpointId: z.string().max(64) }),
      },
      responses: { 200: jsonResponse(History, "Every transition") },
    }),
    async (c) => {
      const { id, endpointId } = c.req.valid("param");
      return c.json({ items: await Connection.history(callerUin(c), id, endpointId) }, 200);
    },
  );

export const handler = handle(app);
