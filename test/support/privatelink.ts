import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import * as Config from "../../core/config.ts";
import { Db } from "../../core/db/client.ts";
import { handler as streamHandler } from "../../functions/streams/handler.ts";
import { handler as metricStreamHandler } from "../../functions/streams/metrics.ts";
import { type StreamHandler, StreamPoller } from "../../infra/local/stream-poller.ts";
import { metricStreamConsumer, streamConsumer } from "../../infra/plan.ts";
import { call, created, newTenant, type Tenant } from "./api.ts";
import { tableState } from "./integration-setup.ts";

export interface Provider extends Tenant {
  vpcId: string;
  backendId: string;
  /** First two octets of the VPC's block, for backend VIPs. */
  prefix?: string;
}

export interface Consumer extends Tenant {
  vpcId: string;
  subnetId: string;
}

let counter = 0;

/** A provider with a VPC and a free CLB backend in it. */
export async function provider(region = "ap-guangzhou"): Promise<Provider> {
  const t = await newTenant("provider");
  const vpc = await created(
    call("POST", "/v1/vpcs", { auth: t.auth, body: { region, name: "p", cidrBlock: "10.0.0.0/16" } }),
  );
  const backendId = await backend(t, vpc.id);
  return { ...t, vpcId: vpc.id, backendId };
}

export async function backend(t: Tenant, vpcId: string, type = "CLB", prefix = "10.0"): Promise<string> {
  counter++;
  const vip = `${prefix}.${Math.floor(counter / 200) + 1}.${(counter % 200) + 10}`;
  const b = await created(
    call("POST", "/v1/backend-instances", {
      auth: t.auth,
      body: { type, vpcId, vip, port: 3306, name: "b" },
    }),
  );
  return b.id;
}

/** A consumer with a VPC and a subnet (a /24 unless told). */
export async function consumer(region = "ap-guangzhou", cidrBlock = "10.1.1.0/24"): Promise<Consumer> {
  const t = await newTenant("consumer");
  const vpc = await created(
    call("POST", "/v1/vpcs", { auth: t.auth, body: { region, name: "c", cidrBlock: "10.1.0.0/16" } }),
  );
  const subnet = await created(
    call("POST", "/v1/subnets", {
      auth: t.auth,
      body: { vpcId: vpc.id, zone: `${region}-3`, name: "s", cidrBlock },
    }),
  );
  return { ...t, vpcId: vpc.id, subnetId: subnet.id };
}

export async function service(p: Provider, body: Record<string, unknown> = {}): Promise<any> {
  const backendId = body.backendInstanceId ?? (await backend(p, p.vpcId, "CLB", p.prefix ?? "10.0"));
  return created(
    call("POST", "/v1/endpoint-services", {
      auth: p.auth,
      body: { name: "svc", vpcId: p.vpcId, serviceType: "CLB", backendInstanceId: backendId, ...body },
    }),
  );
}

export function allow(p: Provider, serviceId: string, uin: string, extra: Record<string, unknown> = {}) {
  return call("POST", `/v1/endpoint-services/${serviceId}/allowlist`, {
    auth: p.auth,
    body: { uin, ...extra },
  });
}

export function endpoint(c: Consumer, serviceId: string, extra: Record<string, unknown> = {}) {
  return call("POST", "/v1/endpoints", {
    auth: c.auth,
    body: { name: "ep", vpcId: c.vpcId, subnetId: c.subnetId, endpointServiceId: serviceId, ...extra },
  });
}

export function decide(p: Provider, serviceId: string, action: "accept" | "reject", endpointIds: string[]) {
  return call("POST", `/v1/endpoint-services/${serviceId}/connections/${action}`, {
    auth: p.auth,
    body: { endpointIds },
  });
}

/** A provider's service and a consumer's endpoints to it: the first `accepted` connected, the rest pending. */
export async function serviceWithEndpoints(accepted: number, pending = 0) {
  const p = await provider();
  const c = await consumer();
  const serviceId: string = (await service(p)).id;
  await allow(p, serviceId, c.uin);
  const ids: string[] = [];
  for (let i = 0; i < accepted + pending; i++) ids.push((await created(endpoint(c, serviceId))).id);
  await decide(p, serviceId, "accept", ids.slice(0, accepted));
  return { p, c, serviceId, accepted: ids.slice(0, accepted), pending: ids.slice(accepted) };
}

/** A local poller over this file's table, as the runtime builds one for an event source mapping. */
function pollStream(
  handler: StreamHandler,
  mapping: { filters: typeof streamConsumer.filters; batchSize: number; tumblingWindowInSeconds?: number },
): { poller: StreamPoller; batches: DynamoDBStreamEvent[] } {
  const batches: DynamoDBStreamEvent[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({
      endpoint: Config.get().dynamodbEndpoint,
      region: Config.get().awsRegion,
      credentials: Db.localCredentials(),
    }),
    streamArn: tableState.streamArn,
    handler: async (event) => {
      batches.push(event);
      return handler(event);
    },
    pollIntervalMs: 20,
    retryBaseMs: 20,
    batchSize: mapping.batchSize,
    filters: mapping.filters,
    tumblingWindowSeconds: mapping.tumblingWindowInSeconds,
  });
  return { poller, batches };
}

/**
 * The real stream handler fed by the local poller, as `npm start` runs it; batches are kept for replays.
 * `handler` replaces the sources' handler (the built-artifact test passes the built bundle's).
 */
export function startStream(handler: StreamHandler = streamHandler): {
  poller: StreamPoller;
  batches: DynamoDBStreamEvent[];
} {
  const stream = pollStream(handler, streamConsumer);
  stream.poller.start();
  return stream;
}

/**
 * The metric stream's consumer (service minutes from endpoint minutes) fed by a local poller that runs
 * only while `drain()` does: a test decides when the stream is applied, as it would lag in AWS. Batches
 * handed over are kept for replays. The poller is made at the first drain (the table exists by then).
 */
export function metricStream(handler: StreamHandler = metricStreamHandler) {
  let stream: ReturnType<typeof pollStream> | undefined;
  const batches: DynamoDBStreamEvent[] = [];
  return {
    batches,
    /** Hands everything written so far to the consumer, then stops. */
    async drain(): Promise<void> {
      stream ??= pollStream(async (event) => {
        batches.push(structuredClone(event));
        return handler(event);
      }, metricStreamConsumer);
      stream.poller.start();
      await stream.poller.idle();
      await stream.poller.stop();
    },
  };
}
