import { BatchGetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { batchPut } from "../db/batch.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import type * as Endpoint from "../privatelink/endpoint.ts";
import { Clock } from "../util/time.ts";
import { validate } from "../validation.ts";
import { attr, DAY, floorTo, HOUR, MINUTE, SAMPLE_METRICS, type StoredMetric } from "./model.ts";
import { RollupMarks } from "./rollup-marks.ts";
import { ServiceMinutes } from "./service-minutes.ts";

/**
 * Samples from the data plane: one per endpoint per minute, written with BatchWriteItem (re-sending a
 * minute overwrites it). Each service's minute, the sum over its endpoints, is not written here: the
 * table's stream carries each endpoint minute's old and new image to `ServiceMinutes`, which ADDs the
 * difference exactly once (core/metrics/service-minutes.ts).
 */
export namespace MetricIngest {
  export const MAX_SAMPLES = 1000;
  const FUTURE_SECONDS = 300;
  /** BatchWriteItem requests (25 minutes each) in flight per request; the ingest bench's floor gets the same. */
  export const CONCURRENCY = 32;

  const Value = z.number().finite().min(0);
  const Sample = z.strictObject({
    resourceId: z.string().regex(/^vpce-[0-9a-z]{8}$/, "must be an endpoint ID (vpce-…)"),
    timestamp: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]),
    metrics: z
      .strictObject(
        Object.fromEntries(SAMPLE_METRICS.map((m) => [m, Value.optional()])) as Record<
          (typeof SAMPLE_METRICS)[number],
          z.ZodOptional<typeof Value>
        >,
      )
      .refine((m) => Object.values(m).some((v) => v !== undefined), {
        error: "at least one metric is required",
      }),
  });

  export const Input = z.strictObject({ samples: z.array(z.unknown()).min(1).max(MAX_SAMPLES) });

  export interface Rejected {
    index: number;
    resourceId?: string;
    reason: string;
  }
  export interface Result {
    accepted: number;
    rejected: Rejected[];
  }

  interface Accepted {
    index: number;
    resourceId: string;
    minute: number;
    metrics: Partial<Record<StoredMetric, number>>;
  }

  function epoch(timestamp: number | string): number {
    return typeof timestamp === "number" ? timestamp : Math.floor(Date.parse(timestamp) / 1000);
  }

  export async function ingest(input: unknown, now = Clock.now()): Promise<Result> {
    const { samples } = validate(Input, input);
    const rejected: Rejected[] = [];
    const nowSeconds = Math.floor(now / 1000);
    const retention = Config.get().retentionDays;
    const oldest = nowSeconds - retention.raw * DAY;
    const byKey = new Map<string, Accepted>();

    for (const [index, raw] of samples.entries()) {
      const resourceId =
        typeof (raw as { resourceId?: unknown })?.resourceId === "string"
          ? String((raw as { resourceId: string }).resourceId)
          : undefined;
      const reject = (reason: string) => rejected.push({ index, resourceId, reason });
      const parsed = Sample.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        reject(`${issue?.path.join(".") || "sample"}: ${issue?.message}`);
        continue;
      }
      const minute = epoch(parsed.data.timestamp);
      if (minute % MINUTE !== 0) {
        reject("timestamp must be aligned to a minute");
      } else if (minute > nowSeconds + FUTURE_SECONDS) {
        reject("timestamp is more than 5 minutes in the future");
      } else if (floorTo(minute, HOUR) < oldest) {
        // Checked per hour: a sample for an hour whose first minutes have expired would re-roll it from
        // what is left.
        reject(`timestamp is older than the raw retention (${retention.raw} days)`);
      } else {
        // The same resource-minute twice in one request: the later sample wins, as a re-send would.
        byKey.set(`${parsed.data.resourceId}#${minute}`, {
          index,
          resourceId: parsed.data.resourceId,
          minute,
          metrics: parsed.data.metrics,
        });
      }
    }

    const endpoints = await loadEndpoints([...new Set([...byKey.values()].map((s) => s.resourceId))]);
    const accepted = [...byKey.values()].filter((s) => {
      if (endpoints.has(s.resourceId)) return true;
      rejected.push({ index: s.index, resourceId: s.resourceId, reason: "unknown resource" });
      return false;
    });

    const items = accepted.map((s) =>
      minuteItem(s, endpoints.get(s.resourceId) as Endpoint.Stored, retention.raw),
    );
    await batchPut(items, "metric ingest", CONCURRENCY);
    // Read after the writes: a rollup that began reading an hour before them may have missed them.
    const lateHours = await RollupMarks.lateAmong(new Set(accepted.map((s) => floorTo(s.minute, HOUR))));
    await markLate(lateHours, now);
    return { accepted: accepted.length, rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  /** An endpoint's minute item, as ingest and the bulk load write it. */
  export function minuteItem(
    s: { resourceId: string; minute: number; metrics: Partial<Record<StoredMetric, number>> },
    ep: Pick<Endpoint.Stored, "endpointServiceId" | "state">,
    rawDays: number,
  ): Record<string, unknown> {
    const item: Record<string, unknown> = {
      ...Keys.metricMinute(s.resourceId, s.minute),
      ...Keys.metricHourMarker(s.resourceId, s.minute),
      type: "MetricMinute",
      v: 1,
      resourceId: s.resourceId,
      // Which service it adds to, and whether it counted as connected: the hourly rollup rebuilds the
      // service's hour from these, so a service minute that missed an ADD is made right there.
      serviceId: ep.endpointServiceId,
      connected: ep.state === "available",
      summedBy: ServiceMinutes.SUMMED_BY,
      t: s.minute,
      // A whole hour expires together, after its last minute's retention.
      expiresAt: floorTo(s.minute, HOUR) + HOUR + rawDays * DAY,
    };
    for (const [m, value] of Object.entries(s.metrics))
      if (value !== undefined) item[attr.minute(m as StoredMetric)] = value;
    return item;
  }

  /** Marks hours a rollup has already read as late, so the next run rolls them again. */
  export async function markLate(hours: number[], now: number): Promise<void> {
    await Promise.all(
      hours.map((hour) =>
        call(() =>
          Db.client().send(
            // markedAt lets the job delete only the marker it handled, not one written while it worked.
            new PutCommand({
              TableName: Db.table(),
              Item: {
                ...Keys.lateMarker("hourly", hour),
                type: "LateMarker",
                v: 1,
                start: hour,
                markedAt: now,
              },
            }),
          ),
        ),
      ),
    );
  }

  export async function loadEndpoints(ids: string[]): Promise<Map<string, Endpoint.Stored>> {
    const found = new Map<string, Endpoint.Stored>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids
        .slice(i, i + 100)
        .map((id) => ({ ...Keys.endpoint(id) }));
      for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
        const out = await call(() =>
          Db.client().send(
            new BatchGetCommand({
              RequestItems: {
                [Db.table()]: {
                  Keys: keys,
                  ProjectionExpression: "id, endpointServiceId, #s",
                  ExpressionAttributeNames: { "#s": "state" },
                },
              },
            }),
          ),
        );
        for (const item of out.Responses?.[Db.table()] ?? [])
          found.set(String(item.id), item as Endpoint.Stored);
        keys = out.UnprocessedKeys?.[Db.table()]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }
}
