import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { stringify } from "csv-stringify/sync";
import * as z from "zod";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import { Keys } from "../db/keys.ts";
import { type Page, type PageParams, queryPage } from "../db/page.ts";
import { ConflictError, InvalidParameterError, isLinkplaneError, NotFoundError } from "../errors.ts";
import { Endpoint } from "../privatelink/endpoint.ts";
import { EndpointService } from "../privatelink/service.ts";
import { objectStore } from "../storage/index.ts";
import { resourceId } from "../util/id.ts";
import { log } from "../util/log.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { type Aggregate, DAY, floorTo, HOUR, STORED_METRICS, type StoredMetric } from "./model.ts";
import { MetricQuery } from "./query.ts";

/**
 * Scheduled metric exports: an account says which resources, metrics, granularity, format and schedule;
 * the `metric-exports` job writes one file per export and complete period to object storage and records
 * the run. Files are deterministic: every (resource, bucket) row once, sorted, nothing that depends on
 * when it was written, so exporting a period again gives the same bytes.
 */
export namespace MetricExport {
  export const Id = z.string().regex(/^mexp-[0-9a-z]{8}$/, "must look like mexp-xxxxxxxx");
  const Resource = z
    .string()
    .regex(/^(vpce|vpcsvc)-[0-9a-z]{8}$/, "must be an endpoint or endpoint service ID");

  export const CreateInput = z
    .strictObject({
      name: z.string().min(1).max(60),
      resources: z.union([z.literal("all"), z.array(Resource).min(1).max(500)]),
      metrics: z.array(z.enum(STORED_METRICS)).min(1).max(STORED_METRICS.length).optional(),
      granularity: z.enum(["1h", "1d"]),
      format: z.enum(["csv", "ndjson"]),
      schedule: z.enum(["hourly", "daily"]),
    })
    .refine((e) => !(e.schedule === "hourly" && e.granularity === "1d"), {
      error: "an hourly export cannot hold daily buckets",
      path: ["granularity"],
    });
  export type CreateInput = z.infer<typeof CreateInput>;

  export const Info = z.object({
    id: z.string(),
    name: z.string(),
    resources: z.union([z.literal("all"), z.array(z.string())]),
    metrics: z.array(z.string()),
    granularity: z.enum(["1h", "1d"]),
    format: z.enum(["csv", "ndjson"]),
    schedule: z.enum(["hourly", "daily"]),
    status: z.enum(["active", "paused"]),
    ownerUin: z.string(),
    createdAt: z.string(),
  });
  export type Info = z.infer<typeof Info>;

  export const Run = z.object({
    runId: z.string(),
    periodFrom: z.string(),
    periodTo: z.string(),
    status: z.enum(["succeeded", "failed"]),
    rows: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    objectKey: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    finishedAt: z.string(),
  });
  export type Run = z.infer<typeof Run>;

  type Stored = Info & { pk: string; sk: string };

  function toInfo(s: Stored): Info {
    return Info.parse({ ...s, resources: s.resources, metrics: s.metrics });
  }

  /** Whether the account owns this endpoint or endpoint service (only its own metrics are exported). */
  async function owns(uin: string, id: string): Promise<boolean> {
    if (id.startsWith("vpce-")) return (await Endpoint.find(id, false))?.ownerUin === uin;
    return (await EndpointService.find(id))?.ownerUin === uin;
  }

