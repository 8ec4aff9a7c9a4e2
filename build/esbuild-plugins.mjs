// esbuild plugins for every Lambda bundle: SST loads this file (`nodejs.plugins` in infra/environment.ts)
// and build/bundle.ts uses the same list, so what is measured is what is deployed.

/**
 * zod's classic and core namespaces re-export all of its ~50 locales (`z.locales`), and @hono/zod-openapi hands
 * that namespace to zod-to-openapi as one object, so esbuild cannot drop any of them: 258 KB of every
 * API bundle. Linkplane's messages are English (zod's default, `en`), and nothing reads `z.locales`, so
 * the bundles get a locales module with `en` alone.
 */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)) return undefined;
      return { path: "zod-locales-en", namespace: "zod-english-only", pluginData: args.resolveDir };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";',
      resolveDir: args.pluginData,
      loader: "js",
    }));
  },
};

/**
 * @hono/zod-openapi calls `extendZodWithOpenApi(z)` with zod's whole namespace, which keeps every zod
 * schema type, JSON Schema conversion and check in every bundle, used or not. That function adds
 * `.openapi()` to `z.ZodType`'s prototype: a copy of the schema with its OpenAPI metadata (name, example,
 * description) registered, which only zod-to-openapi's generators read. No function makes the document
 * (the docs function serves the one made at build time, `openapiInline` below), so in the bundles
 * `.openapi()` answers the schema itself: validation is the same, and the bundles carry neither
 * zod-to-openapi's metadata code nor a copy of every named schema. The build fails if the call ever
 * changes shape.
 */
const REWRITES = [
  ['import { z } from "zod";', 'import * as z from "zod";'],
  ["extendZodWithOpenApi(z);", "z.ZodType.prototype.openapi ??= function openapi() {\n  return this;\n};"],
];

