/**
 * `npm run bench:api`: the request paths of docs/performance.md's table, each against its floor, both
 * measured in this run on the same DynamoDB Local. Linkplane runs as `npm start` runs it (its own
 * process, with the stream poller and the scheduler); the floors are raw DynamoDB calls made from this
 * process through the same document client, written out below. Prints numbers and ratios, asserts
 * nothing. `-- --quick`: small sizes. BENCH_API_ROUNDS (default 3) repeats the latency rows and
 * prints medians.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BatchGetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import * as Config from "../core/config.ts";
import { Db } from "../core/db/client.ts";
import * as Keys from "../core/db/keys.ts";
import { freePort, startDynamoDbLocal } from "../infra/local/dynamodb-local.ts";
import { batchWrite, client, endpointItem, median, percentile, QUICK, request, size } from "./support.ts";

const ROUNDS = size("BENCH_API_ROUNDS", 3, 1);
const SAMPLES = size("BENCH_API_SAMPLES", 300, 40);
const BATCH = size("BENCH_API_BATCH", 500, 100);
const ACCEPTS = size("BENCH_API_ACCEPTS", 100, 20);
const CREATIONS = size("BENCH_API_CREATIONS", 200, 20);

const dynamo = await startDynamoDbLocal({});
const table = `bench-${randomBytes(4).toString("hex")}`;
const operatorToken = `lpop_${randomBytes(18).toString("base64url")}`;
const env = {
  LINKPLANE_DYNAMODB_ENDPOINT: dynamo.endpoint,
  LINKPLANE_TABLE: table,
  LINKPLANE_OPERATOR_TOKEN: operatorToken,
  LINKPLANE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  LINKPLANE_QUOTA_ENDPOINTS_PER_VPC: "100000",
  LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE: "100000",
  // A burst of transactions on a loaded DynamoDB Local waits well past the 2 s default: a timeout here
  // would be a failed bench, not a measurement.
  LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS: "60000",
  LINKPLANE_DYNAMODB_CONNECT_TIMEOUT_MS: "60000",
};
Object.assign(process.env, env, { LINKPLANE_LOG_LEVEL: "silent" });
Config.reset();
Db.use(undefined);

// Linkplane as `npm start` runs it: its own process, poller and scheduler included, logging as it does.
const port = await freePort();
const server: ChildProcess = spawn(
  process.execPath,
  ["--import", "tsx", "infra/local/main.ts", "--port", String(port)],
  {
    cwd: resolve(import.meta.dirname, ".."),
    env: {
      ...process.env,
      ...env,
      LINKPLANE_LOG_LEVEL: "info",
      LINKPLANE_DATA_DIR: mkdtempSync(join(tmpdir(), "lp-bench-api-")),
    },
    stdio: ["ignore", "ignore", "inherit"],
  },
);
const B = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${B}/health`)).ok) break;
  } catch {
    if (i > 600) throw new Error("linkplane did not start");
  }
  await new Promise((r) => setTimeout(r, 100));
}
const { api, world } = client(B, operatorToken);

// The floor with the HTTP hop: the minimal server on the same stack, in its own process.
const floorPort = await freePort();
const floorServer: ChildProcess = spawn(
  process.execPath,
  ["--import", "tsx", "bench/floor/minimal-server.ts"],
  {
    cwd: resolve(import.meta.dirname, ".."),
    env: { ...process.env, ...env, FLOOR_PORT: String(floorPort) },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
await new Promise<void>((ready, fail) => {
  floorServer.stdout?.once("data", () => ready());
  floorServer.once("exit", (code) => fail(new Error(`the minimal server exited (${code})`)));
});
const T = () => Db.table();
const rows: Array<{ path: string; value: string; floor: string; ratio: number; goal: string }> = [];

/** Sequential latencies of `fn`, `n` times. */
async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Calls per second with `inFlight` callers for `n` calls in all. */
async function throughput(n: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Waits for Linkplane's stream consumer to work through the changes just made (every floor here writes
 * real endpoint items, so the consumer sees the floor's changes too): otherwise the side measured next
 * pays for the other side's stream work.
 */
const settle = () => new Promise((r) => setTimeout(r, QUICK ? 1_000 : 3_000));

/** `n` calls all at once: wall time, calls per second and the p95 of their latencies. */
async function burst(n: number, fn: (i: number) => Promise<unknown>) {
  const each: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = performance.now();
      await fn(i);
      each.push(performance.now() - s);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, perSecond: n / seconds, p95: percentile(each, 0.95) };
}

