import * as z from "zod";
import * as Config from "../config.ts";
import * as Keys from "../db/keys.ts";
import { collect, queryAll } from "../db/page.ts";
import { InvalidParameterError } from "../errors.ts";
import { Clock } from "../util/time.ts";
import { validate } from "../validation.ts";
import {
  type Aggregate,
  type BucketValues,
  bucketValues,
  DAY,
  DERIVED,
  type DerivedMetric,
  floorTo,
  fold,
  HOUR,
  MINUTE,
  merge,
  minuteValues,
  SAMPLE_METRICS,
  type StoredMetric,
  UNITS,
  ViewMetric,
} from "./model.ts";
import { RollupMarks } from "./rollup-marks.ts";

/**
 * Metric views: one resource's series over a window, at 1 minute (raw, within raw retention), 1 hour or
 * 1 day. Hours and days not rolled up yet are folded on the fly from what is below them, so a view is
 * complete up to the current bucket. Points sit at bucket starts; a bucket without data is `null`.
 */
export namespace MetricQuery {
  export const MAX_POINTS = 1500;
  export const Granularity = z.enum(["1m", "1h", "1d"]);
  export type Granularity = z.infer<typeof Granularity>;
  export const Stat = z.enum(["sum", "avg", "max", "min"]);
  export type Stat = z.infer<typeof Stat>;
  const SECONDS: Record<Granularity, number> = { "1m": MINUTE, "1h": HOUR, "1d": DAY };

  const Time = z.union([
    z
      .string()
      .regex(/^\d{1,12}$/)
      .transform(Number),
    z.iso.datetime({ offset: true }).transform((t) => Math.floor(Date.parse(t) / 1000)),
  ]);

  export const Params = z.object({
    metrics: z.string().max(500).optional(),
    period: z.enum(["realtime", "24h", "7d", "custom"]).default("realtime"),
    from: Time.optional(),
    to: Time.optional(),
    granularity: Granularity.optional(),
    stat: Stat.default("avg"),
  });
  export type Params = z.input<typeof Params>;

  export interface Window {
    granularity: Granularity;
    from: number;
    to: number;
    metrics: ViewMetric[];
    stat: Stat;
  }

  export interface Point {
    t: number;
    value: number | null;
  }
  export interface Series {
    metric: ViewMetric;
    stat: Stat;
    unit: string;
    points: Point[];
  }
  export interface View {
    granularity: Granularity;
    from: number;
    to: number;
    series: Series[];
  }

  /** Resolves period, from, to and granularity into an aligned window, enforcing the limits. */
  export function window(input: unknown, defaults: ViewMetric[], now = Clock.now()): Window {
    const p = validate(Params, input);
    const nowSeconds = Math.floor(now / 1000);
    const metrics = p.metrics
      ? p.metrics.split(",").map((m, i) => {
          const parsed = ViewMetric.safeParse(m.trim());
          if (!parsed.success)
            throw InvalidParameterError.value(
              "metrics",
              `unknown metric ${m.trim() || `#${i + 1}`}; choose from ${ViewMetric.options.join(", ")}`,
            );
          return parsed.data;
        })
      : defaults;
    let granularity: Granularity;
    let from: number;
    let to: number;
    switch (p.period) {
      case "realtime":
        granularity = p.granularity ?? "1m";
        to = floorTo(nowSeconds, SECONDS[granularity]);
        from = to - 59 * MINUTE;
        break;
      case "24h":
      case "7d":
        granularity = p.granularity ?? "1h";
        to = floorTo(nowSeconds, SECONDS[granularity]);
        from = nowSeconds - (p.period === "24h" ? DAY : 7 * DAY) + SECONDS[granularity];
        break;
      default:
        if (p.from === undefined) throw InvalidParameterError.missing("from");
        if (p.to === undefined) throw InvalidParameterError.missing("to");
        granularity = p.granularity ?? "1h";
        from = p.from;
        to = p.to;
    }
    const size = SECONDS[granularity];
    from = floorTo(from, size);
    to = floorTo(to, size);
    if (to < from) throw InvalidParameterError.value("to", "must not be before from");
    if (granularity === "1m" && from < nowSeconds - Config.get().retentionDays.raw * DAY) {
      throw InvalidParameterError.value(
        "granularity",
        `1m data is kept for ${Config.get().retentionDays.raw} days; use 1h or 1d further back`,
      );
    }
    const points = (to - from) / size + 1;
    if (points > MAX_POINTS) {
      throw InvalidParameterError.value(
        "granularity",
        `at most ${MAX_POINTS} points per series (this asks for ${points}); use a coarser granularity or a shorter period`,
      );
    }
    return { granularity, from, to, metrics, stat: p.stat };
  }

