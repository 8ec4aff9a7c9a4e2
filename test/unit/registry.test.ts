import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { honoPath, routes } from "../../functions/api/routes.ts";
import { jobNames, loadJob } from "../../functions/cron/jobs.ts";
import { schedules } from "../../functions/cron/schedules.ts";
import { nextRun } from "../../infra/local/scheduler.ts";

const root = resolve(import.meta.dirname, "../..");

interface RouteModule {
  handler: unknown;
  app: { routes: Array<{ method: string; path: string }> };
}

describe("route registry", () => {
  it("resolves every entry to a module that exports a Lambda handler and serves that route", async () => {
    for (const entry of routes) {
      const mod = (await import(resolve(root, entry.module))) as RouteModule;
      expect(typeof mod.handler, entry.module).toBe("function");
      const served = mod.app.routes.some((r) => r.method === entry.method && r.path === honoPath(entry.path));
      expect(served, `${entry.method} ${entry.path} in ${entry.module}`).toBe(true);
    }
  });

  it("lists every route the modules serve, and no route twice", async () => {
    const listed = new Set(routes.map((r) => `${r.method} ${honoPath(r.path)}`));
    expect(listed.size).toBe(routes.length);
    for (const module of new Set(routes.map((r) => r.module))) {
      const mod = (await import(resolve(root, module))) as RouteModule;
      for (const r of mod.app.routes.filter((r) => r.method !== "ALL")) {
        expect(listed, `${module} serves ${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`);
      }
    }
  });
});

describe("schedule registry", () => {
  it("resolves every job to a module exporting handler, with a valid expression and a definition", async () => {
    for (const entry of schedules) {
      const mod = (await import(resolve(root, entry.module))) as { handler: unknown; job: unknown };
      expect(typeof mod.handler, entry.module).toBe("function");
      expect(() => nextRun(entry.schedule, new Date())).not.toThrow();
      // "Run now" loads the very job the schedule runs.
      const job = await loadJob(entry.name);
      expect(job?.name).toBe(entry.name);
      expect(job).toBe(mod.job);
    }
    expect(jobNames().sort()).toEqual(schedules.map((s) => s.name).sort());
    expect(await loadJob("constructor")).toBeUndefined();
  });
});

describe("infra plan", () => {
  it("deploys one Lambda per registered route, with distinct names and handlers that exist", async () => {
    const { apiRoutes, cronJobs, handlerPath } = await import("../../infra/plan.ts");
    const plan = apiRoutes();
    expect(plan).toHaveLength(routes.length);
    expect(new Set(plan.map((p) => p.name)).size).toBe(plan.length);
    expect(new Set(plan.map((p) => p.routeKey)).size).toBe(plan.length);
    for (const p of plan) {
      const [file, exported] = [`${p.handler.replace(/\.handler$/, "")}.ts`, "handler"];
      const mod = (await import(resolve(root, file))) as Record<string, unknown>;
      expect(typeof mod[exported], p.routeKey).toBe("function");
    }
    expect(cronJobs().map((j) => j.schedule)).toEqual(schedules.map((s) => s.schedule));
    expect(handlerPath("functions/cron/heartbeat.ts")).toBe("functions/cron/heartbeat.handler");
  });
});
