import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { Db } from "../../core/db/client.ts";
import { startLocal } from "../../infra/local/runtime.ts";
import type { StreamConsumer } from "../../infra/local/stream-consumer.ts";
import { StreamPoller, type StreamPollerOptions } from "../../infra/local/stream-poller.ts";
import { StreamReader, type StreamReaderOptions } from "../../infra/local/stream-reader.ts";
import { tableState } from "../support/integration-setup.ts";
import { until } from "../support/wait.ts";

/** One reader shared by several mappings, as the local runtime runs its two. */
const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

function reader(options: Partial<StreamReaderOptions> = {}): StreamReader {
  return new StreamReader({
    client: new DynamoDBStreamsClient({
      endpoint: Config.get().dynamodbEndpoint,
      region: Config.get().awsRegion,
      credentials: Db.localCredentials(),
    }),
    streamArn: tableState.streamArn,
    pollIntervalMs: 20,
    ...options,
  });
}

function mapping(
  shared: StreamReader,
  handler: StreamPollerOptions["handler"],
  options: Partial<StreamPollerOptions> = {},
): StreamPoller {
  const p = new StreamPoller({ reader: shared, handler, retryBaseMs: 10, ...options });
  pollers.push(p);
  p.start();
  return p;
}

async function put(pk: string, type: string) {
  await Db.client().send(new PutCommand({ TableName: Db.table(), Item: { pk, sk: "S", type } }));
}

const keys = (event: DynamoDBStreamEvent) => event.Records.map((r) => String(r.dynamodb?.Keys?.pk?.S));
/** A handler that notes each record's key and handles it. */
const noting =
  (into: string[]): StreamPollerOptions["handler"] =>
  async (event) => {
    into.push(...keys(event));
    return { batchItemFailures: [] };
  };
const only = (type: string) => [{ dynamodb: { NewImage: { type: { S: [type] } } } }];
const failed = (sequence: string | undefined): DynamoDBBatchResponse => ({
  batchItemFailures: [{ itemIdentifier: sequence ?? "" }],
});

