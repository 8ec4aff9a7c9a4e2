import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { LINKS, linkedEnvironment } from "../../core/links.ts";
import { consumers } from "../../functions/streams/consumers.ts";
import {
  apiRoutes,
  cronJobs,
  isProtectedStage,
  PROTECTED_STAGES,
  rollupShardWorker,
  routeLinks,
  STREAM_ENTITIES,
  scheduledEventInput,
  streamConsumer,
  webhookDelivery,
} from "../../infra/plan.ts";

const root = resolve(import.meta.dirname, "../..");

/** The handlers of the API functions that get `link`. */
function routesWith(link: string): string[] {
  return [
    ...new Set(
      apiRoutes()
        .filter((r) => r.links.some((l) => l === link))
        .map((r) => r.handler),
    ),
  ].sort();
}

describe("linkedEnvironment", () => {
  it("turns each linked resource into the variable it supplies, and skips what is not linked", () => {
    // Prepare
    const resources = {
      Table: { name: "linkplane-prod-TableAbc" },
      OperatorToken: { value: "op-token-0123456789abcdef" },
      EncryptionKey: { value: "a2V5" },
      ExportBucket: { name: "linkplane-prod-exports" },
      App: { name: "linkplane", stage: "prod" },
    };

    // Act
    const env = linkedEnvironment(resources);

    // Assess
    expect(env).toEqual({
      LINKPLANE_TABLE: "linkplane-prod-TableAbc",
      LINKPLANE_OPERATOR_TOKEN: "op-token-0123456789abcdef",
      LINKPLANE_ENCRYPTION_KEY: "a2V5",
      LINKPLANE_EXPORT_BUCKET: "linkplane-prod-exports",
    });
  });

  it("supplies nothing outside SST (no links active), so local runs read only the environment", () => {
    expect(linkedEnvironment()).toEqual({});
  });

  it("feeds Config: a linked secret is read, a variable that is set wins", () => {
    // Prepare
    const linked = linkedEnvironment({
      Table: { name: "from-link" },
      IngestToken: { value: "ingest-token-from-link-0123" },
    });

    // Act
    const config = Config.load({ ...linked, LINKPLANE_TABLE: "from-env" });

    // Assess
    expect(config.ingestToken).toBe("ingest-token-from-link-0123");
    expect(config.tableName).toBe("from-env");
  });
});

describe("infra plan: least privilege", () => {
  it("gives secrets only to functions that authenticate, the ingest token only to ingest", () => {
    expect(routeLinks("functions/api/health.ts")).toEqual(["Table"]);
    expect(routeLinks("functions/api/docs.ts")).toEqual(["Table"]);
    expect(routeLinks("functions/api/inventory/vpcs.ts")).toEqual([
      "Table",
      "OperatorToken",
      "EncryptionKey",
    ]);
    expect(routeLinks("functions/api/metrics/ingest.ts")).toContain("IngestToken");
    const withIngest = apiRoutes().filter((r) => r.links.includes("IngestToken"));
    expect(withIngest.map((r) => r.routeKey)).toEqual(["POST /v1/metrics/samples"]);
  });

  it("links the bucket only to what writes or reads export files (running a job by hand included)", () => {
    expect(routesWith("ExportBucket")).toEqual([
      "functions/api/metrics/export-files.handler",
      "functions/api/metrics/view-exports.handler",
      "functions/api/operator/job-run.handler",
      "functions/api/privatelink/endpoint-services-export.handler",
      "functions/api/privatelink/endpoints-export.handler",
    ]);
    const jobs = cronJobs().filter((j) => j.links.includes("ExportBucket"));
    expect(jobs.map((j) => j.handler)).toEqual(["functions/cron/metric-exports.handler"]);
  });

  it("lets only what dispatches webhooks send to the delivery queue", () => {
    expect(routesWith("WebhookQueue")).toEqual(["functions/api/webhooks/deliveries.handler"]);
    expect(streamConsumer.links).toContain("WebhookQueue");
    expect(webhookDelivery.links).toContain("WebhookQueue");
    expect(cronJobs().filter((j) => j.links.includes("WebhookQueue"))).toEqual([]);
    expect(cronJobs().find((j) => j.handler === "functions/cron/heartbeat.handler")?.links).toEqual([
      "Table",
    ]);
  });

  it("uses only link names core/links.ts reads", () => {
    const all = [...apiRoutes(), ...cronJobs(), streamConsumer, webhookDelivery, rollupShardWorker].flatMap(
      (p) => p.links,
    );
    for (const name of all) expect(Object.keys(LINKS)).toContain(name);
  });
});

