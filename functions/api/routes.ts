/**
 * Every HTTP route: method, path (API Gateway syntax) and the module whose `handler` serves it. Plain
 * data, so that `infra/api.ts` can make one Lambda per route without importing application code. The
 * local server mounts the same list on one port; a test checks it against the modules' own routes.
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteEntry {
  method: Method;
  path: string;
  module: string;
}

const HEALTH = "functions/api/health.ts";
const DOCS = "functions/api/docs.ts";
const ACCOUNTS = "functions/api/operator/accounts.ts";
const JOBS = "functions/api/operator/jobs.ts";
const JOB_RUN = "functions/api/operator/job-run.ts";
const SERVICES = "functions/api/privatelink/endpoint-services.ts";
const SERVICES_EXPORT = "functions/api/privatelink/endpoint-services-export.ts";
const CONNECTIONS = "functions/api/privatelink/connections.ts";
const ALLOWLIST = "functions/api/privatelink/allowlist.ts";
const ENDPOINTS = "functions/api/privatelink/endpoints.ts";
const METRIC_VIEWS = "functions/api/metrics/views.ts";
const METRIC_VIEW_EXPORTS = "functions/api/metrics/view-exports.ts";
const METRIC_EXPORTS = "functions/api/metrics/exports.ts";
const WEBHOOKS = "functions/api/webhooks/subscriptions.ts";
const WEBHOOK_SENDS = "functions/api/webhooks/deliveries.ts";

function crud(path: string, module: string): RouteEntry[] {
  return [
    { method: "POST", path, module },
    { method: "GET", path, module },
    { method: "GET", path: `${path}/{id}`, module },
    { method: "PATCH", path: `${path}/{id}`, module },
    { method: "DELETE", path: `${path}/{id}`, module },
  ];
}

export const routes: RouteEntry[] = [
  // The reference product's API (TC3-signed actions), for its SDKs, tccli and Terraform.
  { method: "POST", path: "/", module: "functions/api/tencent/index.ts" },
  { method: "GET", path: "/", module: "functions/api/tencent/index.ts" },

  { method: "GET", path: "/health", module: HEALTH },
  { method: "GET", path: "/openapi.json", module: DOCS },
  { method: "GET", path: "/docs", module: DOCS },
  { method: "GET", path: "/docs/", module: DOCS },
  { method: "GET", path: "/docs/assets/{file}", module: DOCS },
  { method: "GET", path: "/console", module: "functions/api/console.ts" },
  { method: "GET", path: "/console/assets/{file}", module: "functions/api/console-assets.ts" },

  { method: "POST", path: "/v1/operator/accounts", module: ACCOUNTS },
  { method: "GET", path: "/v1/operator/accounts", module: ACCOUNTS },
  { method: "GET", path: "/v1/operator/accounts/{uin}", module: ACCOUNTS },
  { method: "POST", path: "/v1/operator/accounts/{uin}/credentials", module: ACCOUNTS },
  { method: "GET", path: "/v1/operator/accounts/{uin}/credentials", module: ACCOUNTS },
  { method: "PATCH", path: "/v1/operator/accounts/{uin}/credentials/{secretId}", module: ACCOUNTS },
  { method: "DELETE", path: "/v1/operator/accounts/{uin}/credentials/{secretId}", module: ACCOUNTS },
  { method: "GET", path: "/v1/operator/jobs", module: JOBS },
  { method: "POST", path: "/v1/operator/jobs/{name}/run", module: JOB_RUN },

  ...crud("/v1/vpcs", "functions/api/inventory/vpcs.ts"),
  ...crud("/v1/subnets", "functions/api/inventory/subnets.ts"),
  ...crud("/v1/backend-instances", "functions/api/inventory/backend-instances.ts"),
  ...crud("/v1/security-groups", "functions/api/inventory/security-groups.ts"),

  // Static paths before `{id}` ones, as API Gateway ranks them.
  { method: "GET", path: "/v1/endpoint-services/export", module: SERVICES_EXPORT },
  ...crud("/v1/endpoint-services", SERVICES),
  { method: "POST", path: "/v1/endpoint-services/{id}/verify", module: SERVICES },
  { method: "GET", path: "/v1/endpoint-services/{id}/connections", module: CONNECTIONS },
  { method: "POST", path: "/v1/endpoint-services/{id}/connections/accept", module: CONNECTIONS },
  { method: "POST", path: "/v1/endpoint-services/{id}/connections/reject", module: CONNECTIONS },
  { method: "GET", path: "/v1/endpoint-services/{id}/connections/{endpointId}/history", module: CONNECTIONS },
  { method: "GET", path: "/v1/endpoint-services/{id}/allowlist", module: ALLOWLIST },
  { method: "POST", path: "/v1/endpoint-services/{id}/allowlist", module: ALLOWLIST },
  { method: "POST", path: "/v1/endpoint-services/{id}/allowlist/remove", module: ALLOWLIST },
  { method: "PATCH", path: "/v1/endpoint-services/{id}/allowlist/{uin}", module: ALLOWLIST },
  { method: "DELETE", path: "/v1/endpoint-services/{id}/allowlist/{uin}", module: ALLOWLIST },

  { method: "GET", path: "/v1/endpoints/export", module: "functions/api/privatelink/endpoints-export.ts" },
  ...crud("/v1/endpoints", ENDPOINTS),
  { method: "GET", path: "/v1/endpoints/{id}/security-groups", module: ENDPOINTS },
  { method: "PUT", path: "/v1/endpoints/{id}/security-groups", module: ENDPOINTS },
  { method: "DELETE", path: "/v1/endpoints/{id}/security-groups/{sgId}", module: ENDPOINTS },
  { method: "GET", path: "/v1/endpoints/{id}/history", module: ENDPOINTS },

  { method: "POST", path: "/v1/metrics/samples", module: "functions/api/metrics/ingest.ts" },
  { method: "GET", path: "/v1/endpoints/{id}/metrics", module: METRIC_VIEWS },
  { method: "GET", path: "/v1/endpoints/{id}/metrics/compare", module: METRIC_VIEWS },
  { method: "GET", path: "/v1/endpoints/{id}/metrics/export", module: METRIC_VIEW_EXPORTS },
  { method: "GET", path: "/v1/endpoint-services/{id}/metrics", module: METRIC_VIEWS },
  { method: "GET", path: "/v1/endpoint-services/{id}/metrics/compare", module: METRIC_VIEWS },
  { method: "GET", path: "/v1/endpoint-services/{id}/metrics/export", module: METRIC_VIEW_EXPORTS },
  ...crud("/v1/metric-exports", METRIC_EXPORTS),
  { method: "GET", path: "/v1/metric-exports/{id}/runs", module: METRIC_EXPORTS },
  {
    method: "GET",
    path: "/v1/metric-exports/{id}/runs/{runId}/file",
    module: "functions/api/metrics/export-files.ts",
  },

  ...crud("/v1/webhooks", WEBHOOKS),
  { method: "POST", path: "/v1/webhooks/{id}/rotate-secret", module: WEBHOOKS },
  { method: "POST", path: "/v1/webhooks/{id}/test", module: WEBHOOK_SENDS },
  { method: "GET", path: "/v1/webhooks/{id}/messages", module: WEBHOOKS },
  { method: "GET", path: "/v1/webhooks/{id}/messages/{msgId}", module: WEBHOOKS },
  { method: "POST", path: "/v1/webhooks/{id}/messages/{msgId}/retry", module: WEBHOOK_SENDS },
  { method: "POST", path: "/v1/webhooks/{id}/recover", module: WEBHOOK_SENDS },
];

/** `/v1/vpcs/{id}` → `/v1/vpcs/:id` (Hono's syntax). */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}
