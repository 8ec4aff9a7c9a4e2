import { createHash } from "node:crypto";
import {
  BatchGetCommand,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Config } from "../config.ts";
import { Db } from "../db/client.ts";
import { call, type PlainCancellationReason, RaceLostError, retryRaces } from "../db/errors.ts";
import { Keys } from "../db/keys.ts";
import { collect, getItem, type Page, type PageParams, queryAll } from "../db/page.ts";
import {
  ConflictError,
  InvalidParameterError,
  LimitExceededError,
  LinkplaneError,
  NotFoundError,
  ResourceInUseError,
  ThrottledError,
  UnsupportedOperationError,
} from "../errors.ts";
import { Owned } from "../inventory/owned.ts";
import { SecurityGroup } from "../inventory/security-group.ts";
import { Subnet } from "../inventory/subnet.ts";
import { Vpc } from "../inventory/vpc.ts";
import { Cidr, Ipv4, type Ipv4Cidr } from "../util/cidr.ts";
import { resourceId } from "../util/id.ts";
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
import { EndpointService } from "./service.ts";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * An endpoint: a consumer's private IP in its own subnet, connected to one endpoint service. The item
 * is also the connection the provider sees and accepts or rejects, so the state lives in one place.
 * Its key is global (`VPCE#<id>`) because both accounts address it; `load` checks the consumer owns it,
 * and the provider's paths check `serviceOwnerUin` in their conditions.
 */
export namespace Endpoint {
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

  // ---- Creation -------------------------------------------------------------------------------------

  /** Addresses an endpoint may take: not the network address, the gateway (first host) or broadcast. */
  export function usableRange(block: Ipv4Cidr): { first: number; last: number } {
    return { first: block.base + 2, last: block.base + block.size - 2 };
  }

  interface Context {
    service: EndpointService.Stored;
    subnet: Subnet.Stored;
    block: Ipv4Cidr;
    vpc: Vpc.Stored;
    securityGroup?: SecurityGroup.Stored;
    allowlistEntry?: { createdAt: string };
  }

  /** One BatchGetItem for the service and the caller's VPC, subnet and security group. */
  async function context(uin: string, input: CreateInput): Promise<Context> {
    const keys: Record<string, unknown>[] = [
      { ...Keys.service(input.endpointServiceId) },
      { ...Keys.owned(uin, "VPC", input.vpcId) },
      { ...Keys.owned(uin, "SUBNET", input.subnetId) },
    ];
    if (input.securityGroupId) keys.push({ ...Keys.owned(uin, "SG", input.securityGroupId) });
    keys.push({ ...Keys.allowlistEntry(input.endpointServiceId, uin) });
    const out = await call(() =>
      Db.client().send(
        new BatchGetCommand({ RequestItems: { [Db.table()]: { Keys: keys, ConsistentRead: true } } }),
      ),
    );
    const items = out.Responses?.[Db.table()] ?? [];
    const byType = (type: string) => items.find((i) => i.type === type);
    const vpc = byType("Vpc") as Vpc.Stored | undefined;
    const subnet = byType("Subnet") as Subnet.Stored | undefined;
    const service = byType("EndpointService") as EndpointService.Stored | undefined;
    const securityGroup = byType("SecurityGroup") as SecurityGroup.Stored | undefined;
    const allowlistEntry = byType("AllowlistEntry") as { createdAt: string } | undefined;
    if (!vpc) throw new NotFoundError("VPC", input.vpcId, { field: "vpcId" });
    if (!subnet) throw new NotFoundError("subnet", input.subnetId, { field: "subnetId" });
    if (subnet.vpcId !== vpc.id) {
      throw new UnsupportedOperationError(
        "UnsupportedOperation.VpcMismatch",
        `subnet ${subnet.id} is in ${subnet.vpcId}, not in ${vpc.id}`,
        { field: "subnetId" },
      );
    }
    if (service?.status !== "active") {
      throw new NotFoundError("endpoint service", input.endpointServiceId, { field: "endpointServiceId" });
    }
    // Nothing about someone else's service is told to an account it does not allowlist.
    if (service.ownerUin !== uin && !allowlistEntry) throw notAllowlisted(uin, service.id);
    if (service.region !== vpc.region) {
      throw new UnsupportedOperationError(
        "UnsupportedOperation.VpcMismatch",
        `endpoint service ${service.id} is in ${service.region}; VPC ${vpc.id} is in ${vpc.region}`,
        { field: "endpointServiceId" },
      );
    }
    if (input.securityGroupId && (!securityGroup || securityGroup.region !== vpc.region)) {
      throw new NotFoundError("security group", input.securityGroupId, { field: "securityGroupId" });
    }
    const block = Cidr.parse(subnet.cidrBlock);
    if (!block.ok) throw new Error(`stored subnet ${subnet.id} has a bad CIDR`);
    return { service, subnet, block: block.cidr, vpc, securityGroup, allowlistEntry };
  }

