import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Db } from "../db/client.ts";
import { call, RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { collect, getItem, type Page, type PageParams, queryAll } from "../db/page.ts";
import { type TransactItem, transactWrite } from "../db/transact.ts";
import { InvalidParameterError, NotFoundError } from "../errors.ts";
import * as Owned from "../inventory/owned.ts";
import * as SecurityGroup from "../inventory/security-group.ts";
import * as Subnet from "../inventory/subnet.ts";
import * as Vpc from "../inventory/vpc.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import {
  ConnectionState,
  filterExpression,
  LIVE_STATES,
  LinkName,
  type ListFilters,
  Tags,
  tagsFromMap,
  tagsToMap,
} from "./common.ts";
import * as EndpointService from "./service.ts";

/*
 * An endpoint: a consumer's private IP in its own subnet, connected to one endpoint service. The item
 * is also the connection the provider sees and accepts or rejects, so the state lives in one place.
 * Its key is global (`VPCE#<id>`) because both accounts address it; `load` checks the consumer owns it,
 * and the provider's paths check `serviceOwnerUin` in their conditions.
 * Imported as `import * as Endpoint`: a bundle keeps only the functions its route calls.
 */

export const Id = z.string().regex(/^vpce-[0-9a-z]{8}$/, "must look like vpce-xxxxxxxx");
export const MAX_SECURITY_GROUPS = 5;

export const Info = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  vpcId: z.string(),
  subnetId: z.string(),
  ip: z.string(),
  endpointServiceId: z.string(),
  serviceName: z.string(),
  serviceOwnerUin: z.string(),
  state: ConnectionState,
  ownerUin: z.string(),
  securityGroupIds: z.array(z.string()),
  createdAt: z.string(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })),
  serviceDeleted: z.boolean(),
});
export type Info = z.infer<typeof Info>;
export const FIELDS = Object.keys(Info.shape);

export const CreateInput = z.strictObject({
  name: LinkName,
  vpcId: Vpc.Id,
  subnetId: Subnet.Id,
  endpointServiceId: EndpointService.Id,
  ip: z.string().max(15).optional(),
  securityGroupId: SecurityGroup.Id.optional(),
  tags: Tags.optional(),
  clientToken: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
});
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z.strictObject({ name: LinkName.optional(), tags: Tags.optional() });
export type UpdateInput = z.infer<typeof UpdateInput>;

export interface Stored {
  pk: string;
  sk: string;
  type: "Endpoint";
  v: number;
  id: string;
  name: string;
  nameLower: string;
  region: string;
  vpcId: string;
  subnetId: string;
  ip: string;
  ipNumber: number;
  endpointServiceId: string;
  serviceName: string;
  serviceOwnerUin: string;
  ownerUin: string;
  state: ConnectionState;
  /** Bumped by every transition; history entry N records the transition to version N. */
  stateVersion: number;
  stateChangedAt: string;
  /** Who made the last transition (a UIN or `system:auto-accept`) and why: the stream carries both. */
  lastActor: string;
  lastReason: string;
  securityGroupIds: string[];
  /** Bumped by every change of `securityGroupIds`: the optimistic lock for rebinding. */
  sgVersion: number;
  /** The allowlist entry this endpoint was counted against (its `createdAt`), for cross-account ones. */
  allowlistEntryCreatedAt?: string;
  serviceDeleted: boolean;
  createdAt: string;
  tags: Record<string, string>;
}

export function toInfo(s: Stored): Info {
  return {
    id: s.id,
    name: s.name,
    region: s.region,
    vpcId: s.vpcId,
    subnetId: s.subnetId,
    ip: s.ip,
    endpointServiceId: s.endpointServiceId,
    serviceName: s.serviceName,
    serviceOwnerUin: s.serviceOwnerUin,
    state: s.state,
    ownerUin: s.ownerUin,
    securityGroupIds: s.securityGroupIds ?? [],
    createdAt: s.createdAt,
    tags: tagsFromMap(s.tags),
    serviceDeleted: s.serviceDeleted ?? false,
  };
}

/** The stored endpoint, whoever owns it, or undefined. */
export async function find(id: string, consistent = true): Promise<Stored | undefined> {
  return (await getItem(Keys.endpoint(id), consistent)) as Stored | undefined;
}

/** The caller's own endpoint; someone else's answers exactly like a missing one. */
export async function load(uin: string, id: string, consistent = false): Promise<Stored> {
  const endpoint = await find(id, consistent);
  if (!endpoint || endpoint.ownerUin !== uin) throw new NotFoundError("endpoint", id);
  return endpoint;
}

export async function get(uin: string, id: string): Promise<Info> {
  return toInfo(await load(uin, id));
}

// ---- History ---------------------------------------------------------------------------------------

