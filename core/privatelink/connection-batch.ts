import { RaceLostError } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { batchGet } from "../db/page.ts";
import { transactWrite } from "../db/transact.ts";
import { isLinkplaneError, type LinkplaneError, NotFoundError } from "../errors.ts";
import { nowIso } from "../util/time.ts";
import { LIVE_STATES } from "./common.ts";
import * as Connection from "./connection.ts";
import * as Endpoint from "./endpoint.ts";
import type * as EndpointService from "./service.ts";

/*
 * Many transitions of one service's connections at once: a provider's batch accept or reject, and the
 * rejections of an allowlist removal or a service deletion with `rejectConnections`. They are written as
 * transactions of up to 100 items (DynamoDB's limit): each connection's conditional state move and its
 * history entry, and the service's live count moved once per transaction by the chunk's sum, not once
 * per connection. A chunk cancelled by one of its items (it moved meanwhile, the service went away) is
 * redone item by item, each re-read and decided again as a single transition would be, so the answer
 * stays per item and one item never fails the others.
 * Imported as `import * as ConnectionBatch`: a bundle keeps only the functions its route calls.
 */

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_ITEMS = 100;
/** Per-item transitions in flight while a cancelled chunk is redone. */
const FALLBACK_CONCURRENCY = 10;

type Outcome = { ok: true; state: Endpoint.Stored["state"] } | { ok: false; error: LinkplaneError };

interface Job {
  providerUin: string;
  serviceId: string;
  action: Connection.Action;
  reason: string;
  /** The service as read before the batch: connections are made live only while it is active. */
  serviceActive: boolean;
}

interface Chunk {
  planned: Connection.Planned[];
  delta: number;
  size: number;
}

/** One item of a chunk lost its condition or a concurrent transaction: redo the chunk item by item. */
class ChunkCancelled extends RaceLostError {}

/** A domain error becomes the item's answer; anything else (a bug, an unknown SDK error) is thrown. */
function failure(error: unknown): Outcome {
  if (!isLinkplaneError(error) || error.kind === "internal") throw error;
  return { ok: false, error };
}

async function write(chunk: Chunk, serviceId: string): Promise<void> {
  const items = chunk.planned.flatMap((p) => p.items);
  if (chunk.delta !== 0) items.push(Connection.counterItem(serviceId, chunk.delta));
  await transactWrite(items, {
    onCancelled: (reasons) =>
      reasons.some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict")
        ? new ChunkCancelled()
        : undefined,
  });
}

/** A cancelled chunk's transitions, each on its own with a fresh read when it loses a race. */
async function perItem(job: Job, endpoints: Endpoint.Stored[], out: Map<string, Outcome>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length) {
      const ep = endpoints[next++] as Endpoint.Stored;
      try {
        const now = await Connection.decideOne(
          job.providerUin,
          job.serviceId,
          ep,
          ep.id,
          job.action,
          job.reason,
        );
        out.set(ep.id, { ok: true, state: now.state });
      } catch (error) {
        out.set(ep.id, failure(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FALLBACK_CONCURRENCY, endpoints.length) }, worker));
}

/**
 * Moves each endpoint (distinct, read consistently, of this service and provider) to the action's
 * target. Chunks are written one after another: they share the service's counter item.
 */
async function apply(job: Job, endpoints: Endpoint.Stored[]): Promise<Map<string, Outcome>> {
  const to = Connection.TARGET[job.action];
  const out = new Map<string, Outcome>();
  const chunks: Chunk[] = [];
  let chunk: Chunk = { planned: [], delta: 0, size: 0 };
  const at = nowIso();
  for (const ep of endpoints) {
    if (ep.state === to) {
      out.set(ep.id, { ok: true, state: to });
      continue;
    }
    let planned: Connection.Planned;
    try {
      if (LIVE_STATES.has(to) && !job.serviceActive) throw Connection.unavailable(job.serviceId);
      planned = Connection.plan(
        { endpoint: ep, to, actor: job.providerUin, reason: job.reason, providerUin: job.providerUin },
        at,
      );
    } catch (error) {
      out.set(ep.id, failure(error));
      continue;
    }
    // One item of every chunk is kept for the counter.
    if (chunk.size + planned.items.length + 1 > MAX_ITEMS) {
      chunks.push(chunk);
      chunk = { planned: [], delta: 0, size: 0 };
    }
    chunk.planned.push(planned);
    chunk.delta += planned.delta;
    chunk.size += planned.items.length;
  }
  if (chunk.planned.length > 0) chunks.push(chunk);
  for (const c of chunks) {
    try {
      await write(c, job.serviceId);
      for (const p of c.planned) out.set(p.next.id, { ok: true, state: p.next.state });
    } catch (error) {
      const endpoints = c.planned.map((p) => p.before);
      if (error instanceof ChunkCancelled) await perItem(job, endpoints, out);
      else for (const ep of endpoints) out.set(ep.id, failure(error));
    }
  }
  return out;
}

