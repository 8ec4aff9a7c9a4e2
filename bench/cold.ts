import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Built, breakdown, bundle, entries, kb } from "../build/bundle.ts";

/**
 * `npm run bench:cold`: bundle size and cold import of every API function against the floor, a minimal
 * Hono + DynamoDB DocumentClient handler (bench/floor/minimal-handler.ts) built with the same options
 * in the same run, twice: code split as deployed, and each in one file. Cold import = a fresh Node process
 * importing the bundle (with the chunks it imports statically), measured inside the process
 * as CPU time (what Lambda's init phase pays for the module graph); the best of ROUNDS, since other work
 * on a shared machine only ever adds, with the floor measured in every round. Goal: both ratios ≤ 1.3×.
 */
const ROUNDS = Number(process.env.COLD_ROUNDS ?? 7);
const GOAL = 1.3;
const outdir = resolve(import.meta.dirname, "../dist/bench");

/**
 * CPU time (user + system) the process spends importing the file. On a shared machine wall time mostly
 * measures the neighbours; CPU time is what the import itself costs, and what Lambda's init bills.
 */
function coldImportMs(file: string): number {
  const script = `const t = process.cpuUsage(); await import(${JSON.stringify(pathToFileURL(file).href)}); const d = process.cpuUsage(t); process.stdout.write(String((d.user + d.system) / 1000));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: "us-east-1",
      LINKPLANE_LOG_LEVEL: "silent",
      NODE_NO_WARNINGS: "1",
    },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return Number(out);
}

function best(values: number[]): number {
  return Math.min(...values);
}

/** One configuration: the floor and every API function built with the same options, imported in turns. */
async function measure(splitting: boolean): Promise<number> {
  const dir = resolve(outdir, splitting ? "split" : "single");
  const floor = await bundle({ module: "bench/floor/minimal-handler.ts", kind: "api", install: [] }, dir, {
    splitting,
  });
  const apis: Built[] = [];
  for (const entry of entries().filter((e) => e.kind === "api"))
    apis.push(await bundle(entry, dir, { splitting }));
  const times = new Map<string, number[]>([
    [floor.outfile, []],
    ...apis.map((b) => [b.outfile, []] as [string, number[]]),
  ]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const b of [floor, ...apis]) times.get(b.outfile)?.push(coldImportMs(b.outfile));
  }
  const floorMs = best(times.get(floor.outfile) ?? []);
  console.log(
    splitting
      ? "\nAs deployed: code split (nodejs.splitting), so what a module loads with import() is not loaded at start"
      : "\nIn one file each (no code splitting): what a function loads is all of it",
  );
  console.log(
    `floor: minimal Hono + DocumentClient handler, ${kb(floor.bytes)} loaded at start, cold import ${floorMs.toFixed(0)} ms of CPU`,
  );
  const width = Math.max(...apis.map((b) => b.entry.module.length));
  console.log(
    `${"function".padEnd(width)}   loaded  ratio   import  ratio  package  beyond the floor, loaded`,
  );
  let over = 0;
  const floorInputs = new Map(breakdown(floor.metafile, floor.loaded, 1000));
  for (const b of apis) {
    const ms = best(times.get(b.outfile) ?? []);
    const sizeRatio = b.bytes / floor.bytes;
    const timeRatio = ms / floorMs;
    if (sizeRatio > GOAL || timeRatio > GOAL) over++;
    const extra = breakdown(b.metafile, b.loaded, 1000)
      .map(([name, bytes]) => [name, bytes - (floorInputs.get(name) ?? 0)] as const)
      .filter(([, bytes]) => bytes > 4096)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([name, bytes]) => `${name} +${kb(bytes)}`)
      .join(", ");
    console.log(
      `${b.entry.module.padEnd(width)}  ${kb(b.bytes).padStart(7)}  ${sizeRatio.toFixed(2)}×  ${`${ms.toFixed(0)} ms`.padStart(7)}  ${timeRatio.toFixed(2)}×  ${kb(b.packageBytes).padStart(7)}  ${extra}`,
    );
  }
  console.log(
    `${apis.length - over} of ${apis.length} API functions within ${GOAL}× on both size and cold import`,
  );
  return over;
}

console.log(
  `best of ${ROUNDS} cold imports each; goal ≤ ${GOAL}× on both, against the floor built the same way`,
);
await measure(true);
await measure(false);
