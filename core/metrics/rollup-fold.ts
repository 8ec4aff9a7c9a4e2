import * as Config from "../config.ts";
import * as Keys from "../db/keys.ts";
import {
  attr,
  type BucketValues,
  bucketAttributes,
  bucketValues,
  DAY,
  fold,
  merge,
  minuteValues,
  type StoredMetric,
} from "./model.ts";

/** The folds the rollups share, with no I/O: one invocation or sixteen shard workers fold alike. */
export namespace RollupFold {
  export type Kind = "hourly" | "daily";

  /** Folds minutes (hourly) or hourly buckets (daily) into one bucket. */
  export function foldBucket(kind: Kind, items: Record<string, unknown>[]): BucketValues {
    let out: BucketValues = {};
    for (const item of items) out = foldItem(kind, out, item);
    return out;
  }

  /** Folds one more minute (hourly) or hourly bucket (daily) into a bucket. */
  export function foldItem(kind: Kind, into: BucketValues, item: Record<string, unknown>): BucketValues {
    if (kind === "hourly") {
      for (const [m, v] of Object.entries(minuteValues(item)) as Array<[StoredMetric, number]>)
        into[m] = fold(into[m], v);
    } else {
      for (const [m, a] of Object.entries(bucketValues(item)) as Array<
        [StoredMetric, NonNullable<BucketValues[StoredMetric]>]
      >)
        into[m] = merge(into[m], a);
    }
    return into;
  }

  /** The bucket item a period of a resource rolls into: a deterministic Put. */
  export function bucketItem(
    kind: Kind,
    resourceId: string,
    period: number,
    values: BucketValues,
  ): Record<string, unknown> {
    const retention = Config.get().retentionDays;
    return {
      ...(kind === "hourly" ? Keys.metricHour(resourceId, period) : Keys.metricDay(resourceId, period)),
      ...(kind === "hourly" ? Keys.metricDayMarker(resourceId, period) : {}),
      type: kind === "hourly" ? "MetricHour" : "MetricDay",
      v: 1,
      resourceId,
      t: period,
      expiresAt: period + (kind === "hourly" ? retention.hourly : retention.daily) * DAY,
      ...bucketAttributes(values),
    };
  }

  /**
   * Services' minutes rebuilt from their endpoints' minutes: the sum of each metric over the endpoints
   * that reported it, and ConnectedEndpoints as the connected ones that reported. The hourly rollup uses
   * these rather than the service minutes the stream kept, so a record the consumer lost leaves the
   * hourly and daily series exact. Sums are kept per service and minute as `{resourceId, t, m_<metric>}`.
   */
  export class ServiceSums {
    private readonly byService = new Map<string, Map<number, Record<string, unknown>>>();

    private minute(serviceId: string, t: number): Record<string, unknown> {
      const minutes = this.byService.get(serviceId) ?? new Map<number, Record<string, unknown>>();
      this.byService.set(serviceId, minutes);
      const sum = minutes.get(t) ?? { resourceId: serviceId, t };
      minutes.set(t, sum);
      return sum;
    }

    /** Endpoint minute items: each adds to its service's minute (items without a service add nothing). */
    addEndpointMinutes(items: Record<string, unknown>[]): void {
      for (const item of items) {
        if (typeof item.serviceId !== "string") continue;
        const sum = this.minute(item.serviceId, Number(item.t));
        const add = (m: StoredMetric, v: number) => {
          sum[attr.minute(m)] = ((sum[attr.minute(m)] as number | undefined) ?? 0) + v;
        };
        for (const [m, v] of Object.entries(minuteValues(item)) as Array<[StoredMetric, number]>) add(m, v);
        if (item.connected === true) add("ConnectedEndpoints", 1);
      }
    }

    /** Minute sums another worker made for a service (the same shape): added as they are. */
    addSums(serviceId: string, minutes: Record<string, unknown>[]): void {
      for (const part of minutes) {
        const sum = this.minute(serviceId, Number(part.t));
        for (const [key, v] of Object.entries(part))
          if (key.startsWith("m_") && typeof v === "number")
            sum[key] = ((sum[key] as number | undefined) ?? 0) + v;
      }
    }

    services(): Map<string, Record<string, unknown>[]> {
      return new Map([...this.byService].map(([id, minutes]) => [id, [...minutes.values()]]));
    }
  }
}
