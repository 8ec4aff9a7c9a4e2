import { afterEach, describe, expect, it } from "vitest";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import { ServiceUnavailableError } from "../../core/errors.ts";
import { call, newTenant, operatorAuth } from "../support/api.ts";
import { type Interposed, interpose } from "../support/interpose.ts";

// What keeps the request path close to its DynamoDB floor, each with the behaviour it must keep.
let hook: Interposed | undefined;
afterEach(() => {
  hook?.restore();
  hook = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("/health", () => {
  it("reads the table once for calls within a second, not once per call", async () => {
    // Prepare: a previous read (if any) has gone stale.
    await sleep(1_100);
    // Act
    const { commands, result } = await Db.recordCommands(async () => [
      await call("GET", "/health"),
      await call("GET", "/health"),
      await call("GET", "/health"),
    ]);
    // Assess
    expect(result.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(commands).toEqual(["GetItem", "GetItem"]);
  });

  it("does not keep a failed read: the call after a failure reads again", async () => {
    // Prepare
    await sleep(1_100);
    hook = interpose({
      when: (s) => s.name === "GetCommand",
      act: async () => {
        throw new ServiceUnavailableError();
      },
    });
    // Act
    const failed = await call("GET", "/health");
    const next = await call("GET", "/health");
    // Assess
    expect(failed.status).toBe(503);
    expect(failed.body.status).toBe("degraded");
    expect(next.status).toBe(200);
  });
});

describe("credential lookups", () => {
  it("share one read among requests that miss the cache together", async () => {
    // Prepare
    const t = await newTenant();
    Credential.clearCache();
    // Act
    const { commands, result } = await Db.recordCommands(() =>
      Promise.all(Array.from({ length: 8 }, () => call("GET", "/v1/vpcs", { auth: t.auth }))),
    );
    // Assess
    expect(result.every((r) => r.status === 200)).toBe(true);
    expect(commands.filter((c) => c === "GetItem")).toHaveLength(1);
  });

  it("do not keep a read that a disable in this process overtook", async () => {
    // Prepare: the lookup's read answers "enabled"; the disable lands before that answer is kept.
    const t = await newTenant();
    Credential.clearCache();
    hook = interpose({
      when: (s) => s.name === "GetCommand" && String(s.input.Key?.pk).includes(t.secretId),
      after: true,
      act: () =>
        call("PATCH", `/v1/operator/accounts/${t.uin}/credentials/${t.secretId}`, {
          auth: operatorAuth(),
          body: { status: "disabled" },
        }),
    });
    // Act
    const inFlight = await call("GET", "/v1/vpcs", { auth: t.auth });
    const after = await call("GET", "/v1/vpcs", { auth: t.auth });
    // Assess: the request already in flight was let through; the next one is not.
    expect(hook.count).toBe(1);
    expect(inFlight.status).toBe(200);
    expect(after.status).toBe(401);
  });
});
