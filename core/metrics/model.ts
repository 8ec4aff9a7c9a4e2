import * as z from "zod";

/** The samples the data plane sends, one per endpoint per minute (product brief, "Metrics we record"). */
export const SAMPLE_METRICS = [
  "ActiveConnections",
  "NewConnections",
  "BytesIn",
  "BytesOut",
  "PacketsIn",
  "PacketsOut",
  "PacketsDropped",
  "RstPackets",
] as const;
export type SampleMetric = (typeof SAMPLE_METRICS)[number];

/** Stored per minute and rolled up: the samples, and for services the number of connected endpoints. */
export const STORED_METRICS = [...SAMPLE_METRICS, "ConnectedEndpoints"] as const;
export type StoredMetric = (typeof STORED_METRICS)[number];

/** Rates derived from counters: bit/s from bytes, per second from packets. */
export const DERIVED = {
  BandwidthIn: { from: "BytesIn", factor: 8, unit: "bit/s" },
  BandwidthOut: { from: "BytesOut", factor: 8, unit: "bit/s" },
  PacketRateIn: { from: "PacketsIn", factor: 1, unit: "packets/s" },
  PacketRateOut: { from: "PacketsOut", factor: 1, unit: "packets/s" },
} as const satisfies Record<string, { from: SampleMetric; factor: number; unit: string }>;
export type DerivedMetric = keyof typeof DERIVED;

export const UNITS: Record<StoredMetric, string> = {
  ActiveConnections: "Count",
  NewConnections: "Count",
  BytesIn: "Bytes",
  BytesOut: "Bytes",
  PacketsIn: "Count",
  PacketsOut: "Count",
  PacketsDropped: "Count",
  RstPackets: "Count",
  ConnectedEndpoints: "Count",
};

export const ViewMetric = z.enum([...STORED_METRICS, ...(Object.keys(DERIVED) as DerivedMetric[])]);
export type ViewMetric = z.infer<typeof ViewMetric>;

/** A minute's values: absent where the data plane sent nothing (a gap is not a zero). */
export type MinuteValues = Partial<Record<StoredMetric, number>>;

/** sum, min, max, count of one metric over a bucket. */
export interface Aggregate {
  sum: number;
  min: number;
  max: number;
  count: number;
}
export type BucketValues = Partial<Record<StoredMetric, Aggregate>>;

export function fold(into: Aggregate | undefined, value: number): Aggregate {
  if (!into) return { sum: value, min: value, max: value, count: 1 };
  return {
    sum: into.sum + value,
    min: Math.min(into.min, value),
    max: Math.max(into.max, value),
    count: into.count + 1,
  };
}

export function merge(into: Aggregate | undefined, other: Aggregate): Aggregate {
  if (!into) return { ...other };
  return {
    sum: into.sum + other.sum,
    min: Math.min(into.min, other.min),
    max: Math.max(into.max, other.max),
    count: into.count + other.count,
  };
}

/** Stored attribute names: flat, so ingest can ADD to them. */
export const attr = {
  minute: (m: StoredMetric) => `m_${m}`,
  /** On a service minute: how many endpoints contributed to the metric (0 = no data, not zero). */
  contributors: (m: StoredMetric) => `n_${m}`,
  bucket: (m: StoredMetric, part: keyof Aggregate) => `${m}_${part}`,
};

export function minuteValues(item: Record<string, unknown>): MinuteValues {
  const values: MinuteValues = {};
  for (const m of STORED_METRICS) {
    const v = item[attr.minute(m)];
    const n = item[attr.contributors(m)];
    // Service minutes count contributors: a sum whose contributors all went away is no data.
    if (typeof v === "number" && (n === undefined || (typeof n === "number" && n > 0))) values[m] = v;
  }
  return values;
}

export function bucketValues(item: Record<string, unknown>): BucketValues {
  const values: BucketValues = {};
  for (const m of STORED_METRICS) {
    const count = item[attr.bucket(m, "count")];
    if (typeof count === "number" && count > 0) {
      values[m] = {
        sum: item[attr.bucket(m, "sum")] as number,
        min: item[attr.bucket(m, "min")] as number,
        max: item[attr.bucket(m, "max")] as number,
        count,
      };
    }
  }
  return values;
}

export function bucketAttributes(values: BucketValues): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [m, a] of Object.entries(values) as Array<[StoredMetric, Aggregate]>) {
    out[attr.bucket(m, "sum")] = a.sum;
    out[attr.bucket(m, "min")] = a.min;
    out[attr.bucket(m, "max")] = a.max;
    out[attr.bucket(m, "count")] = a.count;
  }
  return out;
}

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86_400;
export const floorTo = (t: number, size: number) => t - (t % size);
