import { batchPut } from "../db/batch.ts";
import * as Keys from "../db/keys.ts";
import { METRIC_SHARDS } from "../db/keys.ts";
import { queryAll } from "../db/page.ts";
import { Clock } from "../util/time.ts";
import { DAY, floorTo, HOUR } from "./model.ts";
import { RollupDispatch } from "./rollup-dispatch.ts";
import { RollupFold } from "./rollup-fold.ts";
import { RollupMarks } from "./rollup-marks.ts";
import { RollupShards } from "./rollup-shards.ts";

/**
 * Hourly and daily rollups. Each period is found through its markers (gsi3, written with the data, 16
 * shards), folded per resource into sum / min / max / count, and written as one bucket item per
 * resource with a deterministic Put, so rolling a period twice writes identical buckets.
 *
 * A watermark records the last period rolled: a run rolls every complete period after it (catching up
 * after missed runs) and every period marked late (data that arrived after it was rolled). A run stops
 * taking new periods once its time budget is spent and the next run goes on from the watermark, so one
 * invocation stays well inside Lambda's 15 minutes whatever the backlog.
 *
 * The hourly job fans out: each hour is 16 shard tasks run by their own workers (core/metrics/
 * rollup-shards.ts), and the last of them completes the hour and moves the watermark. `rollPeriods`
 * still rolls a period in this one invocation (operators, tests, and the reference the fan-out is
 * measured against).
 */
export namespace Rollup {
  export type Kind = "hourly" | "daily";

  export interface RunOptions {
    now?: Date;
    /** Stop starting new periods after this long (default 10 minutes). */
    budgetMs?: number;
    /** Where a first run starts when there is no watermark: this many periods back (default 24 hours / 7 days). */
    firstRunPeriods?: number;
    /** Hourly: run the shard tasks with this many workers here, even where a queue is configured. */
    workers?: number;
    /** Hourly: where the shard tasks go (default: the queue in AWS, else `workers` here). */
    dispatch?: RollupDispatch.Dispatch;
  }

  export interface RunResult {
    kind: Kind;
    periods: number[];
    resources: number;
    buckets: number;
    watermark: number | null;
    remaining: number;
    /** Hourly: shard tasks handed out, how many ran in this process, and their median and most ms. */
    shards?: { tasks: number; ran: number; medianMs?: number; maxMs?: number; completeMs?: number };
  }

  const SIZE: Record<Kind, number> = { hourly: HOUR, daily: DAY };
  /** Periods rolled at once: each reads its 16 marker shards, so two keep well under 50 sockets. */
  const PARALLEL_PERIODS = 2;
  /** Samples may arrive a little after their minute: a period is complete this long after it ends. */
  const GRACE = 120;

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

  /** The last period rolled up, if any. */
  export const watermark = RollupMarks.watermark;

  /**
   * Services' minutes rebuilt from their endpoints' minutes in the same hour (RollupFold.ServiceSums):
   * the rollup uses these rather than the service minutes the stream kept, so a lost stream record leaves
   * the hourly and daily series exact.
   */
  function serviceMinutes(groups: Map<string, Record<string, unknown>[]>) {
    const sums = new RollupFold.ServiceSums();
    for (const items of groups.values()) sums.addEndpointMinutes(items);
    return sums.services();
  }

