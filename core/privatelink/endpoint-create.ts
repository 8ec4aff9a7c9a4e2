import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { type PlainCancellationReason, RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { type TransactItem, transactWrite } from "../db/transact.ts";
import {
  LimitExceededError,
  LinkplaneError,
  NotFoundError,
  ResourceInUseError,
  ThrottledError,
} from "../errors.ts";
import * as Owned from "../inventory/owned.ts";
import * as SecurityGroup from "../inventory/security-group.ts";
import * as Subnet from "../inventory/subnet.ts";
import { Ipv4 } from "../util/cidr.ts";
import { resourceId } from "../util/id.ts";
import { Clock, nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import type { ConnectionState } from "./common.ts";
import { tagsToMap } from "./common.ts";
import * as Endpoint from "./endpoint.ts";
import { bodyHash, CLIENT_TOKEN_SECONDS, replay, TokenSeen } from "./endpoint-client-token.ts";
import { context, notAllowlisted } from "./endpoint-create-context.ts";
import * as IpAllocation from "./ip-allocation.ts";

/*
 * Creating an endpoint: the reads it needs (one BatchGetItem; the subnet's reservations unless an
 * address is given or the subnet is mostly free) and one transaction that holds every invariant a new
 * endpoint touches. The reads and their checks are endpoint-create-context.ts, the clientToken's
 * replay endpoint-client-token.ts.
 * Imported as `import * as EndpointCreation`: a bundle keeps only the functions its route calls.
 */

export interface Created {
  endpoint: Endpoint.Info;
  /** True when a clientToken matched an earlier creation and that endpoint is answered again. */
  replayed: boolean;
}

/**
 * Creates an endpoint in one TransactWriteItems: the endpoint, its IP reservation (the conditional put
 * that makes addresses unique), the first history entry, the counters that hold the quotas (service,
 * VPC, allowlist entry) and the references that keep the subnet and security group from being deleted.
 * The address is a random free one, from a read of the reservations unless the subnet is mostly free
 * (IpAllocation.mayGuess); a taken one is replaced after a fresh read; a full subnet is
 * ResourceInsufficient.Subnet.
 */
export async function create(uin: string, input: Endpoint.CreateInput): Promise<Created> {
  const parsed = validate(Endpoint.CreateInput, input);
  const ctx = await context(uin, parsed);
  const { service, subnet, block, vpc } = ctx;
  const fixedIp = parsed.ip !== undefined ? IpAllocation.requested(parsed.ip, block) : undefined;
  const crossAccount = service.ownerUin !== uin;
  const quotas = Config.get().quotas;
  const initial: ConnectionState = service.autoAccept ? "accepting" : "pending";
  const id = resourceId("vpce");
  const hash = bodyHash(parsed);

  let reserved: Set<number> | undefined;
  const taken = new Set<number>();
  // Mostly free: try a random address first and read the reservations only once a try has lost.
  let guess = IpAllocation.mayGuess(block, subnet.refs_endpoint ?? 0);
  // The endpoint carries its service's name; the write holds only while the service still has it, so
  // a rename that lands between our read and our write cannot leave the old name behind for good.
  let serviceName = service.name;

  const attempt = async (): Promise<Created> => {
    let ip = fixedIp;
    if (ip === undefined) {
      if (!guess) reserved ??= await IpAllocation.reserved(uin, subnet.id);
      ip = IpAllocation.pickFree(block, new Set([...(reserved ?? []), ...taken]));
      if (ip === undefined) {
        // Our view may be stale: read once more before saying the subnet is full.
        reserved = await IpAllocation.reserved(uin, subnet.id);
        taken.clear();
        ip = IpAllocation.pickFree(block, reserved);
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
    const item: Endpoint.Stored = {
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
      Endpoint.historyPut(id, 1, {
        from: null,
        to: initial,
        actor: uin,
        at: createdAt,
        reason: "requested",
      }),
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
      const now = Math.floor(Clock.now() / 1000);
      items.push({
        Put: {
          TableName: Db.table(),
          Item: {
            ...Keys.clientToken(uin, parsed.clientToken),
            type: "ClientToken",
            v: 1,
            endpointId: id,
            bodyHash: hash,
            expiresAt: now + CLIENT_TOKEN_SECONDS,
          },
          // TTL deletes lazily: an expired token is as good as gone.
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
          ExpressionAttributeValues: { ":now": now },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }

    try {
      await transactWrite(items, {
        onCancelled: (reasons) => explain(reasons),
      });
    } catch (error) {
      if (error instanceof TokenSeen) return replay(uin, parsed.clientToken as string, hash, error.item);
      throw error;
    }
    return { endpoint: Endpoint.toInfo(item), replayed: false };

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
        guess = false;
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
