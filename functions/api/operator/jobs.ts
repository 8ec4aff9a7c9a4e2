import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { JobState } from "../../../core/system/jobs.ts";
import { schedules } from "../../cron/schedules.ts";
import { createApi } from "../factory.ts";
import { jsonResponse, named, security } from "../openapi.ts";

const Outcome = named(JobState.Outcome, "JobOutcome");
const JobInfo = z
  .object({ name: z.string(), schedule: z.string(), description: z.string(), lastRun: Outcome.nullable() })
  .openapi("Job");
const common = { tags: ["Operator"], security: security("operator") };

export const app = createApi("operator").openapi(
  createRoute({
    ...common,
    method: "get",
    path: "/v1/operator/jobs",
    summary: "Scheduled jobs with their schedule and last run",
    responses: { 200: jsonResponse(z.object({ items: z.array(JobInfo) }), "Every job") },
  }),
  async (c) => {
    const last = await JobState.lastRuns(schedules.map((s) => s.name));
    const items = schedules.map((s) => ({
      name: s.name,
      schedule: s.schedule,
      description: s.description,
      lastRun: last.get(s.name) ?? null,
    }));
    return c.json({ items }, 200);
  },
);

export const handler = handle(app);
