import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams, queryPage } from "../db/page.ts";
import { InvalidParameterError, NotFoundError } from "../errors.ts";
import * as BackendInstance from "../inventory/backend.ts";
import * as Owned from "../inventory/owned.ts";
import * as Vpc from "../inventory/vpc.ts";
import { filterExpression, LinkName, type ListFilters, Tags, tagsFromMap } from "./common.ts";

/*
 * An endpoint service: a provider's backend instance (CLB, CDB or CRS) published for endpoints to
 * connect to. Its item has a global key because consumers address it by ID; `load` is the one read that
 * checks the caller owns it, and every write carries `ownerUin = :caller` in its condition.
 * This is the model and the reads; the writes are service-create.ts, service-update.ts and
 * service-delete.ts.
 * Imported as `import * as EndpointService`: a bundle keeps only the functions its route calls.
 */

export const Id = z.string().regex(/^vpcsvc-[0-9a-z]{8}$/, "must look like vpcsvc-xxxxxxxx");

export const Info = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  vpcId: z.string(),
  serviceType: BackendInstance.Type,
  backendInstanceId: z.string(),
  serviceVip: z.string(),
  autoAccept: z.boolean(),
  ownerUin: z.string(),
  endpointCount: z.number().int(),
  createdAt: z.string(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })),
});
export type Info = z.infer<typeof Info>;
export const FIELDS = Object.keys(Info.shape);

/** What a consumer may see of someone else's service: no VPC, no backend. */
export const PublicInfo = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  serviceType: BackendInstance.Type,
  ownerUin: z.string(),
  autoAccept: z.boolean(),
  createdAt: z.string(),
});
export type PublicInfo = z.infer<typeof PublicInfo>;

export const CreateInput = z.strictObject({
  name: LinkName,
  vpcId: Vpc.Id,
  serviceType: BackendInstance.Type,
  backendInstanceId: BackendInstance.Id,
  autoAccept: z.boolean().optional(),
  tags: Tags.optional(),
});
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z.strictObject({
  name: LinkName.optional(),
  autoAccept: z.boolean().optional(),
  backendInstanceId: BackendInstance.Id.optional(),
  tags: Tags.optional(),
});
export type UpdateInput = z.infer<typeof UpdateInput>;

export interface Stored {
  pk: string;
  sk: string;
  type: "EndpointService";
  v: number;
  id: string;
  name: string;
  nameLower: string;
  region: string;
  vpcId: string;
  serviceType: BackendInstance.Type;
  backendInstanceId: string;
  serviceVip: string;
  autoAccept: boolean;
  ownerUin: string;
  /** `active`, or `deleting` while its connections are being rejected before deletion. */
  status: "active" | "deleting";
  endpointCount: number;
  /** Connections pending, accepting or available: deletion waits for zero. */
  liveCount: number;
  createdAt: string;
  tags: Record<string, string>;
}

export function toInfo(s: Stored): Info {
  return {
    id: s.id,
    name: s.name,
    region: s.region,
    vpcId: s.vpcId,
    serviceType: s.serviceType,
    backendInstanceId: s.backendInstanceId,
    serviceVip: s.serviceVip,
    autoAccept: s.autoAccept,
    ownerUin: s.ownerUin,
    endpointCount: s.endpointCount ?? 0,
    createdAt: s.createdAt,
    tags: tagsFromMap(s.tags),
  };
}

export function toPublic(s: Stored): PublicInfo {
  return {
    id: s.id,
    name: s.name,
    region: s.region,
    serviceType: s.serviceType,
    ownerUin: s.ownerUin,
    autoAccept: s.autoAccept,
    createdAt: s.createdAt,
  };
}

/** The stored service, whoever owns it (consumers' paths), or undefined. */
export async function find(id: string, consistent = false): Promise<Stored | undefined> {
  return (await getItem(Keys.service(id), consistent)) as Stored | undefined;
}

/** The caller's own service; someone else's answers exactly like a missing one. */
export async function load(uin: string, id: string, consistent = false): Promise<Stored> {
  const service = await find(id, consistent);
  if (!service || service.ownerUin !== uin) throw new NotFoundError("endpoint service", id);
  return service;
}

