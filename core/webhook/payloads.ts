import * as z from "zod";
import { MetricExport } from "../metrics/exports.ts";
import * as Allowlist from "../privatelink/allowlist.ts";
import * as Connection from "../privatelink/connection.ts";
import * as Endpoint from "../privatelink/endpoint.ts";
import * as EndpointService from "../privatelink/service.ts";
import type * as WebhookModel from "./model.ts";
import * as WebhookSubscription from "./subscription.ts";

/*
 * The `data` of every event type, one zod schema each, built from the schemas the REST API answers with.
 * /openapi.json's `webhooks` section is generated from these, and the tests check every delivered event
 * against them, so the document cannot drift from what is sent.
 * Imported as `import * as WebhookPayloads`: a bundle keeps only the functions its route calls.
 */

const Transition = z.object({
  previousState: z.string().nullable().describe("The state before; null for a new request"),
  state: z.string().describe("The state after; `deleted` when the endpoint is gone"),
  version: z.number().int().describe("The history entry's number (GET .../history)"),
  actor: z.string().describe("A UIN, or system:auto-accept / system:service-deleted"),
  reason: z.string(),
});

/** What the endpoint's owner gets: its endpoint, as GET /v1/endpoints/{id} shows it. */
export const ConnectionForConsumer = Endpoint.Info.extend(Transition.shape);
/** What the service's owner gets: the connection, as its connections listing shows it. */
export const ConnectionForProvider = Connection.Info.extend({ endpointServiceId: z.string() }).extend(
  Transition.shape,
);
const ConnectionEvent = z.union([ConnectionForConsumer, ConnectionForProvider]);

export const ServiceUpdated = EndpointService.Info.extend({
  changed: z.array(z.enum(["name", "backendInstanceId", "autoAccept", "tags"])),
  previous: z.record(z.string(), z.unknown()).describe("The changed fields' values before"),
});

export const AllowlistForProvider = z.object({
  endpointServiceId: z.string(),
  uin: z.string(),
  description: Allowlist.Info.shape.description,
  connectionLimit: z.number().int().nullable(),
  createdAt: z.string(),
});
export const AllowlistForConsumer = z.object({
  endpointServiceId: z.string(),
  uin: z.string(),
  endpointService: EndpointService.PublicInfo.optional().describe("Absent when the service is gone"),
});
const AllowlistEvent = z.union([AllowlistForProvider, AllowlistForConsumer]);

export const ExportRun = MetricExport.Run.extend({
  exportId: z.string(),
  exportName: z.string().nullable(),
});
export const Test = z.object({ webhookId: z.string(), message: z.string() });

export const DATA: Record<WebhookModel.EventType, z.ZodType> = {
  "connection.requested": ConnectionEvent,
  "connection.accepted": ConnectionEvent,
  "connection.rejected": ConnectionEvent,
  "connection.failed": ConnectionEvent,
  "connection.deleted": ConnectionEvent,
  "endpoint-service.updated": ServiceUpdated,
  "endpoint-service.deleted": EndpointService.Info,
  "allowlist.added": AllowlistEvent,
  "allowlist.removed": AllowlistEvent,
  "metric-export.succeeded": ExportRun,
  "metric-export.failed": ExportRun,
  "webhook.disabled": WebhookSubscription.Info,
  "webhook.test": Test,
};

export const DESCRIPTION: Record<WebhookModel.EventType, string> = {
  "connection.requested": "An endpoint asked to connect (to its owner and to the service's owner)",
  "connection.accepted": "A connection became available: by the provider, or by auto-accept",
  "connection.rejected":
    "A connection was rejected: by the provider, an allowlist removal or a service deletion",
  "connection.failed": "An acceptance could not complete",
  "connection.deleted": "The endpoint was deleted, or its service is gone (serviceDeleted: true)",
  "endpoint-service.updated": "The service's name, backend, auto-accept or tags changed (its owner only)",
  "endpoint-service.deleted": "The service was deleted (its owner only)",
  "allowlist.added": "An account was allowed to connect (to the provider and to that account)",
  "allowlist.removed": "An account was removed from the allowlist (to the provider and to that account)",
  "metric-export.succeeded": "A scheduled metric export wrote its file",
  "metric-export.failed": "A scheduled metric export run failed (the next tick retries it)",
  "webhook.disabled": "Another subscription of the account was disabled after 5 days of failed attempts",
  "webhook.test": "Sent by POST /v1/webhooks/{id}/test",
};

