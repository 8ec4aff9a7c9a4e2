import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { type Page, type PageParams, queryPage } from "../db/page.ts";
import { NotFoundError } from "../errors.ts";
import * as Endpoint from "../privatelink/endpoint.ts";
import * as EndpointService from "../privatelink/service.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { STORED_METRICS } from "./model.ts";

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
    status: z.enum(["running", "succeeded", "failed"]),
    rows: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    objectKey: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    finishedAt: z.string(),
  });
  export type Run = z.infer<typeof Run>;

  export type Stored = Info & { pk: string; sk: string };

  function toInfo(s: Stored): Info {
    return Info.parse({ ...s, resources: s.resources, metrics: s.metrics });
  }

  /** Whether the account owns this endpoint or endpoint service (only its own metrics are exported). */
  export async function owns(uin: string, id: string): Promise<boolean> {
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

  export async function load(uin: string, id: string): Promise<Stored> {
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

  export function toRun(item: Record<string, unknown>): Run {
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
}
