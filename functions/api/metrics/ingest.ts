import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { MetricIngest } from "../../../core/metrics/ingest.ts";
import { createApi } from "../factory.ts";
import { jsonBody, jsonResponse, security } from "../openapi.ts";

const Result = z
  .object({
    accepted: z.number().int(),
    rejected: z.array(
      z.object({ index: z.number().int(), resourceId: z.string().optional(), reason: z.string() }),
    ),
  })
  .openapi("IngestResult");

export const app = createApi("ingest").openapi(
  createRoute({
    tags: ["Metrics"],
    security: security("ingest"),
    method: "post",
    path: "/v1/metrics/samples",
    summary: "Store up to 1,000 minute samples; bad ones are listed with reasons, good ones stored",
    request: { body: jsonBody(MetricIngest.Input) },
    responses: { 200: jsonResponse(Result, "What was stored and what was not") },
  }),
  async (c) => c.json(await MetricIngest.ingest(c.req.valid("json")), 200),
);

export const handler = handle(app);
