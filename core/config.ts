import * as z from "zod";
import { linkedEnvironment } from "./links.ts";

/*
 * Configuration from the environment, read once and validated, so that nothing else in the code reads
 * `process.env`. Tests call `Config.reset()` after changing the environment.
 * Imported as `import * as Config`: a bundle keeps only the functions its route calls.
 */

const DEFAULT_REGIONS = "ap-guangzhou,ap-shanghai,ap-beijing,ap-singapore";

/**
 * Each variable: its schema, built only when the variable is set, and its value when it is not. Built all
 * at import, the 32 schemas took about half of this module's import (docs/deploy.md, "Bundles"),
 * in every function, while a deployed function sets a handful of the variables.
 */
const VARIABLES = {
  LINKPLANE_TABLE: { schema: () => z.string().min(3), unset: "linkplane" },
  LINKPLANE_REGIONS: { schema: () => z.string(), unset: DEFAULT_REGIONS },
  LINKPLANE_DYNAMODB_ENDPOINT: { schema: () => z.url(), unset: undefined },
  LINKPLANE_OPERATOR_TOKEN: { schema: () => z.string().min(16), unset: undefined },
  /** base64 of 32 bytes: the AES-256-GCM key that seals credential secret keys at rest. */
  LINKPLANE_ENCRYPTION_KEY: { schema: () => z.string(), unset: undefined },
  LINKPLANE_AUTH_CACHE_SECONDS: { schema: () => z.coerce.number().int().min(0).max(60), unset: 5 },
  LINKPLANE_LOG_LEVEL: { schema: () => z.enum(["debug", "info", "warn", "error", "silent"]), unset: "info" },
  AWS_REGION: { schema: () => z.string(), unset: "us-east-1" },
  /** Quotas; defaults are the reference product's. */
  LINKPLANE_QUOTA_SERVICES_PER_ACCOUNT: { schema: () => z.coerce.number().int().min(1), unset: 100 },
  LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE: { schema: () => z.coerce.number().int().min(1), unset: 500 },
  LINKPLANE_QUOTA_ENDPOINTS_PER_VPC: { schema: () => z.coerce.number().int().min(1), unset: 50 },
  /** Bearer token the data plane sends metric samples with (the operator token works too). */
  LINKPLANE_INGEST_TOKEN: { schema: () => z.string().min(16), unset: undefined },
  /** Retention by TTL, in days. */
  LINKPLANE_METRICS_RAW_DAYS: { schema: () => z.coerce.number().int().min(1).max(30), unset: 7 },
  LINKPLANE_METRICS_HOURLY_DAYS: { schema: () => z.coerce.number().int().min(1).max(400), unset: 93 },
  LINKPLANE_METRICS_DAILY_DAYS: { schema: () => z.coerce.number().int().min(1).max(3650), unset: 730 },
  LINKPLANE_DATA_DIR: { schema: () => z.string(), unset: ".linkplane" },
  /** DynamoDB: time to open a connection, time a request may wait for an answer, tries per call. */
  LINKPLANE_DYNAMODB_CONNECT_TIMEOUT_MS: {
    schema: () => z.coerce.number().int().min(1).max(60_000),
    unset: 1_000,
  },
  LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS: {
    schema: () => z.coerce.number().int().min(1).max(300_000),
    unset: 2_000,
  },
  LINKPLANE_DYNAMODB_MAX_ATTEMPTS: { schema: () => z.coerce.number().int().min(1).max(10), unset: 3 },
  /**
   * The access key id sent to a DynamoDB at LINKPLANE_DYNAMODB_ENDPOINT. DynamoDB Local without
   * -sharedDb keeps one database per key id (and region), so for the one `npm start` runs this is the
   * secret that opens it (DynamoDB Local accepts only letters and digits).
   */
  LINKPLANE_DYNAMODB_ACCESS_KEY_ID: {
    schema: () =>
      z
        .string()
        .regex(/^[A-Za-z0-9]+$/, "letters and digits only")
        .max(128),
    unset: undefined,
  },
  /** S3 bucket for metric export files; without it they go to <data dir>/exports. */
  LINKPLANE_EXPORT_BUCKET: { schema: () => z.string().min(3), unset: undefined },
  /** Webhooks: subscriptions per account, message retention, and which receivers may be reached. */
  LINKPLANE_WEBHOOK_MAX_PER_ACCOUNT: { schema: () => z.coerce.number().int().min(1).max(1000), unset: 20 },
  LINKPLANE_WEBHOOK_RETENTION_DAYS: { schema: () => z.coerce.number().int().min(1).max(90), unset: 30 },
  LINKPLANE_WEBHOOK_TIMEOUT_MS: { schema: () => z.coerce.number().int().min(100).max(15_000), unset: 15_000 },
  LINKPLANE_WEBHOOK_ALLOW_PRIVATE: { schema: () => z.enum(["true", "false"]), unset: "false" },
  LINKPLANE_WEBHOOK_ALLOW_HTTP: { schema: () => z.enum(["true", "false"]), unset: "false" },
  /** In AWS: the SQS queue the delivery function drains; without it attempts run in this process. */
  LINKPLANE_WEBHOOK_QUEUE_URL: { schema: () => z.url(), unset: undefined },
  /** In AWS: the SQS queue of hourly rollup shard tasks; without it they run in this process. */
  LINKPLANE_ROLLUP_QUEUE_URL: { schema: () => z.url(), unset: undefined },
  /** Shard workers the hourly rollup runs at once in this process (no queue: locally). */
  LINKPLANE_ROLLUP_WORKERS: { schema: () => z.coerce.number().int().min(1).max(16), unset: 4 },
  /** The local runtime also serves HTTPS with this certificate and key (PEM text or a PEM file's path). */
  LINKPLANE_TLS_CERT: { schema: () => z.string(), unset: undefined },
  LINKPLANE_TLS_KEY: { schema: () => z.string(), unset: undefined },
  LINKPLANE_TLS_PORT: { schema: () => z.coerce.number().int().min(0).max(65_535), unset: 3443 },
} as const;