export const zodOpenApiMetadataLeftOut = {
  name: "zod-openapi-metadata-left-out",
  setup(build) {
    build.onLoad({ filter: /[\\/]@hono[\\/]zod-openapi[\\/]dist[\\/]index\.mjs$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      const source = await readFile(args.path, "utf8");
      let contents = source;
      for (const [from, to] of REWRITES) {
        if (!contents.includes(from))
          throw new Error(`${args.path}: expected "${from}" (build/esbuild-plugins.mjs)`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: "js" };
    });
  },
};

/**
 * zod's classic schemas carry its JSON Schema conversion: every schema type's constructor sets a
 * `processJSONSchema` closure naming that type's converter, and `toJSONSchema()` and `~standard.jsonSchema`
 * are methods of every schema, so esbuild keeps zod's whole converter (17 KB) in every bundle. No function
 * converts a schema to JSON Schema (zod-to-openapi, which makes the OpenAPI document, has converters of its
 * own), so the bundles get classic/schemas.js without the closures, and the methods throw if called.
 * The build fails if the file changes shape.
 */
const PROCESS_JSON_SCHEMA =
  /\n\s*inst\._zod\.processJSONSchema = \(ctx, json, params\) => processors\.\w+\(inst, ctx, json, params\);/g;
const ZOD_SCHEMA_REWRITES = [
  [
    'import { createStandardJSONSchemaMethod, createToJSONSchemaMethod } from "../core/to-json-schema.js";',
    [
      "const jsonSchemaLeftOut = () => () => {",
      '  throw new Error("zod\'s JSON Schema conversion is left out of this bundle (build/esbuild-plugins.mjs)");',
      "};",
      "const createStandardJSONSchemaMethod = jsonSchemaLeftOut;",
      "const createToJSONSchemaMethod = jsonSchemaLeftOut;",
    ].join("\n"),
  ],
];

/**
 * Classic zod puts every method of a schema type on its prototype (`ZodString`'s `email()` … `duration()`,
 * `ZodType`'s `and()`, `readonly()`, `superRefine()`, …), and each names the schema type or check it makes,
 * so esbuild keeps all of them, used or not (the string formats alone: 22 classes, their regexes and
 * checks). The bundles get classic/schemas.js without the methods below, none of which Linkplane calls,
 * so esbuild can drop what only they named: ~24 KB of every API bundle. `zodMethodsGuard` fails the
 * build if a bundled Linkplane module calls one (a method left out is `undefined` at run time); to use
 * one, take it off this list. The guard sees calls only: a method named as a string must stay (RouteApp
 * tells a zod schema by `parse`, `safeParse`, `parseAsync` and `safeParseAsync`; the built-artifacts test
 * failed when `parseAsync` went). Zod itself and the libraries bundled with it (@hono/zod-validator,
 * the parts of @hono/zod-openapi a route keeps) call none of them. `check`, `clone`, `describe` and
 * `meta` stay too.
 */
export const ZOD_METHODS_LEFT_OUT = [
  // ZodString: the string formats (z.url() and z.iso.* are functions of their own, kept where used)
  ...["email", "jwt", "emoji", "guid", "uuid", "uuidv4", "uuidv6", "uuidv7", "nanoid", "cuid", "cuid2"],
  ...["ulid", "base64", "base64url", "xid", "ksuid", "ipv4", "ipv6", "cidrv4", "cidrv6", "e164", "duration"],
  // ZodString checks and ZodString's / ZodArray's sizes
  ...["lowercase", "uppercase", "normalize", "slugify", "length", "nonempty"],
  // ZodNumber / ZodBigInt checks but min, max, int, finite, nonnegative (used) and step (RollupMarks.step)
  ...["gt", "gte", "lt", "lte", "positive", "negative", "nonpositive", "multipleOf", "safe"],
  // ZodObject
  ...["keyof", "catchall", "passthrough", "loose", "strict", "strip", "merge", "pick", "omit", "required"],
  ...["safeExtend", "exactPartial"],
  // ZodType
  ...["and", "brand", "exactOptional", "nonoptional", "nullish", "prefault", "readonly", "superRefine"],
  ...["overwrite", "isOptional", "isNullable", "encodeAsync", "decodeAsync", "safeEncode", "safeDecode"],
  ...["safeEncodeAsync", "safeDecodeAsync"],
];

/** A method in classic/schemas.js's prototype objects: `    name(args) {` … `    },` (bodies are deeper). */
function methodDefinition(name) {
  return new RegExp(
    `\n    (?:async )?${name}(?:: (?:async )?function \\w+)?\\([^)\\n]*\\) \\{\\n[\\s\\S]*?\\n    \\},`,
    "g",
  );
}

export function withoutMethods(contents, names, path) {
  let out = contents;
  for (const name of names) {
    const before = out;
    out = out.replace(methodDefinition(name), (method) => {
      // A method is indented; a line at column 0 inside the match means it ran past its own object.
      if (/\n\S/.test(method))
        throw new Error(
          `${path}: zod method "${name}" is not shaped as expected (build/esbuild-plugins.mjs)`,
        );
      return "";
    });
    if (out === before)
      throw new Error(`${path}: no zod method "${name}" to leave out (build/esbuild-plugins.mjs)`);
  }
  return out;
}

/**
 * classic/schemas.js takes zod's `util` from core's index (`import { util } from "../core/index.js"`, the
 * namespace re-exported), which esbuild keeps whole; imported from util.js itself, what is unused goes.
 */
const ZOD_UTIL_IMPORT = [
  'import { util } from "../core/index.js";',
  'import * as util from "../core/util.js";',
];

/** classic/schemas.js for the bundles: without JSON Schema conversion, the methods above, or util whole. */
export const zodClassicTrimmed = {
  name: "zod-classic-trimmed",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]classic[\\/]schemas\.js$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      let contents = await readFile(args.path, "utf8");
      for (const [from, to] of [...ZOD_SCHEMA_REWRITES, ZOD_UTIL_IMPORT]) {
        if (!contents.includes(from))
          throw new Error(`${args.path}: expected "${from}" (build/esbuild-plugins.mjs)`);
        contents = contents.replace(from, to);
      }
      contents = contents.replaceAll("core.util.", "util.");
      const closures = contents.match(PROCESS_JSON_SCHEMA)?.length ?? 0;
      contents = contents.replace(PROCESS_JSON_SCHEMA, "");
      if (closures < 30 || contents.includes("processJSONSchema"))
        throw new Error(`${args.path}: processJSONSchema is not set as expected (build/esbuild-plugins.mjs)`);
      return { contents: withoutMethods(contents, ZOD_METHODS_LEFT_OUT, args.path), loader: "js" };
    });
  },
};

// `.name(`, `.name<T>(` and `["name"](`.
const METHOD_CALL = new RegExp(
  `(?:\\.\\s*(${ZOD_METHODS_LEFT_OUT.join("|")})\\s*(?:<[^()]*>\\s*)?|\\[\\s*["'\`](${ZOD_METHODS_LEFT_OUT.join("|")})["'\`]\\s*\\]\\s*)\\(`,
);

/**
 * Fails the build where a bundled Linkplane module calls a method of ZOD_METHODS_LEFT_OUT (by name: a
 * call of another object's method of that name fails too, and says so). Loads nothing itself.
 */
