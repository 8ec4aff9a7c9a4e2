import type { LinkName } from "../core/links.ts";
import { routes } from "../functions/api/routes.ts";
import { schedules } from "../functions/cron/schedules.ts";
import type { FilterPattern } from "./local/stream-filter.ts";

/**
 * What AWS gets, computed from the same registries the local runtime uses, so the two cannot drift:
 * one Lambda per route, one EventBridge Scheduler schedule per job, the two stream consumers (entities,
 * metric minutes), the webhook delivery consumer and the hourly rollup's shard workers, and which links (least privilege) each of them gets. Plain data; the SST files in
 * this folder turn it into components, and test/unit/registry.test.ts checks it.
 */
export const LAMBDA_RUNTIME = "nodejs22.x";

/**
 * How SST bundles every function (`nodejs`), and how `npm run build`, the tests and bench:cold bundle
 * them too: the esbuild plugins (zod trimmed to what a route needs), and code splitting, so what a module
 * loads with `import()` (the SDK's unused credential providers, the S3 client past the inline export
 * limit, the one job "run now" runs) is not loaded at every cold start (docs/deploy.md "Bundles").
 */
export const NODEJS_BUILD = { plugins: "build/esbuild-plugins.mjs", splitting: true } as const;

/** Stages whose table and bucket survive `sst remove` and cannot be replaced by accident. */
export const PROTECTED_STAGES = ["prod", "production"] as const;

export function isProtectedStage(stage: string | undefined): boolean {
  return (PROTECTED_STAGES as readonly string[]).includes(stage ?? "");
}

/** `functions/api/inventory/vpcs.ts` → `functions/api/inventory/vpcs.handler` (SST's handler syntax). */
export function handlerPath(module: string): string {
  return `${module.replace(/\.ts$/, "")}.handler`;
}

/**
 * A CloudFormation-safe logical name: `GET /v1/vpcs/{id}` → `GetV1VpcsId`; a trailing slash is a word
 * of its own (`GET /docs/` → `GetDocsSlash`), so the two spellings of a page stay two names.
 */
export function logicalName(text: string): string {
  return (text.length > 1 && text.endsWith("/") ? `${text} Slash` : text)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1).toLowerCase())
    .join("");
}

/** Routes that read or write export files, and the operator's "run a job now" (metric-exports among them). */
const EXPORTING = new Set([
  "functions/api/operator/job-run.ts",
  "functions/api/privatelink/endpoints-export.ts",
  "functions/api/privatelink/endpoint-services-export.ts",
  "functions/api/metrics/view-exports.ts",
  "functions/api/metrics/export-files.ts",
]);
/** Routes that start webhook deliveries (test messages, retries, recovery). */
const DISPATCHING = new Set(["functions/api/webhooks/deliveries.ts"]);
/** Routes with no secret at all: they authenticate nobody. */
const PUBLIC = new Set(["functions/api/health.ts", "functions/api/docs.ts"]);

/** The links a route's function gets: the table, and only the secrets and resources its code uses. */
export function routeLinks(module: string): LinkName[] {
  if (PUBLIC.has(module)) return ["Table"];
  const links: LinkName[] = ["Table", "OperatorToken", "EncryptionKey"];
  if (module === "functions/api/metrics/ingest.ts") links.push("IngestToken");
  if (EXPORTING.has(module)) links.push("ExportBucket");
  if (DISPATCHING.has(module)) links.push("WebhookQueue");
  // Running rollup-hourly by hand hands its shards to the queue, as the schedule does.
  if (module === "functions/api/operator/job-run.ts") links.push("RollupQueue");
  return links;
}

export interface ApiRoutePlan {
  /** API Gateway route key, `METHOD /path/{param}`. */
  routeKey: string;
  handler: string;
  name: string;
  links: LinkName[];
  /** Modules that read files at run time, installed next to the bundle rather than inlined. */
  install: string[];
}

export function apiRoutes(): ApiRoutePlan[] {
  return routes.map((r) => ({
    routeKey: `${r.method} ${r.path}`,
    handler: handlerPath(r.module),
    name: logicalName(`${r.method} ${r.path}`),
    links: routeLinks(r.module),
    install: r.module === "functions/api/docs.ts" ? ["swagger-ui-dist"] : [],
  }));
}

/** The links a job's function gets. Webhook signing needs the key; exports need the bucket. */
const JOB_LINKS: Record<string, LinkName[]> = {
  "metric-exports": ["Table", "ExportBucket"],
  // The coordinator: it opens each hour's round and sends the shard tasks; the workers do the rest.
  "rollup-hourly": ["Table", "RollupQueue"],
  // The retry job makes its attempts itself and waits for them (functions/cron/webhook-retry.ts).
  "webhook-retry": ["Table", "EncryptionKey"],
};

export interface CronPlan {
  name: string;
  schedule: `rate(${string})` | `cron(${string})`;
  handler: string;
  links: LinkName[];
  /** What the schedule sends: an EventBridge "Scheduled Event" (see `scheduledEventInput`). */
  event: Record<string, unknown>;
}

function scheduleExpression(expression: string): CronPlan["schedule"] {
  if (/^(rate|cron)\(.+\)$/.test(expression)) return expression as CronPlan["schedule"];
  throw new Error(`not an EventBridge schedule expression: ${expression}`);
}

/**
 * EventBridge Scheduler invokes a Lambda with the input it is given (`{}` by default), not with the
 * "Scheduled Event" of an EventBridge rule. The jobs read `time` (the hour to roll up is the one before
 * it), so each schedule sends that shape, with the scheduled time filled in by the scheduler.
 */