  function queryRange(pk: string, from: number, to: number): Promise<Record<string, unknown>[]> {
    return collect(
      queryAll({
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues: {
          ":pk": pk,
          ":a": String(from).padStart(10, "0"),
          ":b": String(to).padStart(10, "0"),
        },
      }),
    );
  }

  /** Minute buckets between two times (one Query per UTC day touched). */
  async function minutes(resourceId: string, from: number, to: number): Promise<Map<number, BucketValues>> {
    const out = new Map<number, BucketValues>();
    for (let day = floorTo(from, DAY); day <= to; day += DAY) {
      for (const item of await queryRange(
        Keys.metricMinutes(resourceId, day),
        Math.max(from, day),
        Math.min(to, day + DAY - 1),
      )) {
        const bucket: BucketValues = {};
        for (const [m, v] of Object.entries(minuteValues(item)) as Array<[StoredMetric, number]>)
          bucket[m] = fold(undefined, v);
        out.set(Number(item.t), bucket);
      }
    }
    return out;
  }

  /** Folds finer buckets into coarser ones of `size` seconds. */
  function coarsen(fine: Map<number, BucketValues>, size: number): Map<number, BucketValues> {
    const out = new Map<number, BucketValues>();
    for (const [t, values] of fine) {
      const key = floorTo(t, size);
      const bucket = out.get(key) ?? {};
      for (const [m, a] of Object.entries(values) as Array<[StoredMetric, Aggregate]>)
        bucket[m] = merge(bucket[m], a);
      out.set(key, bucket);
    }
    return out;
  }

  async function hours(resourceId: string, from: number, to: number): Promise<Map<number, BucketValues>> {
    const mark = await RollupMarks.watermark("hourly");
    const rolledTo = mark === undefined ? from - HOUR : Math.min(mark, to);
    const out = new Map<number, BucketValues>();
    if (rolledTo >= from) {
      for (const item of await queryRange(`MHOUR#${resourceId}`, from, rolledTo))
        out.set(Number(item.t), bucketValues(item));
    }
    // Hours not rolled up yet: from the minutes, as the hourly job will.
    if (rolledTo < to)
      // Only the window's own hours: a stalled job must not make every view read back to its watermark.
      for (const [t, b] of coarsen(
        await minutes(resourceId, Math.max(rolledTo + HOUR, from), to + HOUR - 1),
        HOUR,
      ))
        out.set(t, b);
    return out;
  }

  async function days(resourceId: string, from: number, to: number): Promise<Map<number, BucketValues>> {
    const mark = await RollupMarks.watermark("daily");
    const rolledTo = mark === undefined ? from - DAY : Math.min(mark, to);
    const out = new Map<number, BucketValues>();
    if (rolledTo >= from) {
      for (const item of await queryRange(`MDAY#${resourceId}`, from, rolledTo))
        out.set(Number(item.t), bucketValues(item));
    }
    if (rolledTo < to)
      for (const [t, b] of coarsen(
        await hours(resourceId, Math.max(rolledTo + DAY, from), to + DAY - HOUR),
        DAY,
      ))
        out.set(t, b);
    return out;
  }

  /** One number from a bucket: the stat of a stored metric, or a rate derived from a counter. */
  export function value(
    bucket: BucketValues | undefined,
    metric: ViewMetric,
    stat: Stat,
    seconds: number,
  ): number | null {
    const derived = (DERIVED as Record<string, (typeof DERIVED)[DerivedMetric]>)[metric];
    const a = bucket?.[(derived ? derived.from : metric) as StoredMetric];
    if (!a) return null;
    if (!derived) {
      if (stat === "sum") return a.sum;
      if (stat === "avg") return a.sum / a.count;
      return stat === "max" ? a.max : a.min;
    }
    // Counters are per minute: their rate is value × factor / 60 s. "sum" is the mean rate over the bucket.
    const perMinute =
      stat === "avg" ? a.sum / a.count : stat === "max" ? a.max : stat === "min" ? a.min : undefined;
    if (perMinute === undefined) return (a.sum * derived.factor) / seconds;
    return (perMinute * derived.factor) / MINUTE;
  }

