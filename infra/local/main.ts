import { parseArgs } from "node:util";
import { startLocal } from "./runtime.ts";

/** `npm start`: the whole of Linkplane on this machine. Ctrl-C stops all of it, Java included. */
const { values } = parseArgs({
  options: {
    "in-memory": { type: "boolean", default: false },
    port: { type: "string" },
    host: { type: "string" },
    demo: { type: "boolean", default: false },
  },
});

const runtime = await startLocal({
  inMemory: values["in-memory"],
  port: Number(values.port ?? process.env.PORT ?? 3000),
  host: values.host ?? process.env.LINKPLANE_HOST ?? "127.0.0.1",
  demo: values.demo,
});

process.stdout.write(
  [
    "",
    `  Linkplane is running (ready in ${runtime.readyMs} ms)`,
    `  API            ${runtime.url}`,
    ...(runtime.https ? [`  HTTPS          ${runtime.https.url}`] : []),
    `  Docs           ${runtime.url}/docs`,
    `  OpenAPI        ${runtime.url}/openapi.json`,
    `  Operator token ${runtime.operatorToken}`,
    `  DynamoDB       ${runtime.dynamodb.endpoint}${runtime.dynamodb.pid ? " (DynamoDB Local, started by this process)" : ""}`,
    `  Data           ${values["in-memory"] ? "in memory (nothing is kept)" : runtime.dataDir}`,
    `  Webhooks       ${webhookLine(runtime.webhooks)}`,
    ...(runtime.demo ? demoLines(runtime.demo, runtime.url) : []),
    "",
    "",
  ].join("\n"),
);

/** What the SSRF guard lets through here: local receivers are allowed by default on one's own machine. */
function webhookLine(w: { allowPrivate: boolean; allowHttp: boolean }): string {
  const allowed = [w.allowPrivate ? "loopback and private-network" : "", w.allowHttp ? "http://" : ""].filter(
    Boolean,
  );
  if (allowed.length === 0) return "public https:// receivers only";
  return `${allowed.join(" and ")} receivers allowed (LINKPLANE_WEBHOOK_ALLOW_PRIVATE / _ALLOW_HTTP=false refuse them)`;
}

/** Demo keys are shown when the demo accounts are made; after that they are in demo.json. */
function demoLines(demo: NonNullable<typeof runtime.demo>, url: string): string[] {
  const p = demo.created
    ? `${demo.provider.secretId}:${demo.provider.secretKey}`
    : `$(jq -r '.provider | .secretId + ":" + .secretKey' ${runtime.dataDir}/demo.json)`;
  const c = demo.created
    ? `${demo.consumer.secretId}:${demo.consumer.secretKey}`
    : `$(jq -r '.consumer | .secretId + ":" + .secretKey' ${runtime.dataDir}/demo.json)`;
  return [
    "",
    "  Demo (a sample a minute; the last 24 hours load in the background, about 40 s)",
    `  Provider       Authorization: Bearer ${p}`,
    `  Consumer       Authorization: Bearer ${c}`,
    `  Try            curl -s "${url}/v1/endpoint-services/${demo.services[0]}/metrics?period=24h&metrics=BandwidthIn,ConnectedEndpoints" -H "Authorization: Bearer ${p}"`,
  ];
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n  ${signal}: stopping…\n`);
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