export async function get(uin: string, id: string): Promise<Info> {
  return toInfo(await load(uin, id));
}

export interface ListQuery extends ListFilters {
  region?: string;
  vpcId?: string;
}

export async function list(uin: string, query: ListQuery, page: PageParams): Promise<Page<Info>> {
  const result = await Owned.listScoped(
    query.region,
    { byRegion: (r) => Keys.servicesRegionPartition(uin, r), all: Keys.servicesPartition(uin) },
    page,
    filterExpression(query, query.vpcId ? [["vpcId", "=", query.vpcId]] : []),
  );
  return { items: result.items.map((i) => toInfo(i as unknown as Stored)), nextCursor: result.nextCursor };
}

/**
 * Services the caller may connect to in a region: its own and those that allowlist it, newest first.
 * One Query on the grants index (service items for its own, allowlist entries for the others), then one
 * BatchGetItem for the others' public facts.
 */
export async function listAuthorized(
  uin: string,
  region: string | undefined,
  query: ListFilters,
  page: PageParams,
): Promise<Page<PublicInfo>> {
  if (region === undefined) throw InvalidParameterError.missing("region");
  Owned.assertRegion(region);
  const result = await queryPage({ index: "gsi3", partition: Keys.grantsPartition(uin, region), page });
  const ids = result.items.map((i) => String(i.type === "EndpointService" ? i.id : i.serviceId));
  const services = await batchFind(ids);
  const q = query.q?.toLowerCase();
  const items = ids
    .map((id) => services.get(id))
    .filter((s): s is Stored => s !== undefined && s.status === "active")
    .filter((s) => !q || s.id === query.q || s.nameLower.includes(q))
    // Tags are the owner's: filtering others' services by them would let a consumer probe their values.
    .filter(
      (s) =>
        !query.tags ||
        (s.ownerUin === uin &&
          Object.entries(query.tags).every(
            ([k, v]) => s.tags !== undefined && Object.hasOwn(s.tags, k) && s.tags[k] === v,
          )),
    )
    .map(toPublic);
  return { items, nextCursor: result.nextCursor };
}

export async function batchFind(ids: string[]): Promise<Map<string, Stored>> {
  const found = new Map<string, Stored>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = unique
      .slice(i, i + 100)
      .map((id) => ({ ...Keys.service(id) }));
    // BatchGetItem may hand back some keys unprocessed under load: ask again for those.
    for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
      const out = await call(() =>
        Db.client().send(new BatchGetCommand({ RequestItems: { [Db.table()]: { Keys: keys } } })),
      );
      for (const item of out.Responses?.[Db.table()] ?? []) found.set(String(item.id), item as Stored);
      keys = out.UnprocessedKeys?.[Db.table()]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}

/** `POST /verify`: may the caller connect to this service, in this region? */
export interface Verdict {
  connectable: boolean;
  service?: PublicInfo;
  reason?: { code: string; message: string };
}

export async function verify(uin: string, id: string, region: string | undefined): Promise<Verdict> {
  const out = await call(() =>
    Db.client().send(
      new BatchGetCommand({
        RequestItems: { [Db.table()]: { Keys: [Keys.service(id), Keys.allowlistEntry(id, uin)] } },
      }),
    ),
  );
  const items = out.Responses?.[Db.table()] ?? [];
  const service = items.find((i) => i.type === "EndpointService") as Stored | undefined;
  if (!service) throw new NotFoundError("endpoint service", id);
  // A stranger learns only that it may not connect: not the region, not whether it is being deleted.
  const entry = items.find((i) => i.type === "AllowlistEntry");
  if (service.ownerUin !== uin && !entry) {
    return {
      connectable: false,
      reason: {
        code: "ResourceUnavailable.ServiceWhiteListNotAdded",
        message: `account ${uin} is not on the allowlist of ${id}`,
      },
    };
  }
  if (region !== undefined && service.region !== region)
    throw new NotFoundError("endpoint service", `${id} in ${region}`);
  if (service.status !== "active") {
    return {
      connectable: false,
      reason: { code: "ResourceUnavailable", message: `endpoint service ${id} is being deleted` },
    };
  }
  return { connectable: true, service: toPublic(service) };
}
