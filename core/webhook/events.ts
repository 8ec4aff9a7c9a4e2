import { MetricExport } from "../metrics/exports.ts";
import * as Connection from "../privatelink/connection.ts";
import * as Endpoint from "../privatelink/endpoint.ts";
import * as EndpointService from "../privatelink/service.ts";
import type { Change } from "../stream/change.ts";
import * as WebhookModel from "./model.ts";

/*
 * Which webhook events a table change makes, and for whom. Each event is addressed to one account and
 * carries only what that account can read through the API: a connection's consumer gets its endpoint
 * (never the provider's VPC, backend or other consumers), its provider gets the connection as the
 * connections listing shows it. IDs are derived from the change (resource and version), so the same
 * change seen twice makes the same events.
 * Imported as `import * as WebhookEvents`: a bundle keeps only the functions its route calls.
 */

export interface Addressed {
  accountUin: string;
  /** The service the event is about, for subscriptions that filter by service. */
  serviceId?: string;
  /** Every subscription of the account but this one (a disabled subscription's own notice). */
  exceptSubscriptionId?: string;
  id: string;
  event: WebhookModel.Event;
}

/** The entity types whose changes make events (the stream consumer registers for these). */
export const ENTITIES = ["Endpoint", "EndpointService", "AllowlistEntry", "MetricExportRun"] as const;

type Image = Record<string, unknown>;

export async function fromChange(change: Change): Promise<Addressed[]> {
  switch (change.entity) {
    case "Endpoint":
      return connectionEvents(change);
    case "EndpointService":
      return serviceEvents(change);
    case "AllowlistEntry":
      return allowlistEvents(change);
    case "MetricExportRun":
      return exportEvents(change);
    default:
      return [];
  }
}

const TRANSITION_EVENT: Record<string, WebhookModel.EventType | undefined> = {
  available: "connection.accepted",
  rejected: "connection.rejected",
  failed: "connection.failed",
};

interface Transition {
  previousState: string | null;
  state: string;
  version: number;
  actor: string;
  reason: string;
}

function connectionEvents(change: Change): Addressed[] {
  const now = change.newImage as Endpoint.Stored | undefined;
  const old = change.oldImage as Endpoint.Stored | undefined;
  if (change.kind === "insert" && now) {
    return forBothSides("connection.requested", now, new Date(now.createdAt), {
      previousState: null,
      state: now.state,
      version: now.stateVersion,
      actor: now.lastActor ?? now.ownerUin,
      reason: now.lastReason ?? "requested",
    });
  }
  if (change.kind === "remove" && old) {
    return forBothSides("connection.deleted", old, change.at, {
      previousState: old.state,
      state: "deleted",
      version: old.stateVersion + 1,
      actor: old.ownerUin,
      reason: "endpoint deleted",
    });
  }
  if (change.kind !== "modify" || !now || !old) return [];
  const events: Addressed[] = [];
  if (now.stateVersion !== old.stateVersion) {
    const type = TRANSITION_EVENT[now.state];
    if (type) {
      events.push(
        ...forBothSides(type, now, new Date(now.stateChangedAt), {
          previousState: old.state,
          state: now.state,
          version: now.stateVersion,
          actor: now.lastActor,
          reason: now.lastReason,
        }),
      );
    }
  }
  if (now.serviceDeleted && !old.serviceDeleted) {
    events.push(
      ...forBothSides(
        "connection.deleted",
        now,
        change.at,
        {
          previousState: now.state,
          state: now.state,
          version: now.stateVersion,
          actor: "system:service-deleted",
          reason: "endpoint service deleted",
        },
        "service-deleted",
      ),
    );
  }
  return events;
}

/**
 * One event to the consumer (its endpoint) and one to the provider (the connection), or one when the
 * provider connects to its own service (the endpoint view shows that account everything).
 */
function forBothSides(
  type: WebhookModel.EventType,
  ep: Endpoint.Stored,
  at: Date,
  t: Transition,
  versionTag = "",
): Addressed[] {
  const version = versionTag || t.version;
  const id = WebhookModel.eventId(at, type, ep.id, version);
  const timestamp = at.toISOString();
  const consumer: Addressed = {
    accountUin: ep.ownerUin,
    serviceId: ep.endpointServiceId,
    id,
    event: { type, timestamp, data: { ...Endpoint.toInfo(ep), ...t } },
  };
  if (ep.serviceOwnerUin === ep.ownerUin) return [consumer];
  const provider: Addressed = {
    accountUin: ep.serviceOwnerUin,
    serviceId: ep.endpointServiceId,
    id,
    event: {
      type,
      timestamp,
      data: { endpointServiceId: ep.endpointServiceId, ...Connection.toInfo(ep), ...t },
    },
  };
  return [consumer, provider];
}

