import "./sdk-notice.ts";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { DemoLoad } from "./demo.ts";
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
    ...(runtime.demo ? demoLoading() : []),
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

/**
 * The demo's part of the banner: at first only that it is loading; once its day of samples is loaded
 * and rolled up (every view complete), what to look at and three commands to paste. Demo keys are
 * printed when the accounts are made; after that they are read from demo.json.
 */
function demoLoading(): string[] {
  return ["", "  Demo           loading the last 24 hours of samples; the commands follow when it is ready…"];
}

function demoReady(
  demo: NonNullable<typeof runtime.demo>,
  load: DemoLoad,
  url: string,
  dataDir: string | undefined,
): string[] {
  const file = dataDir ? join(dataDir, "demo.json") : undefined;
  const key = (who: "provider" | "consumer") =>
    demo.created || !file
      ? `${demo[who].secretId}:${demo[who].secretKey}`
      : `$(jq -r '.${who} | .secretId + ":" + .secretKey' ${file})`;
  const p = `-H "Authorization: Bearer ${key("provider")}"`;
  const c = `-H "Authorization: Bearer ${key("consumer")}"`;
  const service = demo.services[0] as string;
  const endpoint = demo.endpoints[0] as string;
  const out = `\${TMPDIR:-/tmp}/linkplane-demo-${endpoint}.csv`;
  return [
    "",
    `  Demo ready     ${load.samples} samples (${load.hours} h of ${demo.endpoints.length} endpoints) loaded and rolled up in ${(load.ms / 1000).toFixed(1)} s; a new minute every minute`,
    `  Credentials    ${file ? `${file} (provider and consumer SecretId/SecretKey)` : "in memory: only here"}`,
    `  Provider       Authorization: Bearer ${key("provider")}`,
    `  Consumer       Authorization: Bearer ${key("consumer")}`,
    `  Service        ${service} (the provider's; ${demo.services.length} in all)`,
    `  Endpoint       ${endpoint} (the consumer's, connected to it; ${demo.endpoints.length} in all)`,
    "  Try            # the service's last 24 hours, hour by hour",
    `                 curl -s "${url}/v1/endpoint-services/${service}/metrics?period=24h&metrics=BandwidthIn,ConnectedEndpoints" ${p} | jq -c '.series[] | {metric, last: .points[-3:]}'`,
    "                 # the endpoint's last 12 hours against the 12 before",
    `                 curl -s "${url}/v1/endpoints/${endpoint}/metrics/compare?period=custom&granularity=1h&from=$(( $(date +%s) - 43200 ))&to=$(date +%s)&compareFrom=$(( $(date +%s) - 86400 ))&metrics=NewConnections" ${c} | jq -c '.series[0].totals'`,
    "                 # the endpoint's 24 hours as CSV, into a temporary folder",
    `                 curl -sS -o "${out}" "${url}/v1/endpoints/${endpoint}/metrics/export?format=csv&period=24h&metrics=BytesIn,BytesOut" ${c} && head -3 "${out}"`,
    "",
  ];
}

if (runtime.demo) {
  const demo = runtime.demo;
  demo.ready.then(
    (load) =>
      process.stdout.write(
        `${demoReady(demo, load, runtime.url, values["in-memory"] ? undefined : runtime.dataDir).join("\n")}\n`,
      ),
    (error: unknown) =>
      process.stderr.write(
        `\n  The demo's data could not be loaded: ${error instanceof Error ? error.message : String(error)}\n\n`,
      ),
  );
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
