import type { ScheduledEvent } from "aws-lambda";
import { JobState } from "../../core/system/jobs.ts";
import { log } from "../../core/util/log.ts";
import { Clock } from "../../core/util/time.ts";

export type JobSummary = Record<string, unknown>;

/** What the local runtime and the operator route pass a job: the EventBridge event and who fired it. */
export type JobEvent = ScheduledEvent & { linkplaneTrigger?: JobState.Outcome["trigger"] };

export interface Job {
  name: string;
  /** Runs once and records the outcome; never throws (the operator route and the local scheduler use it). */
  run(event: JobEvent): Promise<JobState.Outcome>;
  /** The Lambda entry point: like `run`, but a failed run throws so Lambda's retries and alarms see it. */
  handler(event: JobEvent): Promise<JobState.Outcome>;
}

/**
 * Defines a scheduled job: its body, wrapped so that every run (start, end, status, summary or error)
 * is recorded for `GET /v1/operator/jobs`.
 */
export function defineJob(name: string, body: (event: JobEvent) => Promise<JobSummary>): Job {
  async function run(event: JobEvent): Promise<JobState.Outcome> {
    const started = Clock.now();
    const trigger = event.linkplaneTrigger ?? "schedule";
    const base = (status: JobState.Outcome["status"]): JobState.Outcome => {
      const finished = Clock.now();
      return {
        status,
        trigger,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs: finished - started,
      };
    };
    let outcome: JobState.Outcome;
    try {
      // The body first: spread before it, base() would stamp the end before the work (durationMs 0).
      const summary = await body(event);
      outcome = { ...base("succeeded"), summary };
    } catch (error) {
      outcome = { ...base("failed"), error: error instanceof Error ? error.message : String(error) };
      log.error("job failed", { job: name, error });
    }
    await JobState.record(name, outcome);
    log.info("job finished", { job: name, status: outcome.status, durationMs: outcome.durationMs });
    return outcome;
  }
  return {
    name,
    run,
    async handler(event) {
      const outcome = await run(event);
      if (outcome.status === "failed") throw new Error(`job ${name} failed: ${outcome.error}`);
      return outcome;
    },
  };
}

/** An EventBridge "Scheduled Event" for a job, as Lambda would receive it. */
export function scheduledEvent(
  name: string,
  at: Date,
  trigger: JobState.Outcome["trigger"],
  region = "us-east-1",
): JobEvent {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: `${at.toISOString().slice(0, 19)}Z`,
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/linkplane-${name}`],
    detail: {},
    linkplaneTrigger: trigger,
  };
}
