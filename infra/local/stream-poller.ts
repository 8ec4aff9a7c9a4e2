import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { log } from "../../core/util/log.ts";
import { assertSupported, type FilterPattern, passes } from "./stream-filter.ts";

/**
 * Stands in for Lambda's DynamoDB event source mapping: reads every shard of the stream (a child only
 * after its parent is finished, so changes to one item stay in order), calls the stream handler with the
 * `DynamoDBStreamEvent` Lambda would build, and honours partial batch responses: the batch is retried
 * from the first failed record, with backoff. After `maxRetryAttempts` a record is discarded and logged,
 * as Lambda's bisect-and-discard would end. Delivery is at least once; checkpoints (the last handled
 * sequence number per shard) survive restarts when a file is given.
 */
/**
 * The streams client deserializes an empty map attribute (`{"M": {}}`) as a bare `{}`, which no
 * unmarshaller accepts; Lambda delivers `{"M": {}}`. Put the wire shape back, at any depth.
 */
export function restoreEmptyMaps(
  image: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!image) return image;
  const fix = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    const attr = value as Record<string, unknown>;
    const keys = Object.keys(attr).filter((k) => attr[k] !== undefined && k !== "$unknown");
    if (keys.length === 0) return { M: {} };
    if (attr.M && typeof attr.M === "object")
      return { M: restoreEmptyMaps(attr.M as Record<string, unknown>) };
    if (Array.isArray(attr.L)) return { L: attr.L.map(fix) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)]));
}

/**
 * Records asked of one GetRecords (DynamoDB's most). As Lambda's mapping does, the poller reads more than
 * a batch and hands the handler batches of up to `batchSize` records that pass the filters. Most records
 * a mapping reads are filtered out, and reading a backlog of them 1,000 at a time instead of 100 cost
 * DynamoDB Local 30-40 µs of CPU a record instead of 40-55, and this process 40-55 instead of 75-90.
 */
const READ_LIMIT = 1000;

/** How often a stream that cannot be read is tried again. */
const FAILING_POLL_MS = 500;

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamHandler;
  /** Which event source mapping it plays, in its log lines (the runtime runs one per mapping). */
  name?: string;
  region?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /**
   * The longest wait between passes that find nothing. Each empty pass doubles the wait from
   * `pollIntervalMs` up to this; a pass with records, or `wake()`, brings it back. Defaults to
   * `pollIntervalMs`: no backing off.
   */
  idleMaxMs?: number;
  maxRetryAttempts?: number;
  retryBaseMs?: number;
  /** JSON file for checkpoints; none means start every shard from its oldest record. */
  checkpointFile?: string;
  /** The event source mapping's filters: other records are skipped, never handed to the handler. */
  filters?: readonly FilterPattern[];
  /**
   * The mapping's tumbling window: events then carry `shardId`, `window` and `state`, as Lambda's do.
   * Only the shape is imitated (no closing invocation per window); 0 means none.
   */
  tumblingWindowSeconds?: number;
}

interface ShardState {
  id: string;
  parentId: string | undefined;
  iterator: string | undefined;
  lastSequence: string | undefined;
  finished: boolean;
  /** Fetched but not yet successfully handled, oldest first. */
  pending: StreamRecord[];
  /** The last record fetched, filtered out or not: the checkpoint once `pending` is handled. */
  fetchedTo: string | undefined;
  attempts: number;
  retryAt: number;
  /** GetRecords said there is no next iterator: once `pending` is empty the shard is done. */
  closed: boolean;
}

interface Checkpoints {
  streamArn: string;
  shards: Record<string, { sequence?: string; finished?: boolean }>;
}

export class StreamPoller {
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private paused = false;
  /** When reading the stream started failing, while it does. */
  private failingSince: number | undefined;
  private loop: Promise<void> | undefined;
  private nextDescribe = 0;
  private idleWaiters: Array<{ after: number; resolve: () => void }> = [];
  /** Passes over the shards begun so far. */
  private passCount = 0;
  /** The wait after the next pass that finds nothing. */
  private idleWait: number;
  /** Ends the wait in progress, if any. */
  private wakeUp: (() => void) | undefined;
  private readonly o: Required<Omit<StreamPollerOptions, "checkpointFile">> & {
    checkpointFile: string | undefined;
  };
  /** Records handed to the handler, retries included (for the operator and tests). */
  delivered = 0;
  discarded = 0;
  /** Records the filters kept from the handler. */
  filtered = 0;

