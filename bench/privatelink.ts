/**
 * Private Link numbers, measured against DynamoDB Local through the real code (`npm run bench`):
 *   1. auto-accept latency: endpoint created → `available`, through the stream poller and consumer;
 *   2. create-endpoint latency and round trips;
 *   3. CSV export of 50,000 endpoints: time, bytes, and peak memory above the starting heap, to show the
 *      export streams page by page instead of holding the rows.
 * Prints numbers; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { setLogSink } from "../core/util/log.ts";
import { startLocal } from "../infra/local/runtime.ts";
import { batchWrite, client, endpointItem, percentile, size } from "./support.ts";

process.env.LINKPLANE_LOG_LEVEL = "silent";
process.env.LINKPLANE_QUOTA_ENDPOINTS_PER_VPC = "100000";
process.env.LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE = "100000";
setLogSink(() => {});
const runtime = await startLocal({
  inMemory: true,
  port: 0,
  dataDir: `/tmp/linkplane-bench-${randomBytes(4).toString("hex")}`,
  scheduler: false,
  pollIntervalMs: 50,
});
const B = runtime.url;
// The same client the webhook bench uses: operator calls, tenants with credentials.
const { api, world } = client(B, runtime.operatorToken);

try {
  const { p, c, cvpc, subnet, service } = await world();
  const svc = await service("auto", { autoAccept: true });

  // 1 and 2: sequential creations, each timed, then polled until available.
  const create: number[] = [];
  const accept: number[] = [];
  for (let i = 0; i < size("BENCH_CREATIONS", 40, 5); i++) {
    const t0 = performance.now();
    const ep = await api("POST", "/v1/endpoints", c.h, {
      name: `b${i}`,
      vpcId: cvpc.id,
      subnetId: subnet.id,
      endpointServiceId: svc.id,
    });
    create.push(performance.now() - t0);
    for (;;) {
      const now = await api("GET", `/v1/endpoints/${ep.id}`, c.h);
      if (now.state === "available") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    accept.push(performance.now() - t0);
  }
  console.log(
    `auto-accept: created → available  p50 ${percentile(accept, 0.5).toFixed(0)} ms  p95 ${percentile(accept, 0.95).toFixed(0)} ms  max ${Math.max(...accept).toFixed(0)} ms  (n=${accept.length}, poll 50 ms)`,
  );
  console.log(
    `create endpoint: p50 ${percentile(create, 0.5).toFixed(1)} ms  p95 ${percentile(create, 0.95).toFixed(1)} ms`,
  );

  // 3: seed 50,000 endpoint items in the stored shape, then export them.
  const N = size("BENCH_EXPORT_ROWS", 50_000, 500);
  const createdAt = new Date().toISOString();
  const seedStart = performance.now();
  const items = (i: number) =>
    endpointItem({
      i,
      uin: c.uin,
      serviceId: svc.id,
      serviceOwnerUin: p.uin,
      vpcId: cvpc.id,
      subnetId: subnet.id,
      createdAt,
    });
  await batchWrite(
    Array.from({ length: N }, (_, i) => items(i)),
    8,
  );
  console.log(`seeded ${N} endpoints in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  global.gc?.();
  const baseline = process.memoryUsage();
  // Heap, not RSS: seeding has already grown the process, and RSS rarely shrinks back.
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 20);
  const t0 = performance.now();
  const response = await fetch(`${B}/v1/endpoints/export?region=ap-guangzhou`, { headers: c.h });
  let bytes = 0;
  let lines = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const b of value) if (b === 10) lines++;
  }
  clearInterval(sampler);
  const seconds = (performance.now() - t0) / 1000;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `export ${lines - 1} rows, ${mb(bytes)} MiB in ${seconds.toFixed(1)} s; peak heap +${mb(peakHeap - baseline.heapUsed)} MiB over the start (run with BENCH_EXPORT_ROWS=10000 to compare: streaming keeps it flat)`,
  );
} finally {
  await runtime.stop();
}
