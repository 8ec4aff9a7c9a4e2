import { Config } from "../config.ts";
import { batchPut } from "../db/batch.ts";
import { Keys } from "../db/keys.ts";
import { Clock } from "../util/time.ts";
import { MetricIngest } from "./ingest.ts";
import { attr, DAY, floorTo, HOUR, SAMPLE_METRICS, type SampleMetric, type StoredMetric } from "./model.ts";
import { Rollup } from "./rollup.ts";

/**
 * A bulk load of complete history: many minutes of every endpoint of some services at once (the demo's
 * day, an import). Ingest pays a PutItem per sample and an UpdateItem per service-minute so that any
 * request can add to what others sent; a load knows every endpoint's value, so it writes each endpoint
 * minute and each service minute (the sum over the given endpoints) as plain items with
 * BatchWriteItem, a few batches in flight. Writing the same load twice writes the same items.
 *
 * The price of that: a service minute is replaced by the sum of the samples given, so a load must carry
 * every endpoint of each service it touches for its minutes. Hours a rollup already read are marked
 * late, as ingest does, so the next hourly run folds them again.
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
    const services = new Map<string, Record<string, unknown>>();
    const hours = new Set<number>();
    for (const s of samples) {
      const ep = endpoints.get(s.resourceId);
      if (!ep) throw new Error(`metric load: ${s.resourceId} is not an endpoint`);
      const minute = s.timestamp;
      items.push(
        MetricIngest.minuteItem({ resourceId: s.resourceId, minute, metrics: s.metrics }, ep, rawDays),
      );
      hours.add(floorTo(minute, HOUR));
      const key = `${ep.endpointServiceId}#${minute}`;
      let sum = services.get(key);
      if (!sum) {
        sum = {
          ...Keys.metricMinute(ep.endpointServiceId, minute),
          ...Keys.metricHourMarker(ep.endpointServiceId, minute),
          type: "MetricMinute",
          v: 1,
          resourceId: ep.endpointServiceId,
          t: minute,
          expiresAt: floorTo(minute, HOUR) + HOUR + rawDays * DAY,
        };
        services.set(key, sum);
      }
      const add = (m: StoredMetric, value: number) => {
        sum[attr.minute(m)] = ((sum[attr.minute(m)] as number | undefined) ?? 0) + value;
        sum[attr.contributors(m)] = ((sum[attr.contributors(m)] as number | undefined) ?? 0) + 1;
      };
      for (const m of SAMPLE_METRICS) {
        const value = s.metrics[m];
        if (value !== undefined) add(m, value);
      }
      if (ep.state === "available") add("ConnectedEndpoints", 1);
    }
    items.push(...services.values());
    await batchPut(items, "metric load", CONCURRENCY);
    const late = await Rollup.lateAmong(hours);
    await MetricIngest.markLate(late, now);
    return { items: items.length, hours: [...hours].sort((a, b) => a - b), late };
  }
}