  constructor(options: StreamPollerOptions) {
    this.o = {
      name: "stream",
      region: "us-east-1",
      batchSize: 100,
      pollIntervalMs: 200,
      idleMaxMs: 0,
      maxRetryAttempts: 10,
      retryBaseMs: 200,
      filters: [],
      tumblingWindowSeconds: 0,
      ...options,
      checkpointFile: options.checkpointFile,
    };
    this.o.idleMaxMs = Math.max(options.idleMaxMs ?? this.o.pollIntervalMs, this.o.pollIntervalMs);
    this.idleWait = this.o.pollIntervalMs;
    for (const f of this.o.filters) assertSupported(f);
    this.loadCheckpoints();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.saveCheckpoints();
  }

  /**
   * Resolves once a full pass begun after this call finds nothing new and nothing waiting to be retried:
   * everything written before the call has been handed to the handler.
   */
  idle(): Promise<void> {
    const done = new Promise<void>((resolve) => this.idleWaiters.push({ after: this.passCount, resolve }));
    this.wake();
    return done;
  }

  /**
   * Polls now, and at the shortest interval again: something was written to the table (the local
   * runtime calls this after every write its own clients make), so an idle poller that had backed off
   * still hands the change on within a poll interval.
   */
  wake(): void {
    this.idleWait = this.o.pollIntervalMs;
    this.wakeUp?.();
  }

  /**
   * Stops reading while the database is known to be down (the runtime's supervisor says so), so that a
   * batch in hand is not counted towards its discard while nothing could have handled it.
   */
  pause(): void {
    this.paused = true;
  }

  /** Reads again from the checkpoints: iterators from before an outage mean nothing to a restarted server. */
  resume(): void {
    this.paused = false;
    this.forgetIterators();
  }

  /**
   * Follows another stream of the table (DynamoDB Local in memory, restarted, has a new table and stream):
   * the old stream's shards and checkpoints mean nothing there.
   */
  useStream(streamArn: string): void {
    if (streamArn === this.o.streamArn) return;
    this.o.streamArn = streamArn;
    this.shards.clear();
    this.loaded = undefined;
    this.nextDescribe = 0;
  }

  private forgetIterators(): void {
    for (const shard of this.shards.values()) shard.iterator = undefined;
    this.nextDescribe = 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      const pass = ++this.passCount;
      if (this.paused) {
        await new Promise((r) => setTimeout(r, this.o.pollIntervalMs));
        continue;
      }
      try {
        if (Date.now() >= this.nextDescribe) await this.refreshShards();
        for (const shard of this.readyShards()) busy = (await this.pollShard(shard)) || busy;
        if (this.failingSince !== undefined) {
          log.info("stream poller reading again", {
            poller: this.o.name,
            afterMs: Date.now() - this.failingSince,
          });
          this.failingSince = undefined;
        }
      } catch (error) {
        // One line when reading starts failing, one when it works again: an unreachable database would
        // otherwise log a stack trace at every poll. Reading resumes from the checkpoints.
        if (this.failingSince === undefined) {
          this.failingSince = Date.now();
          const { name, message } = error as Error;
          log.warn("stream poller cannot read the stream; retrying", {
            poller: this.o.name,
            error: { name, message },
          });
        }
        this.forgetIterators();
        await new Promise((r) => setTimeout(r, FAILING_POLL_MS));
        continue;
      }
      const waiting = [...this.shards.values()].some((s) => s.pending.length > 0);
      if (!busy && !waiting) {
        const done = this.idleWaiters.filter((w) => w.after < pass);
        this.idleWaiters = this.idleWaiters.filter((w) => w.after >= pass);
        for (const w of done) w.resolve();
      }
      if (busy) {
        this.idleWait = this.o.pollIntervalMs;
      } else if (waiting) {
        // A batch waits for its retry time: keep looking at the usual interval.
        await this.sleep(this.o.pollIntervalMs);
      } else {
        // Nothing to read: each empty pass waits longer, up to idleMaxMs (a wake() cuts it short).
        const wait = this.idleWait;
        this.idleWait = Math.min(wait * 2, this.o.idleMaxMs);
        await this.sleep(wait);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async refreshShards(): Promise<void> {
    let start: string | undefined;
    do {
      const out = await this.o.client.send(
        new DescribeStreamCommand({ StreamArn: this.o.streamArn, ExclusiveStartShardId: start }),
      );
      const description = out.StreamDescription;
      for (const shard of description?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          id: shard.ShardId,
          parentId: shard.ParentShardId,
          iterator: undefined,
          lastSequence: undefined,
          finished: false,
          pending: [],
          fetchedTo: undefined,
          attempts: 0,
          retryAt: 0,
          closed: false,
        });
      }
      start = description?.LastEvaluatedShardId;
    } while (start);
    this.applyCheckpoints();
    this.nextDescribe = Date.now() + 2_000;
  }

