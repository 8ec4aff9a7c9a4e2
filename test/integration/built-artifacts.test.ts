import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type {
  APIGatewayProxyStructuredResultV2,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  ScheduledEvent,
  SQSBatchResponse,
} from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../console/build.ts";
import * as Config from "../../core/config.ts";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { WebhookDispatch } from "../../core/webhook/index.ts";
import { openApiDocument } from "../../functions/api/openapi-document.ts";
import { scheduledEventInput } from "../../infra/plan.ts";
import { call, created, operatorAuth } from "../support/api.ts";
import { buildFunctions, httpEvent, invokeBuilt, jsonOf, lambdaEnvironment } from "../support/built.ts";
import { halfPastHour } from "../support/clock.ts";
import {
  allow,
  backend,
  consumer,
  endpoint,
  provider,
  service,
  startStream,
} from "../support/privatelink.ts";
import { answer, type Receiver, startReceiver } from "../support/receiver.ts";
import { captureSqsSends, sqsEvent } from "../support/sqs.ts";
import { until } from "../support/wait.ts";

// The built bundles, not the sources: each is built as `npm run build` builds it, run in a process of its
// own with only what SST would give it (links as SST_RESOURCE_*), against DynamoDB Local. Setup that is
// not under test goes through the sources. SQS cannot run here: the sender's client is mocked, and the
// built delivery function receives the message body that was sent.
process.env.LINKPLANE_WEBHOOK_ALLOW_PRIVATE = "true";
process.env.LINKPLANE_WEBHOOK_ALLOW_HTTP = "true";
process.env.LINKPLANE_WEBHOOK_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/webhooks";
Config.reset();
WebhookDispatch.use(undefined);

const SERVICES = "functions/api/privatelink/endpoint-services.ts";
const STREAM = "functions/streams/handler.ts";
const ROLLUP = "functions/cron/rollup-hourly.ts";
const DELIVER = "functions/webhooks/deliver.ts";
const CONSOLE = "functions/api/console.ts";
const CONSOLE_ASSETS = "functions/api/console-assets.ts";
const DOCS = "functions/api/docs.ts";
const HOUR = 3600;

type HttpResult = APIGatewayProxyStructuredResultV2;
let builtFiles: Record<string, string>;
let receiver: Receiver;
let sqs: ReturnType<typeof captureSqsSends>;

beforeAll(async () => {
  builtFiles = await buildFunctions([SERVICES, STREAM, ROLLUP, DELIVER, CONSOLE, CONSOLE_ASSETS, DOCS]);
  receiver = await startReceiver();
  sqs = captureSqsSends();
}, 180_000);

afterAll(async () => {
  await receiver.close();
  sqs.mock.restore();
});

const services = (event: ReturnType<typeof httpEvent>) =>
  invokeBuilt<HttpResult>(builtFiles[SERVICES] as string, event);

describe("built route function (API Gateway HTTP API event)", () => {
  it("creates, gets and lists endpoint services with secrets from links alone, and hides them from others", async () => {
    // Prepare
    const p = await provider();
    const stranger = await provider();
    const backendInstanceId = await backend(p, p.vpcId);
    const path = "/v1/endpoint-services";

    // Act
    const create = await services(
      httpEvent("POST", path, path, {
        auth: p.auth,
        body: { name: "built", vpcId: p.vpcId, serviceType: "CLB", backendInstanceId },
      }),
    );
    const id = jsonOf(create).id as string;
    const get = await services(httpEvent("GET", `${path}/{id}`, `${path}/${id}`, { auth: p.auth }));
    const list = await services(httpEvent("GET", path, path, { auth: p.auth }));
    const foreign = await services(
      httpEvent("GET", `${path}/{id}`, `${path}/${id}`, { auth: stranger.auth }),
    );
    const anonymous = await services(httpEvent("GET", path, path));

    // Assess
    expect(create.statusCode).toBe(201);
    expect(get.statusCode).toBe(200);
    expect(jsonOf(get)).toMatchObject({ id, name: "built", vpcId: p.vpcId });
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(jsonOf(list))).toContain(id);
    expect(foreign.statusCode).toBe(404);
    expect(anonymous.statusCode).toBe(401);
    // Made by the built function, read back through the sources: one table, one shape.
    expect((await call("GET", `${path}/${id}`, { auth: p.auth })).body.name).toBe("built");
  });

  it("refuses bad input as the sources do: the field named, unknown query parameters refused", async () => {
    // Prepare: the bundle's zod has no OpenAPI metadata and no JSON Schema code (build/esbuild-plugins.mjs).
    const p = await provider();
    const path = "/v1/endpoint-services";
    const badBody = { name: "x".repeat(200), vpcId: p.vpcId, serviceType: "CLB", backendInstanceId: "ins-1" };

    // Act
    const tooLong = await services(httpEvent("POST", path, path, { auth: p.auth, body: badBody }));
    const unknown = await services(httpEvent("GET", path, path, { auth: p.auth, query: { colour: "red" } }));
    const fromSources = await call("POST", path, { auth: p.auth, body: badBody });

    // Assess
    expect(tooLong.statusCode).toBe(400);
    expect(jsonOf(tooLong).error).toMatchObject({ code: fromSources.body.error.code, field: "name" });
    expect(jsonOf(tooLong).error.message).toBe(fromSources.body.error.message);
    expect(unknown.statusCode).toBe(400);
    expect(jsonOf(unknown).error).toMatchObject({ code: "UnknownParameter", field: "colour" });
  });
});

