import { chmodSync, readdirSync, readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { type ServerType, serve } from "@hono/node-server";
import * as Config from "../../core/config.ts";
import { type BulkWrites, useBulkWrites } from "../../core/db/batch.ts";
import { Db } from "../../core/db/client.ts";
import { log } from "../../core/util/log.ts";
import * as WebhookDispatch from "../../core/webhook/dispatch.ts";
import { type JobEvent, scheduledEvent } from "../../functions/cron/job.ts";
import { type ScheduleEntry, schedules } from "../../functions/cron/schedules.ts";
import { handler as streamHandler } from "../../functions/streams/handler.ts";
import { handler as metricStreamHandler } from "../../functions/streams/metrics.ts";
import { metricStreamConsumer, streamConsumer } from "../plan.ts";
import { type DemoLoad, type DemoState, startDemo } from "./demo.ts";
import {
  adoptSharedDatabase,
  type DynamoDbLocal,
  StartupError,
  startDynamoDbLocal,
} from "./dynamodb-local.ts";
import { handled } from "./handled.ts";
import { Scheduler } from "./scheduler.ts";
import { ensurePrivateDir, loadOrCreateSecrets } from "./secrets.ts";
import { createLocalApp } from "./server.ts";
import { type StreamHandler, StreamPoller } from "./stream-poller.ts";
import { StreamReader } from "./stream-reader.ts";
import { ensureTable } from "./table.ts";

export interface LocalOptions {
  projectRoot?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  inMemory?: boolean;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  tableName?: string;
  scheduler?: boolean;
  pollIntervalMs?: number;
  /**
   * The longest wait of the stream reader when it finds nothing (1 s): idle polling is DynamoDB Local's
   * and this process's CPU, taken from requests on the same cores. Writes this process makes wake the
   * reader at once, so their stream work still starts within `pollIntervalMs`; a write by another
   * process is seen within this.
   */
  idlePollMaxMs?: number;
  /** Demo accounts, services and endpoints, fed with samples every minute. */
  demo?: boolean;
  /**
   * Serve HTTPS too, on its own port (0 picks a free one), with this certificate and key: PEM text or a
   * PEM file's path. Defaults to LINKPLANE_TLS_CERT / LINKPLANE_TLS_KEY / LINKPLANE_TLS_PORT.
   */
  tls?: { cert: string; key: string; port?: number };
}

export interface LocalRuntime {
  url: string;
  port: number;
  /** Set when HTTPS is served as well. */
  https?: { url: string; port: number };
  operatorToken: string;
  /** Where the operator token came from: the environment, or the data folder's secrets.json. */
  operatorTokenSource: "LINKPLANE_OPERATOR_TOKEN" | "secrets.json";
  dataDir: string;
  dynamodb: { endpoint: string; pid: number | undefined };
  webhooks: { allowPrivate: boolean; allowHttp: boolean };
  poller: StreamPoller;
  /** The second event source mapping: endpoint metric minutes into service minutes. */
  metricPoller: StreamPoller;
  /** Reads the stream once for both mappings. */
  streamReader: StreamReader;
  readyMs: number;
  /** `ready` settles when the demo's last 24 hours are loaded and rolled up. */
  demo?: DemoState & { created: boolean; ready: Promise<DemoLoad> };
  stop(): Promise<void>;
}

/**
 * Everything AWS would run, in one process: DynamoDB Local (unless an endpoint is given), the table,
 * the stream pollers feeding the two Lambda stream handlers, the scheduler firing the cron handlers, and every
 * route on one port.
 */
/**
 * SQLite under DynamoDB Local syncs each item of a batch to disk on its own, and a transaction's items
 * together (core/db/batch.ts); in memory there is no disk to wait for, and batches are as fast.
 */
export function bulkWritesFor(dbPath: string | undefined): BulkWrites {
  return dbPath ? "transactions" : "batches";
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalRuntime> {
  const started = performance.now();
  const projectRoot = options.projectRoot ?? resolve(import.meta.dirname, "../..");
  const dataDir = resolve(options.dataDir ?? process.env.LINKPLANE_DATA_DIR ?? ".linkplane");
  const given = {
    operatorToken: process.env.LINKPLANE_OPERATOR_TOKEN || undefined,
    encryptionKey: process.env.LINKPLANE_ENCRYPTION_KEY || undefined,
    dynamodbAccessKeyId: process.env.LINKPLANE_DYNAMODB_ACCESS_KEY_ID || undefined,
  };
  const secrets = loadOrCreateSecrets(dataDir, given);
  process.env.LINKPLANE_DATA_DIR = dataDir;
  process.env.LINKPLANE_OPERATOR_TOKEN = given.operatorToken ?? secrets.operatorToken;
  process.env.LINKPLANE_ENCRYPTION_KEY = given.encryptionKey ?? secrets.encryptionKey;
  // On one's own machine the receivers are local ones (npm run webhooks:listen): allow them unless told
  // otherwise. Link-local and metadata addresses stay refused whatever these say.
  process.env.LINKPLANE_WEBHOOK_ALLOW_PRIVATE ||= "true";
  process.env.LINKPLANE_WEBHOOK_ALLOW_HTTP ||= "true";
  if (options.tableName) process.env.LINKPLANE_TABLE = options.tableName;

  const host = options.host ?? "127.0.0.1";
  const wantedPort = options.port ?? 3000;
  // Before anything slow starts: a busy port is the user's to fix, and should be said at once.
  await assertPortFree(host, wantedPort);

  let dynamo: DynamoDbLocal | undefined;
  const givenEndpoint = options.dynamodbEndpoint || process.env.LINKPLANE_DYNAMODB_ENDPOINT || undefined;
  if (!givenEndpoint) {
    // The database DynamoDB Local opens is the key id's: ours is the secret in secrets.json.
    process.env.LINKPLANE_DYNAMODB_ACCESS_KEY_ID = given.dynamodbAccessKeyId ?? secrets.dynamodbAccessKeyId;
    Config.reset();
    const dbPath = options.inMemory ? undefined : join(dataDir, "dynamodb");
    if (dbPath) {
      ensurePrivateDir(dbPath);
      // Files written before Java ran under umask 077 were 0644.
      for (const name of readdirSync(dbPath)) chmodSync(join(dbPath, name), 0o600);
      adoptSharedDatabase(dbPath, Db.localCredentials().accessKeyId, Config.get().awsRegion);
    }
    dynamo = await startDynamoDbLocal({ dbPath });
    useBulkWrites(bulkWritesFor(dbPath));
  }
  const endpoint = givenEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
  process.env.LINKPLANE_DYNAMODB_ENDPOINT = endpoint;
  Config.reset();
  Db.use(undefined);
  const config = Config.get();

  const credentials = Db.localCredentials(config);
  // Table creation may take longer than a data call; it still must not hang on a stalled database.
  const admin = new DynamoDBClient({
    endpoint,
    region: config.awsRegion,
    credentials,
    ...Db.transport(config),
    requestHandler: {
      connectionTimeout: config.dynamodb.connectTimeoutMs,
      requestTimeout: 30_000,
      throwOnRequestTimeout: true,
    },
  });
  const streams = new DynamoDBStreamsClient({
    endpoint,
    region: config.awsRegion,
    credentials,
    ...Db.transport(config),
  });
  let reader: StreamReader | undefined;
  let poller: StreamPoller | undefined;
  let metricPoller: StreamPoller | undefined;
  let scheduler: Scheduler | undefined;
  let server: ServerType | undefined;
  let secureServer: ServerType | undefined;
  let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
  let stopWaking: (() => void) | undefined;

  const stop = async () => {
    stopWaking?.();
    demo?.stop();
    scheduler?.stop();
    await poller?.stop();
    await metricPoller?.stop();
    await WebhookDispatch.get().stop();
    WebhookDispatch.use(undefined);
    await new Promise<void>((done) => {
      if (!server) return done();
      server.close(() => done());
      // Keep-alive and long requests would hold the port: give them a moment, then close them.
      const open = server as { closeAllConnections?: () => void };
      setTimeout(() => open.closeAllConnections?.(), 1_000).unref();
    });
    await new Promise<void>((done) => (secureServer ? secureServer.close(() => done()) : done()));
    admin.destroy();
    streams.destroy();
    await dynamo?.stop();
    useBulkWrites("batches");
  };

  try {
    const { streamArn } = await ensureTable(admin, config.tableName);
    // One poller per event source mapping, each with its own filters, batches, retries and checkpoints, as
    // Lambda keeps per mapping; one reader of the stream for both, so DynamoDB Local serves each record
    // once (infra/local/stream-reader.ts). The entities' file keeps the name it had when there was one
    // poller, so a data folder resumes.
    reader = new StreamReader({
      client: streams,
      streamArn,
      pollIntervalMs: options.pollIntervalMs ?? 100,
      idleMaxMs: options.idlePollMaxMs ?? 1_000,
    });
    const shared = reader;
    const checkpoints = {
      entities: `stream-checkpoints-${config.tableName}.json`,
      metrics: `stream-checkpoints-metrics-${config.tableName}.json`,
    };
    const mapping = (
      plan: typeof streamConsumer | typeof metricStreamConsumer,
      handler: StreamHandler,
      name: keyof typeof checkpoints,
    ) =>
      new StreamPoller({
        name,
        reader: shared,
        handler,
        region: config.awsRegion,
        batchSize: plan.batchSize,
        maxRetryAttempts: plan.maximumRetryAttempts,
        filters: plan.filters,
        tumblingWindowSeconds: "tumblingWindowInSeconds" in plan ? plan.tumblingWindowInSeconds : 0,
        checkpointFile: options.inMemory ? undefined : join(dataDir, checkpoints[name]),
      });
    poller = mapping(streamConsumer, streamHandler, "entities");
    metricPoller = mapping(metricStreamConsumer, metricStreamHandler, "metrics");
    const woken = reader;
    stopWaking = Db.onWrite(() => woken.wake());
    poller.start();
    metricPoller.start();
    if (dynamo) followRestarts(dynamo, reader, () => ensureTable(admin, config.tableName));

    if (options.scheduler !== false) {
      const handlers = new Map<string, (event: JobEvent) => Promise<unknown>>();
      for (const entry of schedules) {
        const mod = (await import(resolve(projectRoot, entry.module))) as {
          handler: (e: JobEvent) => Promise<unknown>;
        };
        handlers.set(entry.name, mod.handler);
      }
      scheduler = new Scheduler(schedules, (entry, at) =>
        (handlers.get(entry.name) as (e: JobEvent) => Promise<unknown>)(
          scheduledEvent((entry as ScheduleEntry).name, at, "schedule", config.awsRegion),
        ),
      );
      scheduler.start();
    }

    if (options.demo) demo = await startDemo(options.inMemory ? undefined : dataDir);

    const app = await createLocalApp(projectRoot);
    const port = await new Promise<number>((resolvePort, reject) => {
      server = serve({ fetch: app.fetch, port: wantedPort, hostname: host }, (info) =>
        resolvePort(info.port),
      );
      server.once("error", reject);
    });
    const tls = options.tls ?? config.tls;
    let https: LocalRuntime["https"];
    if (tls) {
      const serverOptions = { cert: pem(tls.cert), key: pem(tls.key) };
      const securePort = await new Promise<number>((resolvePort, reject) => {
        secureServer = serve(
          {
            fetch: app.fetch,
            port: tls.port ?? 3443,
            hostname: host,
            createServer: createHttpsServer,
            serverOptions,
          },
          (info) => resolvePort(info.port),
        );
        secureServer.once("error", reject);
      });
      https = { url: `https://${host === "0.0.0.0" ? "127.0.0.1" : host}:${securePort}`, port: securePort };
    }
    const readyMs = Math.round(performance.now() - started);
    log.info("linkplane local runtime ready", {
      url: `http://${host}:${port}`,
      readyMs,
      dynamodb: endpoint,
      pid: process.pid,
    });
    return {
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      port,
      https,
      operatorToken: config.operatorToken ?? "",
      operatorTokenSource: given.operatorToken ? "LINKPLANE_OPERATOR_TOKEN" : "secrets.json",
      dataDir,
      dynamodb: { endpoint, pid: dynamo?.pid },
      webhooks: { allowPrivate: config.webhooks.allowPrivate, allowHttp: config.webhooks.allowHttp },
      poller,
      metricPoller,
      streamReader: reader,
      readyMs,
      demo: demo
        ? {
            ...demo.state,
            created: demo.created,
            // Ready means complete: the services' minutes of the load come from the metric stream.
            // The banner's time is until then.
            ready: handled(
              demo.backfill.then(async (load) => {
                const started = Date.now();
                await metricPoller?.idle();
                return { ...load, ms: load.ms + Date.now() - started };
              }),
            ),
          }
        : undefined,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * While DynamoDB Local is down the stream reader waits (and with it both mappings); once it is up again, the
 * table is made sure of (in memory it is gone, with its stream) and the mappings read on from their
 * checkpoints.
 */
function followRestarts(
  dynamo: DynamoDbLocal,
  reader: StreamReader,
  table: () => Promise<{ streamArn: string }>,
): void {
  dynamo.onStateChange((state) => {
    if (state === "down") reader.pause();
    if (state !== "up") return;
    table().then(
      ({ streamArn }) => {
        reader.useStream(streamArn);
        reader.resume();
      },
      (error: Error) => {
        log.warn("table not checked after DynamoDB Local restarted", { error: error.message });
        reader.resume();
      },
    );
  });
}

/** PEM text as it is, or the contents of the PEM file a path names. */
function pem(value: string): string {
  return value.trimStart().startsWith("-----BEGIN") ? value : readFileSync(value, "utf8");
}

/** Listens on the port for a moment; in use (or not ours to take) is a StartupError naming the fix. */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((done, fail) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "EADDRINUSE" ? "is in use" : `cannot be opened (${error.code})`;
      fail(
        new StartupError(`Port ${port} on ${host} ${why}: choose another with PORT=<port> or --port <port>.`),
      );
    });
    probe.listen(port, host, () => probe.close(() => done()));
  });
}
