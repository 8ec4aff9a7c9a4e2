import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import { RaceLostError } from "../../core/db/errors.ts";
import * as Keys from "../../core/db/keys.ts";
import * as Connection from "../../core/privatelink/connection.ts";
import * as Endpoint from "../../core/privatelink/endpoint.ts";
import { Clock } from "../../core/util/time.ts";
import { call, created } from "../support/api.ts";
import { atInstant } from "../support/clock.ts";
import { type Interposed, interpose } from "../support/interpose.ts";
import {
  allow,
  backend,
  type Consumer,
  consumer,
  decide,
  endpoint,
  type Provider,
  provider,
  service,
} from "../support/privatelink.ts";

// Guards that only a race can reach, each tested on its own: the code path is driven to the exact
// point where the guard is the only thing between a concurrent change and a wrong write.
let p: Provider;
let c: Consumer;
let hook: Interposed | undefined;
afterEach(() => hook?.restore());

beforeAll(async () => {
  p = await provider();
  c = await consumer();
});

async function history(id: string) {
  return (await call("GET", `/v1/endpoints/${id}/history`, { auth: c.auth })).body.items as Array<{
    sequence: number;
    from: string | null;
    to: string;
    actor: string;
  }>;
}

/** An endpoint of `c` on a new service of `p`, accepted: state available, version 2. */
async function accepted(): Promise<Endpoint.Stored> {
  const s = await service(p);
  await allow(p, s.id, c.uin);
  const ep = await created(endpoint(c, s.id));
  await decide(p, s.id, "accept", [ep.id]);
  return (await Endpoint.find(ep.id, true)) as Endpoint.Stored;
}

/** The provider rejects the connection, deciding from `snapshot` rather than from a fresh read. */
const rejectFrom = (snapshot: Endpoint.Stored) =>
  Connection.transition({
    endpoint: snapshot,
    to: "rejected",
    actor: p.uin,
    reason: "stale",
    providerUin: p.uin,
  });

describe("connection transition guards", () => {
  it("refuses a transition from a snapshot whose state is not the stored one (the state condition)", async () => {
    // Prepare: stored available at version 2; the snapshot says pending at version 2.
    const stored = await accepted();
    const stale: Endpoint.Stored = { ...stored, state: "pending" };
    // Act
    const attempt = rejectFrom(stale);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RaceLostError);
    expect(await Endpoint.find(stored.id, true)).toMatchObject({ state: "available", stateVersion: 2 });
    expect((await history(stored.id)).map((h) => h.to)).toEqual(["pending", "available"]);
  });

  it("refuses a transition from a snapshot of another version (the version condition)", async () => {
    // Prepare: stored available at version 2; the snapshot says available at version 5.
    const stored = await accepted();
    const stale: Endpoint.Stored = { ...stored, stateVersion: 5 };
    // Act
    const attempt = rejectFrom(stale);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RaceLostError);
    expect(await Endpoint.find(stored.id, true)).toMatchObject({ state: "available", stateVersion: 2 });
    expect(await history(stored.id)).toHaveLength(2);
  });

  it("never overwrites a history entry: a second write of the same sequence is refused (history Put condition)", async () => {
    // Prepare
    const stored = await accepted();
    const forged = Endpoint.historyPut(stored.id, 2, {
      from: "pending",
      to: "rejected",
      actor: "someone-else",
      at: Clock.date().toISOString(),
      reason: "rewritten",
    });
    // Act
    const attempt = Db.client().send(new TransactWriteCommand({ TransactItems: [forged] }));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "TransactionCanceledException" });
    expect((await history(stored.id))[1]).toMatchObject({ sequence: 2, to: "available", actor: p.uin });
  });
});

describe("endpoint creation against an allowlist entry re-created meanwhile", () => {
  it("refuses to count the endpoint on an entry other than the one it read (the allowlist re-creation guard)", async () => {
    // Prepare: between the creation's read of the entry and its transaction, the provider removes the
    // entry and adds it again (a new entry, created later).
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const entryKey = Keys.allowlistEntry(s.id, c.uin);
    hook = interpose({
      when: (sent) =>
        sent.name === "TransactWriteCommand" &&
        sent.input.TransactItems.some(
          (i: { Update?: { Key: { pk: string; sk: string } } }) =>
            i.Update?.Key.pk === entryKey.pk && i.Update.Key.sk === entryKey.sk,
        ),
      act: async () => {
        await call("DELETE", `/v1/endpoint-services/${s.id}/allowlist/${c.uin}`, { auth: p.auth });
        await atInstant(Clock.now() + 60_000, () => allow(p, s.id, c.uin));
      },
    });
    // Act
    const raced = await endpoint(c, s.id);
    hook.restore();
    const retried = await endpoint(c, s.id);
    // Assess: the raced creation asks for a retry; the retry counts on the new entry, and deleting the
    // endpoint gives that count back.
    expect(hook.count).toBe(1);
    expect(raced.status).toBe(429);
    expect(raced.body.error.code).toBe("RequestLimitExceeded");
    expect(retried.status).toBe(201);
    const entry = async () =>
      (await call("GET", `/v1/endpoint-services/${s.id}/allowlist`, { auth: p.auth })).body.items.find(
        (e: { uin: string }) => e.uin === c.uin,
      );
    expect((await entry()).connectionCount).toBe(1);
    await call("DELETE", `/v1/endpoints/${retried.body.id}`, { auth: c.auth });
    expect((await entry()).connectionCount).toBe(0);
  });
});

describe("service deletion against a concurrent backend move", () => {
  it("reads the service again when its backend moved meanwhile, and frees the backend it holds now", async () => {
    // Prepare: between the deletion's read and its transaction, the service moves to another backend.
    const s = await service(p);
    const next = await backend(p, p.vpcId);
    const key = Keys.service(s.id);
    hook = interpose({
      when: (sent) =>
        sent.name === "TransactWriteCommand" &&
        sent.input.TransactItems.some(
          (i: { Delete?: { Key: { pk: string; sk: string } } }) =>
            i.Delete?.Key.pk === key.pk && i.Delete.Key.sk === key.sk,
        ),
      act: () =>
        call("PATCH", `/v1/endpoint-services/${s.id}`, { auth: p.auth, body: { backendInstanceId: next } }),
    });
    // Act
    const removed = await call("DELETE", `/v1/endpoint-services/${s.id}`, { auth: p.auth });
    // Assess: deleted, and both backends are free for new services.
    expect(hook.count).toBe(1);
    expect(removed.status).toBe(204);
    expect((await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth })).status).toBe(404);
    expect((await service(p, { backendInstanceId: next })).backendInstanceId).toBe(next);
    expect((await service(p, { backendInstanceId: s.backendInstanceId })).backendInstanceId).toBe(
      s.backendInstanceId,
    );
  });
});
