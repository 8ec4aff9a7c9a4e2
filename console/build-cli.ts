import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { buildConsole, sizes } from "./build.ts";

/** `npm run build:console`: writes console/dist and prints each file's size, raw and gzipped. */
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
console.log(`initial load: ${(total / 1024).toFixed(1)} KB gzipped (budget 150 KB)`);
