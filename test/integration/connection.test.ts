import { mkdtempSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { type LocalRuntime, startLocal } from "../../infra/local/runtime.ts";

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "lp-conn-")),
    dynamodbEndpoint: Config.get().dynamodbEndpoint,
    tableName: Config.get().tableName,
    scheduler: false,
  });
});
afterAll(() => runtime.stop());

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** One request on `agent`; a chunked body is written until the server answers or `chunked` bytes are sent. */
function send(
  agent: Agent,
  method: string,
  path: string,
  options: { body?: Buffer; chunked?: number; auth?: string } = {},
): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.auth) headers.authorization = options.auth;
    const req = request(`${runtime.url}${path}`, { method, agent, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () =>
        resolveAnswer({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
      );
    });
    req.on("error", reject);
    if (options.chunked) {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      let answered = false;
      req.once("response", () => {
        answered = true;
      });
      const pump = () => {
        while (!answered && sent < (options.chunked as number)) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    } else {
      req.end(options.body);
    }
  });
}

describe("a keep-alive connection after an answer that left the body unread", () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
  const cases: Array<
    [string, string, string, { body?: Buffer; chunked?: number; auth?: () => string }, number]
  > = [
    ["a 413 for a declared 2 MiB body", "POST", "/v1/vpcs", { body: big }, 413],
    ["a 413 for a chunked body", "POST", "/", { chunked: 64 * 1024 * 1024 }, 413],
    ["a 401 for a 900 KB body", "POST", "/v1/vpcs", { body: Buffer.alloc(900 * 1024, 0x20) }, 401],
    [
      "a body on a route that takes none",
      "POST",
      "/v1/operator/jobs/nope/run",
      { body: Buffer.alloc(900 * 1024, 0x20), auth: () => `Bearer ${runtime.operatorToken}` },
      404,
    ],
    // The Node adapter refuses a GET with a body before any route sees it.
    ["a body on GET", "GET", "/health", { body: Buffer.alloc(900 * 1024, 0x20) }, 400],
  ];

  it.each(cases)("serves the next request after %s", async (_what, method, path, options, status) => {
    // Prepare: one socket, kept alive, so the second request must use the first one's connection or a new one.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Act
      const first = await send(agent, method, path, { ...options, auth: options.auth?.() });
      const second = await send(agent, "GET", "/health");
      // Assess
      expect(first.status).toBe(status);
      expect(second.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("keeps the connection for an answer that read its whole body", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(agent, "POST", "/v1/vpcs", { body: Buffer.from("{}") });
      expect(first.status).toBe(401);
      expect(first.connection).toBe("keep-alive");
    } finally {
      agent.destroy();
    }
  });
});
