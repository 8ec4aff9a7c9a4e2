import { readFile } from "node:fs/promises";
import type { Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { buildFunctions } from "../support/built.ts";

// What the route functions' bundles hold, from esbuild's metafile and the output itself: each of these
// was found in the bundles and taken out (docs/deploy.md "Bundles"); a change that brings it back fails.
const HEALTH = "functions/api/health.ts";
const WEBHOOKS = "functions/api/webhooks/subscriptions.ts";

interface Bundle {
  text: string;
  inputs: Record<string, number>;
}
let bundles: Record<string, Bundle>;

beforeAll(async () => {
  const files = await buildFunctions([HEALTH, WEBHOOKS]);
  bundles = {};
  for (const [module, file] of Object.entries(files)) {
    const metafile = JSON.parse(await readFile(`${file}.meta.json`, "utf8")) as Metafile;
    const inputs: Record<string, number> = {};
    for (const output of Object.values(metafile.outputs))
      for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) inputs[path] = bytesInOutput;
    bundles[module] = { text: await readFile(file, "utf8"), inputs };
  }
}, 120_000);

/** The bytes a bundle holds from inputs whose path matches. */
function bytesFrom(module: string, path: RegExp): number {
  const inputs = bundles[module]?.inputs ?? {};
  return Object.entries(inputs)
    .filter(([p]) => path.test(p))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
}

describe("route function bundles", () => {
  it("hold no OpenAPI document machinery: no registry, no generator", () => {
    for (const module of [HEALTH, WEBHOOKS]) {
      const text = bundles[module]?.text ?? "";
      // Names survive minification (keepNames, as SST builds).
      expect(text, module).not.toMatch(/OpenAPIRegistry|OpenApiGeneratorV3|OpenAPIHono/);
      // extendZodWithOpenApi alone (`.openapi()` on schemas) is what is left of zod-to-openapi.
      expect(bytesFrom(module, /@asteasolutions[\\/]zod-to-openapi/), module).toBeLessThan(8 * 1024);
    }
  });
});
