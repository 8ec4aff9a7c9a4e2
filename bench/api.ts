/**
 * `npm run bench:api`: the request paths of docs/performance.md's table, each against its floor, both
 * measured in this run on the same DynamoDB Local. Linkplane runs as `npm start` runs it (its own
 * process, with the stream poller and the scheduler). The floors are raw DynamoDB calls made from this
 * process through the same client, written out below; for the reads, also the same calls behind two
 * servers of our own in their own processes (bench/floor/), so that the HTTP hop is measured apart.
 * Prints numbers and ratios, asserts nothing. `-- --quick`: small sizes. BENCH_API_ROUNDS (default 3)
 * repeats the latency rows and prints medians.
 */
import { randomBytes } from "node:crypto";
import { BatchGetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import * as Config from "../core/config.ts";
import { Db } from "../core/db/client.ts";
import * as Keys from "../core/db/keys.ts";
import { startDynamoDbLocal } from "../infra/local/dynamodb-local.ts";
import { burst, latencies, p50Rounds, type Row, ratioRow as ratio, throughput } from "./measure.ts";
import { floorServer, startLinkplane } from "./servers.ts";
import { batchWrite, client, endpointItem, median, QUICK, request, size } from "./support.ts";

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

const linkplane = await startLinkplane(env);
const B = linkplane.base;
const { api, world } = client(B, operatorToken);
const minimal = await floorServer("bench/floor/minimal-server.ts", env);
const bare = await floorServer("bench/floor/bare-server.ts", env);
const T = () => Db.table();
const rows: Row[] = [];

/**
 * Waits for Linkplane's stream consumer to work through the changes just made (every floor here writes
 * real endpoint items, so the consumer sees the floor's changes too): otherwise the side measured next
 * pays for the other side's stream work.
 */
const settle = () => new Promise((r) => setTimeout(r, QUICK ? 1_000 : 3_000));

const at = { rounds: ROUNDS, samples: SAMPLES };
const ratioRow = (...args: Parameters<typeof ratio>) => rows.push(ratio(...args));

async function p50Row(
  path: string,
  goal: string,
  apiCall: () => Promise<unknown>,
  floor: () => Promise<unknown>,
) {
  const [a = [], f = []] = await p50Rounds([apiCall, floor], at);
  ratioRow(path, goal, a, f);
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
  // The same read behind two servers of our own in their own processes: the minimal one on Linkplane's
  // stack (Hono on @hono/node-server) and a bare node:http one. Bare against the raw GetItem is the hop
  // alone, which no code of ours runs in; Linkplane against the bare server is all the rest.
  const key = Keys.endpoint(ep.id);
  const floorGet = (port: number, path: string) => async () => {
    const r = await request("GET", `http://127.0.0.1:${port}${path}`);
    if (r.status !== 200) throw new Error(`floor server on ${port}: ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  };
  const itemPath = `/items/${encodeURIComponent(key.pk)}/${encodeURIComponent(key.sk)}`;
  const minimalGet = floorGet(minimal.port, itemPath);
  const bareGet = floorGet(bare.port, itemPath);
  {
    const [a = [], f = [], m = [], b = []] = await p50Rounds([getEndpoint, getItem, minimalGet, bareGet], at);
    ratioRow("GET /v1/endpoints/{id}, p50", "≤ 1.3×", a, f);
    ratioRow("GET vs the minimal server (Hono), p50", "(what Linkplane adds)", a, m);
    ratioRow("GET vs the bare server (node:http), p50", "(Hono and Linkplane)", a, b);
    ratioRow("the hop alone: bare server vs GetItem, p50", "(any server's floor)", b, f);
  }

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
  {
    const listPage = () => api("GET", "/v1/endpoints?region=ap-guangzhou&limit=20", c.h);
    const bareList = floorGet(
      bare.port,
      `/page/${encodeURIComponent(Keys.endpointsRegionPartition(c.uin, "ap-guangzhou"))}`,
    );
    const [a = [], f = [], b = []] = await p50Rounds([listPage, listQuery, bareList], at);
    ratioRow("list page of 20, p50", "≤ 1.3×", a, f);
    ratioRow("list vs the bare server's same Query, p50", "(Hono and Linkplane)", a, b);
    ratioRow("the hop alone: bare server's Query vs the Query, p50", "(any server's floor)", b, f);
  }

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
    ratioRow("create endpoint, p50", "≤ 1.5×", a, f);
  }

  // ---- 32 concurrent GETs vs 32 concurrent GetItem -------------------------------------------------
  // With the same two servers as the GET row: the bare one against the raw calls is the hop alone.
  {
    const calls = [getEndpoint, getItem, minimalGet, bareGet];
    const sides = calls.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, side] of calls.entries()) sides[i]?.push(await throughput(SAMPLES * 4, 32, side));
    }
    const [a = [], f = [], m = [], b = []] = sides;
    const perSecond = (path: string, goal: string, x: number[], y: number[]) =>
      ratioRow(path, goal, x, y, (v) => `${v.toFixed(0)}/s`);
    perSecond("32 concurrent GETs, per second", "≥ 0.85×", a, f);
    perSecond("32 concurrent GETs vs the minimal server (Hono)", "(what Linkplane adds)", a, m);
    perSecond("32 concurrent GETs vs the bare server (node:http)", "(Hono and Linkplane)", a, b);
    perSecond("32 concurrent: the hop alone, bare server vs GetItem", "(any server's ceiling)", b, f);
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
  minimal.process.kill("SIGTERM");
  bare.process.kill("SIGTERM");
  await linkplane.stop();
  await dynamo.stop();
}