export function scheduledEventInput(name: string): Record<string, unknown> {
  return {
    version: "0",
    id: "<aws.scheduler.execution-id>",
    "detail-type": "Scheduled Event",
    source: "aws.scheduler",
    account: "",
    time: "<aws.scheduler.scheduled-time>",
    region: "",
    resources: ["<aws.scheduler.schedule-arn>"],
    detail: { job: name },
  };
}

export function cronJobs(): CronPlan[] {
  return schedules.map((s) => ({
    name: logicalName(`job ${s.name}`),
    schedule: scheduleExpression(s.schedule),
    handler: handlerPath(s.module),
    links: JOB_LINKS[s.name] ?? ["Table"],
    event: scheduledEventInput(s.name),
  }));
}

/**
 * The entity types some stream consumer acts on (functions/streams/consumers.ts; a unit test keeps the
 * two equal). Written out rather than imported, so that the SST config does not load the domain code.
 */
export const STREAM_ENTITIES = [
  "Endpoint",
  "EndpointService",
  "AllowlistEntry",
  "MetricExportRun",
  "WebhookSubscription",
  "Heartbeat",
] as const;

/**
 * Lambda event filters: a change to anything else (webhook messages above all, written once per attempt)
 * never invokes the consumer. Two filters because a removal has only an old image.
 */
const streamFilters: FilterPattern[] = [
  { dynamodb: { NewImage: { type: { S: [...STREAM_ENTITIES] } } } },
  { dynamodb: { OldImage: { type: { S: [...STREAM_ENTITIES] } } } },
];

/** The event source mapping the local poller imitates (infra/local/stream-poller.ts). */
export const streamConsumer = {
  filters: streamFilters,
  handler: "functions/streams/handler.handler",
  // Webhook events are signed with the key and handed to the delivery queue from here.
  links: ["Table", "EncryptionKey", "WebhookQueue"] as LinkName[],
  batchSize: 100,
  maximumRetryAttempts: 10,
  startingPosition: "TRIM_HORIZON",
  functionResponseTypes: ["ReportBatchItemFailures"],
  bisectBatchOnFunctionError: true,
} as const;

/**
 * The second event source mapping on the same stream: endpoint metric minutes only, summed into their
 * services' minutes (functions/streams/metrics.ts). Its own function and batch size, so a burst of samples
 * (up to 1,000 minutes a request) never queues in front of auto-accept and webhooks, and theirs never in
 * front of it. Service minutes (resourceId is the service's ID) are not let through: they are this
 * consumer's output. Only new images: an endpoint minute's expiry takes nothing from its service.
 *
 * The tumbling window is there for the `shardId` it puts in the event: the consumer's replay guard keeps
 * one applied sequence number per shard. The window's state is not used.
 */
export const metricStreamConsumer = {
  filters: [
    {
      dynamodb: {
        NewImage: {
          type: { S: ["MetricMinute"] },
          resourceId: { S: [{ prefix: "vpce-" }] },
          // ServiceMinutes.SUMMED_BY: a minute the earlier ingest wrote was added to its service then.
          summedBy: { S: ["stream"] },
        },
      },
    },
  ] as FilterPattern[],
  handler: "functions/streams/metrics.handler",
  links: ["Table"] as LinkName[],
  batchSize: 1000,
  maximumRetryAttempts: 10,
  startingPosition: "TRIM_HORIZON",
  functionResponseTypes: ["ReportBatchItemFailures"],
  tumblingWindowInSeconds: 60,
} as const;

/**
 * Webhook delivery in AWS: jobs on an SQS queue, attempted by their own function. An attempt may take
 * the receiver's full timeout (15 s) plus the bookkeeping around it, and a batch's attempts run side by
 * side, so the function may run 30 s and a message stays invisible for 60 s; after five receives that all failed it goes to the dead-letter queue (the delivery records keep
 * their own retry schedule, which the webhook-retry job follows).
 */
export const webhookDelivery = {
  handler: "functions/webhooks/deliver.handler",
  // It signs, and sends a near retry (the 5-second one) back to the queue as a delayed message.
  links: ["Table", "EncryptionKey", "WebhookQueue"] as LinkName[],
  timeout: "30 seconds",
  visibilityTimeout: "60 seconds",
  batchSize: 10,
  maxReceiveCount: 5,
  dlqRetention: "14 days",
} as const;

/**
 * The hourly rollup's shard workers in AWS: the rollup-hourly job sends one message per shard of each
 * hour to an SQS queue, and this function takes them one at a time (each shard its own invocation), so
 * an hour's 16 shards run side by side. A shard of 100,000 endpoints is 375,000 minutes (about 4.6 minutes
 * at the slowest shard rate measured on DynamoDB Local, docs/metrics.md); the function may take Lambda's
 * full 15 minutes, a message stays hidden longer than that, and after five receives that all failed
 * it goes to the dead-letter queue (the round stays open; the next job run hands the shard out again).
 * At most `maxConcurrency` workers at once: a backlog of days does not flood the table.
 */
export const rollupShardWorker = {
  handler: "functions/cron/rollup-shard.handler",
  links: ["Table"] as LinkName[],
  timeout: "900 seconds",
  visibilityTimeout: "960 seconds",
  batchSize: 1,
  maxReceiveCount: 5,
  maxConcurrency: 32,
} as const;
