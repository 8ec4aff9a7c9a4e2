import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { buildConsole, sizes } from "./build.ts";

/** What issue 13 allows the console's first load to weigh: all of it, gzipped. */
const BUDGET_KB = 150;

/**
 * `npm run build:console`: writes console/dist and prints each file's size, raw and gzipped; fails when
 * the whole initial load is over the budget.
 */
const assets = await buildConsole();
const dist = resolve(import.meta.dirname, "dist");
await mkdir(dist, { recursive: true });
for (const [file, asset] of assets) await writeFile(resolve(dist, file), asset.body);
let total = 0;
for (const s of sizes(assets)) {
  total += s.gzip;
  console.log(
    `console/dist/${s.file}: ${(s.bytes / 1024).toFixed(1)} KB, ${(s.gzip / 1024).toFixed(1)} KB gzipped`,
  );
}
console.log(`initial load: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (total > BUDGET_KB * 1024) {
  console.error(`console: the initial load is over its ${BUDGET_KB} KB budget`);
  process.exitCode = 1;
}
