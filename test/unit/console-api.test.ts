import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../functions/api/openapi-document.ts";

const srcDir = resolve(import.meta.dirname, "../../console/src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every literal API path in the console's source: `/v1/...` in quotes or a template. */
function consolePaths(): string[] {
  const found = new Set<string>();
  for (const file of sources(srcDir)) {
    for (const m of readFileSync(file, "utf8").matchAll(/["`](\/v1\/[^"`?]*)["`]/g))
      found.add(m[1] as string);
  }
  return [...found].sort();
}

describe("console API client", () => {
  const apiPaths = Object.keys((openApiDocument() as { paths: Record<string, unknown> }).paths);

  it("calls only routes that /openapi.json documents, written as the schema writes them", () => {
    // Prepare
    const paths = consolePaths();
    // Act
    const undocumented = paths.filter((p) => !apiPaths.includes(p));
    // Assess
    expect(paths.length).toBeGreaterThan(40);
    expect(undocumented).toEqual([]);
  });

  it("builds no path by hand: parameters go through the typed client, so tsc checks every path", () => {
    // A template such as `/v1/endpoints/${id}` would be a string the client's types cannot check.
    expect(consolePaths().filter((p) => p.includes("${"))).toEqual([]);
  });

  it("asks every download for the link, so that in AWS none is a redirect fetch cannot follow", () => {
    // Prepare: each call that reads the answer as a file, from its `client.GET(` to its `parseAs`.
    const calls = sources(srcDir).flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return [...text.matchAll(/parseAs: "blob"/g)].map((m) =>
        text.slice(text.lastIndexOf("client.GET(", m.index), m.index),
      );
    });
    // Act
    const unlinked = calls.filter((call) => !/\bLINK\b/.test(call));
    // Assess: the endpoint and service exports, both metric views' exports, and a run's file.
    expect(calls).toHaveLength(5);
    expect(unlinked).toEqual([]);
  });

  it("would notice a path the API does not have", () => {
    expect(apiPaths).toContain("/v1/endpoint-services/{id}/allowlist/remove");
    expect(apiPaths).not.toContain("/v1/endpoint-servics");
  });
});