  export async function create(uin: string, input: unknown): Promise<Info> {
    const parsed = validate(CreateInput, input);
    if (parsed.resources !== "all") {
      for (const id of parsed.resources) {
        if (!(await owns(uin, id)))
          throw new NotFoundError(id.startsWith("vpce-") ? "endpoint" : "endpoint service", id, {
            field: "resources",
          });
      }
    }
    const id = resourceId("mexp");
    const createdAt = nowIso();
    const item = {
      ...Keys.metricExport(uin, id),
      ...Keys.metricExportListing(uin, createdAt, id),
      ...Keys.metricExportsDue(parsed.schedule, createdAt, id),
      type: "MetricExport",
      v: 1,
      id,
      name: parsed.name,
      resources: parsed.resources,
      metrics: parsed.metrics ?? [...STORED_METRICS],
      granularity: parsed.granularity,
      format: parsed.format,
      schedule: parsed.schedule,
      status: "active",
      ownerUin: uin,
      createdAt,
    };
    await call(() =>
      Db.client().send(
        new PutCommand({
          TableName: Db.table(),
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    return toInfo(item as unknown as Stored);
  }

  async function load(uin: string, id: string): Promise<Stored> {
    const out = await call(() =>
      Db.client().send(new GetCommand({ TableName: Db.table(), Key: Keys.metricExport(uin, id) })),
    );
    if (!out.Item) throw new NotFoundError("metric export", id);
    return out.Item as Stored;
  }

  export async function get(uin: string, id: string): Promise<Info> {
    return toInfo(await load(uin, id));
  }

  export async function list(uin: string, page: PageParams): Promise<Page<Info>> {
    const result = await queryPage({ index: "gsi1", partition: Keys.metricExportsPartition(uin), page });
    return { items: result.items.map((i) => toInfo(i as unknown as Stored)), nextCursor: result.nextCursor };
  }

  /** Pauses (leaves the schedule's index) or resumes (joins it again). */
  export async function setStatus(uin: string, id: string, status: "active" | "paused"): Promise<Info> {
    const current = await load(uin, id);
    const due = Keys.metricExportsDue(current.schedule, current.createdAt, id);
    const out = await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.metricExport(uin, id),
            UpdateExpression:
              status === "paused"
                ? "SET #s = :s REMOVE gsi2pk, gsi2sk"
                : "SET #s = :s, gsi2pk = :g2pk, gsi2sk = :g2sk",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: {
              ":s": status,
              ...(status === "active" ? { ":g2pk": due.gsi2pk, ":g2sk": due.gsi2sk } : {}),
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      { onConditionFailed: () => new NotFoundError("metric export", id) },
    );
    return toInfo(out.Attributes as Stored);
  }

  export async function remove(uin: string, id: string): Promise<void> {
    await call(
      () =>
        Db.client().send(
          new DeleteCommand({
            TableName: Db.table(),
            Key: Keys.metricExport(uin, id),
            ConditionExpression: "attribute_exists(pk)",
          }),
        ),
      { onConditionFailed: () => new NotFoundError("metric export", id) },
    );
  }

  function toRun(item: Record<string, unknown>): Run {
    return {
      runId: String(item.runId),
      periodFrom: new Date(Number(item.periodStart) * 1000).toISOString(),
      periodTo: new Date(Number(item.periodEnd) * 1000).toISOString(),
      status: item.status as Run["status"],
      rows: (item.rows as number | undefined) ?? null,
      bytes: (item.bytes as number | undefined) ?? null,
      sha256: (item.sha256 as string | undefined) ?? null,
      objectKey: (item.objectKey as string | undefined) ?? null,
      error: (item.error as string | undefined) ?? null,
      attempts: Number(item.attempts ?? 1),
      finishedAt: String(item.finishedAt),
    };
  }

  export async function runs(uin: string, id: string, page: PageParams): Promise<Page<Run>> {
    await load(uin, id);
    const result = await queryPage({ partition: Keys.metricExportRuns(id), sortPrefix: "RUN#", page });
    return { items: result.items.map(toRun), nextCursor: result.nextCursor };
  }

  /** The stored file of a succeeded run, as a stream. */
  export async function file(
    uin: string,
    id: string,
    runId: string,
  ): Promise<{ run: Run; format: Info["format"]; body: ReadableStream<Uint8Array> }> {
    const exp = await load(uin, id);
    const period = Number(runId.replace(/^run-/, ""));
    const out = Number.isSafeInteger(period)
      ? await call(() =>
          Db.client().send(new GetCommand({ TableName: Db.table(), Key: Keys.metricExportRun(id, period) })),
        )
      : { Item: undefined };
    if (out.Item?.status !== "succeeded") throw new NotFoundError("export run file", runId);
    const run = toRun(out.Item);
    return { run, format: exp.format, body: await objectStore().get(run.objectKey as string) };
  }

  // ---- The job --------------------------------------------------------------------------------------

  const PERIOD = { hourly: HOUR, daily: DAY } as const;
  const GRACE = 300;

  async function resourcesOf(exp: Stored): Promise<string[]> {
    if (exp.resources !== "all") {
      // Checked again at each run: a resource deleted and its ID reused elsewhere is not exported.
      const owned: string[] = [];
      for (const id of exp.resources) if (await owns(exp.ownerUin, id)) owned.push(id);
      return owned.sort();
    }
    const ids: string[] = [];
    for (const list of [
      (page: PageParams) => Endpoint.list(exp.ownerUin, {}, page),
      (page: PageParams) => EndpointService.list(exp.ownerUin, {}, page),
    ] as Array<(page: PageParams) => Promise<Page<{ id: string }>>>) {
      let cursor: string | undefined;
      do {
        const page = await list({ limit: 100, cursor });
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return ids.sort();
  }

  /** The file's rows: every resource, every bucket of the period, in order; empty cells where no data. */
  async function* content(
    exp: Stored,
    resources: string[],
    from: number,
    to: number,
    counter: { rows: number },
  ): AsyncGenerator<string> {
    const step = exp.granularity === "1h" ? HOUR : DAY;
    const metrics = exp.metrics as StoredMetric[];
    const parts: Array<keyof Aggregate> = ["sum", "min", "max", "count"];
    if (exp.format === "csv") {
      yield stringify([["resourceId", "time", ...metrics.flatMap((m) => parts.map((p) => `${m}_${p}`))]], {
        record_delimiter: "\r\n",
      });
    }
    for (const id of resources) {
      const buckets = await MetricQuery.buckets(id, exp.granularity, from, to - step);
      const lines: string[] = [];
      for (let t = from; t < to; t += step) {
        const b = buckets.get(t) ?? {};
        counter.rows++;
        const time = new Date(t * 1000).toISOString();
        if (exp.format === "csv") {
          lines.push(
            stringify([[id, time, ...metrics.flatMap((m) => parts.map((p) => b[m]?.[p] ?? ""))]], {
              record_delimiter: "\r\n",
            }),
          );
        } else {
          const values = Object.fromEntries(metrics.filter((m) => b[m]).map((m) => [m, b[m]]));
          lines.push(`${JSON.stringify({ resourceId: id, time, metrics: values })}\n`);
        }
      }
      yield lines.join("");
    }
  }

  async function runOne(
    exp: Stored,
    periodStart: number,
    attempts: number,
  ): Promise<"written" | "skipped" | "failed"> {
    const periodEnd = periodStart + PERIOD[exp.schedule];
    const key = Keys.metricExportRun(exp.id, periodStart);
    const base = {
      ...key,
      type: "MetricExportRun",
      v: 1,
      runId: `run-${periodStart}`,
      exportId: exp.id,
      periodStart,
      periodEnd,
      attempts,
    };
    try {
      const counter = { rows: 0 };
      const resources = await resourcesOf(exp);
      const objectKey = `metric-exports/${exp.ownerUin}/${exp.id}/${new Date(periodStart * 1000).toISOString().replace(/[:.]/g, "-")}.${exp.format === "csv" ? "csv" : "ndjson"}`;
      const stored = await objectStore().put(
        objectKey,
        content(exp, resources, periodStart, periodEnd, counter),
        exp.format === "csv" ? "text/csv" : "application/x-ndjson",
      );
      // Written once per period: a succeeded run is never replaced.
      await call(
        () =>
          Db.client().send(
            new PutCommand({
              TableName: Db.table(),
              Item: {
                ...base,
                status: "succeeded",
                rows: counter.rows,
                bytes: stored.bytes,
                sha256: stored.sha256,
                objectKey,
                finishedAt: nowIso(),
              },
              ConditionExpression: "attribute_not_exists(pk) OR #s = :failed",
              ExpressionAttributeNames: { "#s": "status" },
              ExpressionAttributeValues: { ":failed": "failed" },
            }),
          ),
        { onConditionFailed: () => new ConflictError("AlreadyExported", "") },
      );
      return "written";
    } catch (error) {
      if (isLinkplaneError(error) && error.code === "AlreadyExported") return "skipped";
      log.error("metric export run failed", { exportId: exp.id, periodStart, error });
      await call(() =>
        Db.client().send(
          new PutCommand({
            TableName: Db.table(),
            Item: {
              ...base,
              status: "failed",
              error: error instanceof Error ? error.message : String(error),
              finishedAt: nowIso(),
            },
            ConditionExpression: "attribute_not_exists(pk) OR #s = :failed",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":failed": "failed" },
          }),
        ),
      ).catch(() => undefined);
      return "failed";
    }
  }

  /**
   * One tick of the `metric-exports` job: for every active export, the last complete period of its
   * schedule (if not exported yet) and every period whose run failed before.
   */
  export async function runDue(
    now = new Date(),
  ): Promise<{ exports: number; written: number; skipped: number; failed: number }> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const summary = { exports: 0, written: 0, skipped: 0, failed: 0 };
    for (const schedule of ["hourly", "daily"] as const) {
      const last = floorTo(nowSeconds - GRACE, PERIOD[schedule]) - PERIOD[schedule];
      let cursor: string | undefined;
      do {
        const page = await queryPage({
          index: "gsi2",
          partition: Keys.metricExportsDuePartition(schedule),
          page: { limit: 100, cursor },
        });
        for (const item of page.items as unknown as Stored[]) {
          summary.exports++;
          const runsOut = await call(() =>
            Db.client().send(
              new QueryCommand({
                TableName: Db.table(),
                KeyConditionExpression: "pk = :pk AND begins_with(sk, :run)",
                ExpressionAttributeValues: { ":pk": Keys.metricExportRuns(item.id), ":run": "RUN#" },
              }),
            ),
          );
          const previous = new Map((runsOut.Items ?? []).map((r) => [Number(r.periodStart), r]));
          const periods = [...previous.values()]
            .filter((r) => r.status === "failed")
            .map((r) => Number(r.periodStart));
          if (!previous.has(last)) periods.push(last);
          for (const period of periods) {
            const attempts = Number(previous.get(period)?.attempts ?? 0) + 1;
            summary[await runOne(item, period, attempts)]++;
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return summary;
  }

  /** Used by tests and operators: export one period now, whatever the schedule. */
  export async function exportPeriod(uin: string, id: string, periodStart: number) {
    const exp = await load(uin, id);
    if (periodStart % PERIOD[exp.schedule] !== 0)
      throw InvalidParameterError.value("periodStart", "must start a period");
    return runOne(exp, periodStart, 1);
  }
}
