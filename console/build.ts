import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Builds the console with Vite's programmatic build (rolldown underneath): one ES module, app.js, and
 * one stylesheet, style.css (the console's rules and uPlot's, imported by main.ts), minified, with fixed
 * names because the page that loads them is served by the API and never changes. No dev server: the
 * console is built once, at `npm run build:console`, at a bundle build, or on its first request.
 */
export interface ConsoleAsset {
  body: Uint8Array;
  type: string;
}

const root = resolve(import.meta.dirname);

const TYPES: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

export async function buildConsole(): Promise<Map<string, ConsoleAsset>> {
  const { build } = await import("vite");
  const result = await build({
    configFile: false,
    envFile: false,
    root,
    // Vite's cache would default to node_modules/.vite; the build needs none that outlives it.
    cacheDir: resolve(tmpdir(), "linkplane-console-vite"),
    logLevel: "silent",
    build: {
      write: false,
      minify: true,
      target: ["chrome110", "firefox115", "safari16"],
      cssCodeSplit: false,
      modulePreload: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: resolve(root, "src/main.ts"),
        output: {
          entryFileNames: "app.js",
          assetFileNames: (asset) =>
            asset.names.some((n) => n.endsWith(".css")) ? "style.css" : "[name][extname]",
          comments: { legal: false },
        },
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ("output" in r ? r.output : []));
  const assets = new Map<string, ConsoleAsset>();
  for (const file of outputs) {
    const type = TYPES[file.fileName];
    if (!type) throw new Error(`console build: unexpected output ${file.fileName}`);
    const body = file.type === "chunk" ? file.code : file.source;
    assets.set(file.fileName, {
      body: typeof body === "string" ? new TextEncoder().encode(body) : body,
      type,
    });
  }
  if (assets.size !== Object.keys(TYPES).length)
    throw new Error("console build: app.js or style.css missing");
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

/** Prebuilt assets (npm run build:console), for a deployment that does not carry Vite. */
export async function prebuilt(): Promise<Map<string, ConsoleAsset>> {
  const assets = new Map<string, ConsoleAsset>();
  for (const [file, type] of Object.entries(TYPES))
    assets.set(file, { body: new Uint8Array(await readFile(resolve(root, "dist", file))), type });
  return assets;
}
