import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { loadedAtStart, root } from "../../build/bundle.ts";
import { buildFunctions } from "../support/built.ts";

// What the route functions' bundles hold, from esbuild's metafile and the output itself: each of these
// was found in the bundles and taken out (docs/deploy.md "Bundles"); a change that brings it back fails.
const HEALTH = "functions/api/health.ts";
const WEBHOOKS = "functions/api/webhooks/subscriptions.ts";
const DOCS = "functions/api/docs.ts";
// Functions whose routes never touch the export bucket, though their modules' neighbours do.
const WITHOUT_BUCKET = [
  "functions/api/privatelink/endpoints.ts",
  "functions/api/privatelink/endpoint-services.ts",
  "functions/api/metrics/views.ts",
  "functions/api/metrics/exports.ts",
  "functions/api/operator/jobs.ts",
];
const INGEST = "functions/api/metrics/ingest.ts";
// Code split: what these load with import() is not loaded at a cold start.
const ENDPOINTS_EXPORT = "functions/api/privatelink/endpoints-export.ts";
const EXPORT_FILES = "functions/api/metrics/export-files.ts";
const EXPORT_JOB = "functions/cron/metric-exports.ts";
const JOB_RUN = "functions/api/operator/job-run.ts";
// The functions that sign webhook deliveries.
const WEBHOOK_SENDERS = [
  "functions/api/webhooks/deliveries.ts",
  "functions/webhooks/deliver.ts",
  "functions/streams/handler.ts",
  "functions/cron/webhook-retry.ts",
];

interface Bundle {
  text: string;
  inputs: Record<string, number>;
  /** The inputs of what a cold start loads (the entry and its static imports). */
  atStart: Set<string>;
}
let bundles: Record<string, Bundle>;

beforeAll(async () => {
  const files = await buildFunctions([
    HEALTH,
    WEBHOOKS,
    DOCS,
    ...WITHOUT_BUCKET,
    INGEST,
    ENDPOINTS_EXPORT,
    EXPORT_FILES,
    EXPORT_JOB,
    JOB_RUN,
    ...WEBHOOK_SENDERS,
  ]);
  bundles = {};
  for (const [module, file] of Object.entries(files)) {
    const metafile = JSON.parse(await readFile(`${file}.meta.json`, "utf8")) as Metafile;
    const inputs: Record<string, number> = {};
    for (const output of Object.values(metafile.outputs))
      for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) inputs[path] = bytesInOutput;
    // Every chunk, those loaded later by import() too: what is in the package is in the bundle.
    const chunks = Object.keys(metafile.outputs).filter((path) => path.endsWith(".mjs"));
    const texts = await Promise.all(chunks.map((path) => readFile(resolve(root, path), "utf8")));
    expect(texts.length, module).toBeGreaterThan(0);
    const atStart = new Set(
      loadedAtStart(metafile, module).flatMap((path) => Object.keys(metafile.outputs[path]?.inputs ?? {})),
    );
    bundles[module] = { text: texts.join("\n"), inputs, atStart };
  }
}, 240_000);

/** The bytes a bundle holds from inputs whose path matches. */
function bytesFrom(module: string, path: RegExp): number {
  const inputs = bundles[module]?.inputs ?? {};
  return Object.entries(inputs)
    .filter(([p]) => path.test(p))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
}

describe("route function bundles", () => {
  it("load the S3 client at start only where every request reaches the bucket, and a job only when it runs", () => {
    const s3 = (module: string) => [...(bundles[module]?.atStart ?? [])].filter((p) => /client-s3/.test(p));
    // An export answers inline up to its limit: the client comes with the first export past it.
    expect(bytesFrom(ENDPOINTS_EXPORT, /client-s3/)).toBeGreaterThan(50 * 1024);
    expect(s3(ENDPOINTS_EXPORT)).toEqual([]);
    // A run's file is always in the bucket, and every run of the export job writes there.
    expect(s3(EXPORT_FILES).length).toBeGreaterThan(0);
    expect(s3(EXPORT_JOB).length).toBeGreaterThan(0);
    // "Run now" has every job in its package, and none of them loaded at start.
    const jobs = [
      "functions/cron/rollup-hourly.ts",
      "functions/cron/metric-exports.ts",
      "functions/cron/heartbeat.ts",
    ];
    for (const job of jobs) {
      expect(Object.keys(bundles[JOB_RUN]?.inputs ?? {}), job).toContain(job);
      expect(bundles[JOB_RUN]?.atStart.has(job), job).toBe(false);
    }
  });

  it("hold no OpenAPI document machinery: no registry, no generator, no metadata", () => {
    for (const module of [HEALTH, WEBHOOKS]) {
      const text = bundles[module]?.text ?? "";
      // Names survive minification (keepNames, as SST builds).
      expect(text, module).not.toMatch(/OpenAPIRegistry|OpenApiGeneratorV3|OpenAPIHono/);
      // Nor its metadata: `.openapi()` answers the schema itself in a bundle (build/esbuild-plugins.mjs).
      expect(bytesFrom(module, /@asteasolutions[\\/]zod-to-openapi/), module).toBeLessThan(1024);
    }
  });
});

