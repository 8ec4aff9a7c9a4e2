import type { Job } from "./job.ts";

/**
 * Job name → its definition, loaded on demand, for the operator's "run now" and the demo. Each job is
 * imported when it is run, so "run now" loads only the job it runs (in the bundle, a chunk of its own:
 * docs/deploy.md "Bundles"). A Map, because the name comes from the caller's URL: `constructor` must not
 * find Object's.
 */
const jobs: ReadonlyMap<string, () => Promise<Job>> = new Map<string, () => Promise<Job>>([
  ["heartbeat", async () => (await import("./heartbeat.ts")).job],
  ["rollup-hourly", async () => (await import("./rollup-hourly.ts")).job],
  ["rollup-daily", async () => (await import("./rollup-daily.ts")).job],
  ["metric-exports", async () => (await import("./metric-exports.ts")).job],
  ["webhook-retry", async () => (await import("./webhook-retry.ts")).job],
]);

export async function loadJob(name: string): Promise<Job | undefined> {
  return jobs.get(name)?.();
}

export function jobNames(): string[] {
  return [...jobs.keys()];
}