describe("infra plan: webhook delivery", () => {
  it("exports the SQS handler it names, and keeps a message hidden longer than the function may run", async () => {
    const mod = (await import(resolve(root, webhookDelivery.handler.replace(/\.handler$/, ".ts")))) as {
      handler: unknown;
    };
    expect(typeof mod.handler).toBe("function");
    const seconds = (d: string) => Number.parseInt(d, 10);
    // An attempt may take the receiver's whole timeout (15 s); a batch's attempts run side by side.
    expect(seconds(webhookDelivery.timeout)).toBeGreaterThan(15);
    expect(seconds(webhookDelivery.visibilityTimeout)).toBeGreaterThan(seconds(webhookDelivery.timeout));
    expect(webhookDelivery.batchSize).toBeLessThanOrEqual(10);
  }, 30_000); // importing the handler transforms the whole webhook domain
});

describe("infra plan: the hourly rollup's shard workers", () => {
  it("lets only the rollup job (and running it by hand) send shard tasks, and the workers only the table", () => {
    const senders = cronJobs().filter((j) => j.links.includes("RollupQueue"));
    expect(senders.map((j) => j.handler)).toEqual(["functions/cron/rollup-hourly.handler"]);
    expect(routesWith("RollupQueue")).toEqual(["functions/api/operator/job-run.handler"]);
    expect(rollupShardWorker.links).toEqual(["Table"]);
    expect(cronJobs().find((j) => j.handler === "functions/cron/rollup-daily.handler")?.links).toEqual([
      "Table",
    ]);
  });

  it("exports the SQS handler it names, one task an invocation, hidden longer than a worker may run", async () => {
    const mod = (await import(resolve(root, rollupShardWorker.handler.replace(/\.handler$/, ".ts")))) as {
      handler: unknown;
    };
    expect(typeof mod.handler).toBe("function");
    const seconds = (d: string) => Number.parseInt(d, 10);
    expect(rollupShardWorker.batchSize).toBe(1);
    expect(seconds(rollupShardWorker.visibilityTimeout)).toBeGreaterThan(seconds(rollupShardWorker.timeout));
    expect(seconds(rollupShardWorker.timeout)).toBeLessThanOrEqual(900);
  }, 30_000);
});

describe("infra plan: schedules and stages", () => {
  it("sends each job an EventBridge Scheduled Event whose time the scheduler fills in", () => {
    const event = scheduledEventInput("rollup-hourly");
    expect(event).toMatchObject({ "detail-type": "Scheduled Event", time: "<aws.scheduler.scheduled-time>" });
    for (const job of cronJobs()) expect(job.event.time).toBe("<aws.scheduler.scheduled-time>");
  });

  it("protects and retains prod and production, and no other stage", async () => {
    expect(isProtectedStage("prod")).toBe(true);
    expect(isProtectedStage("production")).toBe(true);
    expect(isProtectedStage("dev")).toBe(false);
    expect(isProtectedStage("alice")).toBe(false);
    expect(isProtectedStage(undefined)).toBe(false);
    // sst.config.ts's app() may not import modules, so it spells the list out: it must be this one.
    const config = await readFile(resolve(root, "sst.config.ts"), "utf8");
    expect(config).toContain(`[${PROTECTED_STAGES.map((s) => `"${s}"`).join(", ")}]`);
  });
});

describe("stream consumer filters", () => {
  it("let through every entity some consumer acts on, and nothing else", () => {
    // Prepare
    const wanted = new Set(consumers.flatMap((c) => c.entities));
    // Act
    const allowed = new Set<string>(STREAM_ENTITIES);
    // Assess
    expect([...allowed].sort()).toEqual([...wanted].sort());
    expect(streamConsumer.filters).toEqual([
      { dynamodb: { NewImage: { type: { S: [...STREAM_ENTITIES] } } } },
      { dynamodb: { OldImage: { type: { S: [...STREAM_ENTITIES] } } } },
    ]);
  });
});