describe("built console functions", () => {
  it("serve the console's page and files from their bundles alone: no Vite, no folder beside them", async () => {
    // Prepare: the bundles sit in a temporary folder, away from console/ and node_modules/.
    const get = (path: string) =>
      invokeBuilt<HttpResult>(
        builtFiles[path === "/console" ? CONSOLE : CONSOLE_ASSETS] as string,
        httpEvent("GET", path, path),
      );
    const fromSources = await buildConsole();
    // Act
    const page = await get("/console");
    const app = await get("/console/assets/app.js");
    const style = await get("/console/assets/style.css");
    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("/console/assets/app.js");
    expect(app.statusCode).toBe(200);
    expect(app.headers?.["content-type"]).toMatch(/^text\/javascript/);
    expect(app.body).toBe(new TextDecoder().decode(fromSources.get("app.js")?.body));
    expect(style.statusCode).toBe(200);
    expect(style.body).toBe(new TextDecoder().decode(fromSources.get("style.css")?.body));
  });
});

describe("built docs function", () => {
  it("serves the OpenAPI document made at build time, the same as the sources make it", async () => {
    // Prepare: the bundle holds no route module; its document was made when it was built.
    const fromSources = `${JSON.stringify(openApiDocument())}\n`;
    // Act
    const served = await invokeBuilt<HttpResult>(
      builtFiles[DOCS] as string,
      httpEvent("GET", "/openapi.json", "/openapi.json"),
    );
    // Assess
    expect(served.statusCode).toBe(200);
    expect(served.headers?.["content-type"]).toMatch(/^application\/json/);
    expect(served.body).toBe(fromSources);
  });
});

describe("built stream consumer (DynamoDB stream event)", () => {
  it("auto-accepts an endpoint from the table's real stream records", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const s = await service(p, { autoAccept: true });
    await allow(p, s.id, c.uin);
    const responses: DynamoDBBatchResponse[] = [];
    const built = async (event: DynamoDBStreamEvent) => {
      const response = await invokeBuilt<DynamoDBBatchResponse>(builtFiles[STREAM] as string, event);
      responses.push(response);
      return response;
    };

    // Act
    const { poller } = startStream(built);
    try {
      const ep = await created(endpoint(c, s.id));
      await until(
        async () =>
          (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state === "available",
        60_000,
        "the built consumer to accept the endpoint",
      );
    } finally {
      await poller.stop();
    }

    // Assess
    expect(responses.length).toBeGreaterThan(0);
    expect(responses.every((r) => (r.batchItemFailures ?? []).length === 0)).toBe(true);
  });
});

describe("built scheduled job (the event infra/cron.ts has EventBridge Scheduler send)", () => {
  it("rolls the last complete hour of samples into an hourly bucket", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const s = await service(p, { autoAccept: false });
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    // Half past an hour, whatever minute the test runs at: the job rolls the hour before, and in the
    // first minutes of an hour its grace period would still be waiting for that one.
    const now = new Date(halfPastHour());
    const hour = Math.floor(now.getTime() / 1000 / HOUR) * HOUR - HOUR;
    const ingest = await call("POST", "/v1/metrics/samples", {
      auth: operatorAuth(),
      body: {
        samples: [
          { resourceId: ep.id, timestamp: hour + 60, metrics: { BytesIn: 10 } },
          { resourceId: ep.id, timestamp: hour + 120, metrics: { BytesIn: 32 } },
        ],
      },
    });
    expect(ingest.status).toBeLessThan(300);
    // What the schedule sends, with the scheduler's placeholders filled in as it fills them.
    const event = {
      ...scheduledEventInput("rollup-hourly"),
      id: crypto.randomUUID(),
      account: "123456789012",
      region: "us-east-1",
      time: `${now.toISOString().slice(0, 19)}Z`,
      resources: ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/linkplane-rollup-hourly"],
    } as unknown as ScheduledEvent;

    // Act
    const outcome = await invokeBuilt<{ status: string }>(builtFiles[ROLLUP] as string, event);

    // Assess
    expect(outcome.status).toBe("succeeded");
    const bucket = await Db.client().send(
      new GetCommand({ TableName: Db.table(), Key: Keys.metricHour(ep.id, hour), ConsistentRead: true }),
    );
    expect(JSON.stringify(bucket.Item)).toContain("42");
  });
});

describe("built webhook delivery function (SQS event)", () => {
  it("attempts the queued retry when due, signs it, and reports no failures", async () => {
    // Prepare
    const p = await provider();
    const sub = await created(
      call("POST", "/v1/webhooks", { auth: p.auth, body: { url: receiver.url, events: ["*"] } }),
    );
    receiver.behave(answer(500));
    const before = receiver.deliveries.length;
    const test = await call("POST", `/v1/webhooks/${sub.id}/test`, { auth: p.auth });
    const retry = sqs.sent.at(-1);
    receiver.behave(answer(200));
    const message = () =>
      call("GET", `/v1/webhooks/${sub.id}/messages/${test.body.messageId}`, { auth: p.auth });
    const dueAt = new Date((await message()).body.nextAttemptAt ?? Date.now() + 5_000).getTime();
    await until(() => Date.now() > dueAt + 100, 15_000, "the retry to be due");
    const event = sqsEvent([retry?.body ?? ""]);

    // Act
    const response = await invokeBuilt<SQSBatchResponse>(
      builtFiles[DELIVER] as string,
      event,
      lambdaEnvironment({ LINKPLANE_WEBHOOK_ALLOW_PRIVATE: "true", LINKPLANE_WEBHOOK_ALLOW_HTTP: "true" }),
    );

    // Assess
    expect(test.body.delivered).toBe(false);
    expect(retry?.delay).toBe(5);
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.deliveries.length).toBe(before + 2);
    expect(receiver.deliveries.at(-1)?.signature).toMatch(/^v1,/);
    expect((await message()).body).toMatchObject({ status: "delivered", attemptCount: 2 });
  });
});
