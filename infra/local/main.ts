import { parseArgs } from "node:util";
import { startLocal } from "./runtime.ts";

/** `npm start`: the whole of Linkplane on this machine. Ctrl-C stops all of it, Java included. */
const { values } = parseArgs({
  options: {
    "in-memory": { type: "boolean", default: false },
    port: { type: "string" },
    host: { type: "string" },
  },
});

const runtime = await startLocal({
  inMemory: values["in-memory"],
  port: Number(values.port ?? process.env.PORT ?? 3000),
  host: values.host ?? process.env.LINKPLANE_HOST ?? "127.0.0.1",
});

process.stdout.write(
  [
    "",
    `  Linkplane is running (ready in ${runtime.readyMs} ms)`,
    `  API            ${runtime.url}`,
    `  Docs           ${runtime.url}/docs`,
    `  OpenAPI        ${runtime.url}/openapi.json`,
    `  Operator token ${runtime.operatorToken}`,
    `  DynamoDB       ${runtime.dynamodb.endpoint}${runtime.dynamodb.pid ? " (DynamoDB Local, started by this process)" : ""}`,
    `  Data           ${values["in-memory"] ? "in memory (nothing is kept)" : runtime.dataDir}`,
    "",
    "",
  ].join("\n"),
);

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
