import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as Account from "../../core/account/index.ts";
import * as Config from "../../core/config.ts";
import * as Credential from "../../core/credential/index.ts";
import * as BackendInstance from "../../core/inventory/backend.ts";
import * as Subnet from "../../core/inventory/subnet.ts";
import * as Vpc from "../../core/inventory/vpc.ts";
import { MetricIngest } from "../../core/metrics/ingest.ts";
import { MetricLoad } from "../../core/metrics/load.ts";
import type { SAMPLE_METRICS } from "../../core/metrics/model.ts";
import { floorTo, HOUR } from "../../core/metrics/model.ts";
import * as Allowlist from "../../core/privatelink/allowlist.ts";
import * as ConnectionBatch from "../../core/privatelink/connection-batch.ts";
import * as EndpointCreation from "../../core/privatelink/endpoint-create.ts";
import * as EndpointServiceCreation from "../../core/privatelink/service-create.ts";
import { log } from "../../core/util/log.ts";
import { Clock } from "../../core/util/time.ts";
import { scheduledEvent } from "../../functions/cron/job.ts";
import { loadJob } from "../../functions/cron/jobs.ts";

/**
 * `npm start -- --demo`: a provider and a consumer with services and endpoints, 24 hours of samples
 * behind them and a new one every minute. Traffic follows the time of day, bursts now and then, and
 * drops packets in one spike an hour, so every view, comparison and export has something to show.
 * The accounts are kept in the data folder (demo.json) and reused on the next start.
 */
export interface DemoState {
  provider: { uin: string; secretId: string; secretKey: string };
  consumer: { uin: string; secretId: string; secretKey: string };
  services: string[];
  endpoints: string[];
}

async function account(name: string) {
  const a = await Account.create({ name });
  const c = await Credential.create(a.uin);
  return { uin: a.uin, secretId: c.secretId, secretKey: c.secretKey };
}

async function build(): Promise<DemoState> {
  const provider = await account("demo-provider");
  const consumer = await account("demo-consumer");
  const pvpc = await Vpc.create(provider.uin, {
    region: "ap-guangzhou",
    name: "provider-prod",
    cidrBlock: "10.0.0.0/16",
  });
  const cvpc = await Vpc.create(consumer.uin, {
    region: "ap-guangzhou",
    name: "consumer-prod",
    cidrBlock: "10.1.0.0/16",
  });
  const subnet = await Subnet.create(consumer.uin, {
    vpcId: cvpc.id,
    zone: "ap-guangzhou-3",
    name: "app",
    cidrBlock: "10.1.1.0/24",
  });
  const specs = [
    { name: "订单服务", type: "CLB" as const, vip: "10.0.1.10", autoAccept: false },
    { name: "user-db", type: "CDB" as const, vip: "10.0.2.10", autoAccept: true },
    { name: "session-cache", type: "CRS" as const, vip: "10.0.3.10", autoAccept: false },
  ];
  const services: string[] = [];
  const endpoints: string[] = [];
  for (const spec of specs) {
    const backend = await BackendInstance.create(provider.uin, {
      type: spec.type,
      vpcId: pvpc.id,
      vip: spec.vip,
      port: 3306,
      name: `${spec.name}-backend`,
    });
    const service = await EndpointServiceCreation.create(provider.uin, {
      name: spec.name,
      vpcId: pvpc.id,
      serviceType: spec.type,
      backendInstanceId: backend.id,
      autoAccept: spec.autoAccept,
      tags: [{ key: "env", value: "demo" }],
    });
    await Allowlist.add(provider.uin, service.id, { uin: consumer.uin, description: "demo consumer" });
    services.push(service.id);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { endpoint } = await EndpointCreation.create(consumer.uin, {
        name: `${spec.type.toLowerCase()}-ep-${i + 1}`,
        vpcId: cvpc.id,
        subnetId: subnet.id,
        endpointServiceId: service.id,
      });
      ids.push(endpoint.id);
    }
    if (!spec.autoAccept)
      await ConnectionBatch.decide(provider.uin, service.id, "accept", { endpointIds: ids });
    endpoints.push(...ids);
  }
  // One connection left waiting, so the pending list is not empty either.
  const { endpoint: waiting } = await EndpointCreation.create(consumer.uin, {
    name: "waiting-approval",
    vpcId: cvpc.id,
    subnetId: subnet.id,
    endpointServiceId: services[2] as string,
  });
  endpoints.push(waiting.id);
  return { provider, consumer, services, endpoints };
}

