import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { call, created } from "../support/api.ts";
import { type Interposed, interpose, type Sent } from "../support/interpose.ts";
import {
  allow,
  type Consumer,
  consumer,
  decide,
  endpoint,
  type Provider,
  provider,
  service,
} from "../support/privatelink.ts";

// Batches past one transaction's 100 items need more endpoints than the default quotas allow.
process.env.LINKPLANE_QUOTA_ENDPOINTS_PER_VPC = "1000";
process.env.LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE = "1000";
Config.reset();

let p: Provider;
let c: Consumer;
let hook: Interposed | undefined;
afterEach(() => {
  hook?.restore();
  hook = undefined;
});

beforeAll(async () => {
  p = await provider();
  c = await consumer("ap-guangzhou", "10.1.16.0/20");
});

/** A service of `p` that `c` may connect to, with `n` pending connections of `c`. */
async function pending(n: number): Promise<{ s: { id: string }; ids: string[] }> {
  const s = await service(p);
  await allow(p, s.id, c.uin);
  const ids: string[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const i = next++;
        ids[i] = (await created(endpoint(c, s.id, { name: `ep-${i}` }))).id;
      }
    }),
  );
  return { s, ids };
}

/** The transactions the code sends while `act` runs, as sent. */
async function transactions(act: () => Promise<unknown>): Promise<{ sent: Sent[]; result: unknown }> {
  const sent: Sent[] = [];
  hook = interpose({
    when: (s) => s.name === "TransactWriteCommand",
    act: async (s) => sent.push(s),
    times: Number.POSITIVE_INFINITY,
  });
  const result = await act();
  hook.restore();
  hook = undefined;
  return { sent, result };
}

const isService = (serviceId: string) => (item: Record<string, any>) => {
  const op = item.Update ?? item.ConditionCheck ?? item.Put ?? item.Delete;
  const key = op.Key ?? op.Item;
  return key.pk === Keys.service(serviceId).pk && key.sk === Keys.service(serviceId).sk;
};

async function liveCount(serviceId: string): Promise<number> {
  const out = await Db.client().send(
    new GetCommand({ TableName: Db.table(), Key: Keys.service(serviceId), ConsistentRead: true }),
  );
  return Number(out.Item?.liveCount ?? 0);
}