/** p50 of the API and of its floor, interleaved round by round so both see the same load; medians. */
async function p50Row(
  path: string,
  goal: string,
  apiCall: () => Promise<unknown>,
  floor: () => Promise<unknown>,
) {
  const a: number[] = [];
  const f: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Warm both sides' code paths (the JIT) before timing, not only the connections.
    await latencies(100, apiCall);
    await latencies(100, floor);
    a.push(median(await latencies(SAMPLES, apiCall)));
    f.push(median(await latencies(SAMPLES, floor)));
  }
  const ratios = a.map((x, i) => x / (f[i] as number));
  rows.push({
    path,
    value: `${median(a).toFixed(2)} ms`,
    floor: `${median(f).toFixed(2)} ms`,
    ratio: median(ratios),
    goal,
  });
}

try {
  // ---- Tenants and a service --------------------------------------------------------------------
  const { p, c, cvpc, subnet: sub, newSubnet: subnet, service } = await world();
  const svc = await service("bench");
  const create = (subnetId: string, name: string) =>
    api("POST", "/v1/endpoints", c.h, { name, vpcId: cvpc.id, subnetId, endpointServiceId: svc.id });
  const pendings = async (n: number, subnetId: string) => {
    const ids: string[] = new Array(n);
    await throughput(n, 8, async (i) => {
      ids[i] = (await create(subnetId, `e${i}`)).id;
    });
    return ids;
  };
  const ep = await create(sub.id, "one");
  const createdAt = new Date().toISOString();
  // Items the floors work on: the endpoint's stored shape, so a raw read costs what a real one does.
  const seeded = (i: number) =>
    endpointItem({
      i,
      uin: c.uin,
      serviceId: svc.id,
      serviceOwnerUin: p.uin,
      vpcId: cvpc.id,
      subnetId: sub.id,
      createdAt,
    });
  const pending = (i: number): Record<string, unknown> => ({ ...seeded(i), state: "pending" });

  // The floors' raw writes, as DynamoDB sees them.
  const add = (Key: { pk: string; sk: string }) => ({
    Update: {
      TableName: T(),
      Key,
      UpdateExpression: "ADD floorCount :one",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":one": 1 },
    },
  });
  /** A creation's 6 items: endpoint, address reservation, service, VPC and subnet counters, history entry. */
  const creationFloor = (item: Record<string, unknown>, subnetId: string, ip: number) => [
    { Put: { TableName: T(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
    {
      Put: {
        TableName: T(),
        Item: { ...Keys.ipReservation(c.uin, subnetId, ip), type: "IpReservation", ip },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    add(Keys.service(svc.id)),
    add(Keys.owned(c.uin, "VPC", cvpc.id)),
    add(Keys.owned(c.uin, "SUBNET", subnetId)),
    {
      Put: {
        TableName: T(),
        Item: { ...Keys.history(String(item.id), 1), type: "ConnectionHistory" },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ];
  /** A transition's 2 items: the state moved under its condition, history entry 3. */
  const acceptFloor = (id: string) => [
    {
      Update: {
        TableName: T(),
        Key: Keys.endpoint(id),
        UpdateExpression: "SET #state = :to, stateVersion = :next",
        ConditionExpression: "#state = :from AND stateVersion = :v",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":to": "available", ":from": "pending", ":v": 2, ":next": 3 },
      },
    },
    {
      Put: {
        TableName: T(),
        Item: { ...Keys.history(id, 3), type: "ConnectionHistory" },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ];
  await batchWrite(
    Array.from({ length: 20 }, (_, i) => seeded(i)),
    2,
  );
  // The setup's writes are still going through Linkplane's stream consumer: the first row would time it.
  await settle();

  // ---- GET one resource vs one GetItem -----------------------------------------------------------
  // Floor: the one read the route needs (consistent=false, as the route reads), through the same
  // middleware-caching client the route's read goes through: the cheapest GetItem the SDK makes.
  const getItem = () => Db.getItem({ ...Keys.endpoint(ep.id) }, false);
  const getEndpoint = () => api("GET", `/v1/endpoints/${ep.id}`, c.h);
  await p50Row("GET /v1/endpoints/{id}, p50", "≤ 1.3×", getEndpoint, getItem);
  // The same route against the minimal server's one GetItem over HTTP: what Linkplane itself adds.
  const key = Keys.endpoint(ep.id);
  const minimalUrl = `http://127.0.0.1:${floorPort}/items/${encodeURIComponent(key.pk)}/${encodeURIComponent(key.sk)}`;
  const minimalGet = async () => {
    const r = await request("GET", minimalUrl);
    if (r.status !== 200) throw new Error(`minimal server: ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  };
  await p50Row(
    "GET /v1/endpoints/{id} vs the minimal server, p50",
    "(what Linkplane adds)",
    getEndpoint,
    minimalGet,
  );

  // ---- list page of 20 vs one Query of 20 --------------------------------------------------------
  // Floor: one Query of 20 through the middleware-caching client, as the route's page is read.
  const listQuery = () =>
    Db.query({
      TableName: T(),
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.endpointsRegionPartition(c.uin, "ap-guangzhou") },
      ScanIndexForward: false,
      Limit: 20,
    });
  await pendings(20, sub.id);
  await p50Row(
    "list page of 20, p50",
    "≤ 1.3×",
    () => api("GET", "/v1/endpoints?region=ap-guangzhou&limit=20", c.h),
    listQuery,
  );

  // ---- /health vs one GetItem --------------------------------------------------------------------
  await p50Row("/health, p50", "≤ 1.3× (or no read)", () => request("GET", `${B}/health`), getItem);

  // ---- create endpoint vs its floor ---------------------------------------------------------------
  // Floor: the read a creation needs (one BatchGetItem of service, VPC, subnet and allowlist entry) and
  // its 6-item transaction, raw, one after the other.
  const floorSubnet = await subnet("10.1.16.0/20");
  let floorIp = 0;
  const createFloor = async () => {
    await Db.client().send(
      new BatchGetCommand({
        RequestItems: {
          [T()]: {
            Keys: [
              Keys.service(svc.id),
              Keys.owned(c.uin, "VPC", cvpc.id),
              Keys.owned(c.uin, "SUBNET", floorSubnet.id),
              Keys.allowlistEntry(svc.id, c.uin),
            ],
            ConsistentRead: true,
          },
        },
      }),
    );
    const i = 100_000 + floorIp++;
    await Db.client().send(
      new TransactWriteCommand({ TransactItems: creationFloor(seeded(i), floorSubnet.id, i) }),
    );
  };
  {
    const a: number[] = [];
    const f: number[] = [];
    const n = Math.min(SAMPLES, 100);
    let k = 0;
    for (let r = 0; r < ROUNDS; r++) {
      a.push(median(await latencies(n, () => create(floorSubnet.id, `c${k++}`))));
      f.push(median(await latencies(n, createFloor)));
    }
    rows.push({
      path: "create endpoint, p50",
      value: `${median(a).toFixed(2)} ms`,
      floor: `${median(f).toFixed(2)} ms`,
      ratio: median(a.map((x, i) => x / (f[i] as number))),
      goal: "≤ 1.5×",
    });
  }

  // ---- 32 concurrent GETs vs 32 concurrent GetItem -------------------------------------------------
  {
    const a: number[] = [];
    const f: number[] = [];
    const m: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await throughput(SAMPLES * 4, 32, getEndpoint));
      f.push(await throughput(SAMPLES * 4, 32, getItem));
      m.push(await throughput(SAMPLES * 4, 32, minimalGet));
    }
    rows.push({
      path: "32 concurrent GETs, per second",
      value: `${median(a).toFixed(0)}/s`,
      floor: `${median(f).toFixed(0)}/s`,
      ratio: median(a.map((x, i) => x / (f[i] as number))),
      goal: "≥ 0.85×",
    });
    rows.push({
      path: "32 concurrent GETs vs the minimal server, per second",
      value: `${median(a).toFixed(0)}/s`,
      floor: `${median(m).toFixed(0)}/s`,
      ratio: median(a.map((x, i) => x / (m[i] as number))),
      goal: "(what Linkplane adds)",
    });
  }

  // ---- N concurrent single accepts ------------------------------------------------------------------
  // Floor: per connection, the transaction a transition needs (state moved under its condition, history
  // entry N+1), on seeded items of the same shape, all at once.
  {
    const ids = await pendings(ACCEPTS, sub.id);
    const floorItems = Array.from({ length: ACCEPTS }, (_, i) => pending(200_000 + i));
    await batchWrite(floorItems, 4);
    await settle();
    const transitionFloor = (id: string) =>
      Db.client().send(new TransactWriteCommand({ TransactItems: acceptFloor(id) }));
    const f = await burst(ACCEPTS, (i) => transitionFloor(String(floorItems[i]?.id)));
    await settle();
    const a = await burst(ACCEPTS, (i) =>
      api("POST", `/v1/endpoint-services/${svc.id}/connections/accept`, p.h, { endpointIds: [ids[i]] }),
    );
    rows.push({
      path: `${ACCEPTS} concurrent single accepts, transitions/s (p95)`,
      value: `${a.perSecond.toFixed(0)}/s (${a.p95.toFixed(0)} ms)`,
      floor: `${f.perSecond.toFixed(0)}/s (${f.p95.toFixed(0)} ms)`,
      ratio: a.perSecond / f.perSecond,
      goal: "≥ 96/s (3× 32/s)",
    });
  }

  // ---- batch accept of N pending connections, requests of 100 ----------------------------------------
  // Floor: the same transitions as raw transactions of 100 items (50 state moves and their history
  // entries each), one after another.
  {
    const ids = await pendings(BATCH, sub.id);
    const floorItems = Array.from({ length: BATCH }, (_, i) => pending(300_000 + i));
    await batchWrite(floorItems, 4);
    await settle();
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i += 50) {
      await Db.client().send(
        new TransactWriteCommand({
          TransactItems: floorItems.slice(i, i + 50).flatMap((item) => acceptFloor(String(item.id))),
        }),
      );
    }
    const floorMs = performance.now() - t0;
    await settle();
    const t1 = performance.now();
    for (let i = 0; i < BATCH; i += 100) {
      const out = await api("POST", `/v1/endpoint-services/${svc.id}/connections/accept`, p.h, {
        endpointIds: ids.slice(i, i + 100),
      });
      if (!out.results.every((r: { ok: boolean }) => r.ok)) throw new Error("a batch accept failed");
    }
    const apiMs = performance.now() - t1;
    rows.push({
      path: `batch accept of ${BATCH} pending (requests of 100)`,
      value: `${(apiMs / 1000).toFixed(2)} s, ${(BATCH / (apiMs / 1000)).toFixed(0)}/s`,
      floor: `${(floorMs / 1000).toFixed(2)} s`,
      ratio: apiMs / floorMs,
      goal: "≤ 2 s in all",
    });
  }

  // ---- N concurrent creations into one subnet -------------------------------------------------------
  // Floor: N creation transactions of the same 6 items, all at once, each with an address of its own
  // (no allocation, no retries): what DynamoDB Local does with N transactions on the same counters.
  {
    // A /24: 200 of its 253 addresses, so address allocation is part of what is measured.
    const one = await subnet("10.1.64.0/24");
    const floorSub = await subnet("10.1.65.0/24");
    await settle();
    const f = await burst(CREATIONS, async (i) => {
      const item = seeded(400_000 + i);
      for (;;) {
        try {
          await Db.client().send(
            new TransactWriteCommand({ TransactItems: creationFloor(item, floorSub.id, i) }),
          );
          return;
        } catch (error) {
          // A conflict on the shared counters: the floor retries too, or it would not be one.
          if ((error as Error).name !== "TransactionCanceledException") throw error;
        }
      }
    });
    await settle();
    const a = await burst(CREATIONS, (i) => create(one.id, `n${i}`));
    rows.push({
      path: `${CREATIONS} concurrent creations into one subnet, wall (p95)`,
      value: `${a.seconds.toFixed(2)} s (${(a.p95 / 1000).toFixed(2)} s)`,
      floor: `${f.seconds.toFixed(2)} s (${(f.p95 / 1000).toFixed(2)} s)`,
      ratio: a.seconds / f.seconds,
      goal: "≤ 10 s, p95 ≤ 5 s",
    });
  }

  console.log(
    `\nbench:api (${QUICK ? "quick" : "full"}; latency rows: median of ${ROUNDS} rounds of ${SAMPLES})`,
  );
  console.table(
    rows.map((r) => ({
      path: r.path,
      linkplane: r.value,
      floor: r.floor,
      ratio: `${r.ratio.toFixed(2)}×`,
      goal: r.goal,
    })),
  );
} finally {
  floorServer.kill("SIGTERM");
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await dynamo.stop();
}
