import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { Heartbeat } from "../../core/system/heartbeat.ts";
import { log } from "../../core/util/log.ts";
import { Clock } from "../../core/util/time.ts";
import { createApi } from "./factory.ts";
import { toLinkplaneError } from "./middleware.ts";
import { jsonResponse, security } from "./openapi.ts";

const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    time: z.string(),
    heartbeat: z.object({
      beatAt: z.string().nullable(),
      seenAt: z.string().nullable(),
      streamLagMs: z.number().nullable(),
    }),
  })
  .openapi("Health");

const Degraded = z
  .object({
    status: z.literal("degraded"),
    time: z.string(),
    error: z.object({ code: z.string().openapi({ example: "ResourceUnavailable" }), message: z.string() }),
  })
  .openapi("HealthDegraded");

export const app = createApi("none").openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["System"],
    security: security("none"),
    summary: "200 when the table answers; the last heartbeat shows the scheduler and stream are alive",
    responses: {
      200: jsonResponse(Health, "Healthy"),
      503: jsonResponse(Degraded, "Degraded: the table did not answer within the DynamoDB timeouts"),
    },
  }),
  async (c) => {
    const time = Clock.date().toISOString();
    try {
      return c.json({ status: "ok" as const, time, heartbeat: await Heartbeat.recent() }, 200);
    } catch (error) {
      const e = toLinkplaneError(error);
      if (e.kind !== "unavailable" && e.kind !== "throttled") throw error;
      log.warn("health: degraded", { requestId: c.get("requestId"), code: e.code });
      const body = { status: "degraded" as const, time, error: { code: e.code, message: e.message } };
      return c.json(body, 503);
    }
  },
);

export const handler = handle(app);
