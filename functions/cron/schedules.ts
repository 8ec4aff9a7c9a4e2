/**
 * Every scheduled job: its name (the operator's handle), its schedule expression in EventBridge syntax,
 * and the module whose `handler` runs it. `infra/cron.ts` deploys these as EventBridge rules; the local
 * runtime's scheduler fires the same modules on the same expressions.
 */
export interface ScheduleEntry {
  name: string;
  schedule: string;
  module: string;
  description: string;
}

export const schedules: ScheduleEntry[] = [
  {
    name: "heartbeat",
    schedule: "rate(1 minute)",
    module: "functions/cron/heartbeat.ts",
    description: "Writes a beat the stream consumer observes: proves scheduler → table → stream is alive.",
  },
  {
    name: "rollup-hourly",
    schedule: "cron(5 * * * ? *)",
    module: "functions/cron/rollup-hourly.ts",
    description:
      "Rolls minute samples into hourly buckets: every complete hour since the watermark, and late ones.",
  },
  {
    name: "rollup-daily",
    schedule: "cron(20 0 * * ? *)",
    module: "functions/cron/rollup-daily.ts",
    description:
      "Rolls hourly buckets into daily (UTC) buckets: every complete day since the watermark, and late ones.",
  },
  {
    name: "metric-exports",
    schedule: "cron(15 * * * ? *)",
    module: "functions/cron/metric-exports.ts",
    description: "Writes each active export's file for its last complete period, and retries failed runs.",
  },
  {
    name: "webhook-retry",
    schedule: "rate(1 minute)",
    module: "functions/cron/webhook-retry.ts",
    description:
      "Attempts webhook messages that are due: retries on their backoff schedule, and stalled first attempts.",
  },
];

export function findSchedule(name: string): ScheduleEntry | undefined {
  return schedules.find((s) => s.name === name);
}