export const zodMethodsGuard = {
  name: "zod-methods-guard",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const { readFile } = await import("node:fs/promises");
      const source = await readFile(args.path, "utf8");
      const call = source.match(METHOD_CALL);
      if (call) {
        const line = source.slice(0, call.index).split("\n").length;
        const name = call[1] ?? call[2];
        throw new Error(
          `${args.path}:${line}: calls ".${name}()", a zod method left out of the bundles; if it is zod's, take "${name}" off ZOD_METHODS_LEFT_OUT (build/esbuild-plugins.mjs)`,
        );
      }
      return undefined;
    });
  },
};

/**
 * The console route's Lambda serves the console's two files. Rather than carry Vite (which builds them)
 * or a folder of files, its bundle gets them inlined: `console/assets.ts` is replaced by a module holding
 * the output of `npm run build:console`, which runs once per build (tsx compiles the console's build
 * script, which runs Vite's build).
 */
let consoleBuilt;
export const consoleInline = {
  name: "console-inline",
  setup(build) {
    build.onResolve({ filter: /[\\/]console[\\/]assets\.ts$/ }, async (args) => {
      const { resolve } = await import("node:path");
      return { path: resolve(args.resolveDir, args.path), namespace: "console-inline" };
    });
    build.onLoad({ filter: /.*/, namespace: "console-inline" }, async (args) => {
      const { dirname, join } = await import("node:path");
      const { readFile } = await import("node:fs/promises");
      const { execFile } = await import("node:child_process");
      const { promisify } = await import("node:util");
      const consoleDir = dirname(args.path);
      consoleBuilt ??= promisify(execFile)("node", ["--import", "tsx", join(consoleDir, "build-cli.ts")], {
        cwd: dirname(consoleDir),
      });
      await consoleBuilt;
      const files = [
        ["app.js", "text/javascript; charset=utf-8"],
        ["style.css", "text/css; charset=utf-8"],
      ];
      const entries = [];
      for (const [file, type] of files) {
        const body = (await readFile(join(consoleDir, "dist", file))).toString("base64");
        entries.push(
          `[${JSON.stringify(file)}, { body: asset(${JSON.stringify(body)}), type: ${JSON.stringify(type)} }]`,
        );
      }
      return {
        contents: [
          'const asset = (b64) => new Uint8Array(Buffer.from(b64, "base64"));',
          `const assets = new Map([${entries.join(", ")}]);`,
          "export async function consoleAssets() { return assets; }",
        ].join("\n"),
        loader: "js",
      };
    });
  },
};

/**
 * The docs function serves the OpenAPI document, which is made from every route module's schemas. Rather
 * than carry every route (and zod-to-openapi's generators) to make it on a cold start, its bundle gets the
 * document made at build time: `functions/api/openapi-json.ts` is replaced by a module holding the output
 * of `build/openapi.ts`, compacted and compressed with Brotli (the document is ~300 KB of JSON: 22 KB
 * gzipped, 16 KB with Brotli at its best, 21 KB in base64), and unpacked on the first request. The
 * served JSON is the same: `c.json` serializes the same object.
 */
let documentBuilt;
export const openapiInline = {
  name: "openapi-inline",
  setup(build) {
    build.onResolve({ filter: /(^|[\\/])openapi-json\.ts$/ }, async (args) => {
      const { resolve } = await import("node:path");
      return { path: resolve(args.resolveDir, args.path), namespace: "openapi-inline" };
    });
    build.onLoad({ filter: /.*/, namespace: "openapi-inline" }, async (args) => {
      const { join, resolve } = await import("node:path");
      const { mkdtemp, readFile } = await import("node:fs/promises");
      const { tmpdir } = await import("node:os");
      const { brotliCompressSync, constants } = await import("node:zlib");
      const { execFile } = await import("node:child_process");
      const { promisify } = await import("node:util");
      const root = resolve(args.path, "../../..");
      documentBuilt ??= (async () => {
        const out = join(await mkdtemp(join(tmpdir(), "linkplane-openapi-")), "openapi.json");
        await promisify(execFile)("node", ["--import", "tsx", join(root, "build", "openapi.ts"), out], {
          cwd: root,
        });
        const compact = JSON.stringify(JSON.parse(await readFile(out, "utf8")));
        const params = {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
          [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(compact),
        };
        return brotliCompressSync(compact, { params }).toString("base64");
      })();
      const packed = await documentBuilt;
      return {
        contents: [
          'import { brotliDecompressSync } from "node:zlib";',
          `const packed = ${JSON.stringify(packed)};`,
          "let document;",
          "export async function servedDocument() {",
          '  document ??= JSON.parse(brotliDecompressSync(Buffer.from(packed, "base64")).toString("utf8"));',
          "  return document;",
          "}",
        ].join("\n"),
        loader: "js",
      };
    });
  },
};

export default [
  zodMethodsGuard,
  zodEnglishOnly,
  zodOpenApiMetadataLeftOut,
  zodClassicTrimmed,
  consoleInline,
  openapiInline,
];