describe("zod in the bundles", () => {
  it("leaves zod's JSON Schema conversion out, and a schema asked for JSON Schema says so", async () => {
    for (const module of [HEALTH, WEBHOOKS]) {
      expect(bytesFrom(module, /zod[\\/]v4[\\/]core[\\/]to-json-schema\.js$/), module).toBe(0);
      // What is left of the converters: aggregateChecks, which the string and number getters read.
      expect(bytesFrom(module, /zod[\\/]v4[\\/]core[\\/]json-schema-processors\.js$/), module).toBeLessThan(
        3 * 1024,
      );
    }
  });

  it("fails the build when zod's classic schemas change shape", async () => {
    // @ts-expect-error: plain ESM for SST to load as it is (as build/bundle.ts imports it).
    const { zodClassicTrimmed } = await import("../../build/esbuild-plugins.mjs");
    const dir = await mkdtemp(join(tmpdir(), "linkplane-zod-shape-"));
    const path = join(dir, "zod", "v4", "classic", "schemas.js");
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, 'import * as core from "../core/index.js";\nexport const x = 1;\n');
    let onLoad: ((args: { path: string }) => Promise<unknown>) | undefined;
    zodClassicTrimmed.setup({
      onLoad: (_: unknown, callback: typeof onLoad) => {
        onLoad = callback;
      },
    });
    await expect(onLoad?.({ path })).rejects.toThrow(/expected .*to-json-schema/);
  });
});

