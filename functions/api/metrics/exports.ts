import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { PageParams } from "../../../core/db/page.ts";
import { MetricExport } from "../../../core/metrics/exports.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";

const Info = named(MetricExport.Info, "MetricExport");
const Run = named(MetricExport.Run, "MetricExportRun");
const common = { tags: ["Metrics"], security: security("account") };
const byId = { params: IdParam("metric export ID", "mexp-1a2b3c4d") };

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/metric-exports",
      summary: "Schedule a metric export (files hourly or daily, CSV or NDJSON)",
      request: { body: jsonBody(MetricExport.CreateInput) },
      responses: { 201: jsonResponse(Info, "The export") },
    }),
    async (c) => c.json(await MetricExport.create(callerUin(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/metric-exports",
      summary: "The caller's metric exports",
      request: { query: PageParams },
      responses: { 200: jsonResponse(pageOf(Info), "A page of exports") },
    }),
    async (c) => c.json(await MetricExport.list(callerUin(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/metric-exports/{id}",
      summary: "One export",
      request: byId,
      responses: { 200: jsonResponse(Info, "The export") },
    }),
    async (c) => c.json(await MetricExport.get(callerUin(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/v1/metric-exports/{id}",
      summary: "Pause or resume an export",
      request: { ...byId, body: jsonBody(z.strictObject({ status: z.enum(["active", "paused"]) })) },
      responses: { 200: jsonResponse(Info, "The export") },
    }),
    async (c) =>
      c.json(
        await MetricExport.setStatus(callerUin(c), c.req.valid("param").id, c.req.valid("json").status),
        200,
      ),
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/metric-exports/{id}",
      summary: "Delete an export (its files stay)",
      request: byId,
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await MetricExport.remove(callerUin(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/metric-exports/{id}/runs",
      summary: "The export's runs: period, status, rows, bytes, SHA-256, object key, error",
      request: { ...byId, query: PageParams },
      responses: { 200: jsonResponse(pageOf(Run), "A page of runs") },
    }),
    async (c) =>
      c.json(await MetricExport.runs(callerUin(c), c.req.valid("param").id, c.req.valid("query")), 200),
  );

export const handler = handle(app);
