// Runs one built Lambda bundle as the Node.js runtime would, in a process of its own: imports the file,
// calls `handler(event, context)` with the event read from stdin, and writes the result as JSON to the
// file named by the second argument. Plain JavaScript: nothing here may need a TypeScript loader.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [bundle, resultFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(0, "utf8"));
const context = {
  functionName: "linkplane-test",
  awsRequestId: crypto.randomUUID(),
  getRemainingTimeInMillis: () => 30_000,
  callbackWaitsForEmptyEventLoop: true,
};
try {
  const { handler } = await import(pathToFileURL(bundle).href);
  const result = await handler(event, context);
  writeFileSync(resultFile, JSON.stringify({ ok: true, result: result ?? null }));
} catch (error) {
  writeFileSync(resultFile, JSON.stringify({ ok: false, error: String(error?.stack ?? error) }));
}