type Variables = typeof VARIABLES;
type Env = {
  [K in keyof Variables]: z.output<ReturnType<Variables[K]["schema"]>> | Variables[K]["unset"];
};

export interface Info {
  tableName: string;
  regions: string[];
  dynamodbEndpoint: string | undefined;
  operatorToken: string | undefined;
  encryptionKey: Buffer | undefined;
  authCacheSeconds: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  awsRegion: string;
  quotas: { servicesPerAccount: number; endpointsPerService: number; endpointsPerVpc: number };
  ingestToken: string | undefined;
  retentionDays: { raw: number; hourly: number; daily: number };
  dataDir: string;
  exportBucket: string | undefined;
  webhooks: {
    maxPerAccount: number;
    retentionDays: number;
    timeoutMs: number;
    allowPrivate: boolean;
    allowHttp: boolean;
    queueUrl: string | undefined;
  };
  /** The hourly rollup's shard tasks: to this queue (AWS), or run by this many workers here. */
  rollup: { queueUrl: string | undefined; workers: number };
  /** Both or neither: the local runtime's HTTPS listener. */
  tls: { cert: string; key: string; port: number } | undefined;
  dynamodb: {
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    maxAttempts: number;
    accessKeyId: string | undefined;
  };
}

let current: Info | undefined;

/** From SST links (in AWS) and the environment; a variable that is set wins over a link. */
export function get(): Info {
  current ??= load({ ...linkedEnvironment(), ...process.env });
  return current;
}

export function reset(): void {
  current = undefined;
}

