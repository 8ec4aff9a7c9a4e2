import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { bundle, type Entry, entries, root } from "../../build/bundle.ts";
import * as Config from "../../core/config.ts";

const run = promisify(execFile);
const runner = resolve(import.meta.dirname, "lambda-runner.mjs");

/**
 * Builds the given function modules with `npm run build`'s options into a fresh folder, with the modules
 * SST would install beside a function (`nodejs.install`) in its node_modules.
 */
export async function buildFunctions(modules: string[]): Promise<Record<string, string>> {
  const outdir = await mkdtemp(join(tmpdir(), "linkplane-built-"));
  const out: Record<string, string> = {};
  for (const module of modules) {
    const entry: Entry = entries().find((e) => e.module === module) ?? { module, kind: "api", install: [] };
    for (const name of entry.install) {
      await mkdir(dirname(join(outdir, "node_modules", name)), { recursive: true });
      await symlink(join(root, "node_modules", name), join(outdir, "node_modules", name)).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        },
      );
    }
    out[module] = (await bundle(entry, outdir)).outfile;
  }
  return out;
}

/**
 * What a deployed function's environment holds: the links SST would inject (the table and the secrets
 * as `SST_RESOURCE_*`, never as LINKPLANE_* variables), the region, and, for DynamoDB Local, its address.
 */
export function lambdaEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const config = Config.get();
  const link = (value: Record<string, string>) => JSON.stringify(value);
  return {
    PATH: process.env.PATH ?? "",
    NODE_NO_WARNINGS: "1",
    AWS_REGION: config.awsRegion,
    AWS_ACCESS_KEY_ID: "linkplane",
    AWS_SECRET_ACCESS_KEY: "linkplane",
    AWS_LAMBDA_FUNCTION_NAME: "linkplane-test",
    LINKPLANE_DYNAMODB_ENDPOINT: config.dynamodbEndpoint ?? "",
    LINKPLANE_DYNAMODB_ACCESS_KEY_ID: config.dynamodb.accessKeyId ?? "",
    LINKPLANE_LOG_LEVEL: "silent",
    SST_RESOURCE_App: link({ name: "linkplane", stage: "test" }),
    SST_RESOURCE_Table: link({ name: config.tableName }),
    SST_RESOURCE_OperatorToken: link({ value: config.operatorToken ?? "" }),
    SST_RESOURCE_EncryptionKey: link({ value: config.encryptionKey?.toString("base64") ?? "" }),
    ...extra,
  };
}

/** Invokes a built bundle in a process of its own, as Lambda would, and answers what its handler returned. */
export async function invokeBuilt<T>(file: string, event: unknown, env = lambdaEnvironment()): Promise<T> {
  const resultFile = join(await mkdtemp(join(tmpdir(), "linkplane-invoke-")), "result.json");
  const child = run(process.execPath, [runner, file, resultFile], { env, maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin?.end(JSON.stringify(event));
  await child;
  const outcome = JSON.parse(await readFile(resultFile, "utf8")) as {
    ok: boolean;
    result: T;
    error?: string;
  };
  if (!outcome.ok) throw new Error(`${file} threw: ${outcome.error}`);
  return outcome.result;
}

/** An API Gateway HTTP API (payload 2.0) event, as the route's Lambda receives it. */
export function httpEvent(
  method: string,
  routeKey: string,
  path: string,
  options: { auth?: string; body?: unknown; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: "api.example.com", "user-agent": "built-artifact-test" };
  if (options.auth) headers.authorization = options.auth;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const query = new URLSearchParams(options.query ?? {}).toString();
  return {
    version: "2.0",
    routeKey: `${method} ${routeKey}`,
    rawPath: path,
    rawQueryString: query,
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "built-artifact-test" },
      requestId: `req-${crypto.randomUUID()}`,
      routeKey: `${method} ${routeKey}`,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

/** The JSON body of an API Gateway result. */
export function jsonOf(result: APIGatewayProxyStructuredResultV2): any {
  const text = result.isBase64Encoded
    ? Buffer.from(result.body ?? "", "base64").toString("utf8")
    : result.body;
  return text ? JSON.parse(text) : undefined;
}
