import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { errorTable } from "../../build/errors-doc.ts";
import { ERROR_CODES } from "../../core/errors.ts";

const root = resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** The source with the catalogue itself cut out, so a code counts as used only where it is thrown. */
function code(file: string): string {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("export const ERROR_CODES");
  return start < 0 ? text : text.slice(0, start) + text.slice(text.indexOf("\n];", start));
}

const catalogued = new Set(ERROR_CODES.map((e) => e.code));
// The first segment of every catalogued code: a literal starting with one of these is an error code.
const families = [...new Set(ERROR_CODES.map((e) => e.code.split(".")[0]))];
const literal = new RegExp(`"((?:${families.join("|")})(?:\\.[A-Z][A-Za-z]*)*)"`, "g");
const used = new Map<string, string>();
for (const file of [...sources("core"), ...sources("functions")]) {
  for (const m of code(file).matchAll(literal)) used.set(m[1] as string, file.slice(root.length + 1));
}

describe("error codes", () => {
  it("catalogues every code the sources answer", () => {
    const missing = [...used].filter(([c]) => !catalogued.has(c)).map(([c, file]) => `${c} (${file})`);
    expect(missing).toEqual([]);
  });

  it("catalogues no code that nothing answers", () => {
    expect([...catalogued].filter((c) => !used.has(c))).toEqual([]);
  });

  it("has docs/errors.md as generated from the catalogue, and the README links it", () => {
    // `npm run docs:errors` rewrites the file after a change to core/errors.ts.
    expect(readFileSync(join(root, "docs/errors.md"), "utf8")).toBe(errorTable());
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain("(docs/errors.md)");
  });
});
