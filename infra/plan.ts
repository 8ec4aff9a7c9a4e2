import { routes } from "../functions/api/routes.ts";
import { schedules } from "../functions/cron/schedules.ts";

/**
 * What AWS gets, computed from the same registries the local runtime uses, so the two cannot drift:
 * one Lambda per route, one EventBridge rule per job, one stream consumer. Plain data; the SST files
 * in this folder turn it into components.
 */
export const LAMBDA_RUNTIME = "nodejs22.x";

/** `functions/api/inventory/vpcs.ts` → `functions/api/inventory/vpcs.handler` (SST's handler syntax). */
export function handlerPath(module: string): string {
  return `${module.replace(/\.ts$/, "")}.handler`;
}

/** A CloudFormation-safe logical name: `GET /v1/vpcs/{id}` → `GetV1VpcsId`. */
export function logicalName(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1).toLowerCase())
    .join("");
}

export interface ApiRoutePlan {
  /** API Gateway route key, `METHOD /path/{param}`. */
  routeKey: string;
  handler: string;
  name: string;
  /** Modules that read files at run time, installed next to the bundle rather than inlined. */
  install: string[];
}

export function apiRoutes(): ApiRoutePlan[] {
  return routes.map((r) => ({
    routeKey: `${r.method} ${r.path}`,
    handler: handlerPath(r.module),
    name: logicalName(`${r.method} ${r.path}`),
    install: r.module === "functions/api/docs.ts" ? ["swagger-ui-dist"] : [],
  }));
}

export interface CronPlan {
  name: string;
  schedule: string;
  handler: string;
}

export function cronJobs(): CronPlan[] {
  return schedules.map((s) => ({
    name: logicalName(`job ${s.name}`),
    schedule: s.schedule,
    handler: handlerPath(s.module),
  }));
}

/** The event source mapping the local poller imitates (infra/local/stream-poller.ts). */
export const streamConsumer = {
  handler: "functions/streams/handler.handler",
  batchSize: 100,
  maximumRetryAttempts: 10,
  startingPosition: "TRIM_HORIZON",
  functionResponseTypes: ["ReportBatchItemFailures"],
  bisectBatchOnFunctionError: true,
} as const;
