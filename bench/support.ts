import { existsSync, readdirSync, readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import "../infra/local/sdk-notice.ts";
import { BatchWriteCommand, type BatchWriteCommandOutput } from "@aws-sdk/lib-dynamodb";
import { Db } from "../core/db/client.ts";
import * as Keys from "../core/db/keys.ts";

/** `npm run bench -- --quick`: small sizes, one pass, well under a minute; CI runs it so a broken bench shows. */
export const QUICK = process.argv.includes("--quick");

/** A size: the environment variable if set, else the full or the quick default. */
export function size(name: string, full: number, quick: number): number {
  return Number(process.env[name] ?? (QUICK ? quick : full));
}

export const seconds = (t0: number) => (performance.now() - t0) / 1000;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Items written with BatchWriteItem, 25 a request, `inFlight` requests at a time, unprocessed ones resent. */
export async function batchWrite(items: Record<string, unknown>[], inFlight: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + 25);
      next += 25;
      let requests: unknown[] | undefined = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (requests?.length) {
        const out: BatchWriteCommandOutput = await Db.client().send(
          new BatchWriteCommand({ RequestItems: { [Db.table()]: requests as never } }),
        );
        requests = out.UnprocessedItems?.[Db.table()];
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** An endpoint item with every attribute `EndpointCreation.create` stores, so reads of it cost what real ones do. */
export function endpointItem(o: {
  i: number;
  uin: string;
  serviceId: string;
  serviceOwnerUin: string;
  vpcId: string;
  subnetId: string;
  createdAt: string;
}): Record<string, unknown> {
  const id = `vpce-${o.i.toString(36).padStart(8, "0")}`;
  return {
    ...Keys.endpoint(id),
    ...Keys.endpointListing(o.uin, "ap-guangzhou", o.serviceId, o.createdAt, id),
    type: "Endpoint",
    v: 1,
    id,
    name: `seeded-${o.i}`,
    nameLower: `seeded-${o.i}`,
    region: "ap-guangzhou",
    vpcId: o.vpcId,
    subnetId: o.subnetId,
    ip: `10.1.${(o.i >> 8) & 255}.${o.i & 255}`,
    ipNumber: o.i,
    endpointServiceId: o.serviceId,
    serviceName: "bench",
    serviceOwnerUin: o.serviceOwnerUin,
    ownerUin: o.uin,
    state: "available",
    stateVersion: 2,
    stateChangedAt: o.createdAt,
    lastActor: o.serviceOwnerUin,
    lastReason: "seeded",
    securityGroupIds: [],
    sgVersion: 0,
    serviceDeleted: false,
    createdAt: o.createdAt,
    tags: { bench: "yes" },
    allowlistEntryCreatedAt: o.createdAt,
  };
}

/** Calls to a running Linkplane, as a client would make them: operator, tenants with credentials. */
export type Headers = Record<string, string>;

/**
 * One HTTP request on kept-alive connections through `node:http`, the stack the floors' DynamoDB calls
 * go through (the SDK's NodeHttpHandler): a bench that timed Linkplane through `fetch` (undici) and its
 * floor through `node:http` would charge Linkplane for the client's choice. On a loaded machine the same
 * GET through `fetch` took 0.8 ms more at the median of five rounds (8.96 vs 8.19 ms; rounds went both
 * ways).
 */
export function request(
  method: string,
  url: string,
  headers: Headers = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { method, headers, agent: keepAlive }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, text }));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(body);
  });
}
// No cap on sockets, as fetch has none: the bursts put every request in flight at once.
const keepAlive = new Agent({ keepAlive: true });

export function client(base: string, operatorToken: string) {
  const op: Headers = { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" };
  async function api(method: string, path: string, auth: Headers, body?: unknown) {
    const r = await request(
      method,
      `${base}${path}`,
      auth,
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.text.startsWith("{") ? JSON.parse(r.text) : r.text;
  }
  async function tenant() {
    const account = await api("POST", "/v1/operator/accounts", op, {});
    const cred = await api("POST", `/v1/operator/accounts/${account.uin}/credentials`, op);
    return {
      uin: account.uin as string,
      h: { authorization: `Bearer ${cred.secretId}:${cred.secretKey}`, "content-type": "application/json" },
    };
  }
  /**
   * What every bench starts from: a provider with a VPC (10.0/16) and a consumer with a VPC (10.1/16)
   * and a subnet in it; `service` adds a CLB service of the provider that the consumer may connect to.
   */
  async function world(subnetCidr = "10.1.0.0/20") {
    const p = await tenant();
    const c = await tenant();
    const region = "ap-guangzhou";
    const pvpc = await api("POST", "/v1/vpcs", p.h, { region, name: "p", cidrBlock: "10.0.0.0/16" });
    const cvpc = await api("POST", "/v1/vpcs", c.h, { region, name: "c", cidrBlock: "10.1.0.0/16" });
    const subnet = (cidrBlock: string) =>
      api("POST", "/v1/subnets", c.h, { vpcId: cvpc.id, zone: "ap-guangzhou-3", name: "s", cidrBlock });
    let backends = 0;
    const service = async (name: string, options: { autoAccept?: boolean } = {}) => {
      backends += 1;
      const lb = await api("POST", "/v1/backend-instances", p.h, {
        type: "CLB",
        vpcId: pvpc.id,
        vip: `10.0.${Math.floor(backends / 250)}.${(backends % 250) + 1}`,
        port: 80,
        name,
      });
      const svc = await api("POST", "/v1/endpoint-services", p.h, {
        name,
        vpcId: pvpc.id,
        serviceType: "CLB",
        backendInstanceId: lb.id,
        ...options,
      });
      await api("POST", `/v1/endpoint-services/${svc.id}/allowlist`, p.h, { uin: c.uin });
      return svc;
    };
    return { p, c, pvpc, cvpc, subnet: await subnet(subnetCidr), newSubnet: subnet, service };
  }
  return { api, tenant, op, world };
}

export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

/**
 * CPU time (ms) used so far by a process (and its descendants unless told not), from /proc (Linux). On a shared machine
 * wall time drifts with the neighbours' load; CPU per unit of work drifts far less. With `threads`, only the
 * threads so named count. Undefined elsewhere.
 */
export function cpuMs(root: number | undefined, descendants = true, threads?: RegExp): number | undefined {
  if (root === undefined || !existsSync("/proc/self/stat")) return undefined;
  const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const parent = Number(stat(d)[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(d)]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  let total = 0;
  const walk = (pid: number) => {
    try {
      // utime + stime, in clock ticks of 10 ms.
      total += threads ? threadsMs(pid, threads) : ticksMs(stat(String(pid)));
    } catch {
      return;
    }
    if (descendants) for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return total;
}

const ticksMs = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) * 10;

/** CPU of a process's threads whose name matches, e.g. a JVM's JIT compiler threads. */
function threadsMs(pid: number, name: RegExp): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const raw = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      if (name.test(raw.slice(raw.indexOf("(") + 1, raw.lastIndexOf(")"))))
        total += ticksMs(raw.split(") ")[1]?.split(" ") ?? []);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return total;
}

/** The JIT compiler threads of a JVM (HotSpot names them "C1 CompilerThread0", "C2 CompilerThread1"...). */
export const JIT_THREADS = /^C[12] CompilerThre/;