function notFound(endpointId: string, serviceId: string): NotFoundError {
  return new NotFoundError("endpoint", `${endpointId} on ${serviceId}`);
}

/** Endpoints by ID (and the service too, when asked), read consistently. */
async function read(
  ids: string[],
  serviceId?: string,
): Promise<{ service?: EndpointService.Stored; loaded: Map<string, Endpoint.Stored> }> {
  const keys = ids.map((id) => Keys.endpoint(id));
  if (serviceId !== undefined) keys.unshift(Keys.service(serviceId));
  const items = await batchGet(keys, { consistent: true });
  const service = items.find((i) => i.type === "EndpointService") as EndpointService.Stored | undefined;
  const loaded = new Map(
    items.filter((i) => i.type === "Endpoint").map((i) => [String(i.id), i as unknown as Endpoint.Stored]),
  );
  return { service, loaded };
}

/**
 * Accepts or rejects many connections of one service (at most 500 IDs): one BatchGetItem per 100 keys
 * reads the service and them, then the transitions go in chunks. Answers per item, in the order given; an ID given
 * twice is moved once and answered twice. With `allOrNothing` (the Tencent surface, whose clients read
 * an error as "nothing happened"), an ID that is not a connection of this service is ResourceNotFound
 * before anything changes.
 */
export async function decide(
  providerUin: string,
  serviceId: string,
  action: Connection.Action,
  input: unknown,
  options: { allOrNothing?: boolean } = {},
): Promise<Connection.Result[]> {
  const parsed = Connection.BatchInput.parse(input);
  const ids = parsed.endpointIds;
  const wellFormed = [...new Set(ids.filter((id) => Endpoint.Id.safeParse(id).success))];
  // The service (its owner and status) is read with the first 99 connections: one round trip, not two.
  const { service, loaded } = await read(wellFormed, serviceId);
  if (!service || service.ownerUin !== providerUin) throw new NotFoundError("endpoint service", serviceId);
  const ours = (ep: Endpoint.Stored | undefined): ep is Endpoint.Stored =>
    ep !== undefined && ep.endpointServiceId === serviceId && ep.serviceOwnerUin === providerUin;
  if (options.allOrNothing) {
    // Every ID is checked before any changes: a client that reads an error as "nothing happened" is right.
    const unknown = ids.find((id) => !ours(loaded.get(id)));
    if (unknown !== undefined) throw notFound(unknown, serviceId);
  }
  const reason =
    parsed.reason ?? (action === "accept" ? "accepted by the provider" : "rejected by the provider");
  const outcomes = await apply(
    { providerUin, serviceId, action, reason, serviceActive: service.status === "active" },
    wellFormed.map((id) => loaded.get(id)).filter(ours),
  );
  return ids.map((id): Connection.Result => {
    if (!Endpoint.Id.safeParse(id).success) {
      return {
        endpointId: id,
        ok: false,
        error: { code: "InvalidParameterValue.Malformed", message: `${id} is not an endpoint ID` },
      };
    }
    const outcome = outcomes.get(id) ?? { ok: false, error: notFound(id, serviceId) };
    if (outcome.ok) return { endpointId: id, ok: true, state: outcome.state };
    return {
      endpointId: id,
      ok: false,
      error: { code: outcome.error.code, message: outcome.error.message },
    };
  });
}

/**
 * Rejects every live connection of a service (or of one consumer account on it), a listed page at a
 * time. The index may be behind (an acceptance just made), so each page is read again, consistently,
 * and decided on what that read says. Answers how many connections it moved to rejected; an item that
 * could not be rejected (other than one deleted meanwhile) is thrown, so the caller does not go on as
 * if it were.
 */
export async function rejectLive(
  providerUin: string,
  serviceId: string,
  reason: string,
  ownerUin?: string,
): Promise<number> {
  const job: Job = { providerUin, serviceId, action: "reject", reason, serviceActive: true };
  let rejected = 0;
  let page: string[] = [];
  const flush = async () => {
    const fresh = [...(await read(page)).loaded.values()].filter(
      (ep) => ep.endpointServiceId === serviceId && ep.serviceOwnerUin === providerUin,
    );
    page = [];
    const outcomes = await apply(job, fresh);
    for (const ep of fresh) {
      const outcome = outcomes.get(ep.id);
      if (outcome?.ok === false && !(outcome.error instanceof NotFoundError)) throw outcome.error;
      if (outcome?.ok && ep.state !== "rejected") rejected++;
    }
  };
  for await (const listed of Connection.endpointsOf(serviceId, { ownerUin })) {
    page.push(listed.id);
    if (page.length === MAX_ITEMS) await flush();
  }
  if (page.length > 0) await flush();
  return rejected;
}