  private readyShards(): ShardState[] {
    return [...this.shards.values()].filter((shard) => {
      if (shard.finished) return false;
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      return !parent || parent.finished;
    });
  }

  /** One step for one shard; true when records were fetched or handled. */
  private async pollShard(shard: ShardState): Promise<boolean> {
    if (shard.pending.length > 0) {
      if (Date.now() < shard.retryAt) return false;
      await this.deliver(shard);
      return true;
    }
    if (shard.closed) {
      shard.finished = true;
      this.saveCheckpoints();
      return true;
    }
    if (!shard.iterator) {
      const out = await this.o.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.o.streamArn,
          ShardId: shard.id,
          ShardIteratorType: shard.lastSequence ? "AFTER_SEQUENCE_NUMBER" : "TRIM_HORIZON",
          SequenceNumber: shard.lastSequence,
        }),
      );
      shard.iterator = out.ShardIterator;
      if (!shard.iterator) {
        shard.closed = true;
        return true;
      }
    }
    let out: Awaited<ReturnType<typeof this.getRecords>>;
    try {
      out = await this.getRecords(shard.iterator);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "ExpiredIteratorException") {
        shard.iterator = undefined;
        return true;
      }
      if (name === "TrimmedDataAccessException") {
        shard.lastSequence = undefined;
        shard.iterator = undefined;
        return true;
      }
      throw error;
    }
    shard.iterator = out.NextShardIterator;
    if (!out.NextShardIterator) shard.closed = true;
    const fetched = out.Records ?? [];
    if (fetched.length === 0) return shard.closed;
    const records = fetched.filter((r) => passes(this.o.filters, r));
    this.filtered += fetched.length - records.length;
    shard.fetchedTo = fetched.at(-1)?.dynamodb?.SequenceNumber;
    shard.pending = records;
    if (records.length === 0) {
      shard.lastSequence = shard.fetchedTo ?? shard.lastSequence;
      this.saveCheckpoints();
      return true;
    }
    await this.deliver(shard);
    return true;
  }

  /**
   * GetRecords, with the records taken from the response as they came over the wire: that is the shape
   * Lambda hands a function, and the SDK's own deserializer (every attribute of both images of every
   * record, each poller reading every record) cost this process about as much as the write it reports.
   * Errors still go through the SDK, so `ExpiredIteratorException` and the like keep their names.
   */
  private async getRecords(
    iterator: string,
  ): Promise<{ NextShardIterator?: string; Records?: StreamRecord[] }> {
    const command = new GetRecordsCommand({ ShardIterator: iterator, Limit: READ_LIMIT });
    let records: StreamRecord[] | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const response = out.response as { statusCode?: number; body?: unknown };
        if (response.statusCode !== 200 || !response.body) return out;
        const bytes = await this.o.client.config.streamCollector(response.body);
        const body = JSON.parse(new TextDecoder().decode(bytes)) as {
          NextShardIterator?: string;
          Records?: StreamRecord[];
        };
        records = body.Records;
        // The SDK reads what is left: the iterator alone.
        response.body = new TextEncoder().encode(
          JSON.stringify({ NextShardIterator: body.NextShardIterator }),
        );
        return out;
      },
      { step: "deserialize", priority: "low", name: "rawStreamRecords" },
    );
    const out = await this.o.client.send(command);
    return { NextShardIterator: out.NextShardIterator, Records: records };
  }

  private async deliver(shard: ShardState): Promise<void> {
    const batch = shard.pending.slice(0, this.o.batchSize);
    const rest = shard.pending.slice(batch.length);
    const event: DynamoDBStreamEvent = { Records: batch.map((r) => this.toLambdaRecord(r)) };
    if (this.o.tumblingWindowSeconds > 0) Object.assign(event, this.windowOf(shard.id));
    this.delivered += batch.length;
    let failed: Set<string>;
    try {
      const response = await this.o.handler(event);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A handler that throws fails the whole batch, as in Lambda.
      log.error("stream handler threw; the whole batch is retried", { poller: this.o.name, error });
      failed = new Set(batch.map((r) => r.dynamodb?.SequenceNumber ?? ""));
    }
    const firstFailure = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ""));
    const handled = firstFailure === -1 ? batch : batch.slice(0, firstFailure);
    // Once everything fetched is handled, the records filtered out after the last one are behind us too.
    const last =
      firstFailure === -1 && rest.length === 0
        ? (shard.fetchedTo ?? batch.at(-1)?.dynamodb?.SequenceNumber)
        : handled.at(-1)?.dynamodb?.SequenceNumber;
    if (last) {
      shard.lastSequence = last;
      shard.attempts = 0;
    }
    shard.pending = firstFailure === -1 ? rest : [...batch.slice(firstFailure), ...rest];
    if (firstFailure !== -1) {
      shard.attempts += 1;
      if (shard.attempts > this.o.maxRetryAttempts) {
        const dropped = shard.pending.shift();
        this.discarded += 1;
        shard.attempts = 0;
        shard.lastSequence = dropped?.dynamodb?.SequenceNumber ?? shard.lastSequence;
        log.error("stream record discarded after retries", {
          poller: this.o.name,
          shard: shard.id,
          sequence: dropped?.dynamodb?.SequenceNumber,
          attempts: this.o.maxRetryAttempts + 1,
        });
      }
      shard.retryAt =
        Date.now() + Math.min(this.o.retryBaseMs * 2 ** Math.max(0, shard.attempts - 1), 10_000);
    }
    this.saveCheckpoints();
  }

  /** What a tumbling window adds to Lambda's event (functions/streams/metrics.ts reads `shardId`). */
  private windowOf(shardId: string) {
    const size = this.o.tumblingWindowSeconds * 1000;
    const start = Math.floor(Date.now() / size) * size;
    return {
      shardId,
      eventSourceARN: this.o.streamArn,
      window: { start: new Date(start).toISOString(), end: new Date(start + size).toISOString() },
      state: {},
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    };
  }

  private toLambdaRecord(record: StreamRecord): DynamoDBRecord {
    const d = record.dynamodb ?? {};
    // On the wire: seconds since the epoch (a Date only if the SDK has read it).
    const created = d.ApproximateCreationDateTime as Date | number | undefined;
    return {
      eventID: record.eventID,
      eventName: record.eventName as DynamoDBRecord["eventName"],
      eventVersion: record.eventVersion ?? "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: record.awsRegion ?? this.o.region,
      eventSourceARN: this.o.streamArn,
      dynamodb: {
        ApproximateCreationDateTime:
          created === undefined
            ? undefined
            : Math.floor(typeof created === "number" ? created : created.getTime() / 1000),
        Keys: restoreEmptyMaps(d.Keys) as never,
        NewImage: restoreEmptyMaps(d.NewImage) as never,
        OldImage: restoreEmptyMaps(d.OldImage) as never,
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord["dynamodb"]>["StreamViewType"],
      },
    };
  }

  private loaded: Checkpoints | undefined;

  private loadCheckpoints(): void {
    const file = this.o.checkpointFile;
    if (!file || !existsSync(file)) return;
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as Checkpoints;
      if (parsed.streamArn === this.o.streamArn) this.loaded = parsed;
    } catch {
      log.warn("stream checkpoints unreadable; starting from the oldest records", { file });
    }
  }

  private applyCheckpoints(): void {
    if (!this.loaded) return;
    for (const [id, saved] of Object.entries(this.loaded.shards)) {
      const shard = this.shards.get(id);
      if (!shard || shard.lastSequence || shard.finished) continue;
      shard.lastSequence = saved.sequence;
      shard.finished = saved.finished ?? false;
    }
  }

  private saveCheckpoints(): void {
    const file = this.o.checkpointFile;
    if (!file) return;
    const data: Checkpoints = { streamArn: this.o.streamArn, shards: {} };
    for (const shard of this.shards.values()) {
      if (shard.lastSequence || shard.finished) {
        data.shards[shard.id] = { sequence: shard.lastSequence, finished: shard.finished };
      }
    }
    writeFileSync(`${file}.tmp`, JSON.stringify(data));
    renameSync(`${file}.tmp`, file);
  }
}
