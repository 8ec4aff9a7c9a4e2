import * as webConsole from "./console.ts";
import * as webConsoleAssets from "./console-assets.ts";
import type { ApiEnv, RouteApp } from "./factory.ts";
import * as health from "./health.ts";
import * as backendInstances from "./inventory/backend-instances.ts";
import * as securityGroups from "./inventory/security-groups.ts";
import * as subnets from "./inventory/subnets.ts";
import * as vpcs from "./inventory/vpcs.ts";
import * as metricExportFiles from "./metrics/export-files.ts";
import * as metricExports from "./metrics/exports.ts";
import * as metricIngest from "./metrics/ingest.ts";
import * as metricViewExports from "./metrics/view-exports.ts";
import * as metricViews from "./metrics/views.ts";
import * as accounts from "./operator/accounts.ts";
import * as jobRun from "./operator/job-run.ts";
import * as jobs from "./operator/jobs.ts";
import * as allowlist from "./privatelink/allowlist.ts";
import * as connections from "./privatelink/connections.ts";
import * as endpointServices from "./privatelink/endpoint-services.ts";
import * as endpointServicesExport from "./privatelink/endpoint-services-export.ts";
import * as endpoints from "./privatelink/endpoints.ts";
import * as endpointsExport from "./privatelink/endpoints-export.ts";
import * as webhookSends from "./webhooks/deliveries.ts";
import * as webhooks from "./webhooks/subscriptions.ts";

/**
 * Route module → its app, for everything that needs them all in one process: the OpenAPI document and
 * the local server. (Lambda never loads this: each route's function loads only its own module.)
 */
export const apps: Record<string, RouteApp<ApiEnv>> = {
  "functions/api/health.ts": health.app,
  "functions/api/console.ts": webConsole.app,
  "functions/api/console-assets.ts": webConsoleAssets.app,
  "functions/api/operator/accounts.ts": accounts.app,
  "functions/api/operator/jobs.ts": jobs.app,
  "functions/api/operator/job-run.ts": jobRun.app,
  "functions/api/inventory/vpcs.ts": vpcs.app,
  "functions/api/inventory/subnets.ts": subnets.app,
  "functions/api/inventory/backend-instances.ts": backendInstances.app,
  "functions/api/inventory/security-groups.ts": securityGroups.app,
  // An export module before its list's: the document keeps each tag's operations in their old order.
  "functions/api/privatelink/endpoint-services-export.ts": endpointServicesExport.app,
  "functions/api/privatelink/endpoint-services.ts": endpointServices.app,
  "functions/api/privatelink/connections.ts": connections.app,
  "functions/api/privatelink/allowlist.ts": allowlist.app,
  "functions/api/privatelink/endpoints-export.ts": endpointsExport.app,
  "functions/api/privatelink/endpoints.ts": endpoints.app,
  "functions/api/metrics/ingest.ts": metricIngest.app,
  "functions/api/metrics/views.ts": metricViews.app,
  "functions/api/metrics/view-exports.ts": metricViewExports.app,
  "functions/api/metrics/exports.ts": metricExports.app,
  "functions/api/metrics/export-files.ts": metricExportFiles.app,
  "functions/api/webhooks/subscriptions.ts": webhooks.app,
  "functions/api/webhooks/deliveries.ts": webhookSends.app,
} as unknown as Record<string, RouteApp<ApiEnv>>;
