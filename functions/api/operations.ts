/**
 * Every operation of the OpenAPI document, by `METHOD path`: its operationId (what code generators name
 * methods after, so it never changes once published), a description of what the summary leaves out
 * (rules, side effects, what the stream does afterwards), and the error codes particular to it. The
 * errors every operation of its shape can answer (bad input, authentication, a missing resource, the
 * body limits, throttling) are added by `errorResponsesFor` in openapi.ts, from the catalogue in
 * core/errors.ts. test/unit/openapi.test.ts fails when a route has no entry here or an entry no route.
 */
export interface Operation {
  id: string;
  description: string;
  /** Codes this operation answers beyond those of its shape (see `errorResponsesFor`). */
  errors?: string[];
}

const PAGE = "Pages with `limit` (1–100, default 20) and the previous answer's `nextCursor`.";
const CONNECTION_MOVES =
  "Moves follow the state machine in docs/privatelink.md; a move that is already done succeeds and changes nothing. Each real move writes a history entry in the same transaction and sends a webhook (connection.accepted / connection.rejected) through the stream.";

/** The five operations of an inventory resource (functions/api/inventory/crud.ts). */
function inventory(
  path: string,
  singular: string,
  plural: string,
  label: string,
  notes: { create: string; remove: string; createErrors?: string[] },
): Record<string, Operation> {
  const item = `${path}/{id}`;
  return {
    [`POST ${path}`]: {
      id: `create${singular}`,
      description: `Creates a ${label} owned by the caller. ${notes.create}`,
      errors: ["LimitExceeded", ...(notes.createErrors ?? [])],
    },
    [`GET ${path}`]: {
      id: `list${plural}`,
      description: `The caller's ${label}s, newest first, in one region or all. ${PAGE}`,
    },
    [`GET ${item}`]: {
      id: `get${singular}`,
      description: `One of the caller's ${label}s. Another account's ${label} is ResourceNotFound, as a missing one is.`,
    },
    [`PATCH ${item}`]: {
      id: `update${singular}`,
      description: `Changes the ${label}'s name (and description where it has one). Its ID, region and addresses never change.`,
    },
    [`DELETE ${item}`]: {
      id: `delete${singular}`,
      description: `Deletes the ${label}. ${notes.remove} Deleting is refused with ResourceInUse, not cascaded.`,
      errors: ["ResourceInUse"],
    },
  };
}

/** Where a file comes from the export bucket rather than through the function (functions/api/download.ts). */
const LINK =
  "With `download=link`, `200` with that URL as JSON (`DownloadLink`, header `Linkplane-Download: link`) instead, for pages that cannot follow a redirect to another origin.";
const LARGE_EXPORT = `In AWS an export larger than a Lambda response (6 MB) is written to the export bucket and answered \`303\` to a presigned URL of it, valid 15 minutes. ${LINK}`;

const METRIC_VIEW =
  "`period` is realtime (the last 60 minutes at 1m), 24h or 7d (1h points) or custom (`from`, `to`, `granularity` 1m, 1h or 1d); `stat` is avg, sum, max or min over each point. Hours and days not rolled up yet are folded from the minutes, so the series is complete up to now; a point without data is null. At most 1,500 points; 1m data is kept 7 days.";

function metricViews(base: string, kind: "Endpoint" | "EndpointService"): Record<string, Operation> {
  const whose =
    kind === "Endpoint"
      ? "The endpoint's owner sees it; so does the provider of the service it is connected to while it is connected."
      : "The service's series are the sums over its endpoints, with ConnectedEndpoints. Only the service's owner sees them.";
  return {
    [`GET ${base}`]: {
      id: `get${kind}Metrics`,
      description: `${METRIC_VIEW} ${whose}`,
    },
    [`GET ${base}/compare`]: {
      id: `compare${kind}Metrics`,
      description: `The view's window and the one of the same length starting at \`compareFrom\`, point by point, with the difference and the percentage, and totals over each window by the same stat. ${whose}`,
    },
    [`GET ${base}/export`]: {
      id: `export${kind}Metrics`,
      description: `The same view as rows (metric, stat, unit, time, t, value): CSV as UTF-8 with a BOM, or JSON. ${whose} ${LARGE_EXPORT}`,
    },
  };
}