export function envelope(type: WebhookModel.EventType) {
  return z.object({ type: z.literal(type), timestamp: z.string(), data: DATA[type] });
}

const endpoint = {
  id: "vpce-7k2m9x4q",
  name: "orders-db",
  region: "ap-guangzhou",
  vpcId: "vpc-c0nsumer",
  subnetId: "subnet-c0nsumer",
  ip: "10.1.1.23",
  endpointServiceId: "vpcsvc-p4r8z1kd",
  serviceName: "orders",
  serviceOwnerUin: "100000000001",
  state: "available",
  ownerUin: "100000000002",
  securityGroupIds: [],
  createdAt: "2026-11-30T08:00:00.000Z",
  tags: [],
  serviceDeleted: false,
};
const service = {
  id: "vpcsvc-p4r8z1kd",
  name: "orders",
  region: "ap-guangzhou",
  vpcId: "vpc-pr0vider",
  serviceType: "CDB",
  backendInstanceId: "cdb-8f3k2l1m",
  serviceVip: "10.0.1.10",
  autoAccept: false,
  ownerUin: "100000000001",
  endpointCount: 1,
  createdAt: "2026-11-29T08:00:00.000Z",
  tags: [],
};
const accepted = {
  previousState: "pending",
  state: "available",
  version: 2,
  actor: "100000000001",
  reason: "accepted by the provider",
};
const run = {
  exportId: "mexp-3j5k7l9m",
  exportName: "hourly-usage",
  runId: "run-1764489600",
  periodFrom: "2026-11-30T08:00:00.000Z",
  periodTo: "2026-11-30T09:00:00.000Z",
  rows: 42,
  bytes: 3120,
  sha256: "9f2c…",
  objectKey: "metric-exports/100000000002/mexp-3j5k7l9m/2026-11-30T08-00-00-000Z.csv",
  error: null,
  attempts: 1,
  finishedAt: "2026-11-30T09:15:02.118Z",
};

/** One example body per type (the consumer's view where there are two). */
export const EXAMPLE: Record<WebhookModel.EventType, Record<string, unknown>> = {
  "connection.requested": {
    ...endpoint,
    state: "pending",
    previousState: null,
    version: 1,
    actor: "100000000002",
    reason: "requested",
  },
  "connection.accepted": { ...endpoint, ...accepted },
  "connection.rejected": {
    ...endpoint,
    state: "rejected",
    previousState: "available",
    version: 3,
    actor: "100000000001",
    reason: "maintenance",
  },
  "connection.failed": {
    ...endpoint,
    state: "failed",
    previousState: "accepting",
    version: 2,
    actor: "system:auto-accept",
    reason: "acceptance failed",
  },
  "connection.deleted": {
    ...endpoint,
    state: "deleted",
    previousState: "available",
    version: 3,
    actor: "100000000002",
    reason: "endpoint deleted",
  },
  "endpoint-service.updated": {
    ...service,
    name: "orders-v2",
    changed: ["name"],
    previous: { name: "orders" },
  },
  "endpoint-service.deleted": { ...service, endpointCount: 0 },
  "allowlist.added": {
    endpointServiceId: service.id,
    uin: "100000000002",
    description: "orders team",
    connectionLimit: null,
    createdAt: "2026-11-30T07:59:00.000Z",
  },
  "allowlist.removed": {
    endpointServiceId: service.id,
    uin: "100000000002",
    endpointService: {
      id: service.id,
      name: "orders",
      region: "ap-guangzhou",
      serviceType: "CDB",
      ownerUin: "100000000001",
      autoAccept: false,
      createdAt: service.createdAt,
    },
  },
  "metric-export.succeeded": { ...run, status: "succeeded" },
  "metric-export.failed": {
    ...run,
    status: "failed",
    rows: null,
    bytes: null,
    sha256: null,
    objectKey: null,
    error: "storage is unavailable",
  },
  "webhook.disabled": {
    id: "whk-2b4d6f8h",
    url: "https://hooks.example.com/linkplane",
    events: ["*"],
    description: "",
    serviceIds: null,
    enabled: false,
    disabledReason: "every delivery attempt failed since 2026-11-25T09:00:00.000Z",
    previousSecretExpiresAt: null,
    createdAt: "2026-11-01T00:00:00.000Z",
    updatedAt: "2026-11-30T09:00:05.000Z",
  },
  "webhook.test": { webhookId: "whk-2b4d6f8h", message: "a test event from Linkplane" },
};