  export function unit(metric: ViewMetric): string {
    const derived = (DERIVED as Record<string, (typeof DERIVED)[DerivedMetric]>)[metric];
    return derived ? derived.unit : UNITS[metric as StoredMetric];
  }

  /** A resource's buckets from `from` to `to` (bucket starts) at a granularity, rolled or not. */
  export async function buckets(
    resourceId: string,
    granularity: Granularity,
    from: number,
    to: number,
  ): Promise<Map<number, BucketValues>> {
    if (granularity === "1m") return minutes(resourceId, from, to + MINUTE - 1);
    if (granularity === "1h") return hours(resourceId, from, to);
    return days(resourceId, from, to);
  }

  export async function view(resourceId: string, w: Window): Promise<View> {
    const size = SECONDS[w.granularity];
    const buckets = await MetricQuery.buckets(resourceId, w.granularity, w.from, w.to);
    const series = w.metrics.map((metric) => {
      const points: Point[] = [];
      for (let t = w.from; t <= w.to; t += size)
        points.push({ t, value: value(buckets.get(t), metric, w.stat, size) });
      return { metric, stat: w.stat, unit: unit(metric), points };
    });
    return { granularity: w.granularity, from: w.from, to: w.to, series };
  }

  export const ENDPOINT_DEFAULTS: ViewMetric[] = [...SAMPLE_METRICS];
  export const SERVICE_DEFAULTS: ViewMetric[] = [...SAMPLE_METRICS, "ConnectedEndpoints"];

  // ---- Comparison -----------------------------------------------------------------------------------

  export interface ComparedPoint {
    t: number;
    value: number | null;
    compareT: number;
    compareValue: number | null;
    diff: number | null;
    pct: number | null;
  }
  export interface Totals {
    value: number | null;
    compareValue: number | null;
    diff: number | null;
    pct: number | null;
  }

  function total(points: Array<number | null>, stat: Stat): number | null {
    const xs = points.filter((v): v is number => v !== null);
    if (xs.length === 0) return null;
    if (stat === "sum") return xs.reduce((a, b) => a + b, 0);
    if (stat === "avg") return xs.reduce((a, b) => a + b, 0) / xs.length;
    return stat === "max" ? Math.max(...xs) : Math.min(...xs);
  }

  function difference(a: number | null, b: number | null): Pick<ComparedPoint, "diff" | "pct"> {
    if (a === null || b === null) return { diff: null, pct: null };
    return { diff: a - b, pct: b === 0 ? null : ((a - b) / b) * 100 };
  }

  /** The same metrics over a second window of the same length starting at `compareFrom`, point by point. */
  export async function compare(resourceId: string, w: Window, compareFrom: unknown) {
    const parsed = Time.safeParse(compareFrom);
    if (compareFrom === undefined) throw InvalidParameterError.missing("compareFrom");
    if (!parsed.success)
      throw InvalidParameterError.malformed("compareFrom", "must be epoch seconds or ISO 8601");
    const size = SECONDS[w.granularity];
    const otherFrom = floorTo(parsed.data, size);
    const other: Window = { ...w, from: otherFrom, to: otherFrom + (w.to - w.from) };
    if (
      w.granularity === "1m" &&
      other.from < Math.floor(Clock.now() / 1000) - Config.get().retentionDays.raw * DAY
    ) {
      throw InvalidParameterError.value(
        "compareFrom",
        `1m data is kept for ${Config.get().retentionDays.raw} days`,
      );
    }
    const [a, b] = await Promise.all([view(resourceId, w), view(resourceId, other)]);
    return {
      granularity: w.granularity,
      from: w.from,
      to: w.to,
      compareFrom: other.from,
      compareTo: other.to,
      series: a.series.map((s, i) => {
        const c = b.series[i] as Series;
        const points: ComparedPoint[] = s.points.map((p, j) => {
          const q = c.points[j] as Point;
          return {
            t: p.t,
            value: p.value,
            compareT: q.t,
            compareValue: q.value,
            ...difference(p.value, q.value),
          };
        });
        const value = total(
          s.points.map((p) => p.value),
          w.stat,
        );
        const compareValue = total(
          c.points.map((p) => p.value),
          w.stat,
        );
        return {
          metric: s.metric,
          stat: s.stat,
          unit: s.unit,
          points,
          totals: { value, compareValue, ...difference(value, compareValue) },
        };
      }),
    };
  }
}