export const OPERATIONS: Record<string, Operation> = {
  "GET /health": {
    id: "getHealth",
    description:
      "Needs no credentials. Reads the table once: 200 with the last heartbeat (written every minute by the heartbeat job and seen through the stream, with the lag between the two), or 503 when the table does not answer within the DynamoDB timeouts.",
  },

  // ---- Operator -----------------------------------------------------------------------------------
  "POST /v1/operator/accounts": {
    id: "createAccount",
    description:
      "Creates an account: the UIN is the one given or a new 12-digit one, the AppId is assigned; a UIN taken already is ResourceInUse. Accounts own everything else; an account has no credential until one is created.",
    errors: ["ResourceInUse"],
  },
  "GET /v1/operator/accounts": {
    id: "listAccounts",
    description: `Every account, newest first. ${PAGE}`,
  },
  "GET /v1/operator/accounts/{uin}": {
    id: "getAccount",
    description: "One account by UIN, with its AppId and creation time.",
  },
  "POST /v1/operator/accounts/{uin}/credentials": {
    id: "createCredential",
    description:
      "Creates a SecretId/SecretKey pair for the account. The SecretKey is stored encrypted (AES-256-GCM) and answered only here: keep it. An account holds a limited number of credentials (LimitExceeded beyond).",
    errors: ["LimitExceeded"],
  },
  "GET /v1/operator/accounts/{uin}/credentials": {
    id: "listCredentials",
    description: "The account's credentials with their status and creation time; never a SecretKey.",
  },
  "PATCH /v1/operator/accounts/{uin}/credentials/{secretId}": {
    id: "updateCredential",
    description:
      "Sets `status` to enabled or disabled. A disabled credential is refused at once by the process that changed it and within LINKPLANE_AUTH_CACHE_SECONDS (5 s by default) by the others.",
  },
  "DELETE /v1/operator/accounts/{uin}/credentials/{secretId}": {
    id: "deleteCredential",
    description:
      "Deletes the credential for good; requests signed with it fail as a disabled one's do. The account and its resources stay.",
  },
  "GET /v1/operator/jobs": {
    id: "listJobs",
    description:
      "Every scheduled job with its EventBridge schedule and the outcome of its last run, whoever fired it (`trigger`: schedule, manual or demo), with the job's summary or error.",
  },
  "POST /v1/operator/jobs/{name}/run": {
    id: "runJob",
    description:
      "Runs the job in this request, as its schedule would, and answers when it has finished. The run is recorded like a scheduled one (trigger manual); a failed run answers 200 with status failed and its error.",
  },

  // ---- Inventory ----------------------------------------------------------------------------------
  ...inventory("/v1/vpcs", "Vpc", "Vpcs", "VPC", {
    create:
      "`cidrBlock` must be a private block (10/8, 172.16/12, 192.168/16) between /16 and /28; blocks of different VPCs may overlap.",
    remove: "A VPC with subnets, backend instances or endpoint services in it cannot be deleted.",
  }),
  ...inventory("/v1/subnets", "Subnet", "Subnets", "subnet", {
    create:
      "The block must lie inside the VPC's and overlap no other subnet of it (InvalidParameterValue.SubnetConflict); the check and the write are one transaction guarded by the VPC's version, so concurrent creations cannot overlap.",
    remove: "A subnet with endpoints in it cannot be deleted.",
    createErrors: ["InvalidParameterValue.SubnetConflict"],
  }),
  ...inventory("/v1/backend-instances", "BackendInstance", "BackendInstances", "backend instance", {
    create:
      "A load balancer (CLB), MySQL (CDB) or Redis (CRS) instance at a VIP and port inside one of the caller's VPCs; it is what an endpoint service publishes.",
    remove: "An instance behind an endpoint service cannot be deleted.",
  }),
  ...inventory("/v1/security-groups", "SecurityGroup", "SecurityGroups", "security group", {
    create: "A group is regional and can be bound to the caller's endpoints in that region.",
    remove: "A group bound to an endpoint cannot be deleted.",
  }),

  // ---- Endpoint services --------------------------------------------------------------------------
  "GET /v1/endpoint-services/export": {
    id: "exportEndpointServices",
    description: `The caller's services in a region, or with \`authorized=true\` the services it may connect to (their public fields), as CSV (RFC 4180, UTF-8 with BOM, CRLF), with the same filters and \`fields\` as the list, streamed 500 rows a query so any number of rows fits in little memory. Cells that a spreadsheet would run as a formula are prefixed with \`'\`. ${LARGE_EXPORT}`,
  },
  "POST /v1/endpoint-services": {
    id: "createEndpointService",
    description:
      "Publishes one of the caller's backend instances: it must be of the service's type, in the given VPC and not behind another service. With `autoAccept`, connections requested from then on are accepted by the stream consumer without the provider. Sends no webhook; counts against the account's service quota.",
    errors: [
      "UnsupportedOperation.InstanceMismatch",
      "UnsupportedOperation.VpcMismatch",
      "ResourceInUse",
      "LimitExceeded",
    ],
  },
  "GET /v1/endpoint-services": {
    id: "listEndpointServices",
    description: `The caller's services, filtered by \`q\` (ID or part of the name), \`vpcId\`, \`tag:<key>=<value>\`, with chosen \`fields\`. With \`authorized=true\`, also the services that allowlist the caller, showing only their public facts. A filtered page may hold fewer than \`limit\` items while \`nextCursor\` is set. ${PAGE}`,
  },
  "GET /v1/endpoint-services/{id}": {
    id: "getEndpointService",
    description:
      "One of the caller's services with its endpoint count. Another account's service is ResourceNotFound: consumers use verify or the authorized list.",
  },
  "PATCH /v1/endpoint-services/{id}": {
    id: "updateEndpointService",
    description:
      "Auto-accept applies to connections requested afterwards only. A rename reaches the endpoints' `serviceName` through the stream. A new backend must pass the creation checks and is swapped in one transaction. Sends endpoint-service.updated through the stream.",
    errors: ["UnsupportedOperation.InstanceMismatch", "UnsupportedOperation.VpcMismatch", "ResourceInUse"],
  },
  "DELETE /v1/endpoint-services/{id}": {
    id: "deleteEndpointService",
    description:
      "Refused with ResourceInUse while any connection is pending, accepting or available, unless `rejectConnections=true`: then the service is marked deleting (no new endpoints or acceptances), each live connection is rejected with its history entry, and the service is deleted. The stream then marks the endpoints left behind `serviceDeleted`, removes the allowlist and sends endpoint-service.deleted.",
    errors: ["ResourceInUse"],
  },
  "POST /v1/endpoint-services/{id}/verify": {
    id: "verifyEndpointService",
    description:
      "For a consumer before it creates an endpoint: `connectable: true` with the service's public facts, or `false` with the reason (ResourceUnavailable.ServiceWhiteListNotAdded, or ResourceUnavailable while the service is being deleted). An account not on the allowlist learns nothing else about the service. Changes nothing.",
  },

  // ---- Connections --------------------------------------------------------------------------------
  "GET /v1/endpoint-services/{id}/connections": {
    id: "listConnections",
    description: `The endpoints connected to one of the caller's services, with their owner, address and state (and the reference product's word for it), filtered by \`state\`. ${PAGE}`,
  },
  "POST /v1/endpoint-services/{id}/connections/accept": {
    id: "acceptConnections",
    description: `Accepts each listed endpoint on its own and answers one result per ID, in order: \`ok\` with the new state, or the error for that ID (ResourceNotFound, an illegal move, a service being deleted). ${CONNECTION_MOVES}`,
  },
  "POST /v1/endpoint-services/{id}/connections/reject": {
    id: "rejectConnections",
    description: `Rejects each listed endpoint on its own and answers one result per ID, in order. ${CONNECTION_MOVES}`,
  },
  "GET /v1/endpoint-services/{id}/connections/{endpointId}/history": {
    id: "getConnectionHistory",
    description:
      "Every state change of one connection to the caller's service: from, to, actor (a UIN, `system:auto-accept` or `system:service-deleted`), time and reason.",
  },

  // ---- Allowlist ----------------------------------------------------------------------------------
  "GET /v1/endpoint-services/{id}/allowlist": {
    id: "listAllowlist",
    description: `The accounts allowed to connect to the caller's service, with their description and connection limit; \`uin\` narrows it to one. ${PAGE}`,
  },
  "POST /v1/endpoint-services/{id}/allowlist": {
    id: "addAllowlistEntry",
    description:
      "Allows an existing account to create endpoints on the service, up to `connectionLimit` if given. The owner is always allowed and cannot be added; an account already on it is ResourceInUse. Sends allowlist.added to the provider's subscribers.",
    errors: ["UnsupportedOperation.UinNotFound", "ResourceInUse"],
  },
  "POST /v1/endpoint-services/{id}/allowlist/remove": {
    id: "removeAllowlistEntries",
    description:
      "Removes several accounts at once. Their existing connections stay unless `rejectConnections` is true, which rejects each live one with reason “removed from the allowlist”. An auto-acceptance still in flight for a removed account is rejected by the stream.",
  },
  "PATCH /v1/endpoint-services/{id}/allowlist/{uin}": {
    id: "updateAllowlistEntry",
    description:
      "A limit below the current count refuses new connections and leaves existing ones; `connectionLimit: null` lifts it.",
  },
  "DELETE /v1/endpoint-services/{id}/allowlist/{uin}": {
    id: "removeAllowlistEntry",
    description:
      "Removes one account, as the batch removal does. Adding it again later starts a new entry whose connection count starts at zero.",
  },

  // ---- Endpoints ----------------------------------------------------------------------------------
  "GET /v1/endpoints/export": {
    id: "exportEndpoints",
    description: `The caller's endpoints in a region as CSV (RFC 4180, UTF-8 with BOM, CRLF), with the list's filters and \`fields\`, streamed; the file is named endpoints-<region>-<date>.csv. Cells a spreadsheet would run as a formula are prefixed with \`'\`. ${LARGE_EXPORT}`,
  },
  "POST /v1/endpoints": {
    id: "createEndpoint",
    description:
      "Takes an address in the caller's subnet (the one asked for, or a free one at random) and requests a connection. Another account's service must allowlist the caller (403 otherwise, and nothing is written); the VPC and subnet must be the caller's and in the service's region. The endpoint starts pending, or accepting on an auto-accept service, which the stream consumer then accepts. A `clientToken` makes the request idempotent for 24 hours. Sends connection.requested.",
    errors: [
      "ResourceUnavailable.ServiceWhiteListNotAdded",
      "UnsupportedOperation.VpcMismatch",
      "InvalidParameterValue.Reserved",
      "ResourceInUse",
      "ResourceUnavailable",
      "IdempotentParameterMismatch",
      "LimitExceeded",
      "ResourceInsufficient.Subnet",
    ],
  },
  "GET /v1/endpoints": {
    id: "listEndpoints",
    description: `The caller's endpoints, filtered by \`q\`, \`vpcId\`, \`serviceId\`, \`state\` or tags, with chosen \`fields\`. A filtered page may hold fewer than \`limit\` items while \`nextCursor\` is set. ${PAGE}`,
  },
  "GET /v1/endpoints/{id}": {
    id: "getEndpoint",
    description:
      "One of the caller's endpoints: address, state (with the reference product's word), the service's name, `serviceDeleted` once its service is gone, and its security groups.",
  },
  "PATCH /v1/endpoints/{id}": {
    id: "updateEndpoint",
    description:
      "Tags are replaced whole. The address, subnet and service never change: create another endpoint.",
  },
  "DELETE /v1/endpoints/{id}": {
    id: "deleteEndpoint",
    description:
      "Deletes the endpoint in any state, frees its address and its place in the quotas, and writes a final `deleted` history entry. Sends connection.deleted to the consumer's and the provider's subscribers.",
  },
  "GET /v1/endpoints/{id}/security-groups": {
    id: "listEndpointSecurityGroups",
    description: "The groups bound to the endpoint, each with its priority (its position, 1 first).",
  },
  "PUT /v1/endpoints/{id}/security-groups": {
    id: "setEndpointSecurityGroups",
    description:
      "Binds exactly these groups (at most 5), in this order; an empty list unbinds all. Each must be the caller's and in the endpoint's region. A bound group cannot be deleted.",
  },
  "DELETE /v1/endpoints/{id}/security-groups/{sgId}": {
    id: "unbindEndpointSecurityGroup",
    description: "Unbinds one group; the others keep their order and move up.",
  },
  "GET /v1/endpoints/{id}/history": {
    id: "getEndpointHistory",
    description:
      "Every state change of the caller's endpoint: from, to, actor and reason, as the provider sees it in the connection's history.",
  },

  // ---- Metrics ------------------------------------------------------------------------------------
  "POST /v1/metrics/samples": {
    id: "ingestMetricSamples",
    description:
      "For the data plane (ingest or operator token). One sample per endpoint per minute, on a whole minute, at most 5 minutes ahead and within raw retention; re-sending a minute replaces it and keeps each service's minute the sum over its endpoints. A minute of an hour already rolled up marks the hour late, and the next hourly rollup folds it again. Answers 200 with what was accepted and, per index, why each other sample was not.",
  },
  ...metricViews("/v1/endpoints/{id}/metrics", "Endpoint"),
  ...metricViews("/v1/endpoint-services/{id}/metrics", "EndpointService"),
  "POST /v1/metric-exports": {
    id: "createMetricExport",
    description:
      "Every hour (or day) the metric-exports job writes the last complete period of the chosen resources (all the caller's, or listed ones) at the granularity asked, as CSV or NDJSON, to S3 (locally to the data folder). Each run is recorded with its SHA-256; a period is never written twice. Sends metric-export.succeeded or metric-export.failed after each run.",
    errors: ["LimitExceeded"],
  },
  "GET /v1/metric-exports": {
    id: "listMetricExports",
    description: `The caller's exports, newest first. ${PAGE}`,
  },
  "GET /v1/metric-exports/{id}": {
    id: "getMetricExport",
    description: "One export with its schedule, status and last run.",
  },
  "PATCH /v1/metric-exports/{id}": {
    id: "updateMetricExport",
    description:
      "A paused export leaves the schedule's index, so the job writes nothing for it until it is resumed.",
  },
  "DELETE /v1/metric-exports/{id}": {
    id: "deleteMetricExport",
    description: "Stops the schedule. Files already written stay where they are, with their runs' records.",
  },
  "GET /v1/metric-exports/{id}/runs": {
    id: "listMetricExportRuns",
    description: `The export's runs, newest first. A failed run is retried by the next job run. ${PAGE}`,
  },
  "GET /v1/metric-exports/{id}/runs/{runId}/file": {
    id: "downloadMetricExportFile",
    description: `The run's file as it was written, streamed, with its SHA-256 in \`X-Content-SHA256\`. In AWS the file is in the export bucket, and the answer is \`303\` to a presigned URL of it, valid 15 minutes, with the same header. ${LINK} ResourceNotFound for a run that wrote no file.`,
  },

  // ---- Webhooks -----------------------------------------------------------------------------------
  "POST /v1/webhooks": {
    id: "createWebhook",
    description:
      "Subscribes an https URL (http and private addresses only where the deployment allows them; link-local and metadata addresses never) to event types or `*`, optionally for some services only. The secret (`whsec_…`) is answered only here. An account holds at most LINKPLANE_WEBHOOK_MAX_PER_ACCOUNT subscriptions.",
    errors: ["LimitExceeded"],
  },
  "GET /v1/webhooks": {
    id: "listWebhooks",
    description: `The caller's subscriptions without their secrets. ${PAGE}`,
  },
  "GET /v1/webhooks/{id}": {
    id: "getWebhook",
    description:
      "One subscription without its secret, with `disabledReason` when the server disabled it after five days of failed attempts.",
  },
  "PATCH /v1/webhooks/{id}": {
    id: "updateWebhook",
    description:
      "Only the fields given change; events and URL are checked as on creation. Enabling a subscription the server disabled clears `disabledReason`.",
  },
  "DELETE /v1/webhooks/{id}": {
    id: "deleteWebhook",
    description:
      "Deletes the subscription; its messages are kept for their retention but never attempted again.",
  },
  "POST /v1/webhooks/{id}/rotate-secret": {
    id: "rotateWebhookSecret",
    description:
      "Answers a new secret once. For 24 hours every delivery carries two signatures, the old secret's and the new one's, so receivers can switch without missing one.",
  },
  "POST /v1/webhooks/{id}/test": {
    id: "testWebhook",
    description:
      "Sends a webhook.test event to the URL in this request and answers the attempt, delivered or not.",
  },
  "GET /v1/webhooks/{id}/messages": {
    id: "listWebhookMessages",
    description: `The subscription's messages with their status (pending, delivered, failed), filtered by \`status\` and \`eventType\`. ${PAGE}`,
  },
  "GET /v1/webhooks/{id}/messages/{msgId}": {
    id: "getWebhookMessage",
    description: "The message's payload and every attempt, scheduled, retried or manual.",
  },
  "POST /v1/webhooks/{id}/messages/{msgId}/retry": {
    id: "retryWebhookMessage",
    description:
      "Attempts the message now, whatever its status, and gives it a fresh retry schedule if this attempt fails. ResourceInUse while another attempt of it is in flight.",
    errors: ["ResourceInUse"],
  },
  "POST /v1/webhooks/{id}/recover": {
    id: "recoverWebhookMessages",
    description:
      "Queues every failed message since `since` for a new attempt, after an outage of the receiver, and answers 202 with how many were scheduled; the attempts run in the background.",
  },

  // ---- The reference product's API ----------------------------------------------------------------
  "POST /": {
    id: "tencentCloudApi",
    description:
      'For the official Tencent Cloud SDKs, tccli and Terraform: point their endpoint here and use a Linkplane SecretId/SecretKey. Answers are always HTTP 200 with `{"Response": {...}}`; errors carry `Response.Error.Code` from docs/errors.md. docs/tencent-api.md lists the actions and fields served.',
  },
  "GET /": {
    id: "tencentCloudApiQuery",
    description:
      "Parameters flattened as the SDKs send them (`Filters.0.Name=vpc-id&Filters.0.Values.0=vpc-…`), signed with TC3-HMAC-SHA256 over the query string as sent. Same headers and answers as `POST /`.",
  },
};
