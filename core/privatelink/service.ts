import { BatchGetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call, type PlainCancellationReason, RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams, queryPage } from "../db/page.ts";
import {
  InvalidParameterError,
  LimitExceededError,
  type LinkplaneError,
  NotFoundError,
  ResourceInUseError,
  UnsupportedOperationError,
} from "../errors.ts";
import * as BackendInstance from "../inventory/backend.ts";
import * as Owned from "../inventory/owned.ts";
import * as Vpc from "../inventory/vpc.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import {
  filterExpression,
  LinkName,
  type ListFilters,
  type Tag,
  Tags,
  tagsFromMap,
  tagsToMap,
} from "./common.ts";

/*
 * An endpoint service: a provider's backend instance (CLB, CDB or CRS) published for endpoints to
 * connect to. Its item has a global key because consumers address it by ID; `load` is the one read that
 * checks the caller owns it, and every write carries `ownerUin = :caller` in its condition.
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

/** The provider's VPC and backend, read together, with the reference product's errors. */
async function checkBackend(
  uin: string,
  vpcId: string,
  backendId: string,
  serviceType: BackendInstance.Type,
) {
  const out = await call(() =>
    Db.client().send(
      new BatchGetCommand({
        RequestItems: {
          [Db.table()]: {
            Keys: [Keys.owned(uin, "VPC", vpcId), Keys.owned(uin, "BACKEND", backendId)],
            ConsistentRead: true,
          },
        },
      }),
    ),
  );
  const items = out.Responses?.[Db.table()] ?? [];
  const vpc = items.find((i) => i.type === "Vpc") as Vpc.Stored | undefined;
  const backend = items.find((i) => i.type === "BackendInstance") as BackendInstance.Stored | undefined;
  if (!vpc) throw new NotFoundError("VPC", vpcId, { field: "vpcId" });
  if (!backend) throw new NotFoundError("backend instance", backendId, { field: "backendInstanceId" });
  if (backend.instanceType !== serviceType) {
    throw new UnsupportedOperationError(
      "UnsupportedOperation.InstanceMismatch",
      `backend instance ${backendId} is a ${backend.instanceType}, not a ${serviceType}`,
      { field: "backendInstanceId" },
    );
  }
  if (backend.vpcId !== vpcId) {
    throw new UnsupportedOperationError(
      "UnsupportedOperation.VpcMismatch",
      `backend instance ${backendId} lives in ${backend.vpcId}, not in ${vpcId}`,
      { field: "backendInstanceId" },
    );
  }
  if ((backend as { serviceId?: string }).serviceId) {
    throw new ResourceInUseError(
      `backend instance ${backendId} already serves ${(backend as { serviceId?: string }).serviceId}`,
      { field: "backendInstanceId" },
    );
  }
  return { vpc, backend };
}

