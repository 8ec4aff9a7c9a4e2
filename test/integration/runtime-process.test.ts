import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../support/wait.ts";

const root = resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

interface Started {
  child: ChildProcess;
  url: string;
  dynamoPort: string;
  output: () => string;
}

/** `npm start -- --in-memory` as a user runs it, on a free port, with its own data folder. */
async function start(): Promise<Started> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "infra/local/main.ts", "--in-memory", "--port", "0"],
    {
      cwd: root,
      env: {
        ...process.env,
        LINKPLANE_DATA_DIR: mkdtempSync(join(tmpdir(), "lp-run-")),
        LINKPLANE_DYNAMODB_ENDPOINT: "",
        LINKPLANE_TABLE: "linkplane",
        LINKPLANE_OPERATOR_TOKEN: "",
        LINKPLANE_ENCRYPTION_KEY: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let out = "";
  child.stdout?.on("data", (c) => {
    out += String(c);
  });
  child.stderr?.on("data", (c) => {
    out += String(c);
  });
  await until(() => out.includes("Linkplane is running") || child.exitCode !== null, 30_000, "the banner");
  const url = out.match(/API\s+(http:\/\/\S+)/)?.[1];
  const dynamoPort = out.match(/DynamoDB\s+http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
  if (!url || !dynamoPort) throw new Error(`no banner:\n${out}`);
  return { child, url, dynamoPort, output: () => out };
}

function javaPids(port: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", `^java .*DynamoDBLocal.jar -port ${port} `])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe("npm start", () => {
  it("serves every route with a stream and a scheduler, and SIGTERM stops it all, Java included", async () => {
    // Prepare
    const run = await start();
    const token = run.output().match(/Operator token (\S+)/)?.[1];
    expect(javaPids(run.dynamoPort)).toHaveLength(1);
    // Act: the heartbeat job, run by the operator, reaches the stream consumer within a second.
    const job = await fetch(`${run.url}/v1/operator/jobs/heartbeat/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(job.status).toBe(200);
    await until(
      async () => {
        const health = (await (await fetch(`${run.url}/health`)).json()) as {
          heartbeat: { seenAt: string | null };
        };
        return health.heartbeat.seenAt !== null;
      },
      5_000,
      "the heartbeat through the stream",
    );
    run.child.kill("SIGTERM");
    // Assess
    await until(() => run.child.exitCode !== null, 15_000, "exit");
    expect(run.child.exitCode).toBe(0);
    expect(javaPids(run.dynamoPort)).toEqual([]);
  });

  it("leaves no Java behind even when killed with SIGKILL", async () => {
    const run = await start();
    expect(javaPids(run.dynamoPort)).toHaveLength(1);
    run.child.kill("SIGKILL");
    await until(() => javaPids(run.dynamoPort).length === 0, 10_000, "DynamoDB Local to stop");
  });
});
