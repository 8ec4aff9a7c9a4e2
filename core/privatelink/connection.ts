import * as z from "zod";
import { Db } from "../db/client.ts";
import { RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { type Page, type PageParams, queryAll, queryPage } from "../db/page.ts";
import { type TransactItem, transactWrite } from "../db/transact.ts";
import { isLinkplaneError, LinkplaneError, NotFoundError } from "../errors.ts";
import { nowIso } from "../util/time.ts";
import { ConnectionState, LIVE_STATES, REFERENCE_STATE } from "./common.ts";
import * as Endpoint from "./endpoint.ts";
import * as EndpointService from "./service.ts";

/*
 * Connections: the link between an endpoint and its service, as the provider sees it. The state lives
 * on the endpoint item; every transition is one transaction that
 *   - moves the state, conditional on the state and version read (so of two concurrent transitions
 *     exactly one wins, and the loser re-reads and decides again),
 *   - writes history entry N for version N (so history and state cannot disagree), and
 *   - moves the service's live-connection count (which service deletion waits on).
 *
 * Legal moves: pending → available | rejected; accepting → available | rejected; rejected → available;
 * available → rejected; failed → available | rejected. Accepting an available connection and rejecting
 * a rejected one succeed and change nothing.
 * Imported as `import * as Connection`: a bundle keeps only the functions its route calls.
 */

export const Action = z.enum(["accept", "reject"]);
export type Action = z.infer<typeof Action>;

export const Info = z.object({
  endpointId: z.string(),
  endpointName: z.string(),
  ownerUin: z.string(),
  vpcId: z.string(),
  subnetId: z.string(),
  ip: z.string(),
  state: ConnectionState,
  referenceState: z.string(),
  stateChangedAt: z.string(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export function toInfo(e: Endpoint.Stored): Info {
  return {
    endpointId: e.id,
    endpointName: e.name,
    ownerUin: e.ownerUin,
    vpcId: e.vpcId,
    subnetId: e.subnetId,
    ip: e.ip,
    state: e.state,
    referenceState: REFERENCE_STATE[e.state],
    stateChangedAt: e.stateChangedAt,
    createdAt: e.createdAt,
  };
}

export const BatchInput = z.strictObject({
  endpointIds: z.array(z.string().max(64)).min(1).max(500),
  reason: z.string().max(255).optional(),
});
export type BatchInput = z.infer<typeof BatchInput>;

export const Result = z.union([
  z.object({ endpointId: z.string(), ok: z.literal(true), state: ConnectionState }),
  z.object({
    endpointId: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
]);
export type Result = z.infer<typeof Result>;

export const TARGET: Record<Action, ConnectionState> = { accept: "available", reject: "rejected" };

export interface Transition {
  endpoint: Endpoint.Stored;
  to: ConnectionState;
  actor: string;
  reason: string;
  /** The provider: its UIN must own the endpoint's service. Absent for system transitions. */
  providerUin?: string;
  /**
   * Only while the consumer's allowlist entry is the one the endpoint was created under (auto-accept:
   * an account removed from the allowlist meanwhile must not be accepted). Fails with NotAllowlisted.
   */
  allowlistEntryCreatedAt?: string;
}

/** The consumer's allowlist entry went away (or was replaced) before the transition. */
export class NotAllowlistedError extends LinkplaneError {
  constructor(uin: string, serviceId: string) {
    super(
      "forbidden",
      "ResourceUnavailable.ServiceWhiteListNotAdded",
      `account ${uin} is no longer on the allowlist of endpoint service ${serviceId}`,
    );
  }
}

/** What one transition writes besides the service's live count, and how that count moves. */
export interface Planned {
  /** The endpoint's conditional update, history entry N+1 and, for auto-accept, the allowlist check. */
  items: TransactItem[];
  /** Index of the allowlist check in `items`, or -1. */
  allowIndex: number;
  /** The change of the service's live count: 0 when the connection stays live (an accept of a pending one). */
  delta: number;
  /** The endpoint as read, and as it is once the transition is written. */
  before: Endpoint.Stored;
  next: Endpoint.Stored;
}

/**
 * The writes of one transition (ep.state ≠ to). The state moves conditional on the state and version
 * read, and on the provider; the service's counter is left to the caller, which adds it once per
 * transaction (see `counterItem`). Accepting on a service that is gone is ResourceUnavailable.
 */
export function plan(t: Transition, at = nowIso()): Planned {
  const { endpoint: ep, to } = t;
  if (ep.serviceDeleted && LIVE_STATES.has(to)) throw unavailable(ep.endpointServiceId);
  const version = ep.stateVersion + 1;
  const values: Record<string, unknown> = {
    ":to": to,
    ":from": ep.state,
    ":v": ep.stateVersion,
    ":next": version,
    ":at": at,
    ":actor": t.actor,
    ":reason": t.reason,
    ":svc": ep.endpointServiceId,
  };
  let condition = "#state = :from AND stateVersion = :v AND endpointServiceId = :svc";
  if (t.providerUin !== undefined) {
    condition += " AND serviceOwnerUin = :provider";
    values[":provider"] = t.providerUin;
  }
  const items: TransactItem[] = [
    {
      Update: {
        TableName: Db.table(),
        Key: Keys.endpoint(ep.id),
        UpdateExpression:
          "SET #state = :to, stateVersion = :next, stateChangedAt = :at, lastActor = :actor, lastReason = :reason",
        ConditionExpression: condition,
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: values,
      },
    },
    Endpoint.historyPut(ep.id, version, { from: ep.state, to, actor: t.actor, at, reason: t.reason }),
  ];
  let allowIndex = -1;
  if (t.allowlistEntryCreatedAt !== undefined) {
    allowIndex = items.length;
    items.push({
      ConditionCheck: {
        TableName: Db.table(),
        Key: Keys.allowlistEntry(ep.endpointServiceId, ep.ownerUin),
        ConditionExpression: "createdAt = :entry",
        ExpressionAttributeValues: { ":entry": t.allowlistEntryCreatedAt },
      },
    });
  }
  // A deleted service's count is gone with it: rejecting there moves nothing (that is how deletion empties it).
  const delta = ep.serviceDeleted ? 0 : (LIVE_STATES.has(to) ? 1 : 0) - (LIVE_STATES.has(ep.state) ? 1 : 0);
  const next = {
    ...ep,
    state: to,
    stateVersion: version,
    stateChangedAt: at,
    lastActor: t.actor,
    lastReason: t.reason,
  };
  return { items, allowIndex, delta, before: ep, next };
}

/**
 * The service's live count moved by `delta` (≠ 0), once for a whole transaction. A connection made live
 * needs a live service; one taken out of the count works on a service being deleted.
 */
export function counterItem(serviceId: string, delta: number): TransactItem {
  const live = delta > 0;
  return {
    Update: {
      TableName: Db.table(),
      Key: Keys.service(serviceId),
      UpdateExpression: "ADD liveCount :d",
      ConditionExpression: live ? "#status = :active" : "attribute_exists(pk)",
      ExpressionAttributeNames: live ? { "#status": "status" } : undefined,
      ExpressionAttributeValues: { ":d": delta, ...(live ? { ":active": "active" } : {}) },
    },
  };
}

/**
 * One conditional transition. Throws RaceLostError when the endpoint moved since it was read (the
 * caller re-reads and calls again), ResourceUnavailable when making a connection live on a service
 * being deleted. The service item is written only when the live count changes: an accept of a pending
 * connection touches the endpoint and its history alone (docs/data-model.md, "Counters").
 */
export async function transition(t: Transition): Promise<Endpoint.Stored> {
  const { endpoint: ep, to } = t;
  if (ep.state === to) return ep;
  const planned = plan(t);
  const items = [...planned.items];
  const serviceIndex = planned.delta === 0 ? -1 : items.length;
  if (planned.delta !== 0) items.push(counterItem(ep.endpointServiceId, planned.delta));
  await transactWrite(items, {
    onCancelled: (reasons) => {
      if (serviceIndex >= 0 && reasons[serviceIndex]?.Code === "ConditionalCheckFailed") {
        return unavailable(ep.endpointServiceId);
      }
      if (planned.allowIndex >= 0 && reasons[planned.allowIndex]?.Code === "ConditionalCheckFailed") {
        return new NotAllowlistedError(ep.ownerUin, ep.endpointServiceId);
      }
      if (reasons.some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict")) {
        return new RaceLostError("the connection changed meanwhile");
      }
      return undefined;
    },
  });
  return planned.next;
}

export function unavailable(serviceId: string): LinkplaneError {
  return new LinkplaneError(
    "conflict",
    "ResourceUnavailable",
    `endpoint service ${serviceId} is being deleted: its connections can only be rejected`,
  );
}

/**
 * Moves one connection to the action's target on the provider's behalf, re-reading and deciding again
 * as often as concurrent transitions win (each loss means another transition happened).
 */
export async function decideOne(
  providerUin: string,
  serviceId: string,
  first: Endpoint.Stored | undefined,
  endpointId: string,
  action: Action,
  reason: string,
): Promise<Endpoint.Stored> {
  let current = first;
  return retryRaces(100, async () => {
    current ??= await Endpoint.find(endpointId, true);
    const ep = current;
    current = undefined;
    if (!ep || ep.endpointServiceId !== serviceId || ep.serviceOwnerUin !== providerUin) {
      throw new NotFoundError("endpoint", `${endpointId} on ${serviceId}`);
    }
    return transition({ endpoint: ep, to: TARGET[action], actor: providerUin, reason, providerUin });
  });
}

/** The provider's list of its service's connections, newest first, optionally in one state. */
export async function list(
  providerUin: string,
  serviceId: string,
  state: ConnectionState | undefined,
  page: PageParams,
): Promise<Page<Info>> {
  await EndpointService.load(providerUin, serviceId);
  const result = await queryPage({
    index: "gsi3",
    partition: Keys.connectionsPartition(serviceId),
    page,
    filter: state
      ? {
          FilterExpression: "#state = :state",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":state": state },
        }
      : undefined,
  });
  return {
    items: result.items.map((i) => toInfo(i as unknown as Endpoint.Stored)),
    nextCursor: result.nextCursor,
  };
}

/** The provider's view of one connection's history. */
export async function history(
  providerUin: string,
  serviceId: string,
  endpointId: string,
): Promise<Endpoint.HistoryEntry[]> {
  const { endpoint, history } = await Endpoint.withHistory(endpointId);
  if (!endpoint || endpoint.endpointServiceId !== serviceId || endpoint.serviceOwnerUin !== providerUin) {
    throw new NotFoundError("endpoint", `${endpointId} on ${serviceId}`);
  }
  return history;
}

/** Every endpoint of a service, page by page (index reads; each is re-read before it is changed). */
export async function* endpointsOf(
  serviceId: string,
  filter?: { ownerUin?: string },
): AsyncGenerator<Endpoint.Stored> {
  const items = queryAll({
    IndexName: "gsi3",
    KeyConditionExpression: "gsi3pk = :pk",
    FilterExpression: filter?.ownerUin ? "ownerUin = :owner" : undefined,
    ExpressionAttributeValues: {
      ":pk": Keys.connectionsPartition(serviceId),
      ...(filter?.ownerUin ? { ":owner": filter.ownerUin } : {}),
    },
  });
  for await (const item of items) yield item as unknown as Endpoint.Stored;
}

/**
 * The stream's half of auto-accept: an endpoint created `accepting` becomes `available`. Conditional
 * on the version it was created with, so a replayed record, or one the provider got to first, changes
 * nothing. Answers whether it made the transition.
 */
export async function autoAccept(created: Endpoint.Stored): Promise<boolean> {
  if (created.state !== "accepting" || created.stateVersion !== 1) return false;
  const auto = { endpoint: created, actor: "system:auto-accept" };
  try {
    await transition({
      ...auto,
      to: "available",
      reason: "auto-accept",
      // A cross-account endpoint is accepted only while its account is still allowlisted: a removal
      // (with rejectConnections or not) that ran before this must win, even if its rejection pass
      // missed the endpoint on the eventually consistent index.
      allowlistEntryCreatedAt: created.allowlistEntryCreatedAt,
    });
    return true;
  } catch (error) {
    if (error instanceof NotAllowlistedError) {
      await transition({
        ...auto,
        to: "rejected",
        reason: "removed from the allowlist before auto-accept",
      }).catch(ignoreMoved);
      return false;
    }
    return ignoreMoved(error);
  }
}

/** Moved on already (replay, provider, deletion), or the service is going away: nothing to do. */
function ignoreMoved(error: unknown): false {
  if (error instanceof RaceLostError || (isLinkplaneError(error) && error.code === "ResourceUnavailable"))
    return false;
  throw error;
}