  async function rollPeriod(
    kind: Kind,
    period: number,
    dailyWatermark: number | undefined,
  ): Promise<{ resources: number; buckets: number }> {
    const groups = await marked(kind, period);
    if (kind === "hourly")
      for (const [serviceId, minutes] of serviceMinutes(groups)) groups.set(serviceId, minutes);
    const puts: Record<string, unknown>[] = [];
    for (const [resourceId, items] of groups) {
      const values = RollupFold.foldBucket(kind, items);
      if (Object.keys(values).length === 0) continue;
      puts.push(RollupFold.bucketItem(kind, resourceId, period, values));
    }
    await batchPut(puts, `rollup ${kind} ${period}`);
    // An hour rolled again after its day was rolled makes that day late too.
    const day = floorTo(period, DAY);
    if (kind === "hourly" && dailyWatermark !== undefined && day <= dailyWatermark && puts.length > 0)
      await RollupMarks.markLate("daily", day);
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

  type Queued = { period: number; late?: { markedAt: number } };

  /**
   * Hours handed to the shard workers: their rounds opened (or resumed), their tasks dispatched. Run
   * here, the hours are complete when it returns; sent to the queue, the workers complete them.
   */
  async function fanOut(chunk: Queued[], dispatch: RollupDispatch.Dispatch) {
    const opened = await Promise.all(chunk.map((q) => RollupShards.open(q.period, q.late?.markedAt)));
    const sent = await dispatch(opened.flatMap((o) => o.tasks));
    const rounds = sent.ran ? await Promise.all(chunk.map((q) => RollupShards.find(q.period))) : [];
    return {
      tasks: opened.reduce((n, o) => n + o.tasks.length, 0),
      outcomes: sent.outcomes,
      resources: rounds.reduce((n, r) => n + (r?.resources ?? 0), 0),
      buckets: rounds.reduce((n, r) => n + (r?.buckets ?? 0), 0),
    };
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
    const late = await RollupMarks.lateMarkers(kind);
    const dailyMark = kind === "hourly" ? await watermark("daily") : undefined;
    const dispatch =
      kind === "hourly" ? (options.dispatch ?? RollupDispatch.configured(options.workers)) : undefined;

    const result: RunResult = {
      kind,
      periods: [],
      resources: 0,
      buckets: 0,
      watermark: mark ?? null,
      remaining: 0,
    };
    const shardMs: number[] = [];
    let completeMs: number | undefined;
    let tasks = 0;
    const queue: Queued[] = late.map((l) => ({ period: l.start, late: { markedAt: l.markedAt } }));
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
      const chunk: Queued[] = [];
      while (
        i < queue.length &&
        chunk.length < PARALLEL_PERIODS &&
        (queue[i]?.late !== undefined) === lateChunk
      )
        chunk.push(queue[i++] as Queued);
      const lastPeriod = (chunk[chunk.length - 1] as Queued).period;
      // A first fan-out records where the watermark starts: the hours then complete in any order.
      if (!lateChunk)
        await RollupMarks.markRolling(kind, lastPeriod, dispatch && mark === undefined ? from : undefined);
      result.periods.push(...chunk.map((q) => q.period));
      if (dispatch) {
        const out = await fanOut(chunk, dispatch);
        tasks += out.tasks;
        result.resources += out.resources;
        result.buckets += out.buckets;
        for (const o of out.outcomes) {
          if (o.status === "rolled") shardMs.push(Math.round(o.ms));
          if (o.completeMs !== undefined) completeMs = Math.max(completeMs ?? 0, Math.round(o.completeMs));
        }
        continue;
      }
      const rolled = await Promise.all(chunk.map(({ period }) => rollPeriod(kind, period, dailyMark)));
      for (const r of rolled) {
        result.resources += r.resources;
        result.buckets += r.buckets;
      }
      if (lateChunk) {
        // Marked again while this run worked: left for the next run.
        await Promise.all(
          chunk.map(({ period, late: l }) => RollupMarks.clearLate(kind, period, l?.markedAt as number)),
        );
      } else {
        await RollupMarks.advance(kind, lastPeriod);
        result.watermark = lastPeriod;
      }
    }
    if (dispatch) {
      result.watermark = (await watermark(kind)) ?? null;
      result.shards = {
        tasks,
        ran: shardMs.length,
        ...spread(shardMs),
        ...(completeMs === undefined ? {} : { completeMs }),
      };
    }
    return result;
  }

  /** Median and most of the shard times that ran here (ms). */
  function spread(ms: number[]): { medianMs?: number; maxMs?: number } {
    if (ms.length === 0) return {};
    const sorted = [...ms].sort((a, b) => a - b);
    return { medianMs: sorted[Math.floor((sorted.length - 1) / 2)], maxMs: sorted.at(-1) };
  }
}