describe("zod's methods in the bundles", () => {
  it("leaves out the methods Linkplane never calls, and what only they made", () => {
    for (const module of [HEALTH, WEBHOOKS]) {
      const text = bundles[module]?.text ?? "";
      // Names survive minification (keepNames): the string formats' classes, an intersection's.
      expect(text, module).not.toMatch(/"(ZodEmail|ZodCIDRv6|ZodJWT|ZodKSUID|ZodIntersection|ZodReadonly)"/);
      expect(text, module).not.toMatch(/\bsuperRefine\(/);
      // zod was 83 KB of every bundle before; what is left is what the routes' schemas use.
      expect(bytesFrom(module, /node_modules[\\/]zod[\\/]/), module).toBeLessThan(62 * 1024);
    }
  });

  it("fails the build where Linkplane's code calls a method left out, and passes it otherwise", async () => {
    // @ts-expect-error: plain ESM for SST to load as it is (as build/bundle.ts imports it).
    const { zodMethodsGuard } = await import("../../build/esbuild-plugins.mjs");
    let onLoad: ((args: { path: string }) => Promise<unknown>) | undefined;
    zodMethodsGuard.setup({
      onLoad: (_: unknown, callback: typeof onLoad) => {
        onLoad = callback;
      },
    });
    const dir = await mkdtemp(join(tmpdir(), "linkplane-zod-methods-"));
    const uses = join(dir, "uses.ts");
    await writeFile(uses, 'import * as z from "zod";\nexport const Mail = z\n  .string()\n  .email();\n');
    await expect(onLoad?.({ path: uses })).rejects.toThrow(/uses\.ts:4: calls "\.email\(\)"/);
    const generic = join(dir, "generic.ts");
    await writeFile(generic, 'import * as z from "zod";\nexport const Id = z.string().brand<"Id">();\n');
    await expect(onLoad?.({ path: generic })).rejects.toThrow(/generic\.ts:2: calls "\.brand\(\)"/);
    const bracket = join(dir, "bracket.ts");
    await writeFile(bracket, 'import * as z from "zod";\nexport const Loose = z.object({})["strict"]();\n');
    await expect(onLoad?.({ path: bracket })).rejects.toThrow(/bracket\.ts:2: calls "\.strict\(\)"/);
    const fine = join(dir, "fine.ts");
    await writeFile(fine, 'import * as z from "zod";\nexport const Name = z.string().max(60).optional();\n');
    await expect(onLoad?.({ path: fine })).resolves.toBeUndefined();
  });

  it("fails the build when a method to leave out is not where zod had it", async () => {
    // @ts-expect-error: plain ESM for SST to load as it is (as build/bundle.ts imports it).
    const { withoutMethods } = await import("../../build/esbuild-plugins.mjs");
    const source = "const p = {\n    email(params) {\n        return this;\n    },\n};\n";
    expect(withoutMethods(source, ["email"], "schemas.js")).toBe("const p = {\n};\n");
    expect(() => withoutMethods(source, ["email", "uuid"], "schemas.js")).toThrow(/no zod method "uuid"/);
    // The last method of an object has no "    }," of its own: the match would run into the next object.
    const last =
      "const p = {\n    email(params) {\n        return this;\n    }\n};\nconst q = {\n    uuid() {\n        return 1;\n    },\n};\n";
    expect(() => withoutMethods(last, ["email"], "schemas.js")).toThrow(/"email" is not shaped as expected/);
  });
});

describe("what a route does not use", () => {
  it("leaves the error catalogue's descriptions to the OpenAPI document", () => {
    // core/errors.ts's ERROR_CODES: read only where the document is made.
    expect(bundles[HEALTH]?.text).not.toContain("A quota is full");
  });

  it("gives the docs function the document made at build time, not the routes it is made from", () => {
    expect(bytesFrom(DOCS, /openapi-inline:/)).toBeGreaterThan(0);
    expect(bytesFrom(DOCS, /@asteasolutions[\\/]zod-to-openapi|@hono[\\/]zod-openapi/)).toBe(0);
    expect(
      bytesFrom(DOCS, /functions[\\/]api[\\/](privatelink|inventory|metrics|webhooks|operator)[\\/]/),
    ).toBe(0);
    expect(bytesFrom(DOCS, /@aws-sdk[\\/]client-s3/)).toBe(0);
  });

  it("leaves the S3 client out of the webhook routes: the stream's projections are not re-exported", () => {
    expect(bytesFrom(WEBHOOKS, /@aws-sdk[\\/]client-s3/)).toBe(0);
    expect(bytesFrom(WEBHOOKS, /core[\\/]storage[\\/]/)).toBe(0);
  });

  it("leaves the S3 client to the functions that read or write the export bucket", () => {
    // The export routes, a run's file and "run a job now" are functions of their own (routes.ts).
    for (const module of WITHOUT_BUCKET) {
      expect(bytesFrom(module, /@aws-sdk[\\/]client-s3/), module).toBe(0);
      expect(bytesFrom(module, /core[\\/]storage[\\/]/), module).toBe(0);
    }
  });

  it("leaves the SQS client out of metric ingest and views: they read the rollup's marks, not its queue", () => {
    for (const module of [INGEST, "functions/api/metrics/views.ts"]) {
      expect(bytesFrom(module, /@aws-sdk[\\/]client-sqs/), module).toBe(0);
    }
  });

  it("leaves webhook delivery and its queue to the routes that send (webhooks/deliveries.ts)", () => {
    expect(bytesFrom(WEBHOOKS, /@aws-sdk[\\/]client-sqs/)).toBe(0);
    expect(bytesFrom(WEBHOOKS, /core[\\/]webhook[\\/](delivery|dispatch|queue)\.ts$/)).toBe(0);
    // The signer; the transport's URL check stays (a subscription's URL is checked when it is saved).
    expect(bytesFrom(WEBHOOKS, /standardwebhooks/)).toBe(0);
  });

  it("signs webhook deliveries with node:crypto, not the standardwebhooks package's pure-JS HMAC", () => {
    for (const module of WEBHOOK_SENDERS) {
      const atStart = [...(bundles[module]?.atStart ?? [])];
      // The library, its SHA-256 and its base64 were 12 KB of each of these at every cold start.
      expect(
        atStart.filter((p) => /standardwebhooks|fast-sha256|@stablelib/.test(p)),
        module,
      ).toEqual([]);
      // A function that no longer delivered would meet the assertion above without signing at all.
      expect(atStart, module).toContainEqual(expect.stringMatching(/core[\\/]webhook[\\/]delivery\.ts$/));
    }
  });

  it("keeps only the domain functions a route calls: domain modules are imported as ES namespaces", () => {
    // As a TypeScript namespace (one object) EndpointService was 10 KB of this bundle, and Keys' object of
    // builders 4 KB of every bundle; the route calls a few of each (0.6 KB and 1.1 KB).
    const ENDPOINTS = "functions/api/privatelink/endpoints.ts";
    expect(bytesFrom(ENDPOINTS, /core[\\/]privatelink[\\/]service\.ts$/)).toBeLessThan(2048);
    expect(bytesFrom(ENDPOINTS, /core[\\/]db[\\/]keys\.ts$/)).toBeLessThan(2048);
  });
});
