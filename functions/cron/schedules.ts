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
];

export function findSchedule(name: string): ScheduleEntry | undefined {
  return schedules.find((s) => s.name === name);
}