export const HistoryEntry = z.object({
  sequence: z.number().int(),
  from: ConnectionState.nullable(),
  to: z.union([ConnectionState, z.literal("deleted")]),
  actor: z.string(),
  at: z.string(),
  reason: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export function historyPut(
  endpointId: string,
  sequence: number,
  entry: Omit<HistoryEntry, "sequence">,
): TransactItem {
  return {
    Put: {
      TableName: Db.table(),
      Item: {
        ...Keys.history(endpointId, sequence),
        type: "ConnectionHistory",
        v: 1,
        endpointId,
        sequence,
        ...entry,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

/**
 * The endpoint and its history in one Query: the endpoint item (`#VPCE`) sorts before its entries
 * (`HIST#…`), so ownership is checked on what the same read returned.
 */
export async function withHistory(
  id: string,
): Promise<{ endpoint: Stored | undefined; history: HistoryEntry[] }> {
  const items = await collect(
    queryAll({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.endpoint(id).pk },
      ConsistentRead: true,
    }),
  );
  const endpoint = items.find((i) => i.type === "Endpoint") as Stored | undefined;
  const history = items
    .filter((i) => i.type === "ConnectionHistory")
    .map((i) =>
      HistoryEntry.parse({
        sequence: i.sequence,
        from: i.from ?? null,
        to: i.to,
        actor: i.actor,
        at: i.at,
        reason: i.reason,
      }),
    );
  return { endpoint, history };
}

export async function history(uin: string, id: string): Promise<HistoryEntry[]> {
  const { endpoint, history } = await withHistory(id);
  if (!endpoint || endpoint.ownerUin !== uin) throw new NotFoundError("endpoint", id);
  return history;
}

// ---- Listing ---------------------------------------------------------------------------------------

export interface ListQuery extends ListFilters {
  region?: string;
  vpcId?: string;
  serviceId?: string;
  state?: ConnectionState;
}

export function listFilter(query: ListQuery) {
  const extra: Array<[string, string, unknown]> = [];
  if (query.vpcId) extra.push(["vpcId", "=", query.vpcId]);
  if (query.serviceId) extra.push(["endpointServiceId", "=", query.serviceId]);
  if (query.state) extra.push(["state", "=", query.state]);
  return filterExpression(query, extra);
}

export async function list(uin: string, query: ListQuery, page: PageParams): Promise<Page<Info>> {
  const result = await Owned.listScoped(
    query.region,
    { byRegion: (r) => Keys.endpointsRegionPartition(uin, r), all: Keys.endpointsPartition(uin) },
    page,
    listFilter(query),
  );
  return { items: result.items.map((i) => toInfo(i as unknown as Stored)), nextCursor: result.nextCursor };
}

export async function update(uin: string, id: string, input: UpdateInput): Promise<Info> {
  const parsed = validate(UpdateInput, input);
  const sets: string[] = [];
  const values: Record<string, unknown> = { ":uin": uin };
  if (parsed.name !== undefined) {
    sets.push("#name = :name", "nameLower = :nameLower");
    values[":name"] = parsed.name;
    values[":nameLower"] = parsed.name.toLowerCase();
  }
  if (parsed.tags !== undefined) {
    sets.push("tags = :tags");
    values[":tags"] = tagsToMap(parsed.tags);
  }
  if (sets.length === 0) throw new InvalidParameterError("MissingParameter", "the request changes nothing");
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.endpoint(id),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeNames: parsed.name !== undefined ? { "#name": "name" } : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("endpoint", id) },
  );
  return toInfo(out.Attributes as Stored);
}

// ---- Deletion --------------------------------------------------------------------------------------

/**
 * Deletes an endpoint, frees its address and gives back every counter it held, in one transaction
 * conditional on the state version read (so the service's live count moves by the right amount). The
 * service and the allowlist entry may be gone already; their counters are then simply not touched.
 */
export async function remove(uin: string, id: string): Promise<void> {
  let optional = { service: true, allowlist: true };
  await retryRaces(10, async () => {
    const ep = await load(uin, id, true);
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: Db.table(),
          Key: Keys.endpoint(id),
          // The security groups released below are the ones read: a rebind meanwhile means read again.
          ConditionExpression: "ownerUin = :uin AND stateVersion = :v AND sgVersion = :sgv",
          ExpressionAttributeValues: { ":uin": uin, ":v": ep.stateVersion, ":sgv": ep.sgVersion },
        },
      },
      { Delete: { TableName: Db.table(), Key: Keys.ipReservation(uin, ep.subnetId, ep.ipNumber) } },
      Owned.refTransactItem(Vpc.kind, uin, ep.vpcId, "endpoint", -1),
      Owned.refTransactItem(Subnet.kind, uin, ep.subnetId, "endpoint", -1),
      historyPut(id, ep.stateVersion + 1, {
        from: ep.state,
        to: "deleted",
        actor: uin,
        at: nowIso(),
        reason: "endpoint deleted",
      }),
      ...(ep.securityGroupIds ?? []).map((sg) =>
        Owned.refTransactItem(SecurityGroup.kind, uin, sg, "endpoint_binding", -1),
      ),
    ];
    const serviceIndex = optional.service && !ep.serviceDeleted ? items.length : -1;
    if (serviceIndex >= 0) {
      items.push({
        Update: {
          TableName: Db.table(),
          Key: Keys.service(ep.endpointServiceId),
          UpdateExpression: "ADD endpointCount :minus, liveCount :live",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":minus": -1, ":live": LIVE_STATES.has(ep.state) ? -1 : 0 },
        },
      });
    }
    const allowIndex = optional.allowlist && ep.allowlistEntryCreatedAt ? items.length : -1;
    if (allowIndex >= 0) {
      items.push({
        Update: {
          TableName: Db.table(),
          Key: Keys.allowlistEntry(ep.endpointServiceId, uin),
          UpdateExpression: "ADD connectionCount :minus",
          ConditionExpression: "createdAt = :c AND connectionCount > :zero",
          ExpressionAttributeValues: { ":minus": -1, ":c": ep.allowlistEntryCreatedAt, ":zero": 0 },
        },
      });
    }
    await transactWrite(items, {
      onCancelled: (reasons) => {
        const failed = (i: number) => i >= 0 && reasons[i]?.Code === "ConditionalCheckFailed";
        if (failed(serviceIndex) || failed(allowIndex)) {
          optional = {
            service: optional.service && !failed(serviceIndex),
            allowlist: optional.allowlist && !failed(allowIndex),
          };
          return new RaceLostError();
        }
        if (failed(0) || failed(4)) return new RaceLostError();
        return undefined;
      },
    });
  });
}