/** Deterministic noise, so a demo restarted over the same minutes sends the same values. */
function noise(seed: string, t: number): number {
  let h = 2166136261;
  const text = `${seed}:${t}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

export function demoSample(resourceId: string, minute: number) {
  const hourOfDay = (minute / 3600 + 8) % 24; // Beijing time: busiest in the afternoon and evening
  const diurnal = 0.25 + 0.75 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI));
  const burst = noise(`${resourceId}:burst`, Math.floor(minute / 600)) > 0.9 ? 3 : 1;
  const scale = (1 + noise(resourceId, 0) * 2) * diurnal * burst * (0.85 + 0.3 * noise(resourceId, minute));
  const newConnections = Math.round(40 * scale);
  const packetsIn = Math.round(9_000 * scale);
  const packetsOut = Math.round(7_500 * scale);
  const spike = minute % 3600 === (Math.floor(noise(resourceId, 1) * 60) * 60) % 3600;
  return {
    resourceId,
    timestamp: minute,
    metrics: {
      ActiveConnections: Math.round(120 * scale),
      NewConnections: newConnections,
      BytesIn: packetsIn * 800,
      BytesOut: packetsOut * 1_100,
      PacketsIn: packetsIn,
      PacketsOut: packetsOut,
      PacketsDropped: spike ? Math.round(packetsIn * 0.08) : Math.round(packetsIn * 0.0005),
      RstPackets: Math.round(newConnections * 0.02),
    } satisfies Record<(typeof SAMPLE_METRICS)[number], number>,
  };
}

/** What the demo's history load did, for the banner. */
export interface DemoLoad {
  ms: number;
  /** Whole hours loaded before the current one. */
  hours: number;
  samples: number;
  items: number;
}

/** The demo's rollups, run as the jobs so `GET /v1/operator/jobs` shows them (trigger "demo"). */
async function rollUp(): Promise<void> {
  for (const name of ["rollup-hourly", "rollup-daily"]) {
    const job = await loadJob(name);
    if (!job) throw new Error(`no job ${name}`);
    const outcome = await job.run(scheduledEvent(name, Clock.date(), "demo", Config.get().awsRegion));
    if (outcome.status === "failed") throw new Error(`${name}: ${outcome.error}`);
  }
}

export async function startDemo(
  dataDir: string | undefined,
  /** Whole hours of history before the current one (24 unless a test wants less to write). */
  options: { hours?: number } = {},
): Promise<{
  state: DemoState;
  created: boolean;
  /** Settles when the history is in and rolled up: from then on every view is complete. */
  backfill: Promise<DemoLoad>;
  stop: () => void;
}> {
  const file = dataDir ? join(dataDir, "demo.json") : undefined;
  let state: DemoState | undefined;
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as DemoState;
    if (
      await Account.get(saved.provider.uin).then(
        () => true,
        () => false,
      )
    )
      state = saved;
  }
  const created = !state;
  if (!state) {
    state = await build();
    if (file) writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  }
  const current = state;
  const minuteNow = () => Math.floor(Clock.now() / 60_000) * 60;
  const send = async (minutes: number[]) => {
    const samples = minutes.flatMap((m) => current.endpoints.map((id) => demoSample(id, m)));
    for (let i = 0; i < samples.length; i += MetricIngest.MAX_SAMPLES) {
      await MetricIngest.ingest({ samples: samples.slice(i, i + MetricIngest.MAX_SAMPLES) });
    }
  };
  // The 24 whole hours before this one and this one so far, written in bulk (BatchWriteItem, not a
  // replay through ingest), then rolled up by the jobs themselves. Whatever ran before (a rollup that
  // moved the watermark, an earlier demo over the same minutes), the load marks the hours a rollup has
  // read as late and the jobs fold them again, so when this settles every view has its buckets.
  const end = minuteNow();
  const hours = options.hours ?? 24;
  const first = floorTo(end, HOUR) - hours * HOUR;
  const backfill = (async (): Promise<DemoLoad> => {
    const started = Date.now();
    const samples: MetricLoad.Sample[] = [];
    for (let m = first; m <= end; m += 60)
      for (const id of current.endpoints) samples.push(demoSample(id, m));
    const { items } = await MetricLoad.load(samples);
    await rollUp();
    const load = { ms: Date.now() - started, samples: samples.length, items, hours };
    log.info("demo: the last 24 hours of samples are in", load);
    return load;
  })();
  // Whoever awaits it reports a failure; this keeps an unawaited one from being unhandled.
  backfill.catch((error) => log.error("demo backfill failed", { error }));
  let last = end;
  const timer = setInterval(() => {
    const m = minuteNow();
    if (m <= last) return;
    const minutes: number[] = [];
    for (let t = last + 60; t <= m; t += 60) minutes.push(t);
    last = m;
    send(minutes).catch((error) => log.error("demo feed failed", { error }));
  }, 5_000);
  timer.unref?.();
  return { state: current, created, backfill, stop: () => clearInterval(timer) };
}