/** The provider's list of the service's connections, every page. */
async function listed(serviceId: string): Promise<Array<{ endpointId: string; state: string }>> {
  const items: Array<{ endpointId: string; state: string }> = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: typeof items; nextCursor: string | null } } = await call(
      "GET",
      `/v1/endpoint-services/${serviceId}/connections?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { auth: p.auth },
    );
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

const LIVE = new Set(["pending", "accepting", "available"]);

/** The service's live count equals the live connections listed. */
async function expectCountMatchesList(serviceId: string, live: number): Promise<void> {
  expect((await listed(serviceId)).filter((x) => LIVE.has(x.state))).toHaveLength(live);
  expect(await liveCount(serviceId)).toBe(live);
}

/** History 1..N without a gap, each entry starting where the last one ended, ending at `state`. */
async function expectGapFree(id: string, state: string): Promise<void> {
  const history = (await call("GET", `/v1/endpoints/${id}/history`, { auth: c.auth })).body.items as Array<{
    sequence: number;
    from: string | null;
    to: string;
  }>;
  history.forEach((h, i) => {
    expect(h.sequence).toBe(i + 1);
    expect(h.from).toBe(i === 0 ? null : history[i - 1]?.to);
  });
  expect(history.at(-1)?.to).toBe(state);
}

function cancelled(codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

describe("batch transitions in chunks", () => {
  it("accepts 120 pending connections in transactions of at most 100 items that leave the service alone", {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const { s, ids } = await pending(120);
    // Act
    const { sent, result } = await transactions(() => decide(p, s.id, "accept", ids));
    // Assess
    const reply = result as Awaited<ReturnType<typeof decide>>;
    expect(
      reply.body.results.every((r: { ok: boolean; state: string }) => r.ok && r.state === "available"),
    ).toBe(true);
    expect(sent).toHaveLength(3);
    for (const t of sent) expect(t.input.TransactItems.length).toBeLessThanOrEqual(100);
    // Pending → available keeps the live count: the hot service item is not written at all.
    expect(sent.flatMap((t) => t.input.TransactItems).filter(isService(s.id))).toEqual([]);
    await expectCountMatchesList(s.id, 120);
    await expectGapFree(ids[0] as string, "available");
    await expectGapFree(ids[119] as string, "available");
  });

  it("moves the live count once per chunk, by the chunk's sum, when rejecting and accepting again", {
    timeout: 180_000,
  }, async () => {
    // Prepare: 60 available connections, then 3 of them rejected.
    const { s, ids } = await pending(60);
    await decide(p, s.id, "accept", ids);
    // Act
    const rejecting = await transactions(() => decide(p, s.id, "reject", ids.slice(0, 55)));
    const reaccepting = await transactions(() => decide(p, s.id, "accept", ids.slice(0, 3)));
    // Assess
    const counters = (t: Sent[]) =>
      t.map((x) =>
        x.input.TransactItems.filter(isService(s.id)).map(
          (i: any) => i.Update.ExpressionAttributeValues[":d"],
        ),
      );
    expect(counters(rejecting.sent)).toEqual([[-49], [-6]]);
    expect(counters(reaccepting.sent)).toEqual([[3]]);
    await expectCountMatchesList(s.id, 8);
    await expectGapFree(ids[0] as string, "available");
    await expectGapFree(ids[54] as string, "rejected");
  });

  it("redoes a chunk cancelled by one item item by item: that item answers its error, the others succeed", async () => {
    // Prepare
    const { s, ids } = await pending(5);
    const gone = ids[2] as string;
    hook = interpose({
      when: (x) => x.name === "TransactWriteCommand" && x.input.TransactItems.length > 2,
      // The consumer deletes one endpoint between the batch's read and its transaction.
      act: () => call("DELETE", `/v1/endpoints/${gone}`, { auth: c.auth }),
    });
    // Act
    const reply = await decide(p, s.id, "accept", ids);
    // Assess
    expect(hook.count).toBe(1);
    expect(reply.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, false, true, true]);
    expect(reply.body.results[2].error.code).toBe("ResourceNotFound");
    for (const id of ids.filter((id) => id !== gone)) await expectGapFree(id, "available");
    await expectCountMatchesList(s.id, 4);
  });

  it("redoes a chunk cancelled by a transaction conflict, so every item still succeeds", async () => {
    // Prepare: DynamoDB Local serialises transactions rather than cancel them; AWS cancels one of two.
    const { s, ids } = await pending(4);
    hook = interpose({
      when: (x) => x.name === "TransactWriteCommand" && x.input.TransactItems.length > 2,
      act: async () => {
        throw cancelled(["None", "TransactionConflict", ...Array(6).fill("None")]);
      },
    });
    // Act
    const reply = await decide(p, s.id, "reject", ids);
    // Assess
    expect(hook.count).toBe(1);
    expect(reply.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    for (const id of ids) await expectGapFree(id, "rejected");
    await expectCountMatchesList(s.id, 0);
  });

  it("answers each item of a throttled chunk as throttled and changes nothing", async () => {
    // Prepare
    const { s, ids } = await pending(3);
    hook = interpose({
      when: (x) => x.name === "TransactWriteCommand",
      act: async () => {
        throw cancelled(["ThrottlingError", "None", "None", "None", "None", "None"]);
      },
    });
    // Act
    const reply = await decide(p, s.id, "accept", ids);
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual(
      Array(3).fill("RequestLimitExceeded"),
    );
    for (const id of ids) await expectGapFree(id, "pending");
    await expectCountMatchesList(s.id, 3);
  });

  it("accepts nothing on a service being deleted, though the accept would not move its count", async () => {
    // Prepare: the service as a deletion with rejectConnections leaves it while it rejects.
    const { s, ids } = await pending(2);
    await Db.client().send(
      new UpdateCommand({
        TableName: Db.table(),
        Key: Keys.service(s.id),
        UpdateExpression: "SET #status = :deleting",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":deleting": "deleting" },
      }),
    );
    // Act
    const reply = await decide(p, s.id, "accept", ids);
    // Assess
    expect(reply.body.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual([
      "ResourceUnavailable",
      "ResourceUnavailable",
    ]);
    for (const id of ids) await expectGapFree(id, "pending");
  });
});

describe("rejections in chunks", () => {
  it("rejects an account's 110 live connections when it leaves the allowlist, and counts them", {
    timeout: 180_000,
  }, async () => {
    // Prepare: 110 connections, half of them accepted.
    const { s, ids } = await pending(110);
    await decide(p, s.id, "accept", ids.slice(0, 55));
    // Act
    const { sent, result } = await transactions(() =>
      call("POST", `/v1/endpoint-services/${s.id}/allowlist/remove`, {
        auth: p.auth,
        body: { uins: [c.uin], rejectConnections: true },
      }),
    );
    // Assess
    expect((result as { body: unknown }).body).toEqual({
      results: [{ uin: c.uin, ok: true, rejectedConnections: 110 }],
    });
    expect(sent.length).toBeLessThanOrEqual(4);
    await expectCountMatchesList(s.id, 0);
    await expectGapFree(ids[0] as string, "rejected");
    await expectGapFree(ids[109] as string, "rejected");
  });

  it("deletes a service with 105 live connections, each rejected with its history entry", {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const { s, ids } = await pending(105);
    await decide(p, s.id, "accept", ids.slice(0, 50));
    // Act
    const deleted = await call("DELETE", `/v1/endpoint-services/${s.id}?rejectConnections=true`, {
      auth: p.auth,
    });
    // Assess
    expect(deleted.status, deleted.text).toBe(204);
    for (const id of [ids[0], ids[60], ids[104]] as string[]) {
      await expectGapFree(id, "rejected");
      const last = (await call("GET", `/v1/endpoints/${id}/history`, { auth: c.auth })).body.items.at(-1);
      expect(last.reason).toBe("endpoint service deleted");
    }
  });
});
