import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { Db } from "../../core/db/client.ts";
import { Heartbeat } from "../../core/system/heartbeat.ts";
import { handler as streamHandler } from "../../functions/streams/handler.ts";
import { StreamPoller, type StreamPollerOptions } from "../../infra/local/stream-poller.ts";
import { tableState } from "../support/integration-setup.ts";
import { until } from "../support/wait.ts";

const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

function poller(
  handler: StreamPollerOptions["handler"],
  options: Partial<StreamPollerOptions> = {},
): StreamPoller {
  const client = new DynamoDBStreamsClient({
    endpoint: Config.get().dynamodbEndpoint,
    region: Config.get().awsRegion,
    credentials: Db.localCredentials(),
  });
  const p = new StreamPoller({
    client,
    streamArn: tableState.streamArn,
    handler,
    pollIntervalMs: 20,
    retryBaseMs: 10,
    ...options,
  });
  pollers.push(p);
  p.start();
  return p;
}

async function put(pk: string, n: number, extra: Record<string, unknown> = {}) {
  await Db.client().send(
    new PutCommand({ TableName: Db.table(), Item: { pk, sk: "S", type: "Test", n, ...extra } }),
  );
}

/** Records for keys of this test only (the stream is shared by the file). */
function mine(event: DynamoDBStreamEvent, prefix: string) {
  return event.Records.filter((r) => String(r.dynamodb?.Keys?.pk?.S).startsWith(prefix));
}

