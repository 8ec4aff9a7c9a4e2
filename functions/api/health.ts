import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { Heartbeat } from "../../core/system/heartbeat.ts";
import { Clock } from "../../core/util/time.ts";
import { createApi } from "./factory.ts";
import { errorResponses, jsonResponse } from "./openapi.ts";

const Health = z
  .object({
    status: z.literal("ok"),
    time: z.string(),
    heartbeat: z.object({
      beatAt: z.string().nullable(),
      seenAt: z.string().nullable(),
      streamLagMs: z.number().nullable(),
    }),
  })
  .openapi("Health");

export const app = createApi("none").openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["System"],
    summary: "200 when the table answers; the last heartbeat shows the scheduler and stream are alive",
    responses: { 200: jsonResponse(Health, "Healthy"), 503: errorResponses[500] },
  }),
  async (c) => {
    const heartbeat = await Heartbeat.status();
    return c.json({ status: "ok" as const, time: Clock.date().toISOString(), heartbeat }, 200);
  },
);

export const handler = handle(app);
