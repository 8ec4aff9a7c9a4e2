import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { type Listener, startListener } from "../../infra/local/webhook-listen.ts";
import { until } from "../support/wait.ts";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const EVENT = { type: "connection.accepted", timestamp: "2026-11-30T16:00:00.000Z", data: { id: "conn-1" } };

const running: Listener[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const listener of running.splice(0)) await listener.stop();
  for (const child of children.splice(0)) child.kill();
});

async function listener(lines: string[] = []): Promise<Listener> {
  const started = await startListener({
    secret: SECRET,
    port: 0,
    host: "127.0.0.1",
    print: (line) => lines.push(line),
    clock: { now: () => new Date("2026-11-30T16:00:01.000Z") },
  });
  running.push(started);
  return started;
}

function signedHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

async function deliver(url: string, headers: Record<string, string>, body: string) {
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

describe("webhook listener", () => {
  it("accepts a delivery signed with its secret, records it and prints it", async () => {
    // Prepare
    const lines: string[] = [];
    const target = await listener(lines);
    const body = JSON.stringify(EVENT);
    // Act
    const reply = await deliver(target.url, signedHeaders(SECRET, "msg_1", body), body);
    // Assess
    expect(reply.status).toBe(204);
    expect(target.received).toEqual([{ id: "msg_1", type: "connection.accepted", payload: EVENT }]);
    expect(lines).toEqual([
      "2026-11-30T16:00:01.000Z msg_1 connection.accepted",
      JSON.stringify(EVENT, null, 2),
    ]);
  });

  it.each([
    [
      "a signature made with another secret",
      () => signedHeaders(OTHER_SECRET, "msg_2", JSON.stringify(EVENT)),
    ],
    [
      "a body changed after signing",
      () => signedHeaders(SECRET, "msg_2", JSON.stringify({ ...EVENT, type: "connection.rejected" })),
    ],
    [
      "a timestamp ten minutes old",
      () => signedHeaders(SECRET, "msg_2", JSON.stringify(EVENT), new Date(Date.now() - 10 * 60_000)),
    ],
    ["no signature headers", () => ({ "content-type": "application/json" })],
  ])("rejects %s with 401 and records nothing", async (_case, headers) => {
    // Prepare
    const lines: string[] = [];
    const target = await listener(lines);
    // Act
    const reply = await deliver(target.url, headers(), JSON.stringify(EVENT));
    // Assess
    expect(reply.status).toBe(401);
    expect(reply.text).toMatch(/^rejected: /);
    expect(target.received).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rejected: (No matching signature found|Message timestamp too old|Missing)/);
  });

  it("refuses a body over 1 MiB without recording it", async () => {
    // Prepare
    const target = await listener();
    const body = JSON.stringify({ ...EVENT, data: { pad: "p".repeat(1024 * 1024) } });
    // Act: chunked, so that the limit is enforced on what arrives rather than on a declared length.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${target.url}/`, {
        method: "POST",
        headers: signedHeaders(SECRET, "msg_3", body),
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write(body);
      req.end();
    });
    // Assess
    expect(status).toBe(413);
    expect(target.received).toEqual([]);
  });

  it("answers 405 to anything but POST", async () => {
    // Prepare
    const target = await listener();
    // Act
    const res = await fetch(target.url);
    // Assess
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("refuses a secret that is not a Standard Webhooks secret", async () => {
    await expect(startListener({ secret: "whsec_!!!", port: 0 })).rejects.toThrow(/--secret is not/);
  });
});

function runCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "infra/local/webhook-listen.ts", ...args], {
    cwd: process.cwd(),
  });
  children.push(child);
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    out.stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    out.stderr += chunk.toString();
  });
  return { child, out };
}

describe("webhook listener command", () => {
  it("without --secret prints one usage sentence and exits 2", async () => {
    // Act
    const { child, out } = runCli([]);
    const [code] = await once(child, "exit");
    // Assess
    expect(code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(
      /^--secret is required; usage: npm run webhooks:listen -- --secret whsec_… .*\n$/,
    );
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
  }, 30_000);

  it("listens, verifies and prints a delivery", async () => {
    // Prepare
    const { out } = runCli(["--secret", SECRET, "--port", "0"]);
    await until(() => out.stdout.includes("listening on"), 20_000, "the listener to start");
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+) — verifying with standardwebhooks\n/.exec(
      out.stdout,
    )?.[1];
    const body = JSON.stringify(EVENT);
    // Act
    const reply = await deliver(url ?? "", signedHeaders(SECRET, "msg_cli", body), body);
    // Assess
    expect(reply.status).toBe(204);
    await until(() => out.stdout.includes('"conn-1"'), 5_000, "the event to be printed");
    expect(out.stdout).toMatch(/\n\d{4}-\d\d-\d\dT[\d:.]+Z msg_cli connection\.accepted\n/);
  }, 30_000);
});
