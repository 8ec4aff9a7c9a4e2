import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { type BuildOptions, build, type Metafile } from "esbuild";
import {
  apiRoutes,
  cronJobs,
  metricStreamConsumer,
  NODEJS_BUILD,
  rollupShardWorker,
  streamConsumer,
  webhookDelivery,
} from "../infra/plan.ts";
// @ts-expect-error: plain ESM for SST to load as it is; typed by use.
import plugins from "./esbuild-plugins.mjs";

/**
 * Bundles every Lambda the way SST does for `nodejs22.x` (infra/environment.ts pins it): one ESM file
 * per handler module, esbuild, platform node, Node 22 target, minified, names kept, external source
 * maps, the `require` shim SST puts in ESM bundles, and the `install` modules left outside. Code
 * splitting is on, as SST deploys them (`NODEJS_BUILD` in infra/plan.ts): what a module imports with
 * `import()` is a chunk of its own, loaded when a request first needs it, not at every cold start.
 * `npm run build` writes them under dist/ with their metafiles and prints a size table.
 */
export const root = resolve(import.meta.dirname, "..");
export const distDir = resolve(root, "dist");

export const sstOptions: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  mainFields: ["module", "main"],
  minify: true,
  keepNames: true,
  sourcemap: "external",
  metafile: true,
  logLevel: "warning",
  banner: {
    js: 'import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url);',
  },
  external: ["sharp", "pg-native"],
  plugins,
};

export interface Entry {
  /** `functions/api/health.ts` */
  module: string;
  kind: "api" | "cron" | "stream" | "queue";
  /** Modules installed beside the bundle instead of inlined (SST's `nodejs.install`). */
  install: string[];
}

const module = (handler: string) => handler.replace(/\.handler$/, ".ts");

/** One entry per function module, as infra/ deploys them (routes of one module share one bundle). */
export function entries(): Entry[] {
  const out = new Map<string, Entry>();
  for (const r of apiRoutes())
    out.set(module(r.handler), { module: module(r.handler), kind: "api", install: r.install });
  for (const j of cronJobs())
    out.set(module(j.handler), { module: module(j.handler), kind: "cron", install: [] });
  for (const consumer of [streamConsumer, metricStreamConsumer])
    out.set(module(consumer.handler), { module: module(consumer.handler), kind: "stream", install: [] });
  for (const consumer of [webhookDelivery, rollupShardWorker]) {
    const queue = module(consumer.handler);
    if (existsSync(resolve(root, queue))) out.set(queue, { module: queue, kind: "queue", install: [] });
  }
  return [...out.values()];
}

export interface Built {
  entry: Entry;
  /** dist/functions/api/health.mjs */
  outfile: string;
  /** What a cold start loads: the entry and the chunks it imports statically. */
  bytes: number;
  /** Every chunk of the function, those loaded later by `import()` included: the package deployed. */
  packageBytes: number;
  /** The outputs (metafile keys) a cold start loads. */
  loaded: string[];
  metafile: Metafile;
}

/** `functions/api/health.ts` → `dist/functions/api/health.mjs` */
export function outfileOf(module: string, outdir = distDir): string {
  return resolve(outdir, module.replace(/\.ts$/, ".mjs"));
}

/**
 * Bundles one function. `splitting: false` makes the single file SST makes without `nodejs.splitting`
 * (bench:cold compares both).
 */
export async function bundle(
  entry: Entry,
  outdir = distDir,
  { splitting = NODEJS_BUILD.splitting as boolean } = {},
): Promise<Built> {
  const outfile = outfileOf(entry.module, outdir);
  await mkdir(dirname(outfile), { recursive: true });
  const result = await build({
    ...sstOptions,
    absWorkingDir: root,
    entryPoints: [resolve(root, entry.module)],
    splitting,
    outdir: dirname(outfile),
    entryNames: "[name]",
    outExtension: { ".js": ".mjs" },
    // SST gives each function a folder of its own; several share one here, so each keeps its chunks apart.
    chunkNames: `${basename(outfile, ".mjs")}.chunks/[name]-[hash]`,
    external: [...(sstOptions.external ?? []), ...entry.install],
  });
  const metafile = result.metafile as Metafile;
  await writeFile(`${outfile}.meta.json`, JSON.stringify(metafile));
  const loaded = loadedAtStart(metafile, entry.module);
  const size = (paths: string[]) => paths.reduce((sum, p) => sum + (metafile.outputs[p]?.bytes ?? 0), 0);
  const chunks = Object.keys(metafile.outputs).filter((p) => p.endsWith(".mjs"));
  return { entry, outfile, bytes: size(loaded), packageBytes: size(chunks), loaded, metafile };
}

/** The entry's output and every chunk reached from it by static imports: what importing it loads. */
export function loadedAtStart(metafile: Metafile, module: string): string[] {
  // Chunks that `import()` loads have an entry point too (the module imported): the function's is its own.
  const entryOutput = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint?.endsWith(module))?.[0];
  if (entryOutput === undefined) throw new Error(`no output for ${module} in the metafile`);
  const seen = new Set([entryOutput]);
  const next = [entryOutput];
  for (let path = next.pop(); path !== undefined; path = next.pop()) {
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind !== "import-statement" || imported.external || seen.has(imported.path)) continue;
      seen.add(imported.path);
      next.push(imported.path);
    }
  }
  return [...seen];
}

export async function bundleAll(outdir = distDir): Promise<Built[]> {
  await rm(outdir, { recursive: true, force: true });
  const built: Built[] = [];
  // One at a time: esbuild is fast, and the machine is shared.
  for (const entry of entries()) built.push(await bundle(entry, outdir));
  return built;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

/**
 * The packages (or source folders) a bundle's bytes come from, largest first: of the outputs named (by
 * default, what a cold start loads).
 */
export function breakdown(metafile: Metafile, outputs: string[], top = 8): Array<[string, number]> {
  const by = new Map<string, number>();
  for (const output of outputs.map((path) => metafile.outputs[path]).filter((o) => o !== undefined)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const key = match?.[1] ?? path.split("/").slice(0, 2).join("/");
      by.set(key, (by.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await bundleAll();
  const width = Math.max(...built.map((b) => b.entry.module.length));
  console.log(`${"function".padEnd(width)}  kind    loaded  package  largest inputs loaded`);
  for (const b of built) {
    const top = breakdown(b.metafile, b.loaded, 3)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(", ");
    console.log(
      `${b.entry.module.padEnd(width)}  ${b.entry.kind.padEnd(6)}  ${kb(b.bytes).padStart(6)}  ${kb(b.packageBytes).padStart(7)}  ${top}`,
    );
  }
  console.log("loaded: what a cold start imports; package: with the chunks loaded later by import()");
  const total = built.reduce((sum, b) => sum + b.packageBytes, 0);
  console.log(`${built.length} bundles, ${kb(total)} in all, under dist/ (metafiles beside them)`);
}