export function load(env: NodeJS.ProcessEnv): Info {
  // An empty variable means "not set", as shells and CI systems often leave them.
  const e = {} as Record<string, unknown>;
  for (const [name, variable] of Object.entries(VARIABLES)) {
    const value = env[name];
    if (value === undefined || value === "") {
      e[name] = variable.unset;
      continue;
    }
    const parsed = variable.schema().safeParse(value);
    if (!parsed.success) throw new Error(`invalid configuration ${name}: ${parsed.error.issues[0]?.message}`);
    e[name] = parsed.data;
  }
  return toInfo(e as Env);
}

function toInfo(e: Env): Info {
  const regions = e.LINKPLANE_REGIONS.split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  if (Boolean(e.LINKPLANE_TLS_CERT) !== Boolean(e.LINKPLANE_TLS_KEY)) {
    throw new Error("invalid configuration: set both LINKPLANE_TLS_CERT and LINKPLANE_TLS_KEY, or neither");
  }
  let encryptionKey: Buffer | undefined;
  if (e.LINKPLANE_ENCRYPTION_KEY) {
    encryptionKey = Buffer.from(e.LINKPLANE_ENCRYPTION_KEY, "base64");
    if (encryptionKey.length !== 32) throw new Error("LINKPLANE_ENCRYPTION_KEY must be base64 of 32 bytes");
  }
  return {
    tableName: e.LINKPLANE_TABLE,
    regions,
    dynamodbEndpoint: e.LINKPLANE_DYNAMODB_ENDPOINT,
    operatorToken: e.LINKPLANE_OPERATOR_TOKEN,
    encryptionKey,
    authCacheSeconds: e.LINKPLANE_AUTH_CACHE_SECONDS,
    logLevel: e.LINKPLANE_LOG_LEVEL,
    awsRegion: e.AWS_REGION,
    quotas: {
      servicesPerAccount: e.LINKPLANE_QUOTA_SERVICES_PER_ACCOUNT,
      endpointsPerService: e.LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE,
      endpointsPerVpc: e.LINKPLANE_QUOTA_ENDPOINTS_PER_VPC,
    },
    ingestToken: e.LINKPLANE_INGEST_TOKEN,
    retentionDays: {
      raw: e.LINKPLANE_METRICS_RAW_DAYS,
      hourly: e.LINKPLANE_METRICS_HOURLY_DAYS,
      daily: e.LINKPLANE_METRICS_DAILY_DAYS,
    },
    dataDir: e.LINKPLANE_DATA_DIR,
    exportBucket: e.LINKPLANE_EXPORT_BUCKET,
    webhooks: {
      maxPerAccount: e.LINKPLANE_WEBHOOK_MAX_PER_ACCOUNT,
      retentionDays: e.LINKPLANE_WEBHOOK_RETENTION_DAYS,
      timeoutMs: e.LINKPLANE_WEBHOOK_TIMEOUT_MS,
      allowPrivate: e.LINKPLANE_WEBHOOK_ALLOW_PRIVATE === "true",
      allowHttp: e.LINKPLANE_WEBHOOK_ALLOW_HTTP === "true",
      queueUrl: e.LINKPLANE_WEBHOOK_QUEUE_URL,
    },
    rollup: { queueUrl: e.LINKPLANE_ROLLUP_QUEUE_URL, workers: e.LINKPLANE_ROLLUP_WORKERS },
    tls:
      e.LINKPLANE_TLS_CERT && e.LINKPLANE_TLS_KEY
        ? { cert: e.LINKPLANE_TLS_CERT, key: e.LINKPLANE_TLS_KEY, port: e.LINKPLANE_TLS_PORT }
        : undefined,
    dynamodb: {
      connectTimeoutMs: e.LINKPLANE_DYNAMODB_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: e.LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS,
      maxAttempts: e.LINKPLANE_DYNAMODB_MAX_ATTEMPTS,
      accessKeyId: e.LINKPLANE_DYNAMODB_ACCESS_KEY_ID,
    },
  };
}