  function notAllowlisted(uin: string, serviceId: string): LinkplaneError {
    return new LinkplaneError(
      "forbidden",
      "ResourceUnavailable.ServiceWhiteListNotAdded",
      `account ${uin} is not on the allowlist of endpoint service ${serviceId}`,
      { field: "endpointServiceId" },
    );
  }

  /** A requested address, checked against the subnet's block and its reserved addresses. */
  function requestedIp(text: string, block: Ipv4Cidr): number {
    const ip = Ipv4.parse(text);
    if (ip === undefined)
      throw InvalidParameterError.malformed("ip", "must be a dotted-decimal IPv4 address");
    if (!Cidr.containsAddress(block, ip)) {
      throw InvalidParameterError.value("ip", `${text} is not inside the subnet's ${block.text}`);
    }
    const { first, last } = usableRange(block);
    if (ip < first || ip > last) {
      throw new InvalidParameterError(
        "InvalidParameterValue.Reserved",
        `ip: ${text} is reserved (network, gateway or broadcast address)`,
        { field: "ip" },
      );
    }
    return ip;
  }

  /** Addresses already reserved in a subnet (one Query, paged for very large subnets). */
  async function reservedIps(uin: string, subnetId: string): Promise<Set<number>> {
    const reserved = new Set<number>();
    const items = queryAll({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.ipReservations(uin, subnetId) },
      ProjectionExpression: "ip",
      ConsistentRead: true,
    });
    for await (const item of items) reserved.add(Number(item.ip));
    return reserved;
  }

  function pickFree(block: Ipv4Cidr, unavailable: Set<number>): number | undefined {
    const { first, last } = usableRange(block);
    const free: number[] = [];
    for (let ip = first; ip <= last; ip++) if (!unavailable.has(ip)) free.push(ip);
    // A random free address, so that concurrent creations rarely reach for the same one.
    return free[Math.floor(Math.random() * free.length)];
  }

  /** JSON with object keys sorted at every depth, so equal bodies hash equal whatever their key order. */
  function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      return `{${entries
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
        .join(",")}}`;
    }
    return JSON.stringify(value);
  }

  function bodyHash(input: CreateInput): string {
    const { clientToken: _ignored, ...rest } = input;
    return createHash("sha256").update(canonical(rest)).digest("hex");
  }

  export interface Created {
    endpoint: Info;
    /** True when a clientToken matched an earlier creation and that endpoint is answered again. */
    replayed: boolean;
  }

  /**
   * Creates an endpoint in one TransactWriteItems: the endpoint, its IP reservation (the conditional put
   * that makes addresses unique), the first history entry, the counters that hold the quotas (service,
   * VPC, allowlist entry) and the references that keep the subnet and security group from being deleted.
   * A taken address is replaced by another free one without re-reading; a full subnet is
   * ResourceInsufficient.Subnet.
   */
  export async function create(uin: string, input: CreateInput): Promise<Created> {
    const parsed = validate(CreateInput, input);
    const ctx = await context(uin, parsed);
    const { service, subnet, block, vpc } = ctx;
    const fixedIp = parsed.ip !== undefined ? requestedIp(parsed.ip, block) : undefined;
    const crossAccount = service.ownerUin !== uin;
    const quotas = Config.get().quotas;
    const initial: ConnectionState = service.autoAccept ? "accepting" : "pending";
    const id = resourceId("vpce");
    const hash = bodyHash(parsed);

    let reserved: Set<number> | undefined;
    const taken = new Set<number>();
    // The endpoint carries its service's name; the write holds only while the service still has it, so
    // a rename that lands between our read and our write cannot leave the old name behind for good.
    let serviceName = service.name;

    const attempt = async (): Promise<Created> => {
      let ip = fixedIp;
      if (ip === undefined) {
        reserved ??= await reservedIps(uin, subnet.id);
        ip = pickFree(block, new Set([...reserved, ...taken]));
        if (ip === undefined) {
          // Our view may be stale: read once more before saying the subnet is full.
          reserved = await reservedIps(uin, subnet.id);
          taken.clear();
          ip = pickFree(block, reserved);
        }
        if (ip === undefined) {
          throw new LinkplaneError(
            "limit",
            "ResourceInsufficient.Subnet",
            `subnet ${subnet.id} has no free address left`,
            {
              field: "subnetId",
            },
          );
        }
      }
      const createdAt = nowIso();
      const item: Stored = {
        ...Keys.endpoint(id),
        ...Keys.endpointListing(uin, vpc.region, service.id, createdAt, id),
        type: "Endpoint",
        v: 1,
        id,
        name: parsed.name,
        nameLower: parsed.name.toLowerCase(),
        region: vpc.region,
        vpcId: vpc.id,
        subnetId: subnet.id,
        ip: Ipv4.format(ip),
        ipNumber: ip,
        endpointServiceId: service.id,
        serviceName,
        serviceOwnerUin: service.ownerUin,
        ownerUin: uin,
        state: initial,
        stateVersion: 1,
        stateChangedAt: createdAt,
        lastActor: uin,
        lastReason: "requested",
        securityGroupIds: parsed.securityGroupId ? [parsed.securityGroupId] : [],
        sgVersion: 0,
        serviceDeleted: false,
        createdAt,
        tags: tagsToMap(parsed.tags),
      };
      if (crossAccount) item.allowlistEntryCreatedAt = ctx.allowlistEntry?.createdAt;
      const items: TransactItem[] = [
        { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
        {
          Put: {
            TableName: Db.table(),
            Item: {
              ...Keys.ipReservation(uin, subnet.id, ip),
              type: "IpReservation",
              v: 1,
              ip,
              endpointId: id,
            },
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        {
          Update: {
            TableName: Db.table(),
            Key: Keys.service(service.id),
            UpdateExpression: "ADD endpointCount :one, liveCount :one",
            ConditionExpression:
              "#status = :active AND #name = :name AND (attribute_not_exists(endpointCount) OR endpointCount < :max)",
            ExpressionAttributeNames: { "#status": "status", "#name": "name" },
            ExpressionAttributeValues: {
              ":one": 1,
              ":active": "active",
              ":name": serviceName,
              ":max": quotas.endpointsPerService,
            },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        {
          Update: {
            TableName: Db.table(),
            Key: Keys.owned(uin, "VPC", vpc.id),
            UpdateExpression: "ADD refCount :one, refs_endpoint :one",
            ConditionExpression:
              "attribute_exists(pk) AND (attribute_not_exists(refs_endpoint) OR refs_endpoint < :max)",
            ExpressionAttributeValues: { ":one": 1, ":max": quotas.endpointsPerVpc },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        Owned.refTransactItem(Subnet.kind, uin, subnet.id, "endpoint", 1),
        historyPut(id, 1, { from: null, to: initial, actor: uin, at: createdAt, reason: "requested" }),
      ];
      const allowIndex = crossAccount ? items.length : -1;
      if (crossAccount) {
        items.push({
          Update: {
            TableName: Db.table(),
            Key: Keys.allowlistEntry(service.id, uin),
            UpdateExpression: "ADD connectionCount :one",
            // The very entry read above: one removed and added again since is another entry.
            ConditionExpression:
              "createdAt = :entry AND (attribute_not_exists(connectionLimit) OR connectionCount < connectionLimit)",
            ExpressionAttributeValues: { ":one": 1, ":entry": ctx.allowlistEntry?.createdAt },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        });
      }
      const sgIndex = parsed.securityGroupId ? items.length : -1;
      if (parsed.securityGroupId) {
        items.push(
          Owned.refTransactItem(SecurityGroup.kind, uin, parsed.securityGroupId, "endpoint_binding", 1),
        );
      }
      const tokenIndex = parsed.clientToken ? items.length : -1;
      if (parsed.clientToken) {
        items.push({
          Put: {
            TableName: Db.table(),
            Item: {
              ...Keys.clientToken(uin, parsed.clientToken),
              type: "ClientToken",
              v: 1,
              endpointId: id,
              bodyHash: hash,
              // Tokens are remembered for a day, as AWS does for its client tokens.
              expiresAt: Math.floor(Date.now() / 1000) + 86_400,
            },
            // TTL deletes lazily: an expired token is as good as gone.
            ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
            ExpressionAttributeValues: { ":now": Math.floor(Date.now() / 1000) },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        });
      }

      try {
        await call(() => Db.client().send(new TransactWriteCommand({ TransactItems: items })), {
          onCancelled: (reasons) => explain(reasons),
        });
      } catch (error) {
        if (error instanceof TokenSeen) return replay(uin, parsed.clientToken as string, hash, error.item);
        throw error;
      }
      return { endpoint: toInfo(item), replayed: false };

      function explain(reasons: PlainCancellationReason[]): LinkplaneError | undefined {
        const failed = (i: number) => i >= 0 && reasons[i]?.Code === "ConditionalCheckFailed";
        if (failed(tokenIndex)) return new TokenSeen(reasons[tokenIndex]?.Item);
        if (failed(1)) {
          if (fixedIp !== undefined) {
            return new ResourceInUseError(`ip ${Ipv4.format(fixedIp)} is already in use in ${subnet.id}`, {
              field: "ip",
            });
          }
          // Someone else got it: look again at what is free rather than guessing from a stale view.
          taken.add(ip as number);
          reserved = undefined;
          return new RaceLostError("the address was taken meanwhile");
        }
        if (failed(allowIndex)) {
          const entry = reasons[allowIndex]?.Item;
          if (!entry) return notAllowlisted(uin, service.id);
          // Removed and added again meanwhile: the caller retries with a fresh read.
          if (entry.createdAt !== ctx.allowlistEntry?.createdAt) {
            return new ThrottledError(
              "the allowlist entry changed while the endpoint was being created; retry",
            );
          }
          return new LimitExceededError(
            `account ${uin} may connect at most ${String(entry.connectionLimit)} endpoint(s) to ${service.id}`,
          );
        }
        if (failed(2)) {
          const s = reasons[2]?.Item;
          if (s?.status !== "active") {
            return new NotFoundError("endpoint service", service.id, { field: "endpointServiceId" });
          }
          if (typeof s.name === "string" && s.name !== serviceName) {
            serviceName = s.name;
            return new RaceLostError("the endpoint service was renamed meanwhile");
          }
          return new LimitExceededError(
            `endpoint service ${service.id} holds at most ${quotas.endpointsPerService} endpoints`,
          );
        }
        if (failed(3)) {
          if (!reasons[3]?.Item) return new NotFoundError("VPC", vpc.id, { field: "vpcId" });
          return new LimitExceededError(`VPC ${vpc.id} holds at most ${quotas.endpointsPerVpc} endpoints`);
        }
        if (failed(4)) return new NotFoundError("subnet", subnet.id, { field: "subnetId" });
        if (failed(sgIndex))
          return new NotFoundError("security group", String(parsed.securityGroupId), {
            field: "securityGroupId",
          });
        if (reasons.some((r) => r.Code === "TransactionConflict")) return new RaceLostError();
        return undefined;
      }
    };

    // Losing an address to a concurrent creation is retried with another one (after a fresh read of the
    // reservations); each loss means someone else got an address, so a full subnet is reached in at most
    // as many rounds as it has addresses.
    return retryRaces(Math.max(20, Math.min(300, block.size)), attempt);
  }

  class TokenSeen extends ConflictError {
    constructor(readonly item: Record<string, unknown> | undefined) {
      super("IdempotentParameterMismatch", "client token seen before");
    }
  }

  async function replay(
    uin: string,
    token: string,
    hash: string,
    item: Record<string, unknown> | undefined,
  ): Promise<Created> {
    const record =
      item ??
      (
        await call(() =>
          Db.client().send(
            new GetCommand({
              TableName: Db.table(),
              Key: Keys.clientToken(uin, token),
              ConsistentRead: true,
            }),
          ),
        )
      ).Item;
    if (!record || Number(record.expiresAt) < Math.floor(Date.now() / 1000)) throw new RaceLostError();
    if (record.bodyHash !== hash) {
      throw new ConflictError(
        "IdempotentParameterMismatch",
        "this clientToken was used with a different request body",
        { field: "clientToken" },
      );
    }
    return { endpoint: await get(uin, String(record.endpointId)), replayed: true };
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
      await call(() => Db.client().send(new TransactWriteCommand({ TransactItems: items })), {
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

  // ---- Security groups -------------------------------------------------------------------------------

  export const SecurityGroupBinding = z.object({ securityGroupId: z.string(), priority: z.number().int() });
  export type SecurityGroupBinding = z.infer<typeof SecurityGroupBinding>;

  export const SecurityGroupsInput = z.strictObject({
    securityGroupIds: z
      .array(SecurityGroup.Id)
      .max(MAX_SECURITY_GROUPS)
      .refine((ids) => new Set(ids).size === ids.length, { error: "security groups must not repeat" }),
  });

  export function bindings(ids: string[]): SecurityGroupBinding[] {
    return ids.map((securityGroupId, i) => ({ securityGroupId, priority: i + 1 }));
  }

  export async function securityGroups(uin: string, id: string): Promise<SecurityGroupBinding[]> {
    return bindings((await load(uin, id)).securityGroupIds ?? []);
  }

  /**
   * Replaces the ordered list (priority = position, 1 first): the reference product's "adjust priority".
   * Added groups must be the caller's, in the endpoint's region; their counters move in the same write.
   */
  export async function setSecurityGroups(
    uin: string,
    id: string,
    input: unknown,
  ): Promise<SecurityGroupBinding[]> {
    const { securityGroupIds } = validate(SecurityGroupsInput, input);
    return rebind(uin, id, () => securityGroupIds);
  }

  export async function unbindSecurityGroup(
    uin: string,
    id: string,
    sgId: string,
  ): Promise<SecurityGroupBinding[]> {
    return unbindSecurityGroups(uin, id, [sgId]);
  }

  /** Unbinds several groups in one write; if one is not bound, none is unbound. */
  export async function unbindSecurityGroups(
    uin: string,
    id: string,
    sgIds: string[],
  ): Promise<SecurityGroupBinding[]> {
    return rebind(uin, id, (current) => {
      const unbound = sgIds.find((g) => !current.includes(g));
      if (unbound !== undefined) throw new NotFoundError("security group binding", `${unbound} on ${id}`);
      return current.filter((g) => !sgIds.includes(g));
    });
  }

  async function rebind(
    uin: string,
    id: string,
    next: (current: string[]) => string[],
  ): Promise<SecurityGroupBinding[]> {
    return retryRaces(10, async () => {
      const ep = await load(uin, id, true);
      const current = ep.securityGroupIds ?? [];
      const wanted = next(current);
      const added = wanted.filter((g) => !current.includes(g));
      const removed = current.filter((g) => !wanted.includes(g));
      if (added.length > 0) {
        const out = await call(() =>
          Db.client().send(
            new BatchGetCommand({
              RequestItems: {
                [Db.table()]: {
                  Keys: added.map((g) => ({ ...Keys.owned(uin, "SG", g) })),
                  ConsistentRead: true,
                },
              },
            }),
          ),
        );
        const found = new Map(
          (out.Responses?.[Db.table()] ?? []).map((i) => [String(i.id), i as SecurityGroup.Stored]),
        );
        for (const g of added) {
          const sg = found.get(g);
          if (!sg || sg.region !== ep.region)
            throw new NotFoundError("security group", g, { field: "securityGroupIds" });
        }
      }
      await call(
        () =>
          Db.client().send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: Db.table(),
                    Key: Keys.endpoint(id),
                    UpdateExpression: "SET securityGroupIds = :ids, sgVersion = :next",
                    ConditionExpression: "ownerUin = :uin AND sgVersion = :seen",
                    ExpressionAttributeValues: {
                      ":ids": wanted,
                      ":next": ep.sgVersion + 1,
                      ":seen": ep.sgVersion,
                      ":uin": uin,
                    },
                  },
                },
                ...added.map((g) => Owned.refTransactItem(SecurityGroup.kind, uin, g, "endpoint_binding", 1)),
                ...removed.map((g) =>
                  Owned.refTransactItem(SecurityGroup.kind, uin, g, "endpoint_binding", -1),
                ),
              ],
            }),
          ),
        {
          onCancelled: (reasons) => {
            if (reasons[0]?.Code === "ConditionalCheckFailed") return new RaceLostError();
            const lost = reasons.findIndex((r, i) => i > 0 && r.Code === "ConditionalCheckFailed");
            if (lost > 0) {
              const g = [...added, ...removed][lost - 1] ?? "";
              return new NotFoundError("security group", g, { field: "securityGroupIds" });
            }
            return undefined;
          },
        },
      );
      return bindings(wanted);
    });
  }
}
