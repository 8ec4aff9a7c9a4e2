import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import * as Connection from "../../core/privatelink/connection.ts";
import type * as Endpoint from "../../core/privatelink/endpoint.ts";
import { call, created } from "../support/api.ts";
import { allow, consumer, endpoint, provider, service } from "../support/privatelink.ts";

/** Runs `interleave` once, just before the next TransactWriteItems reaches DynamoDB Local. */
function beforeNextTransaction(interleave: () => Promise<unknown>): void {
  let armed = true;
  Db.client().middlewareStack.add(
    (next, context) => async (args) => {
      if (armed && context.commandName?.startsWith("TransactWrite")) {
        armed = false;
        await interleave();
      }
      return next(args);
    },
    { step: "initialize", name: "raceInterleave" },
  );
}
afterEach(() => {
  Db.client().middlewareStack.remove("raceInterleave");
});

async function stored(id: string): Promise<Endpoint.Stored> {
  const out = await Db.client().send(new GetCommand({ TableName: Db.table(), Key: Keys.endpoint(id) }));
  return out.Item as Endpoint.Stored;
}

describe("an endpoint created while its service is renamed", () => {
  it("carries the name the service has when the endpoint is written", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const svc = await service(p, { name: "before" });
    await allow(p, svc.id, c.uin);
    beforeNextTransaction(() =>
      call("PATCH", `/v1/endpoint-services/${svc.id}`, { auth: p.auth, body: { name: "after" } }),
    );
    // Act: the creation read "before"; the rename lands before its transaction.
    const ep = await created(endpoint(c, svc.id));
    // Assess
    expect(ep.serviceName).toBe("after");
    expect((await stored(ep.id)).serviceName).toBe("after");
  });
});

describe("auto-accept after the account left the allowlist", () => {
  it("rejects the endpoint instead of accepting it", async () => {
    // Prepare: created `accepting` on an auto-accept service; the stream has not run yet.
    const p = await provider();
    const c = await consumer();
    const svc = await service(p, { autoAccept: true });
    await allow(p, svc.id, c.uin);
    const ep = await created(endpoint(c, svc.id));
    const image = await stored(ep.id);
    expect(image.state).toBe("accepting");
    // The removal's rejection pass did not see the endpoint (the index lags in AWS); here it is skipped.
    const removed = await call("POST", `/v1/endpoint-services/${svc.id}/allowlist/remove`, {
      auth: p.auth,
      body: { uins: [c.uin], rejectConnections: false },
    });
    expect(removed.status, removed.text).toBe(200);
    // Act: the stream's auto-accept for the insert record.
    const accepted = await Connection.autoAccept(image);
    // Assess
    const after = await stored(ep.id);
    expect(accepted).toBe(false);
    expect(after.state).toBe("rejected");
    expect(after.lastReason).toBe("removed from the allowlist before auto-accept");
    const history = await call("GET", `/v1/endpoints/${ep.id}/history`, { auth: c.auth });
    expect(history.body.items.map((h: { to: string }) => h.to)).toEqual(["accepting", "rejected"]);
  });

  it("still accepts while the account is on the allowlist", async () => {
    const p = await provider();
    const c = await consumer();
    const svc = await service(p, { autoAccept: true });
    await allow(p, svc.id, c.uin);
    const ep = await created(endpoint(c, svc.id));
    expect(await Connection.autoAccept(await stored(ep.id))).toBe(true);
    expect((await stored(ep.id)).state).toBe("available");
  });
});
