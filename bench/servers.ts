import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../infra/local/dynamodb-local.ts";

const root = resolve(import.meta.dirname, "..");

/** Linkplane as `npm start` runs it: its own process, poller and scheduler included, logging as it does. */
export async function startLinkplane(env: Record<string, string>) {
  const port = await freePort();
  const server: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "infra/local/main.ts", "--port", String(port)],
    {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        LINKPLANE_LOG_LEVEL: "info",
        LINKPLANE_DATA_DIR: mkdtempSync(join(tmpdir(), "lp-bench-api-")),
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      if (i > 600) throw new Error("linkplane did not start");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    stop: async () => {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    },
  };
}

/**
 * A floor with the HTTP hop in its own process (bench/floor/): the minimal server on the same stack (Hono
 * on @hono/node-server), or the bare one (node:http, no framework), which is the hop alone.
 */
export async function floorServer(
  script: string,
  env: Record<string, string>,
): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, ...env, FLOOR_PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((ready, fail) => {
    child.stdout?.once("data", () => ready());
    child.once("exit", (code) => fail(new Error(`${script} exited (${code})`)));
  });
  return { port, process: child };
}
