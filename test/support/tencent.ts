import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import Sign from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";
import { afterAll, beforeAll } from "vitest";
import * as Config from "../../core/config.ts";
import { Clock } from "../../core/util/time.ts";
import { VERSION } from "../../functions/api/tencent/index.ts";
import { signature, utcDate } from "../../functions/api/tencent/tc3.ts";
import { type LocalOptions, type LocalRuntime, startLocal } from "../../infra/local/runtime.ts";
import type { Tenant } from "./api.ts";
import { localApp } from "./api.ts";
import { installSuiteClock } from "./clock.ts";

export { type SpecRequest, specAuthorization } from "./tc3-spec.ts";

/** The official SDK's VPC client, and what the Tencent-surface tests share: a runtime, accounts, errors. */
export const VpcClient = tencentcloud.vpc.v20170312.Client;
export type Client = InstanceType<typeof VpcClient>;
export type ClientProfile = NonNullable<ConstructorParameters<typeof VpcClient>[0]["profile"]>;

export interface Account {
  uin: string;
  appId: string;
  secretId: string;
  secretKey: string;
  client: Client;
}

export const sign3 = (Sign as unknown as { sign3: (o: object) => string }).sign3;

/** Starts a local runtime for the test file (on the shared DynamoDB Local) and stops it after. */
export function useRuntime(options: Partial<LocalOptions> = {}) {
  const state = { runtime: undefined as unknown as LocalRuntime };
  // The Tencent SDK signs with the system clock, so the server it talks to here reads that clock too.
  Clock.use(undefined);
  afterAll(installSuiteClock);
  beforeAll(async () => {
    state.runtime = await startLocal({
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "lp-sdk-")),
      dynamodbEndpoint: Config.get().dynamodbEndpoint,
      tableName: Config.get().tableName,
      scheduler: false,
      pollIntervalMs: 20,
      ...options,
    });
  });
  afterAll(() => state.runtime.stop());

  const rest = async (method: string, path: string, auth: string, body?: unknown) => {
    const r = await fetch(`${state.runtime.url}${path}`, {
      method,
      headers: { authorization: auth, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
  };

  const client = (
    secretId: string,
    secretKey: string,
    region = "ap-guangzhou",
    profile: Partial<ClientProfile> = {},
  ): Client =>
    new VpcClient({
      credential: { secretId, secretKey },
      region,
      profile: {
        ...profile,
        httpProfile: {
          endpoint: `127.0.0.1:${state.runtime.port}`,
          protocol: "http://",
          reqTimeout: 30,
          ...profile.httpProfile,
        },
      },
    });

  const account = async (): Promise<Account> => {
    const op = `Bearer ${state.runtime.operatorToken}`;
    const a = await rest("POST", "/v1/operator/accounts", op, {});
    const c = await rest("POST", `/v1/operator/accounts/${a.body.uin}/credentials`, op);
    return {
      uin: a.body.uin,
      appId: a.body.appId,
      secretId: c.body.secretId,
      secretKey: c.body.secretKey,
      client: client(c.body.secretId, c.body.secretKey),
    };
  };

  /** A load balancer (backend instances are REST-only: in the reference they belong to other products). */
  const loadBalancer = async (a: Account, vpcId: string, vip = "10.0.0.10"): Promise<string> => {
    const lb = await rest("POST", "/v1/backend-instances", `Bearer ${a.secretId}:${a.secretKey}`, {
      type: "CLB",
      vpcId,
      vip,
      port: 80,
      name: "lb",
    });
    return lb.body.id;
  };

  return {
    loadBalancer,
    get runtime() {
      return state.runtime;
    },
    get port() {
      return state.runtime.port;
    },
    rest,
    client,
    account,
  };
}

/** The SDK's exception, or a failure if the call succeeded. */
export async function sdkError(
  call: Promise<unknown>,
): Promise<{ code: string; message: string; requestId: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: string; message: string; requestId: string };
  }
  throw new Error("expected the SDK call to fail");
}

/** Waits for the next whole second: two identical SDK calls within one second are the same signature. */
export async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
}

export interface RawCall {
  url: string;
  init: { method: string; headers: Record<string, string>; body?: string };
}

/** A POST signed by the Node SDK's own signer, as a request that can be sent, re-sent or altered. */
export function sdkSignedPost(
  port: number,
  a: { secretId: string; secretKey: string },
  action: string,
  payload: Record<string, unknown>,
  region = "ap-guangzhou",
): RawCall {
  const timestamp = Math.floor(Date.now() / 1000);
  const authorization = sign3({
    method: "POST",
    url: `http://127.0.0.1:${port}/`,
    payload,
    timestamp,
    service: "127",
    secretId: a.secretId,
    secretKey: a.secretKey,
    headers: { "Content-Type": "application/json" },
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    init: {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-tc-action": action,
        "x-tc-version": "2017-03-12",
        "x-tc-region": region,
        "x-tc-timestamp": String(timestamp),
        authorization,
      },
      body: JSON.stringify(payload),
    },
  };
}

export interface Envelope {
  Response: { Error?: { Code: string; Message: string }; RequestId: string } & Record<string, any>;
}

/** Sends a raw call, optionally with some headers changed, and returns the envelope. */
export async function send(call: RawCall, headers: Record<string, string> = {}): Promise<Envelope> {
  const response = await fetch(call.url, { ...call.init, headers: { ...call.init.headers, ...headers } });
  if (response.status !== 200) throw new Error(`expected HTTP 200, got ${response.status}`);
  return (await response.json()) as Envelope;
}

export interface TencentCall {
  action: string;
  params?: unknown;
  region?: string;
  query?: string;
}

/** A TC3-HMAC-SHA256-signed request to `POST /`, as the official SDKs send it, through the local app. */
export async function tencent(t: Tenant, input: TencentCall): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(input.params ?? {});
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: "localhost",
    "x-tc-action": input.action,
    "x-tc-version": VERSION,
    "x-tc-timestamp": String(timestamp),
    "x-tc-region": input.region ?? "ap-guangzhou",
  };
  const signed = ["content-type", "host"];
  const sig = signature({
    method: "POST",
    path: "/",
    query: input.query ?? "",
    headers: Object.assign(Object.create(null), headers),
    signedHeaders: signed,
    body,
    timestamp,
    service: "vpc",
    secretKey: t.secretKey,
  });
  headers.authorization = `TC3-HMAC-SHA256 Credential=${t.secretId}/${utcDate(timestamp)}/vpc/tc3_request, SignedHeaders=${signed.join(";")}, Signature=${sig}`;
  const url = `http://localhost/${input.query ? `?${input.query}` : ""}`;
  const response = await (await localApp()).request(url, { method: "POST", headers, body });
  return { status: response.status, body: await response.json() };
}
