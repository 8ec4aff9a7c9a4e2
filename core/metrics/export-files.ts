import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { stringify } from "csv-stringify/sync";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { collect, type Page, type PageParams, queryAll, queryPage } from "../db/page.ts";
import { ConflictError, InvalidParameterError, isLinkplaneError, NotFoundError } from "../errors.ts";
import * as Endpoint from "../privatelink/endpoint.ts";
import * as EndpointService from "../privatelink/service.ts";
import { type DownloadLink, downloadLink, givesLinks, objectStore } from "../storage/index.ts";
import { log } from "../util/log.ts";
import { Clock, nowIso } from "../util/time.ts";
import { MetricExport } from "./exports.ts";
import { type Aggregate, DAY, floorTo, HOUR, type StoredMetric } from "./model.ts";
import { MetricQuery } from "./query.ts";

/**
 * The files of scheduled metric exports (MetricExport in exports.ts is the exports themselves): the
 * `metric-exports` job that writes them to object storage, and a run's file for download. Apart from
 * exports.ts so that what only reads and writes the exports' records (their routes, the stream's webhook
 * events) does not carry the object store and its S3 client (docs/deploy.md "Bundles").
 */
export namespace MetricExportFiles {
  type Stored = MetricExport.Stored;
  type Run = MetricExport.Run;
  type Info = MetricExport.Info;

  /** A download link, when the store gives them (the bucket in AWS), else the file as a stream. */
  export type File = { run: Run; filename: string; contentType: string } & (
    | { link: DownloadLink; body?: undefined }
    | { link?: undefined; body: ReadableStream<Uint8Array> }
  );

  /** The stored file of a succeeded run. */
  export async function file(uin: string, id: string, runId: string): Promise<File> {
    const exp = await MetricExport.load(uin, id);
    const period = Number(runId.replace(/^run-/, ""));
    const out = Number.isSafeInteger(period)
      ? await call(() =>
          Db.client().send(new GetCommand({ TableName: Db.table(), Key: Keys.metricExportRun(id, period) })),
        )
      : { Item: undefined };
    if (out.Item?.status !== "succeeded") throw new NotFoundError("export run file", runId);
    const run = MetricExport.toRun(out.Item);
    const key = run.objectKey as string;
    const filename = `${id}-${run.runId}.${exp.format}`;
    const contentType = exp.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
    const store = objectStore();
    // Through the function a file could not be larger than a Lambda response (6 MB); S3 has no limit.
    if (givesLinks(store)) {
      const link = await downloadLink(store, key, { filename, contentType });
      return { run, filename, contentType, link };
    }
    return { run, filename, contentType, body: await store.get(key) };
  }

  // ---- The job --------------------------------------------------------------------------------------

  const PERIOD = { hourly: HOUR, daily: DAY } as const;
  const GRACE = 300;

