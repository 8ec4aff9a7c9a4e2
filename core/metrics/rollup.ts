import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Config } from "../config.ts";
import { batchPut } from "../db/batch.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import { Keys, METRIC_SHARDS } from "../db/keys.ts";
import { getItem, queryAll } from "../db/page.ts";
import { ConflictError } from "../errors.ts";
import { Clock } from "../util/time.ts";
import {
  attr,
  type BucketValues,
  bucketAttributes,
  bucketValues,
  DAY,
  floorTo,
  fold,
  HOUR,
  merge,
  minuteValues,
  type StoredMetric,
} from "./model.ts";

/**
 * Hourly and daily rollups. Each period is found through its markers (gsi3, written with the data, 16
 * shards), folded per resource into sum / min / max / count, and written as one bucket item per
 * resource with a deterministic Put, so rolling a period twice writes identical buckets.
 *
 * A watermark records the last period rolled: a run rolls every complete period after it (catching up
 * after missed runs) and every period marked late (data that arrived after it was rolled). A run stops
 * taking new periods once its time budget is spent and the next run goes on from the watermark, so one
 * invocation stays well inside Lambda's 15 minutes whatever the backlog.
 */
export namespace Rollup {
  export type Kind = "hourly" | "daily";

  export interface RunOptions {
    now?: Date;
    /** Stop starting new periods after this long (default 10 minutes). */
    budgetMs?: number;
    /** Where a first run starts when there is no watermark: this many periods back (default 24 hours / 7 days). */
    firstRunPeriods?: number;
  }

  export interface RunResult {
    kind: Kind;
    periods: number[];
    resources: number;
    buckets: number;
    watermark: number | null;
    remaining: number;
  }

  const SIZE: Record<Kind, number> = { hourly: HOUR, daily: DAY };
  /** Periods rolled at once: each reads its 16 marker shards, so two keep well under 50 sockets. */
  const PARALLEL_PERIODS = 2;
  /** Samples may arrive a little after their minute: a period is complete this long after it ends. */
  const GRACE = 120;

  /** The last period rolled up, if any. */
  export async function watermark(kind: Kind): Promise<number | undefined> {
    return (await getItem(Keys.rollupWatermark(kind), true))?.last as number | undefined;
  }

  /**
   * The latest period a run has started to read: data arriving for it from now on may be missed by that
   * run, so ingest treats it as late (it reads this after its own writes).
   */
  export async function covered(kind: Kind): Promise<number | undefined> {
    const item = await getItem(Keys.rollupWatermark(kind), true);
    const marks = [item?.last, item?.rolling].filter((v): v is number => typeof v === "number");
    return marks.length ? Math.max(...marks) : undefined;
  }

  /**
   * Of the hours just written, those an hourly rollup has started to read (or finished): they need a
   * late marker. Call it after the writes.
   */
  export async function lateAmong(hours: Iterable<number>): Promise<number[]> {
    const list = [...hours];
    const mark = list.length ? await covered("hourly") : undefined;
    return mark === undefined ? [] : list.filter((h) => h <= mark);
  }

