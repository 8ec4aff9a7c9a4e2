/**
 * Webhook numbers, against DynamoDB Local through the real code (`npm run bench:webhooks`):
 *   1. change → first attempt: a provider accepts a connection; how long until the consumer's receiver
 *      is asked (through the stream poller at `npm start`'s 100 ms, the fan-out and the dispatcher);
 *   2. delivery throughput to a fast local receiver, against a plain loop of signed fetch POSTs to the
 *      same receiver at the same concurrency, alternated and repeated in one run (median ratio), with
 *      the CPU each message cost this process and DynamoDB Local (steadier than wall time when the
 *      machine is shared).
 * Prints numbers; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setLogSink } from "../core/util/log.ts";
import {
  WebhookDispatcher,
  WebhookMessage,
  WebhookModel,
  WebhookSubscription,
} from "../core/webhook/index.ts";
import { sign } from "../core/webhook/signature.ts";
import * as WebhookSecret from "../core/webhook/subscription-secret.ts";
import { startLocal } from "../infra/local/runtime.ts";
import { client, cpuMs, JIT_THREADS, median, percentile, QUICK as quick } from "./support.ts";

process.env.LINKPLANE_LOG_LEVEL = "silent";
setLogSink(() => {});
const runtime = await startLocal({
  inMemory: true,
  port: 0,
  dataDir: `/tmp/linkplane-bench-${randomBytes(4).toString("hex")}`,
  scheduler: false,
});
const { api, world } = client(runtime.url, runtime.operatorToken);

// A receiver that answers at once and notes when each event arrived.
const arrived = new Map<string, number>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const event = JSON.parse(body) as { type: string; data: { id?: string } };
    if (event.type === "connection.accepted" && event.data.id) arrived.set(event.data.id, performance.now());
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;

try {
  const { p, c, cvpc, subnet, service } = await world();
  const svc = await service("manual");
  const sub = await api("POST", "/v1/webhooks", c.h, { url, events: ["connection.accepted"] });

  // 1: one accept at a time; the clock starts before the request is sent (so it counts the API too).
  const n = quick ? 10 : 50;
  const latency: number[] = [];
  for (let i = 0; i < n; i++) {
    const ep = await api("POST", "/v1/endpoints", c.h, {
      name: `w${i}`,
      vpcId: cvpc.id,
      subnetId: subnet.id,
      endpointServiceId: svc.id,
    });
    const t0 = performance.now();
    await api("POST", `/v1/endpoint-services/${svc.id}/connections/accept`, p.h, { endpointIds: [ep.id] });
    while (!arrived.has(ep.id)) await new Promise((r) => setTimeout(r, 2));
    latency.push((arrived.get(ep.id) as number) - t0);
  }
  console.log(
    `webhooks: change → first attempt  p50 ${percentile(latency, 0.5).toFixed(0)} ms  p95 ${percentile(latency, 0.95).toFixed(0)} ms  max ${Math.max(...latency).toFixed(0)} ms  (n=${n}, stream poll 100 ms as npm start)`,
  );

  // 2: throughput. Messages are written first (the fan-out's work); what is timed is the dispatcher
  // attempting and recording them, against signing and POSTing the same bodies in a plain loop.
  const stored = (await WebhookSubscription.all(c.uin)).find(
    (s) => s.id === sub.id,
  ) as WebhookSubscription.Stored;
  const secret = WebhookSecret.signingSecrets(stored)[0] as string;
  const concurrency = 8;
  const perRound = quick ? 200 : 1000;
  const rounds = quick ? 1 : 5;
  /** CPU per message (µs) of this process and of DynamoDB Local, per path, one entry a round. */
  // DynamoDB Local's JIT compiling is counted apart: it is the JVM warming up, not work per message.
  const cpu = {
    ours: { node: [] as number[], db: [] as number[], jit: [] as number[] },
    plain: { node: [] as number[], db: [] as number[], jit: [] as number[] },
  };
  const jitMs = () => cpuMs(runtime.dynamodb.pid, true, JIT_THREADS);
  async function measured(path: "ours" | "plain", run: () => Promise<number>): Promise<number> {
    const [n0, d0, j0] = [cpuMs(process.pid, false), cpuMs(runtime.dynamodb.pid), jitMs()];
    const rate = await run();
    const [n1, d1, j1] = [cpuMs(process.pid, false), cpuMs(runtime.dynamodb.pid), jitMs()];
    const perMessage = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined ? ((b - a) / perRound) * 1000 : undefined;
    const [node, all, jit] = [perMessage(n0, n1), perMessage(d0, d1), perMessage(j0, j1)];
    if (node !== undefined) cpu[path].node.push(node);
    if (all !== undefined && jit !== undefined) {
      cpu[path].db.push(all - jit);
      cpu[path].jit.push(jit);
    }
    return rate;
  }
  const payload = (i: number) => ({
    type: "connection.accepted" as const,
    timestamp: new Date().toISOString(),
    data: { id: `bench-${i}`, state: "available" },
  });

  async function ours(round: number): Promise<number> {
    const now = WebhookModel.now();
    const messages = Array.from({ length: perRound }, (_, i) =>
      WebhookMessage.build({
        subscriptionId: stored.id,
        ownerUin: stored.ownerUin,
        eventId: WebhookModel.eventId(now, "connection.accepted", `bench-${round}-${i}`, 1),
        event: payload(i),
        now,
      }),
    );
    await WebhookMessage.putNew(messages);
    // Let the poller read the fan-out's writes first: they are not what is timed.
    await runtime.poller.idle();
    return measured("ours", async () => {
      const dispatcher = new WebhookDispatcher({ perSubscription: concurrency, timerHorizonMs: 0 });
      const t0 = performance.now();
      await dispatcher.dispatch(
        messages.map((message) => ({ message, subscription: stored, trigger: "initial" })),
      );
      await dispatcher.idle();
      return perRound / ((performance.now() - t0) / 1000);
    });
  }

  const plainLoop = () => measured("plain", plainFetches);
  async function plainFetches(): Promise<number> {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < perRound) {
          const i = next++;
          const body = JSON.stringify(payload(i));
          const id = `msg-plain-${i}`;
          const at = new Date();
          const r = await fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "webhook-id": id,
              "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
              // Signed as Linkplane signs, so the floor pays no more for it than Linkplane does.
              "webhook-signature": sign(secret, id, at, body),
            },
            body,
          });
          await r.arrayBuffer();
        }
      }),
    );
    return perRound / ((performance.now() - t0) / 1000);
  }

  // Warm both paths before timing. DynamoDB Local's JVM is fresh: until its JIT has compiled the write
  // path, each round spends up to as much CPU compiling as writing (measured: 300-700 µs a message in
  // the first rounds, under 100 once settled), which is start-up, not the cost of a message. So ours is
  // warmed until the compiler is nearly idle in a round (at most 6 rounds).
  await plainLoop();
  const warmups = quick ? 1 : 6;
  for (let w = 0; w < warmups; w++) {
    await ours(-1 - w);
    if ((cpu.ours.jit.at(-1) ?? 0) < 50) break;
  }
  const warmed = cpu.ours.node.length;
  const ratios: number[] = [];
  const oursRates: number[] = [];
  const floorRates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const [a, b] = r % 2 === 0 ? [await plainLoop(), await ours(r)] : [0, 0];
    const [d, e] = r % 2 === 1 ? [await ours(r), await plainLoop()] : [b, a];
    const floor = r % 2 === 0 ? a : e;
    const mine = r % 2 === 0 ? b : d;
    floorRates.push(floor);
    oursRates.push(mine);
    ratios.push(mine / floor);
  }
  console.log(
    `webhooks: delivery ${median(oursRates).toFixed(0)}/s vs plain signed fetch loop ${median(floorRates).toFixed(0)}/s at concurrency ${concurrency}  ratio ${median(ratios).toFixed(2)}x  (median of ${rounds}, ${perRound} messages each)`,
  );
  if (cpu.ours.node.length > 0) {
    // The warm-up rounds are the first entries (one of the plain loop); the timed ones follow.
    const timed = (xs: number[], skip: number) => median(xs.slice(skip)).toFixed(0);
    const [o, p] = [(xs: number[]) => timed(xs, warmed), (xs: number[]) => timed(xs, 1)];
    console.log(
      `webhooks: CPU per message  this process ${o(cpu.ours.node)} µs (plain loop ${p(cpu.plain.node)} µs)  DynamoDB Local ${o(cpu.ours.db)} µs (plain loop ${p(cpu.plain.db)} µs)  its JIT ${o(cpu.ours.jit)} µs (in the ${warmed} warm-up rounds ${cpu.ours.jit
        .slice(0, warmed)
        .map((x) => x.toFixed(0))
        .join(", ")} µs)`,
    );
  }
} finally {
  server.close();
  await runtime.stop();
}