  async function resourcesOf(exp: Stored): Promise<string[]> {
    if (exp.resources !== "all") {
      // Checked again at each run: a resource deleted and its ID reused elsewhere is not exported.
      const owned: string[] = [];
      for (const id of exp.resources) if (await MetricExport.owns(exp.ownerUin, id)) owned.push(id);
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

  /** A claim older than this is taken to be a crashed run and may be taken over. */
  const STALE_CLAIM_MS = 15 * 60_000;

  /**
   * Exports one period: claims it first (so two runs never write the same file), writes the file, then
   * records the outcome under that claim. A succeeded period is never claimed again.
   */
  async function runOne(
    exp: Stored,
    periodStart: number,
    attempts: number,
  ): Promise<"written" | "skipped" | "failed"> {
    const periodEnd = periodStart + PERIOD[exp.schedule];
    const key = Keys.metricExportRun(exp.id, periodStart);
    const claimedAt = Clock.now();
    const claimed = await call(
      () =>
        Db.client().send(
          new PutCommand({
            TableName: Db.table(),
            Item: {
              ...key,
              type: "MetricExportRun",
              v: 1,
              runId: `run-${periodStart}`,
              exportId: exp.id,
              // Who the run's webhook events go to, without a second read in the stream consumer.
              ownerUin: exp.ownerUin,
              exportName: exp.name,
              periodStart,
              periodEnd,
              attempts,
              status: "running",
              claimedAt,
              finishedAt: nowIso(),
            },
            ConditionExpression:
              "attribute_not_exists(pk) OR #s = :failed OR (#s = :running AND claimedAt < :stale)",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: {
              ":failed": "failed",
              ":running": "running",
              ":stale": claimedAt - STALE_CLAIM_MS,
            },
          }),
        ),
      { onConditionFailed: () => new ConflictError("AlreadyClaimed", "") },
    ).then(
      () => true,
      (error) => {
        if (isLinkplaneError(error) && error.code === "AlreadyClaimed") return false;
        throw error;
      },
    );
    if (!claimed) return "skipped";
    const finish = (fields: Record<string, unknown>) => {
      const names = Object.keys(fields);
      return call(() =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: key,
            UpdateExpression: `SET ${names.map((_n, i) => `#f${i} = :f${i}`).join(", ")}`,
            // Only under our own claim: a run that took over a stale claim owns the record now.
            ConditionExpression: "claimedAt = :mine",
            ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
            ExpressionAttributeValues: {
              ...Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])),
              ":mine": claimedAt,
            },
          }),
        ),
      );
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
      await finish({
        status: "succeeded",
        rows: counter.rows,
        bytes: stored.bytes,
        sha256: stored.sha256,
        objectKey,
        finishedAt: nowIso(),
      });
      return "written";
    } catch (error) {
      log.error("metric export run failed", { exportId: exp.id, periodStart, error });
      await finish({
        status: "failed",
        error: error instanceof Error ? error.message : String(error),
        finishedAt: nowIso(),
      }).catch(() => undefined);
      return "failed";
    }
  }

  /** How far back a tick looks for periods without a file: missed ticks are made up within this window. */
  const WINDOW: Record<Info["schedule"], number> = { hourly: 24, daily: 7 };

  /**
   * One tick of the `metric-exports` job. For every active export, every period of the recent window
   * (24 hours or 7 days, never before the export existed) that has no succeeded or running run: the
   * last complete period, periods missed while the job was down, and periods whose run failed. One
   * export's error does not stop the others.
   */
  export async function runDue(
    now = Clock.date(),
  ): Promise<{ exports: number; written: number; skipped: number; failed: number }> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const summary = { exports: 0, written: 0, skipped: 0, failed: 0 };
    for (const schedule of ["hourly", "daily"] as const) {
      const size = PERIOD[schedule];
      const last = floorTo(nowSeconds - GRACE, size) - size;
      let cursor: string | undefined;
      do {
        const page = await queryPage({
          index: "gsi2",
          partition: Keys.metricExportsDuePartition(schedule),
          page: { limit: 100, cursor },
        });
        for (const item of page.items as unknown as Stored[]) {
          summary.exports++;
          try {
            const created = floorTo(Math.floor(Date.parse(item.createdAt) / 1000), size) - size;
            const first = Math.max(last - (WINDOW[schedule] - 1) * size, Math.min(created, last));
            const runs = await collect(
              queryAll({
                KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
                ExpressionAttributeValues: {
                  ":pk": Keys.metricExportRuns(item.id),
                  ":a": Keys.metricExportRun(item.id, first).sk,
                  ":b": Keys.metricExportRun(item.id, last).sk,
                },
              }),
            );
            const previous = new Map(runs.map((r) => [Number(r.periodStart), r]));
            for (let period = first; period <= last; period += size) {
              const run = previous.get(period);
              if (run?.status === "succeeded") continue;
              summary[await runOne(item, period, Number(run?.attempts ?? 0) + 1)]++;
            }
          } catch (error) {
            summary.failed++;
            log.error("metric export tick failed for one export", { exportId: item.id, error });
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return summary;
  }

  /** Used by tests and operators: export one period now, whatever the schedule. */
  export async function exportPeriod(uin: string, id: string, periodStart: number) {
    const exp = await MetricExport.load(uin, id);
    if (periodStart % PERIOD[exp.schedule] !== 0)
      throw InvalidParameterError.value("periodStart", "must start a period");
    return runOne(exp, periodStart, 1);
  }
}