/** Claims a backend for a service: it must still be free, of the type, in the VPC. */
function claimBackend(uin: string, backend: BackendInstance.Stored, serviceId: string) {
  return {
    Update: {
      TableName: Db.table(),
      Key: Keys.owned(uin, "BACKEND", backend.id),
      UpdateExpression: "SET serviceId = :svc ADD refCount :one, refs_endpoint_service :one",
      ConditionExpression:
        "attribute_exists(pk) AND attribute_not_exists(serviceId) AND instanceType = :type AND vpcId = :vpc",
      ExpressionAttributeValues: {
        ":svc": serviceId,
        ":one": 1,
        ":type": backend.instanceType,
        ":vpc": backend.vpcId,
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  };
}

function releaseBackend(uin: string, backendId: string, serviceId: string) {
  return {
    Update: {
      TableName: Db.table(),
      Key: Keys.owned(uin, "BACKEND", backendId),
      UpdateExpression: "REMOVE serviceId ADD refCount :minus, refs_endpoint_service :minus",
      ConditionExpression: "serviceId = :svc",
      ExpressionAttributeValues: { ":svc": serviceId, ":minus": -1 },
    },
  };
}

function backendTaken(
  reason: PlainCancellationReason | undefined,
  backendId: string,
): LinkplaneError | undefined {
  if (reason?.Code !== "ConditionalCheckFailed") return undefined;
  if (!reason.Item) return new NotFoundError("backend instance", backendId, { field: "backendInstanceId" });
  return new ResourceInUseError(
    `backend instance ${backendId} already serves ${String(reason.Item.serviceId)}`,
    {
      field: "backendInstanceId",
    },
  );
}

export async function create(uin: string, input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  const { vpc, backend } = await checkBackend(
    uin,
    parsed.vpcId,
    parsed.backendInstanceId,
    parsed.serviceType,
  );
  const quota = Config.get().quotas.servicesPerAccount;
  const id = resourceId("vpcsvc");
  const createdAt = nowIso();
  const item: Stored = {
    ...Keys.service(id),
    ...Keys.serviceListing(uin, vpc.region, createdAt, id),
    type: "EndpointService",
    v: 1,
    id,
    name: parsed.name,
    nameLower: parsed.name.toLowerCase(),
    region: vpc.region,
    vpcId: vpc.id,
    serviceType: parsed.serviceType,
    backendInstanceId: backend.id,
    serviceVip: backend.vip,
    autoAccept: parsed.autoAccept ?? false,
    ownerUin: uin,
    status: "active",
    endpointCount: 0,
    liveCount: 0,
    createdAt,
    tags: tagsToMap(parsed.tags),
  };
  await call(
    () =>
      Db.client().send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
            claimBackend(uin, backend, id),
            Owned.refTransactItem(Vpc.kind, uin, vpc.id, "endpoint_service", 1),
            {
              Update: {
                TableName: Db.table(),
                Key: Keys.account(uin),
                UpdateExpression: "ADD serviceCount :one",
                ConditionExpression:
                  "attribute_exists(pk) AND (attribute_not_exists(serviceCount) OR serviceCount < :max)",
                ExpressionAttributeValues: { ":one": 1, ":max": quota },
              },
            },
          ],
        }),
      ),
    {
      onCancelled: (reasons) =>
        backendTaken(reasons[1], backend.id) ??
        (reasons[2]?.Code === "ConditionalCheckFailed"
          ? new NotFoundError("VPC", vpc.id, { field: "vpcId" })
          : undefined) ??
        (reasons[3]?.Code === "ConditionalCheckFailed"
          ? new LimitExceededError(`an account may publish at most ${quota} endpoint services`)
          : undefined),
    },
  );
  return toInfo(item);
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

/**
 * Renames, toggles auto-accept (later requests only: pending ones stay pending), replaces tags, or
 * moves the service to another backend of the same type in the same VPC.
 */
export async function update(uin: string, id: string, input: UpdateInput): Promise<Info> {
  const parsed = validate(UpdateInput, input);
  if (Object.values(parsed).every((v) => v === undefined)) {
    throw new InvalidParameterError("MissingParameter", "the request changes nothing");
  }
  const current = await load(uin, id, true);
  const sets: string[] = [];
  // `revision` counts real updates: webhook events derive their IDs from it, so each update is one event.
  const values: Record<string, unknown> = { ":uin": uin, ":active": "active", ":one": 1 };
  sets.push("updatedAt = :updatedAt");
  values[":updatedAt"] = nowIso();
  if (parsed.name !== undefined) {
    sets.push("#name = :name", "nameLower = :nameLower");
    values[":name"] = parsed.name;
    values[":nameLower"] = parsed.name.toLowerCase();
  }
  if (parsed.autoAccept !== undefined) {
    sets.push("autoAccept = :autoAccept");
    values[":autoAccept"] = parsed.autoAccept;
  }
  if (parsed.tags !== undefined) {
    sets.push("tags = :tags");
    values[":tags"] = tagsToMap(parsed.tags as Tag[]);
  }
  const names = parsed.name !== undefined ? { "#name": "name" } : undefined;
  const changesBackend =
    parsed.backendInstanceId !== undefined && parsed.backendInstanceId !== current.backendInstanceId;

  if (!changesBackend) {
    if (sets.length === 1) return toInfo(current);
    const out = await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.service(id),
            UpdateExpression: `SET ${sets.join(", ")} ADD revision :one`,
            ConditionExpression: "ownerUin = :uin AND #status = :active",
            ExpressionAttributeNames: { ...names, "#status": "status" },
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        ),
      { onConditionFailed: () => new NotFoundError("endpoint service", id) },
    );
    return toInfo(out.Attributes as Stored);
  }

  const next = await checkBackend(
    uin,
    current.vpcId,
    parsed.backendInstanceId as string,
    current.serviceType,
  );
  sets.push("backendInstanceId = :backend", "serviceVip = :vip");
  values[":backend"] = next.backend.id;
  values[":vip"] = next.backend.vip;
  values[":old"] = current.backendInstanceId;
  await call(
    () =>
      Db.client().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: Db.table(),
                Key: Keys.service(id),
                UpdateExpression: `SET ${sets.join(", ")} ADD revision :one`,
                ConditionExpression: "ownerUin = :uin AND #status = :active AND backendInstanceId = :old",
                ExpressionAttributeNames: { ...names, "#status": "status" },
                ExpressionAttributeValues: values,
              },
            },
            releaseBackend(uin, current.backendInstanceId, id),
            claimBackend(uin, next.backend, id),
          ],
        }),
      ),
    {
      onCancelled: (reasons) =>
        backendTaken(reasons[2], next.backend.id) ??
        (reasons.some((r) => r.Code === "ConditionalCheckFailed") ? new RaceLostError() : undefined),
    },
  );
  return get(uin, id);
}

