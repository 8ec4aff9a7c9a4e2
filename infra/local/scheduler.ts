import awsCronParser from "aws-cron-parser";
import { log } from "../../core/util/log.ts";

/**
 * Stands in for EventBridge scheduled rules: fires each entry on its schedule expression, the same
 * strings `infra/cron.ts` deploys. `rate(N unit)` fires on multiples of the period since the Unix epoch
 * (rate(1 hour) at the top of each hour), which is what EventBridge does for a rule created at such a
 * boundary; `cron(...)` uses EventBridge's six-field syntax, in UTC. A job still running when its next
 * time comes is not started twice; the skipped tick is logged.
 */
export interface ScheduledEntry {
  name: string;
  schedule: string;
}

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** The first firing strictly after `after`. Throws on an expression EventBridge would refuse. */
export function nextRun(expression: string, after: Date): Date {
  const rate = expression.match(/^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2] as string;
    if (count < 1 || (count === 1) !== !unit.endsWith("s"))
      throw new Error(`invalid rate expression: ${expression}`);
    const period = count * (UNIT_MS[unit] as number);
    return new Date((Math.floor(after.getTime() / period) + 1) * period);
  }
  const cron = expression.match(/^cron\((.+)\)$/);
  if (cron?.[1]) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) throw new Error(`cron expressions have six fields: ${expression}`);
    const next = awsCronParser.next(awsCronParser.parse(cron[1]), new Date(after.getTime() + 1000));
    if (!next) throw new Error(`cron expression never fires: ${expression}`);
    return next;
  }
  throw new Error(`not a schedule expression: ${expression}`);
}

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private stopped = true;

  constructor(
    private readonly entries: ScheduledEntry[],
    private readonly fire: (entry: ScheduledEntry, at: Date) => Promise<unknown>,
  ) {
    for (const entry of entries) nextRun(entry.schedule, new Date());
  }

  start(): void {
    // Started twice, each entry would run on two chains of timers, and stop() would clear only one.
    if (!this.stopped) return;
    this.stopped = false;
    for (const entry of this.entries) this.arm(entry, new Date());
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(entry: ScheduledEntry, after: Date): void {
    if (this.stopped) return;
    const at = nextRun(entry.schedule, after);
    // setTimeout holds at most ~24.8 days; longer waits re-arm on the way.
    const delay = Math.min(Math.max(0, at.getTime() - Date.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if (Date.now() < at.getTime()) return this.arm(entry, after);
      this.arm(entry, at);
      void this.tick(entry, at);
    }, delay);
    timer.unref?.();
    this.timers.set(entry.name, timer);
  }

  private async tick(entry: ScheduledEntry, at: Date): Promise<void> {
    if (this.running.has(entry.name)) {
      log.warn("scheduled job still running; tick skipped", { job: entry.name, at: at.toISOString() });
      return;
    }
    this.running.add(entry.name);
    try {
      await this.fire(entry, at);
    } catch (error) {
      log.error("scheduled job failed", { job: entry.name, error });
    } finally {
      this.running.delete(entry.name);
    }
  }
}
