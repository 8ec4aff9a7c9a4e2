import { parseArgs } from "node:util";
import { StartupError } from "./dynamodb-local.ts";
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
}).catch((error: unknown) => {
  // What the user can fix is said in one sentence; anything else keeps its stack for a bug report.
  if (!(error instanceof StartupError)) throw error;
  process.stderr.write(`\n  Linkplane cannot start. ${error.message}\n\n`);
  process.exit(1);
});

process.stdout.write(
  [
    "",
    `  Linkplane is running (ready in ${runtime.readyMs} ms)`,
    `  API            ${runtime.url}`,
    ...(runtime.https ? [`  HTTPS          ${runtime.https.url}`] : []),
    `  Docs           ${runtime.url}/docs`,
    `  OpenAPI        ${runtime.url}/openapi.json`,
    // A token the user gave is theirs to keep; it is not printed to every terminal and log that sees this.
    runtime.operatorTokenSource === "LINKPLANE_OPERATOR_TOKEN"
      ? "  Operator token (from LINKPLANE_OPERATOR_TOKEN)"
      : `  Operator token ${runtime.operatorToken}`,
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

/**
 * Stopping: SIGINT, SIGTERM, or the parent going away. Supervisors (Docker, systemd, pm2) signal the
 * process they started, which is npm; npm hands the signal to the shell that runs this script, and a
 * shell may die of it without passing it on. So the parent is watched as well: when this process is
 * re-parented, whoever started it is gone and nobody will ever stop it. Either way everything it
 * started stops with it (Java through its watchdog), within a deadline.
 */
const STOP_DEADLINE_MS = 8_000;
let stopping = false;
function shutdown(why: string): void {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n  ${why}: stopping…\n`);
  setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
  runtime.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => shutdown(signal));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown("the process that started Linkplane exited");
}, 250).unref();
