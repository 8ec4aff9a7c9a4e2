import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { routes } from "../../functions/api/routes.ts";
import { schedules } from "../../functions/cron/schedules.ts";

const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8"));

describe("README claims", () => {
  it("counts the routes, functions and schedules the registries hold", () => {
    expect(readme).toContain(`| 1 API, ${routes.length} routes |`);
    // The two stream consumers, the webhook delivery function, the rollup shard worker.
    const functions = routes.length + schedules.length + 4;
    expect(readme).toContain(`| ${routes.length} + ${schedules.length} + 2 + 1 + 1 = ${functions} |`);
    expect(readme).toMatch(new RegExp(`schedules \\\\(.*\\\\) \\\\| ${schedules.length} \\\\|`));
  });

  it("states the Node versions the engines field holds", () => {
    expect(pkg.engines.node).toBe("^20.19.0 || ^22.13.0 || >=24");
    expect(readme).toContain("Node.js 20.19 or later in the 20 line, or 22.13 or later");
  });

  it("downloads into a temporary folder, never with curl -OJ into the working folder", () => {
    expect(readme).not.toMatch(/curl[^\n]*-O/);
    expect(readme).toContain("OUT=$(mktemp -d)");
  });
});