describe("local stream poller", () => {
  it("hands a written item to the handler in Lambda's DynamoDBStreamEvent shape", async () => {
    // Prepare
    const seen: DynamoDBStreamEvent[] = [];
    poller(async (event) => {
      if (mine(event, "shape#").length) seen.push({ Records: mine(event, "shape#") });
      return { batchItemFailures: [] };
    });
    // Act
    await put("shape#1", 1, { empty: {}, list: [1, "a"], nested: { inner: {} } });
    await until(() => seen.length > 0, 10_000, "the record");
    // Assess
    const record = seen[0]?.Records[0];
    expect(record).toMatchObject({
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      eventVersion: "1.1",
      eventSourceARN: tableState.streamArn,
      dynamodb: {
        Keys: { pk: { S: "shape#1" }, sk: { S: "S" } },
        StreamViewType: "NEW_AND_OLD_IMAGES",
        SequenceNumber: expect.any(String),
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
    const image = unmarshall(record?.dynamodb?.NewImage as never);
    expect(image).toEqual({
      pk: "shape#1",
      sk: "S",
      type: "Test",
      n: 1,
      empty: {},
      list: [1, "a"],
      nested: { inner: {} },
    });
  });

  it("hands binary attributes as Lambda does, base64 text, and the creation time in seconds", async () => {
    // Prepare
    const seen: DynamoDBStreamEvent["Records"] = [];
    poller(async (event) => {
      seen.push(...mine(event, "wire#"));
      return { batchItemFailures: [] };
    });
    // DynamoDB Local gives the minute the record was made.
    const before = Math.floor(Date.now() / 1000) - 61;
    // Act
    await put("wire#1", 1, { bin: new Uint8Array([0, 1, 2, 250]) });
    await until(() => seen.length > 0, 10_000, "the record");
    // Assess
    const d = seen[0]?.dynamodb;
    expect(d?.NewImage?.bin).toEqual({ B: Buffer.from([0, 1, 2, 250]).toString("base64") });
    expect(Number.isInteger(d?.ApproximateCreationDateTime)).toBe(true);
    expect(d?.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before);
  });

  it("retries from the first failed record and keeps changes to one item in order", async () => {
    // Prepare: the handler fails the first two times it sees n = 3.
    const handled: number[] = [];
    let failuresLeft = 2;
    poller(async (event) => {
      const records = mine(event, "order#");
      for (const r of records) {
        const n = Number(r.dynamodb?.NewImage?.n?.N);
        if (n === 3 && failuresLeft > 0) {
          failuresLeft--;
          return { batchItemFailures: [{ itemIdentifier: r.dynamodb?.SequenceNumber ?? "" }] };
        }
        handled.push(n);
      }
      return { batchItemFailures: [] };
    });
    // Act: ten versions of one item, written one after the other.
    for (let n = 1; n <= 10; n++) await put("order#item", n);
    await until(() => handled.includes(10), 15_000, "version 10");
    // Assess: every version once after its predecessors; 3 was retried, not skipped or overtaken.
    expect(failuresLeft).toBe(0);
    const firstThree = handled.indexOf(3);
    expect(handled.slice(0, firstThree)).toEqual([1, 2]);
    expect(handled.slice(firstThree)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("retries the whole batch when the handler throws", async () => {
    let throwsLeft = 1;
    const handled: number[] = [];
    poller(async (event) => {
      const records = mine(event, "throw#");
      if (records.length && throwsLeft-- > 0) throw new Error("boom");
      for (const r of records) handled.push(Number(r.dynamodb?.NewImage?.n?.N));
      return { batchItemFailures: [] };
    });
    await put("throw#a", 1);
    await until(() => handled.length > 0, 10_000, "redelivery");
    expect(handled).toEqual([1]);
  });

  it("discards a record that keeps failing after the retry limit, and goes on", async () => {
    const handled: string[] = [];
    const p = poller(
      async (event) => {
        for (const r of mine(event, "poison#")) {
          if (r.dynamodb?.Keys?.pk?.S === "poison#bad")
            return { batchItemFailures: [{ itemIdentifier: r.dynamodb?.SequenceNumber ?? "" }] };
          handled.push(String(r.dynamodb?.Keys?.pk?.S));
        }
        return { batchItemFailures: [] };
      },
      { maxRetryAttempts: 2 },
    );
    await put("poison#bad", 1);
    await put("poison#good", 1);
    await until(() => handled.includes("poison#good"), 10_000, "the record after the poison one");
    expect(p.discarded).toBe(1);
  });

  it("resumes after its checkpoint when restarted", async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), "lp-ckpt-")), "checkpoints.json");
    const first: number[] = [];
    const p1 = poller(
      async (event) => {
        for (const r of mine(event, "resume#")) first.push(Number(r.dynamodb?.NewImage?.n?.N));
        return { batchItemFailures: [] };
      },
      { checkpointFile: file },
    );
    await put("resume#x", 1);
    await until(() => first.includes(1), 10_000, "first delivery");
    await p1.stop();
    // Act
    await put("resume#x", 2);
    const second: number[] = [];
    poller(
      async (event) => {
        for (const r of mine(event, "resume#")) second.push(Number(r.dynamodb?.NewImage?.n?.N));
        return { batchItemFailures: [] };
      },
      { checkpointFile: file },
    );
    await until(() => second.includes(2), 10_000, "delivery after restart");
    // Assess
    expect(second).toEqual([2]);
  });

  it("started again while it stops, finishes the stop and then hands each record over once", async () => {
    // Prepare: a poller that has handed one record over.
    const seen: number[] = [];
    const p = poller(async (event) => {
      for (const r of mine(event, "restart#")) seen.push(Number(r.dynamodb?.NewImage?.n?.N));
      return { batchItemFailures: [] };
    });
    await put("restart#a", 1);
    await until(() => seen.includes(1), 10_000, "first delivery");
    // Act: start it again before its stop has finished.
    const stopping = p.stop();
    p.start();
    const stopped = await Promise.race([
      stopping.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 3_000)),
    ]);
    await put("restart#b", 2);
    await until(() => seen.includes(2), 10_000, "delivery after the restart");
    await p.idle();
    // Assess: the stop returned, and nothing was handed over twice by two loops.
    expect(stopped).toBe(true);
    expect(seen).toEqual([1, 2]);
  });

  it("starts again after a stop that could not save its checkpoints", async () => {
    // Prepare: a poller whose checkpoint folder is gone by the time it stops.
    const dir = mkdtempSync(join(tmpdir(), "lp-ckpt-gone-"));
    const seen: number[] = [];
    const p = poller(
      async (event) => {
        for (const r of mine(event, "unsaved#")) seen.push(Number(r.dynamodb?.NewImage?.n?.N));
        return { batchItemFailures: [] };
      },
      { checkpointFile: join(dir, "checkpoints.json") },
    );
    await put("unsaved#a", 1);
    await until(() => seen.includes(1), 10_000, "first delivery");
    rmSync(dir, { recursive: true });
    // Act: the stop fails; the poller is started again, and the folder comes back for the next stop.
    await expect(p.stop()).rejects.toThrow(/ENOENT/);
    p.start();
    mkdirSync(dir);
    await put("unsaved#b", 2);
    await until(() => seen.includes(2), 10_000, "delivery after the failed stop");
    // Assess
    expect(seen).toEqual([1, 2]);
  });

  it("settles idle() when it stops, instead of leaving its callers waiting for ever", async () => {
    // Prepare: a batch held inside the handler, so the poller cannot be idle.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered = false;
    const p = poller(async (event) => {
      if (mine(event, "held#").length > 0) {
        entered = true;
        await held;
      }
      return { batchItemFailures: [] };
    });
    await put("held#a", 1);
    await until(() => entered, 10_000, "the batch in the handler");
    const waiting = p.idle();
    // Act
    const stopping = p.stop();
    const settled = await Promise.race([
      waiting.then(
        () => "resolved",
        (error: Error) => error.message,
      ),
      new Promise<string>((r) => setTimeout(() => r("still waiting"), 3_000)),
    ]);
    release();
    await stopping;
    // Assess: the waiter was told, and a stopped poller refuses at once.
    expect(settled).toMatch(/stopped before everything was handed over/);
    await expect(p.idle()).rejects.toThrow(/stopped/);
  });

  it("hands over only what a filter lets through, as Lambda's event filtering does", async () => {
    // Prepare
    const seen: string[] = [];
    const p = poller(
      async (event) => {
        for (const r of mine(event, "filter#")) seen.push(String(r.dynamodb?.Keys?.pk?.S));
        return { batchItemFailures: [] };
      },
      { filters: [{ dynamodb: { NewImage: { type: { S: ["Kept"] } } } }] },
    );
    // Act
    await put("filter#k1", 1, { type: "Kept" });
    await put("filter#d1", 1, { type: "Dropped" });
    await put("filter#k2", 1, { type: "Kept" });
    await until(() => seen.includes("filter#k2"), 10_000, "the second kept record");
    // Assess
    expect(seen).toEqual(["filter#k1", "filter#k2"]);
    expect(p.filtered).toBeGreaterThan(0);
  });

  it("fills each batch with records that pass the filters, up to the batch size, as Lambda does", async () => {
    // Prepare: kept and dropped records alternate in the stream, written before the poller reads.
    for (let i = 0; i < 4; i++) {
      await put(`fill#k${i}`, i, { type: "FillKept" });
      await put(`fill#d${i}`, i, { type: "FillDropped" });
    }
    const batches: string[][] = [];
    let failOnce = true;
    // Act: the handler fails the second record of the first batch once.
    poller(
      async (event) => {
        const keys = mine(event, "fill#").map((r) => String(r.dynamodb?.Keys?.pk?.S));
        if (keys.length) batches.push(keys);
        if (failOnce && keys.length > 1) {
          failOnce = false;
          return {
            batchItemFailures: [{ itemIdentifier: String(event.Records[1]?.dynamodb?.SequenceNumber) }],
          };
        }
        return { batchItemFailures: [] };
      },
      { batchSize: 3, filters: [{ dynamodb: { NewImage: { type: { S: ["FillKept"] } } } }] },
    );
    await until(() => batches.flat().includes("fill#k3"), 10_000, "the last kept record");
    // Assess: full batches of kept records; the failed one and those after it come again, in order.
    expect(batches).toEqual([
      ["fill#k0", "fill#k1", "fill#k2"],
      ["fill#k1", "fill#k2", "fill#k3"],
    ]);
  });

  it("counts only failed batches towards the retry limit, not the batches after a full one", async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await put(`seq#k${i}`, i, { type: "SeqKept" });
    const seen: string[] = [];
    // Act: a batch of one, and no retry allowed.
    const p = poller(
      async (event) => {
        seen.push(...mine(event, "seq#").map((r) => String(r.dynamodb?.Keys?.pk?.S)));
        return { batchItemFailures: [] };
      },
      {
        batchSize: 1,
        maxRetryAttempts: 0,
        filters: [{ dynamodb: { NewImage: { type: { S: ["SeqKept"] } } } }],
      },
    );
    await until(() => seen.includes("seq#k2") || p.discarded > 0, 10_000, "the last record");
    // Assess
    expect(seen).toEqual(["seq#k0", "seq#k1", "seq#k2"]);
    expect(p.discarded).toBe(0);
  });

  it("checkpoints past the records it filtered out, so a restart does not read them again", async () => {
    // Prepare: a batch of nothing but filtered records, then a restart without the filter.
    const file = join(mkdtempSync(join(tmpdir(), "lp-ckpt-")), "checkpoints.json");
    const p1 = poller(async () => ({ batchItemFailures: [] }), {
      checkpointFile: file,
      filters: [{ dynamodb: { NewImage: { type: { S: ["Kept"] } } } }],
    });
    await p1.idle();
    const before = p1.filtered;
    await put("skipped#d1", 1, { type: "Dropped" });
    await until(() => p1.filtered > before, 10_000, "the filtered record");
    await p1.stop();
    // Act
    const seen: string[] = [];
    poller(
      async (event) => {
        for (const r of mine(event, "skipped#")) seen.push(String(r.dynamodb?.Keys?.pk?.S));
        return { batchItemFailures: [] };
      },
      { checkpointFile: file },
    );
    await put("skipped#marker", 1);
    await until(() => seen.includes("skipped#marker"), 10_000, "the marker");
    // Assess
    expect(seen).toEqual(["skipped#marker"]);
  });

  it("refuses a filter rule it does not understand rather than match it differently from Lambda", () => {
    expect(() =>
      poller(async () => undefined, { filters: [{ n: [{ numeric: [">", 1] }] } as never] }),
    ).toThrow(/only exact values/);
  });

  it("drives the real stream handler: a heartbeat is observed, and a replay changes nothing", async () => {
    // Prepare
    const batches: DynamoDBStreamEvent[] = [];
    poller(async (event) => {
      batches.push(event);
      return streamHandler(event);
    });
    // Act
    const beatAt = await Heartbeat.beat(new Date());
    await until(
      async () => (await Heartbeat.status()).beatAt === beatAt && (await Heartbeat.status()).seenAt !== null,
      10_000,
      "observation",
    );
    const observed = await Heartbeat.status();
    const withBeat = batches.filter((b) =>
      b.Records.some((r) => r.dynamodb?.NewImage?.type?.S === "Heartbeat"),
    );
    for (let i = 0; i < 3; i++) await streamHandler(withBeat[0] as DynamoDBStreamEvent);
    // Assess
    expect(observed.streamLagMs).toBeGreaterThanOrEqual(0);
    expect(await Heartbeat.status()).toEqual(observed);
  });

  it("keeps an updated item's old and new images", async () => {
    const seen: Array<{ old?: number; next?: number }> = [];
    poller(async (event) => {
      for (const r of mine(event, "images#")) {
        if (r.eventName === "MODIFY")
          seen.push({ old: Number(r.dynamodb?.OldImage?.n?.N), next: Number(r.dynamodb?.NewImage?.n?.N) });
      }
      return { batchItemFailures: [] };
    });
    await put("images#1", 1);
    await Db.client().send(
      new UpdateCommand({
        TableName: Db.table(),
        Key: { pk: "images#1", sk: "S" },
        UpdateExpression: "SET n = :n",
        ExpressionAttributeValues: { ":n": 2 },
      }),
    );
    await until(() => seen.length > 0, 10_000, "the modify");
    expect(seen[0]).toEqual({ old: 1, next: 2 });
  });
});

describe("Db.onWrite", () => {
  it("tells its listeners after each write this process sends, and not after reads", async () => {
    // Prepare
    let calls = 0;
    const stop = Db.onWrite(() => {
      calls += 1;
    });
    try {
      // Act
      await put("onwrite#1", 1);
      const afterPut = calls;
      await Db.client().send(new GetCommand({ TableName: Db.table(), Key: { pk: "onwrite#1", sk: "S" } }));
      const afterGet = calls;
      // Assess
      expect(afterPut).toBe(1);
      expect(afterGet).toBe(1);
    } finally {
      stop();
    }
    await put("onwrite#2", 2);
    expect(calls).toBe(1);
  });
});