describe("local stream reader shared by mappings", () => {
  it("reads each stream record once, for every mapping, each with its own filters", async () => {
    // Prepare
    for (let i = 0; i < 3; i++) {
      await put(`once#k${i}`, "OnceKept");
      await put(`once#d${i}`, "OnceDropped");
    }
    const shared = reader();
    const everything: string[] = [];
    const kept: string[] = [];
    // Act: one mapping takes every record, the other only the kept type.
    const all = mapping(shared, noting(everything));
    const filtered = mapping(shared, noting(kept), { filters: only("OnceKept") });
    await until(() => kept.includes("once#k2") && everything.includes("once#d2"), 10_000, "both mappings");
    await Promise.all([all.idle(), filtered.idle()]);
    // Assess: the whole stream was read once (the unfiltered mapping got every record once), not once a mapping.
    expect(kept).toEqual(["once#k0", "once#k1", "once#k2"]);
    expect(new Set(everything).size).toBe(everything.length);
    expect(shared.recordsRead).toBe(everything.length);
    expect(filtered.filtered).toBe(everything.length - kept.length);
  });

  it("lets a mapping retry a failing batch while the other reads on, and loses nothing for either", async () => {
    // Prepare: the first mapping fails its first record until the second has seen the last.
    const shared = reader();
    const steady: string[] = [];
    const retrying: string[] = [];
    let failures = 0;
    const failing = mapping(
      shared,
      async (event) => {
        for (const r of event.Records) {
          const key = String(r.dynamodb?.Keys?.pk?.S);
          if (key === "indep#1" && !steady.includes("indep#3")) {
            failures++;
            return failed(r.dynamodb?.SequenceNumber);
          }
          retrying.push(key);
        }
        return { batchItemFailures: [] };
      },
      { filters: only("Indep"), maxRetryAttempts: 1_000, retryBaseMs: 5 },
    );
    mapping(shared, noting(steady), { filters: only("Indep") });
    // Act: the later records are written while the first mapping is retrying, so they come in later reads.
    await put("indep#1", "Indep");
    await until(() => failures > 0, 10_000, "a failed attempt");
    await put("indep#2", "Indep");
    await put("indep#3", "Indep");
    await until(() => retrying.includes("indep#3"), 15_000, "the retrying mapping's last record");
    // Assess
    expect(steady).toEqual(["indep#1", "indep#2", "indep#3"]);
    expect(retrying).toEqual(["indep#1", "indep#2", "indep#3"]);
    expect(failing.delivered).toBeGreaterThan(3);
  });

  it("holds a bounded number of records for a stuck mapping, and the reader waits for it", async () => {
    // Prepare: reads of 2 records, at most 2 held before the reader waits; the first mapping hangs.
    const shared = reader({ readLimit: 2, maxQueued: 2 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stuckSeen: string[] = [];
    const freeSeen: string[] = [];
    const stuck = mapping(
      shared,
      async (event) => {
        await gate;
        stuckSeen.push(...keys(event));
        return { batchItemFailures: [] };
      },
      { filters: only("Bound"), batchSize: 1 },
    );
    mapping(shared, noting(freeSeen), { filters: only("Bound") });
    for (let i = 0; i < 10; i++) await put(`bound#${i}`, "Bound");
    // Act
    try {
      await until(() => stuck.held > 0, 10_000, "the stuck mapping's first batch");
      await new Promise((r) => setTimeout(r, 500));
      // Assess: the stuck mapping holds at most maxQueued + readLimit - 1; the other is as far as the reader.
      expect(stuck.held).toBeLessThanOrEqual(3);
      expect(freeSeen.length).toBeLessThanOrEqual(3);
    } finally {
      release();
    }
    const all = Array.from({ length: 10 }, (_, i) => `bound#${i}`);
    await until(() => stuckSeen.length === 10 && freeSeen.length === 10, 10_000, "every record");
    expect(stuckSeen).toEqual(all);
    expect(freeSeen).toEqual(all);
  });

  it("reads again for a mapping that starts behind, and hands the one ahead nothing twice", async () => {
    // Prepare: one mapping has handled three records.
    const shared = reader();
    const ahead: string[] = [];
    const behind: string[] = [];
    mapping(shared, noting(ahead), { filters: only("Behind") });
    for (let i = 1; i <= 3; i++) await put(`behind#${i}`, "Behind");
    await until(() => ahead.includes("behind#3"), 10_000, "the first three");
    // Act: a second mapping starts from the oldest record, and a fourth record is written.
    const late = mapping(shared, noting(behind), { filters: only("Behind") });
    await put("behind#4", "Behind");
    await until(() => behind.includes("behind#4") && ahead.includes("behind#4"), 10_000, "the fourth");
    await late.idle();
    // Assess
    const all = ["behind#1", "behind#2", "behind#3", "behind#4"];
    expect(behind).toEqual(all);
    expect(ahead).toEqual(all);
  });
  it("reads with one loop when a mapping attaches while the last one detaches, and the detach returns", async () => {
    // Prepare: a reader whose calls in flight are counted and can be held, read for a mapping that wants
    // every shard from its oldest record (so each pass makes calls).
    const shared = reader();
    let inFlight = 0;
    let most = 0;
    let held = 0;
    let hold: Promise<void> | undefined;
    shared.client.middlewareStack.add(
      (next) => async (args) => {
        most = Math.max(most, ++inFlight);
        try {
          if (hold) {
            held++;
            await hold;
          }
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: "initialize", name: "countInFlight" },
    );
    const leaving: StreamConsumer = {
      name: "leaving",
      want: () => ({ after: undefined }),
      queued: () => 0,
      accept: () => {},
      passed: () => {},
      streamChanged: () => {},
    };
    shared.attach(leaving);
    await until(() => shared.passCount > 1, 10_000, "a pass");
    // Act: while the leaving mapping's loop is inside a call, it detaches and another mapping attaches.
    let release: () => void = () => {};
    hold = new Promise((resolve) => {
      release = resolve;
    });
    await until(() => held > 0, 10_000, "a call held");
    const detaching = shared.detach(leaving);
    const seen: string[] = [];
    mapping(shared, noting(seen), { filters: only("Handover") });
    // A second loop, had the attach started one beside the stopping loop, would be calling by now.
    await new Promise((r) => setTimeout(r, 200));
    hold = undefined;
    release();
    const detached = await Promise.race([
      detaching.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 3_000)),
    ]);
    await put("handover#1", "Handover");
    await until(() => seen.includes("handover#1"), 10_000, "the record");
    // Assess: the detach returned, and the reader never made two calls at once (one loop, not two).
    expect(detached).toBe(true);
    expect(most).toBe(1);
    expect(seen).toEqual(["handover#1"]);
  });

  it("waits for the poll interval after a read that caught up, however often records are written", async () => {
    // Prepare: a poll every 300 ms, and the reader's GetRecords calls counted.
    const shared = reader({ pollIntervalMs: 300 });
    let reads = 0;
    shared.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetRecordsCommand") reads++;
        return next(args);
      },
      { step: "initialize", name: "countReads" },
    );
    const seen: string[] = [];
    const p = mapping(shared, noting(seen), { filters: only("Often") });
    await p.idle();
    // Act: a record every 10 ms or so, 150 of them.
    const before = reads;
    const started = Date.now();
    for (let i = 0; i < 150; i++) {
      await put(`often#${i}`, "Often");
      await new Promise((r) => setTimeout(r, 10));
    }
    const during = reads - before;
    const polls = Math.ceil((Date.now() - started) / 300);
    await until(() => seen.length === 150, 10_000, "every record");
    // Assess: about one read a poll, not one each time a read found something (about one a record).
    expect(during).toBeLessThanOrEqual(polls + 2);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => `often#${i}`));
  });
});

