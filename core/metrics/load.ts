import * as Config from "../config.ts";
import { batchPut } from "../db/batch.ts";
import { Clock } from "../util/time.ts";
import { MetricIngest } from "./ingest.ts";
import { floorTo, HOUR, type SampleMetric } from "./model.ts";
import { RollupMarks } from "./rollup-marks.ts";

/**
 * A bulk load of history: many endpoint minutes at once (the demo's day, an import), without ingest's
 * per-request checks. It writes the very endpoint minute items ingest writes, with BatchWriteItem, a
 * few batches in flight; the services' minutes follow from the table's stream, as after ingest
 * (core/metrics/service-minutes.ts). Writing the same load twice writes the same items and adds
 * nothing to a service. Hours a rollup already read are marked late, as ingest does, so the next hourly
 * run folds them again.
 */
export namespace MetricLoad {
  export interface Sample {
    resourceId: string;
    /** Epoch seconds, aligned to a minute. */
    timestamp: number;
    metrics: Partial<Record<SampleMetric, number>>;
  }

  /** Batches in flight: enough to keep DynamoDB busy, few enough that none waits past its timeout. */
  export const CONCURRENCY = 4;

  export async function load(
    samples: Sample[],
    now = Clock.now(),
  ): Promise<{ items: number; hours: number[]; late: number[] }> {
    const rawDays = Config.get().retentionDays.raw;
    const endpoints = await MetricIngest.loadEndpoints([...new Set(samples.map((s) => s.resourceId))]);
    const items: Record<string, unknown>[] = [];
    const hours = new Set<number>();
    for (const s of samples) {
      const ep = endpoints.get(s.resourceId);
      if (!ep) throw new Error(`metric load: ${s.resourceId} is not an endpoint`);
      items.push(
        MetricIngest.minuteItem(
          { resourceId: s.resourceId, minute: s.timestamp, metrics: s.metrics },
          ep,
          rawDays,
        ),
      );
      hours.add(floorTo(s.timestamp, HOUR));
    }
    await batchPut(items, "metric load", CONCURRENCY);
    const late = await RollupMarks.lateAmong(hours);
    await MetricIngest.markLate(late, now);
    return { items: items.length, hours: [...hours].sort((a, b) => a - b), late };
  }
}
