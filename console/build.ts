import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Builds the console with esbuild (already the project's bundler for Lambda): one ES module and one
 * stylesheet, minified. No framework and no charting library, so the whole console is a few tens of KB.
 */
export interface ConsoleAsset {
  body: Uint8Array;
  type: string;
}

const root = resolve(import.meta.dirname);

export async function buildConsole(): Promise<Map<string, ConsoleAsset>> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [resolve(root, "src/main.ts"), resolve(root, "src/style.css")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["chrome110", "firefox115", "safari16"],
    outdir: "out",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const name = file.path.endsWith(".css") ? "style.css" : "app.js";
    assets.set(name, {
      body: file.contents,
      type: name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
    });
  }
  return assets;
}

/** Raw and gzipped bytes of each asset, as the build prints them. */
export function sizes(
  assets: Map<string, ConsoleAsset>,
): Array<{ file: string; bytes: number; gzip: number }> {
  return [...assets].map(([file, a]) => ({
    file,
    bytes: a.body.byteLength,
    gzip: gzipSync(a.body).byteLength,
  }));
}

/** Prebuilt assets (npm run build:console), for a deployment that does not carry esbuild. */
export async function prebuilt(): Promise<Map<string, ConsoleAsset>> {
  const assets = new Map<string, ConsoleAsset>();
  for (const [file, type] of [
    ["app.js", "text/javascript; charset=utf-8"],
    ["style.css", "text/css; charset=utf-8"],
  ] as const) {
    assets.set(file, { body: new Uint8Array(await readFile(resolve(root, "dist", file))), type });
  }
  return assets;
}