const WATCHED_SERVICE_FIELDS = ["name", "backendInstanceId", "autoAccept", "tags"] as const;

function serviceEvents(change: Change): Addressed[] {
  const now = change.newImage as EndpointService.Stored | undefined;
  const old = change.oldImage as EndpointService.Stored | undefined;
  if (change.kind === "remove" && old) {
    const id = WebhookModel.eventId(change.at, "endpoint-service.deleted", old.id, "deleted");
    return [
      {
        accountUin: old.ownerUin,
        serviceId: old.id,
        id,
        event: {
          type: "endpoint-service.deleted",
          timestamp: change.at.toISOString(),
          data: { ...EndpointService.toInfo(old), endpointCount: 0 },
        },
      },
    ];
  }
  if (change.kind !== "modify" || !now || !old) return [];
  const changed = WATCHED_SERVICE_FIELDS.filter(
    (f) => JSON.stringify(canonical(now[f])) !== JSON.stringify(canonical(old[f])),
  );
  if (changed.length === 0) return [];
  const revision = Number((now as { revision?: number }).revision ?? 0);
  const at = new Date(String((now as { updatedAt?: string }).updatedAt ?? change.at.toISOString()));
  const previousInfo = EndpointService.toInfo(old) as Record<string, unknown>;
  const previous = Object.fromEntries(changed.map((f) => [f, previousInfo[f === "tags" ? "tags" : f]]));
  return [
    {
      accountUin: now.ownerUin,
      serviceId: now.id,
      id: WebhookModel.eventId(at, "endpoint-service.updated", now.id, revision || change.sequence),
      event: {
        type: "endpoint-service.updated",
        timestamp: at.toISOString(),
        data: { ...EndpointService.toInfo(now), changed, previous },
      },
    },
  ];
}

/** Maps compare equal whatever order their keys were written in. */
function canonical(value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Image).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  return value;
}

interface StoredEntry {
  serviceId: string;
  providerUin?: string;
  uin: string;
  description?: string;
  connectionLimit?: number;
  connectionCount?: number;
  createdAt: string;
}

async function allowlistEvents(change: Change): Promise<Addressed[]> {
  const added = change.kind === "insert";
  const entry = (added ? change.newImage : change.kind === "remove" ? change.oldImage : undefined) as
    | StoredEntry
    | undefined;
  if (!entry) return [];
  const type: WebhookModel.EventType = added ? "allowlist.added" : "allowlist.removed";
  const at = added ? new Date(entry.createdAt) : change.at;
  // The entry's creation time tells one grant from a later one for the same account.
  const id = WebhookModel.eventId(at, type, `${entry.serviceId}/${entry.uin}`, entry.createdAt);
  const service = await EndpointService.find(entry.serviceId);
  const timestamp = at.toISOString();
  const events: Addressed[] = [];
  // The service may be gone already (its deletion removes its entries); the entry names its provider.
  const providerUin = entry.providerUin ?? service?.ownerUin;
  if (providerUin) {
    events.push({
      accountUin: providerUin,
      serviceId: entry.serviceId,
      id,
      event: {
        type,
        timestamp,
        data: {
          endpointServiceId: entry.serviceId,
          uin: entry.uin,
          description: entry.description ?? "",
          connectionLimit: entry.connectionLimit ?? null,
          createdAt: entry.createdAt,
        },
      },
    });
  }
  // The consumer learns which service it may (no longer) connect to, as its authorized listing shows it.
  events.push({
    accountUin: entry.uin,
    serviceId: entry.serviceId,
    id,
    event: {
      type,
      timestamp,
      data: {
        endpointServiceId: entry.serviceId,
        uin: entry.uin,
        ...(service ? { endpointService: EndpointService.toPublic(service) } : {}),
      },
    },
  });
  return events;
}

function exportEvents(change: Change): Addressed[] {
  const now = change.newImage;
  if (change.kind === "remove" || !now) return [];
  const status = now.status;
  if (status !== "succeeded" && status !== "failed") return [];
  if (change.oldImage?.status === status && change.oldImage?.attempts === now.attempts) return [];
  const ownerUin = now.ownerUin;
  if (typeof ownerUin !== "string") return [];
  const type: WebhookModel.EventType =
    status === "succeeded" ? "metric-export.succeeded" : "metric-export.failed";
  const run = MetricExport.toRun(now);
  const at = new Date(run.finishedAt);
  return [
    {
      accountUin: ownerUin,
      id: WebhookModel.eventId(at, type, `${now.exportId}/${now.periodStart}`, String(now.attempts ?? 1)),
      event: {
        type,
        timestamp: at.toISOString(),
        data: { exportId: now.exportId, exportName: now.exportName ?? null, ...run },
      },
    },
  ];
}