  async function markRolling(kind: Kind, period: number): Promise<void> {
    await call(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.rollupWatermark(kind),
          UpdateExpression: "SET #type = :type, v = :v, rolling = :p",
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: { ":type": "RollupWatermark", ":v": 1, ":p": period },
        }),
      ),
    );
  }

  async function advance(kind: Kind, period: number): Promise<void> {
    await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.rollupWatermark(kind),
            UpdateExpression: "SET #type = :type, v = :v, #last = :p",
            ConditionExpression: "attribute_not_exists(#last) OR #last < :p",
            ExpressionAttributeNames: { "#type": "type", "#last": "last" },
            ExpressionAttributeValues: { ":type": "RollupWatermark", ":v": 1, ":p": period },
          }),
        ),
      { onConditionFailed: () => new Stale() },
    ).catch(ignoreStale);
  }

  /** A conditional write that found the work already done (a newer watermark, a newer late marker). */
  class Stale extends ConflictError {
    constructor() {
      super("Stale", "already superseded");
    }
  }

  function ignoreStale(error: unknown): undefined {
    if (error instanceof Stale) return undefined;
    throw error;
  }

  async function lateMarkers(kind: Kind): Promise<Array<{ start: number; markedAt: number }>> {
    const out = await call(() =>
      Db.client().send(
        new QueryCommand({
          TableName: Db.table(),
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": Keys.latePartition(kind) },
          ConsistentRead: true,
        }),
      ),
    );
    return (out.Items ?? []).map((i) => ({ start: Number(i.start), markedAt: Number(i.markedAt) }));
  }

  /** The items behind one period's markers, grouped by resource. */
  async function marked(kind: Kind, period: number): Promise<Map<string, Record<string, unknown>[]>> {
    const byResource = new Map<string, Record<string, unknown>[]>();
    await Promise.all(
      Array.from({ length: METRIC_SHARDS }, async (_, shard) => {
        const items = queryAll({
          IndexName: "gsi3",
          KeyConditionExpression: "gsi3pk = :pk",
          ExpressionAttributeValues: {
            ":pk":
              kind === "hourly" ? Keys.metricHourShard(period, shard) : Keys.metricDayShard(period, shard),
          },
        });
        for await (const item of items) {
          const id = String(item.resourceId);
          const list = byResource.get(id) ?? [];
          list.push(item);
          byResource.set(id, list);
        }
      }),
    );
    return byResource;
  }

  /** Folds minutes (hourly) or hourly buckets (daily) into one bucket. */
  export function foldBucket(kind: Kind, items: Record<string, unknown>[]): BucketValues {
    const out: BucketValues = {};
    for (const item of items) {
      if (kind === "hourly") {
        for (const [m, v] of Object.entries(minuteValues(item)) as Array<[StoredMetric, number]>)
          out[m] = fold(out[m], v);
      } else {
        for (const [m, a] of Object.entries(bucketValues(item)) as Array<
          [StoredMetric, NonNullable<BucketValues[StoredMetric]>]
        >) {
          out[m] = merge(out[m], a);
        }
      }
    }
    return out;
  }

  /**
   * A service's minutes rebuilt from its endpoints' minutes in the same hour: the sum of each metric
   * over the endpoints that reported it, and ConnectedEndpoints as the connected ones that reported.
   * The rollup uses these rather than the service minutes ingest kept, so a request that failed between
   * its endpoint writes and its service ADD leaves the hourly and daily series exact.
   */
  export function serviceMinutes(
    groups: Map<string, Record<string, unknown>[]>,
  ): Map<string, Record<string, unknown>[]> {
    const byService = new Map<string, Map<number, Record<string, unknown>>>();
    for (const items of groups.values()) {
      for (const item of items) {
        const serviceId = item.serviceId;
        if (typeof serviceId !== "string") continue;
        const minutes = byService.get(serviceId) ?? new Map<number, Record<string, unknown>>();
        const t = Number(item.t);
        const sum = minutes.get(t) ?? { resourceId: serviceId, t };
        for (const [m, v] of Object.entries(minuteValues(item)) as Array<[StoredMetric, number]>) {
          sum[attr.minute(m)] = ((sum[attr.minute(m)] as number | undefined) ?? 0) + v;
        }
        if (item.connected === true) {
          sum[attr.minute("ConnectedEndpoints")] =
            ((sum[attr.minute("ConnectedEndpoints")] as number | undefined) ?? 0) + 1;
        }
        minutes.set(t, sum);
        byService.set(serviceId, minutes);
      }
    }
    return new Map([...byService].map(([id, minutes]) => [id, [...minutes.values()]]));
  }

  async function rollPeriod(
    kind: Kind,
    period: number,
    dailyWatermark: number | undefined,
  ): Promise<{ resources: number; buckets: number }> {
    const retention = Config.get().retentionDays;
    const groups = await marked(kind, period);
    if (kind === "hourly")
      for (const [serviceId, minutes] of serviceMinutes(groups)) groups.set(serviceId, minutes);
    const puts: Record<string, unknown>[] = [];
    for (const [resourceId, items] of groups) {
      const values = foldBucket(kind, items);
      if (Object.keys(values).length === 0) continue;
      puts.push({
        ...(kind === "hourly" ? Keys.metricHour(resourceId, period) : Keys.metricDay(resourceId, period)),
        ...(kind === "hourly" ? Keys.metricDayMarker(resourceId, period) : {}),
        type: kind === "hourly" ? "MetricHour" : "MetricDay",
        v: 1,
        resourceId,
        t: period,
        expiresAt: period + (kind === "hourly" ? retention.hourly : retention.daily) * DAY,
        ...bucketAttributes(values),
      });
    }
    await batchPut(puts, `rollup ${kind} ${period}`);
    // An hour rolled again after its day was rolled makes that day late too.
    const day = floorTo(period, DAY);
    if (kind === "hourly" && dailyWatermark !== undefined && day <= dailyWatermark && puts.length > 0) {
      await call(() =>
        Db.client().send(
          new PutCommand({
            TableName: Db.table(),
            Item: {
              ...Keys.lateMarker("daily", day),
              type: "LateMarker",
              v: 1,
              start: day,
              markedAt: Clock.now(),
            },
          }),
        ),
      );
    }
    return { resources: groups.size, buckets: puts.length };
  }

  /** Rolls the given periods as they are now, whatever the watermark (tests, operators re-rolling). */
  export async function rollPeriods(
    kind: Kind,
    periods: number[],
  ): Promise<{ resources: number; buckets: number }> {
    const dailyMark = kind === "hourly" ? await watermark("daily") : undefined;
    const total = { resources: 0, buckets: 0 };
    for (const p of periods) {
      const r = await rollPeriod(kind, p, dailyMark);
      total.resources += r.resources;
      total.buckets += r.buckets;
    }
    return total;
  }

  export async function run(kind: Kind, options: RunOptions = {}): Promise<RunResult> {
    const started = Date.now();
    const budget = options.budgetMs ?? 10 * 60_000;
    const nowSeconds = Math.floor((options.now ?? Clock.date()).getTime() / 1000);
    const size = SIZE[kind];
    // A day is complete once the hourly job has rolled its last hour.
    const lastComplete =
      kind === "hourly"
        ? floorTo(nowSeconds - GRACE, HOUR) - HOUR
        : Math.min(
            floorTo(nowSeconds - GRACE, DAY) - DAY,
            floorTo(((await watermark("hourly")) ?? -HOUR) + HOUR, DAY) - DAY,
          );
    const mark = await watermark(kind);
    const from =
      mark !== undefined
        ? mark + size
        : lastComplete - ((options.firstRunPeriods ?? (kind === "hourly" ? 24 : 7)) - 1) * size;
    const late = await lateMarkers(kind);
    const dailyMark = kind === "hourly" ? await watermark("daily") : undefined;

    const result: RunResult = {
      kind,
      periods: [],
      resources: 0,
      buckets: 0,
      watermark: mark ?? null,
      remaining: 0,
    };
    const queue: Array<{ period: number; late?: { markedAt: number } }> = [
      ...late.map((l) => ({ period: l.start, late: { markedAt: l.markedAt } })),
    ];
    for (let p = from; p <= lastComplete; p += size) queue.push({ period: p });

    // Periods are rolled a few at a time: late ones are independent of each other, and a run of
    // catch-up periods is announced (markRolling) up to its last one before any is read, then the
    // watermark moves past all of them once all are written.
    for (let i = 0; i < queue.length; ) {
      if (Date.now() - started > budget) {
        result.remaining = queue.length - i;
        break;
      }
      const lateChunk = queue[i]?.late !== undefined;
      const chunk: typeof queue = [];
      while (
        i < queue.length &&
        chunk.length < PARALLEL_PERIODS &&
        (queue[i]?.late !== undefined) === lateChunk
      )
        chunk.push(queue[i++] as (typeof queue)[number]);
      const lastPeriod = (chunk[chunk.length - 1] as (typeof queue)[number]).period;
      if (!lateChunk) await markRolling(kind, lastPeriod);
      const rolled = await Promise.all(chunk.map(({ period }) => rollPeriod(kind, period, dailyMark)));
      for (const [j, { period }] of chunk.entries()) {
        result.periods.push(period);
        result.resources += (rolled[j] as { resources: number }).resources;
        result.buckets += (rolled[j] as { buckets: number }).buckets;
      }
      if (lateChunk) {
        await Promise.all(
          chunk.map(({ period, late: lateInfo }) =>
            call(
              () =>
                Db.client().send(
                  new DeleteCommand({
                    TableName: Db.table(),
                    Key: Keys.lateMarker(kind, period),
                    ConditionExpression: "markedAt = :m",
                    ExpressionAttributeValues: { ":m": lateInfo?.markedAt },
                  }),
                ),
              // Marked again while this run worked: leave it for the next run.
              { onConditionFailed: () => new Stale() },
            ).catch(ignoreStale),
          ),
        );
      } else {
        await advance(kind, lastPeriod);
        result.watermark = lastPeriod;
      }
    }
    return result;
  }
}
