import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { NotFoundError } from "../../../core/errors.ts";
import { JobState } from "../../../core/system/jobs.ts";
import { Clock } from "../../../core/util/time.ts";
import { scheduledEvent } from "../../cron/job.ts";
import { loadJob } from "../../cron/jobs.ts";
import { createApi } from "../factory.ts";
import { jsonResponse, named, security } from "../openapi.ts";

// "Run a job now" reaches every job (the export bucket's client, the queues', webhook delivery), so it is
// a function of its own and the jobs list (jobs.ts) carries none of them; it loads only the job it runs
// (docs/deploy.md "Bundles").
const Outcome = named(JobState.Outcome, "JobOutcome");
const common = { tags: ["Operator"], security: security("operator") };

export const app = createApi("operator").openapi(
  createRoute({
    ...common,
    method: "post",
    path: "/v1/operator/jobs/{name}/run",
    summary: "Run a job now; answers when it has finished, with its outcome",
    request: {
      params: z.object({
        name: z
          .string()
          .max(64)
          .openapi({ param: { name: "name", in: "path" } }),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ name: z.string(), outcome: Outcome }), "The outcome"),
    },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const job = await loadJob(name);
    if (!job) throw new NotFoundError("job", name);
    return c.json({ name, outcome: await job.run(scheduledEvent(name, Clock.date(), "manual")) }, 200);
  },
);

export const handler = handle(app);