describe("the local runtime's stream", () => {
  it("is read once for both event source mappings", async () => {
    // Prepare
    const runtime = await startLocal({
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "lp-reader-")),
      dynamodbEndpoint: Config.get().dynamodbEndpoint,
      tableName: Config.get().tableName,
      scheduler: false,
    });
    try {
      await Promise.all([runtime.poller.idle(), runtime.metricPoller.idle()]);
      const before = runtime.streamReader.recordsRead;
      // Act: ten records neither mapping takes (as webhook messages are).
      for (let i = 0; i < 10; i++) await put(`runtime#${i}`, "WebhookMessage");
      await until(() => runtime.streamReader.recordsRead - before >= 10, 10_000, "the ten records");
      await Promise.all([runtime.poller.idle(), runtime.metricPoller.idle()]);
      // Assess
      expect(runtime.metricPoller.reader).toBe(runtime.poller.reader);
      expect(runtime.streamReader.recordsRead - before).toBe(10);
    } finally {
      await runtime.stop();
    }
  });
});

describe("the stream reader's idle back-off", () => {
  it("reads less and less while the stream has nothing, and a wake() reads at once", async () => {
    // Prepare
    const shared = reader({ pollIntervalMs: 500, idleMaxMs: 60_000 });
    const seen: string[] = [];
    const p = mapping(shared, noting(seen));
    await p.idle();
    // Act: idle for 3.5 s (waits of 0.5, 1, 2 s: the next pass is 4 s away), then a write and a wake
    const before = shared.passCount;
    await new Promise((r) => setTimeout(r, 3_500));
    const idlePasses = shared.passCount - before;
    await put("wake#1", "Test");
    shared.wake();
    // Assess: at the fixed interval that was 7 passes; without the wake the record waits for seconds
    expect(idlePasses).toBeLessThanOrEqual(3);
    await until(() => seen.includes("wake#1"), 2_000, "the record after wake()");
  });

  it("is not made to read at each wake() while it is not backed off (a burst of writes)", async () => {
    // Prepare: a reader at its shortest interval (a pass just found records)
    const shared = reader({ pollIntervalMs: 200, idleMaxMs: 60_000 });
    const p = mapping(shared, async () => ({ batchItemFailures: [] }));
    await p.idle();
    await put("burst#0", "Test");
    shared.wake();
    // Act: 40 writes in about 1 s, each followed by a wake, as the runtime's Db.onWrite does
    const before = shared.passCount;
    for (let i = 1; i <= 40; i++) {
      await put(`burst#${i}`, "Test");
      shared.wake();
      await new Promise((r) => setTimeout(r, 25));
    }
    // Assess: about one pass per 200 ms, not one per write
    expect(shared.passCount - before).toBeLessThanOrEqual(12);
  });

  it("without an idle maximum, keeps reading at its interval", async () => {
    // Prepare
    const shared = reader({ pollIntervalMs: 100 });
    const p = mapping(shared, async () => ({ batchItemFailures: [] }));
    await p.idle();
    // Act
    const before = shared.passCount;
    await new Promise((r) => setTimeout(r, 1_500));
    // Assess: a backing-off reader makes 4 passes in 1.5 s (after 0.1, 0.2, 0.4 and 0.8 s)
    expect(shared.passCount - before).toBeGreaterThanOrEqual(6);
  });
});

describe("the stream reader when a position is trimmed away", () => {
  it("reads from the oldest record kept when GetShardIterator says the position is trimmed", async () => {
    // Prepare: a client whose next GetRecords finds its iterator expired, and for which every position
    // (AFTER_SEQUENCE_NUMBER) is older than what the stream keeps, as after a day's lag
    const client = new DynamoDBStreamsClient({
      endpoint: Config.get().dynamodbEndpoint,
      region: Config.get().awsRegion,
      credentials: Db.localCredentials(),
    });
    let expire = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ShardIteratorType?: string };
        if (context.commandName === "GetRecordsCommand" && expire) {
          expire = false;
          throw Object.assign(new Error("expired"), { name: "ExpiredIteratorException" });
        }
        if (
          context.commandName === "GetShardIteratorCommand" &&
          input.ShardIteratorType === "AFTER_SEQUENCE_NUMBER"
        )
          throw Object.assign(new Error("trimmed"), { name: "TrimmedDataAccessException" });
        return next(args);
      },
      { step: "initialize", name: "trimmedPositions" },
    );
    const seen: string[] = [];
    const p = mapping(reader({ client }), noting(seen), { filters: only("Trim") });
    await put("trim#a", "Trim");
    await until(() => seen.includes("trim#a"), 10_000, "the first record");
    // Act
    expire = true;
    await put("trim#b", "Trim");
    // Assess: the reader went back to the oldest record, and the mapping got b, and a only once
    await until(() => seen.includes("trim#b"), 10_000, "the record after the trimmed position");
    await p.idle();
    expect(seen.filter((k) => k === "trim#a")).toHaveLength(1);
  });
});
