import { createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import { call, newTenant, operatorAuth, type Tenant } from "../support/api.ts";

/**
 * A database that accepts connections and never answers: what a client sees of DynamoDB Local stopped
 * with SIGSTOP (the kernel still completes the TCP handshake) or of a hung table.
 */
let stalled: Server;
let stalledUrl: string;
const sockets = new Set<Socket>();
let tenant: Tenant;
const saved = { ...process.env };

beforeAll(async () => {
  tenant = await newTenant();
  stalled = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((done) => stalled.listen(0, "127.0.0.1", done));
  stalledUrl = `http://127.0.0.1:${(stalled.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((done) => stalled.close(done));
});
afterEach(() => {
  process.env = { ...saved };
  Config.reset();
  Db.use(undefined);
  Credential.clearCache();
});

function stallWith(env: Record<string, string> = {}) {
  // The defaults, unless the test says otherwise (the suite's setup raises the request timeout).
  delete process.env.LINKPLANE_DYNAMODB_CONNECT_TIMEOUT_MS;
  delete process.env.LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS;
  delete process.env.LINKPLANE_DYNAMODB_MAX_ATTEMPTS;
  Object.assign(process.env, { LINKPLANE_DYNAMODB_ENDPOINT: stalledUrl, ...env });
  Config.reset();
  Db.use(undefined);
  Credential.clearCache();
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, ms: Math.round(performance.now() - started) };
}

describe("a stalled database", () => {
  it("answers /health 503 degraded and an account route 503 ResourceUnavailable within the default timeouts", async () => {
    // Prepare
    stallWith();
    // Act
    const health = await timed(() => call("GET", "/health"));
    const list = await timed(() => call("GET", "/v1/vpcs", { auth: tenant.auth }));
    // Assess: 3 tries of 2 s each and the SDK's backoff, well under the 38 s it used to take.
    for (const { result, ms } of [health, list]) {
      expect(ms).toBeLessThan(9_000);
      expect(result.status).toBe(503);
    }
    expect(health.result.body).toMatchObject({ status: "degraded", error: { code: "ResourceUnavailable" } });
    expect(list.result.body.error.code).toBe("ResourceUnavailable");
  });

  it("follows the configured timeouts and tries", async () => {
    // Prepare
    stallWith({ LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS: "200", LINKPLANE_DYNAMODB_MAX_ATTEMPTS: "1" });
    // Act
    const create = await timed(() =>
      call("POST", "/v1/operator/accounts", { auth: operatorAuth(), body: { name: "x" } }),
    );
    // Assess
    expect(create.result.status).toBe(503);
    expect(create.result.body.error.code).toBe("ResourceUnavailable");
    expect(create.ms).toBeLessThan(1_500);
  });
});