/**
 * The final delete: only with no live connection left, releasing the backend, the VPC and the
 * account's quota in the same transaction. Endpoints left behind are marked `serviceDeleted` by the
 * stream consumer that sees the service go.
 */
async function deleteItem(uin: string, service: Stored, requireDeleting: boolean): Promise<void> {
  await call(
    () =>
      Db.client().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: Db.table(),
                Key: Keys.service(service.id),
                // The backend released below must still be the service's: a move meanwhile means read again.
                ConditionExpression: `ownerUin = :uin AND backendInstanceId = :backend AND (attribute_not_exists(liveCount) OR liveCount = :zero)${
                  requireDeleting ? " AND #status = :deleting" : ""
                }`,
                ExpressionAttributeNames: requireDeleting ? { "#status": "status" } : undefined,
                ExpressionAttributeValues: {
                  ":uin": uin,
                  ":backend": service.backendInstanceId,
                  ":zero": 0,
                  ...(requireDeleting ? { ":deleting": "deleting" } : {}),
                },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            releaseBackend(uin, service.backendInstanceId, service.id),
            Owned.refTransactItem(Vpc.kind, uin, service.vpcId, "endpoint_service", -1),
            {
              Update: {
                TableName: Db.table(),
                Key: Keys.account(uin),
                UpdateExpression: "ADD serviceCount :minus",
                ConditionExpression: "attribute_exists(pk)",
                ExpressionAttributeValues: { ":minus": -1 },
              },
            },
          ],
        }),
      ),
    {
      onCancelled: (reasons) => {
        const self = reasons[0];
        // The backend moved meanwhile (its release or the delete's own condition failed): read again.
        if (reasons[1]?.Code === "ConditionalCheckFailed") return new RaceLostError();
        if (self?.Code !== "ConditionalCheckFailed") return undefined;
        if (!self.Item || self.Item.ownerUin !== uin)
          return new NotFoundError("endpoint service", service.id);
        if (self.Item.backendInstanceId !== service.backendInstanceId) return new RaceLostError();
        if (requireDeleting)
          return new RaceLostError("a connection became live while the service was being deleted");
        return new ResourceInUseError(
          `endpoint service ${service.id} has ${String(self.Item.liveCount)} pending or available connection(s); reject them first or pass rejectConnections=true`,
        );
      },
    },
  );
}

/** Marks the service as being deleted: no new connection can be made or accepted from now on. */
async function markDeleting(uin: string, id: string): Promise<Stored> {
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.service(id),
          UpdateExpression: "SET #status = :deleting",
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":deleting": "deleting", ":uin": uin },
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("endpoint service", id) },
  );
  return out.Attributes as Stored;
}

/**
 * Deletes a service. Refused with ResourceInUse while any connection is pending, accepting or
 * available, unless `rejectConnections`: then it stops new connections, rejects the live ones (each
 * with its history entry) and deletes.
 */
export async function remove(
  uin: string,
  id: string,
  options: { rejectConnections: boolean },
  rejectAll: (service: Stored) => Promise<void>,
): Promise<void> {
  if (!options.rejectConnections) {
    return retryRaces(4, async () => deleteItem(uin, await load(uin, id, true), false));
  }
  await markDeleting(uin, id);
  await retryRaces(4, async () => {
    const current = await load(uin, id, true);
    await rejectAll(current);
    await deleteItem(uin, current, true);
  });
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
