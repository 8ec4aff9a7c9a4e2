import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../functions/api/docs.ts";

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

const segments = (path: string) => path.split("/").filter(Boolean);
const isParam = (segment: string) => segment.includes("${") || /^\{.+\}$/.test(segment);

/** A console path fits a documented one when each literal segment is equal or meets a parameter. */
function documented(path: string, apiPaths: string[]): boolean {
  const ours = segments(path);
  return apiPaths.some((api) => {
    const theirs = segments(api);
    return (
      theirs.length === ours.length &&
      theirs.every((t, i) => isParam(t) || isParam(ours[i] as string) || t === ours[i])
    );
  });
}

describe("console API client", () => {
  const apiPaths = Object.keys((openApiDocument() as { paths: Record<string, unknown> }).paths);

  it("calls only routes that /openapi.json documents", () => {
    // Prepare
    const paths = consolePaths();
    // Act
    const undocumented = paths.filter((p) => !documented(p, apiPaths));
    // Assess
    expect(paths.length).toBeGreaterThan(25);
    expect(undocumented).toEqual([]);
  });

  it("would notice a path the API does not have", () => {
    expect(documented("/v1/endpoint-services/{id}/connections/approve-all/now", apiPaths)).toBe(false);
    expect(documented("/v1/endpoint-servics", apiPaths)).toBe(false);
    expect(documented("/v1/endpoint-services/{id}/allowlist/remove", apiPaths)).toBe(true);
  });
});
