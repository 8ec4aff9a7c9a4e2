import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { log } from "../../core/util/log.ts";
import { Nap } from "./nap.ts";
import { type StreamConsumer, type StreamShard, sequenceBefore } from "./stream-consumer.ts";

/**
 * Reads a table's stream once for every local event source mapping (infra/local/stream-poller.ts): each
 * GetRecords' records are handed to every mapping, which keeps its own filters, batches, retries and
 * checkpoints. In AWS each mapping reads the stream itself; locally every read costs DynamoDB Local CPU on
 * the cores the rest shares, and each mapping reading every record was measured at about half of what
 * reading the stream cost per delivered webhook message.
 *
 * The mappings stay independent as Lambda's are: a mapping that fails and retries a batch holds only its
 * own records; the others go on. Buffering is bounded: a shard is read only while every mapping that wants
 * it holds fewer than `maxQueued` of its records unhandled, so a stuck mapping holds at most
 * `maxQueued + readLimit - 1` records of a shard, and the reader goes at the pace of the slower mapping
 * once that one is that far behind. A mapping that starts behind the others (a checkpoint from an older
 * run, one started later) makes the reader read that shard again from its position; the mappings ahead
 * skip what they were handed before, so nothing is handed to a mapping twice.
 */

/**
 * Records asked of one GetRecords (DynamoDB's most). As Lambda's mapping does, each mapping reads more than
 * a batch and hands its handler batches of up to `batchSize` records that pass its filters. Most records a
 * mapping reads are filtered out, and reading a backlog of them 1,000 at a time instead of 100 cost
 * DynamoDB Local 30-40 µs of CPU a record instead of 40-55, and this process 40-55 instead of 75-90.
 */
const READ_LIMIT = 1000;

/** Records of one shard a mapping may hold unhandled before the reader waits for it. */
const MAX_QUEUED = 2000;

/** How often a stream that cannot be read is tried again. */
const FAILING_POLL_MS = 500;

export interface StreamReaderOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  /** Named in its log lines. */
  name?: string;
  pollIntervalMs?: number;
  /**
   * The longest wait between passes that find nothing for any mapping. Each such pass doubles the wait
   * from `pollIntervalMs` up to this; a pass that finds something, or `wake()`, brings it back.
   * Defaults to `pollIntervalMs`: no backing off.
   */
  idleMaxMs?: number;
  readLimit?: number;
  maxQueued?: number;
}

interface ReaderShard extends StreamShard {
  iterator: string | undefined;
  /** The iterator reads after this record (undefined: from the oldest). */
  position: string | undefined;
  /** The position was trimmed away: the next iterator starts at the oldest record still kept. */
  trimmed: boolean;
}

export class StreamReader {
  readonly client: DynamoDBStreamsClient;
  readonly pollIntervalMs: number;
  private readonly idleMaxMs: number;
  /** The wait after the next pass that finds nothing. */
  private idleWait: number;
  /** The wait in progress is longer than the poll interval (the reader backed off). */
  private backedOff = false;
  private arn: string;
  private readonly name: string;
  private readonly readLimit: number;
  private readonly maxQueued: number;
  private readonly consumers = new Set<StreamConsumer>();
  private readonly shards = new Map<string, ReaderShard>();
  private paused = false;
  /**
   * The reading loop. Each has its own stop flag: a mapping attached while the last one detaches starts a
   * loop that follows the stopping one, rather than reviving it (which left two loops reading and the
   * detach waiting for ever).
   */
  private loop: { stopped: boolean; done: Promise<void> } | undefined;
  private nextDescribe = 0;
  /** When reading the stream started failing, while it does. */
  private failingSince: number | undefined;
  private readonly nap = new Nap();
  /** A shard was left unread last pass because a mapping held too many of its records. */
  private blocked = false;
  /** Passes over the shards begun so far. */
  passCount = 0;
  /** Stream records read from DynamoDB (for the operator and tests: each is read once, for every mapping). */
  recordsRead = 0;

  constructor(options: StreamReaderOptions) {
    this.client = options.client;
    this.arn = options.streamArn;
    this.name = options.name ?? "stream";
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.idleMaxMs = Math.max(options.idleMaxMs ?? this.pollIntervalMs, this.pollIntervalMs);
    this.idleWait = this.pollIntervalMs;
    this.readLimit = options.readLimit ?? READ_LIMIT;
    this.maxQueued = options.maxQueued ?? MAX_QUEUED;
  }

  get streamArn(): string {
    return this.arn;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether the stream has this shard (a parent may be trimmed away already). */
  has(shardId: string): boolean {
    return this.shards.has(shardId);
  }

  /** Reads for this mapping too; the reader runs while any mapping is attached. */
  attach(consumer: StreamConsumer): void {
    this.consumers.add(consumer);
    if (this.loop && !this.loop.stopped) {
      this.nap.wake();
      return;
    }
    const previous = this.loop?.done;
    const loop = { stopped: false, done: Promise.resolve() };
    loop.done = (async () => {
      await previous?.catch(() => {});
      await this.run(loop);
    })();
    this.loop = loop;
  }

  /** Stops reading for this mapping; with none left the reader stops (its iterators are dropped). */
  async detach(consumer: StreamConsumer): Promise<void> {
    this.consumers.delete(consumer);
    const loop = this.loop;
    if (this.consumers.size > 0 || !loop) return;
    loop.stopped = true;
    this.nap.wake();
    await loop.done;
  }

  /**
   * Something was written to the table (the local runtime calls this after every write its own clients
   * make): a reader that had backed off reads now, and every reader goes back to the shortest interval.
   * A reader waiting out no more than that interval is left to it: waking it at each write would make a
   * GetRecords (1-5 ms of DynamoDB Local's CPU, whatever it finds) per write during a burst.
   */
  wake(): void {
    this.idleWait = this.pollIntervalMs;
    if (this.backedOff) this.nap.wake();
  }

  /** A mapping handled records: if a shard waited for it, read on now rather than at the next poll. */
  madeRoom(): void {
    if (this.blocked) this.nap.wake();
  }

  /**
   * Stops reading while the database is known to be down (the runtime's supervisor says so); the mappings
   * hand nothing over meanwhile, so a batch in hand is not counted towards its discard while nothing could
   * have handled it.
   */
  pause(): void {
    this.paused = true;
  }

  /** Reads again from where the mappings are: iterators from before an outage mean nothing to a restarted server. */
  resume(): void {
    this.paused = false;
    this.forgetIterators();
  }

  /**
   * Follows another stream of the table (DynamoDB Local in memory, restarted, has a new table and stream):
   * the old stream's shards and every mapping's checkpoints mean nothing there.
   */
  useStream(streamArn: string): void {
    if (streamArn === this.arn) return;
    this.arn = streamArn;
    this.shards.clear();
    this.nextDescribe = 0;
    for (const consumer of this.consumers) consumer.streamChanged();
  }

  private forgetIterators(): void {
    for (const shard of this.shards.values()) shard.iterator = undefined;
    this.nextDescribe = 0;
  }

  private async run(loop: { stopped: boolean }): Promise<void> {
    try {
      await this.read(loop);
    } finally {
      // Iterators are dropped with the loop: a loop started later reads from where the mappings are.
      this.forgetIterators();
    }
  }

  private async read(loop: { stopped: boolean }): Promise<void> {
    while (!loop.stopped) {
      if (this.paused) {
        await this.nap.sleep(this.pollIntervalMs);
        continue;
      }
      const pass = ++this.passCount;
      /** Mappings for which this pass read something or held something back. */
      const busy = new Set<StreamConsumer>();
      /** A shard has more to read at once (a full read, a new iterator, an end). */
      let more = false;
      this.blocked = false;
      try {
        if (Date.now() >= this.nextDescribe) await this.refreshShards();
        for (const shard of [...this.shards.values()]) {
          if (loop.stopped) break;
          more = (await this.readShard(shard, busy)) || more;
        }
        if (this.failingSince !== undefined) {
          log.info("stream poller reading again", {
            poller: this.name,
            afterMs: Date.now() - this.failingSince,
          });
          this.failingSince = undefined;
        }
      } catch (error) {
        // One line when reading starts failing, one when it works again: an unreachable database would
        // otherwise log a stack trace at every poll. Reading resumes from where the mappings are.
        if (this.failingSince === undefined) {
          this.failingSince = Date.now();
          const { name, message } = error as Error;
          log.warn("stream poller cannot read the stream; retrying", {
            poller: this.name,
            error: { name, message },
          });
        }
        this.forgetIterators();
        await this.nap.sleep(FAILING_POLL_MS);
        continue;
      }
      for (const consumer of this.consumers) consumer.passed(pass, !busy.has(consumer));
      if (more || loop.stopped) continue;
      if (busy.size > 0) this.idleWait = this.pollIntervalMs;
      const wait = busy.size > 0 ? this.pollIntervalMs : this.idleWait;
      if (busy.size === 0) this.idleWait = Math.min(this.idleWait * 2, this.idleMaxMs);
      this.backedOff = wait > this.pollIntervalMs;
      await this.nap.sleep(wait);
      this.backedOff = false;
    }
  }

  private async refreshShards(): Promise<void> {
    let start: string | undefined;
    do {
      const out = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.arn, ExclusiveStartShardId: start }),
      );
      const description = out.StreamDescription;
      for (const shard of description?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          id: shard.ShardId,
          parentId: shard.ParentShardId,
          iterator: undefined,
          position: undefined,
          trimmed: false,
        });
      }
      start = description?.LastEvaluatedShardId;
    } while (start);
    this.nextDescribe = Date.now() + 2_000;
  }

  /**
   * One read of one shard for the mappings that want it; true when there is more to read at once. A read
   * of fewer records than asked has caught up with the shard, and the next waits for the poll interval, as
   * Lambda polls a shard a few times a second: reading again at once found a few records a call while
   * messages were being written, and each GetRecords costs DynamoDB Local 1.5-5 ms of CPU whatever it
   * finds (measured: 4,000 items written in batches of 25 over 3-4 s were read in 170-200 calls, now 20-40).
   */
  private async readShard(shard: ReaderShard, busy: Set<StreamConsumer>): Promise<boolean> {
    const wanting: Array<{ consumer: StreamConsumer; after: string | undefined }> = [];
    for (const consumer of this.consumers) {
      const want = consumer.want(shard);
      if (want) wanting.push({ consumer, after: want.after });
    }
    if (wanting.length === 0) return false;
    if (wanting.some((w) => w.consumer.queued(shard.id) >= this.maxQueued)) {
      // The slowest mapping sets the pace: reading on would grow its queue without bound.
      for (const w of wanting) busy.add(w.consumer);
      this.blocked = true;
      return false;
    }
    const from = wanting.reduce<string | undefined>(
      (earliest, w, i) => (i === 0 || sequenceBefore(w.after, earliest) ? w.after : earliest),
      undefined,
    );
    let out: Awaited<ReturnType<typeof this.getRecords>>;
    try {
      if (!shard.iterator || sequenceBefore(from, shard.position)) {
        const position = shard.trimmed ? undefined : from;
        const got = await this.client.send(
          new GetShardIteratorCommand({
            StreamArn: this.arn,
            ShardId: shard.id,
            ShardIteratorType: position ? "AFTER_SEQUENCE_NUMBER" : "TRIM_HORIZON",
            SequenceNumber: position,
          }),
        );
        shard.trimmed = false;
        shard.position = position;
        shard.iterator = got.ShardIterator;
        if (!shard.iterator) {
          for (const w of wanting) {
            w.consumer.accept(shard.id, [], true);
            busy.add(w.consumer);
          }
          return true;
        }
      }
      out = await this.getRecords(shard.iterator);
    } catch (error) {
      // An iterator expires; a position older than what the stream keeps (24 h: a checkpoint from an old
      // run, a mapping that far behind) is trimmed, and GetShardIterator says so as well as GetRecords.
      // Either way the next pass takes a new iterator, from the oldest record kept if trimmed, as Lambda
      // does, rather than asking for the same position at every pass.
      const name = (error as { name?: string }).name;
      if (name !== "ExpiredIteratorException" && name !== "TrimmedDataAccessException") throw error;
      shard.iterator = undefined;
      shard.trimmed = name === "TrimmedDataAccessException";
      for (const w of wanting) busy.add(w.consumer);
      return true;
    }
    shard.iterator = out.NextShardIterator;
    const records = out.Records ?? [];
    const ended = !out.NextShardIterator;
    this.recordsRead += records.length;
    shard.position = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.position;
    if (records.length === 0 && !ended) return false;
    for (const w of wanting) {
      w.consumer.accept(shard.id, records, ended);
      busy.add(w.consumer);
    }
    return ended || records.length >= this.readLimit;
  }

  /**
   * GetRecords, with the records taken from the response as they came over the wire: that is the shape
   * Lambda hands a function, and the SDK's own deserializer (every attribute of both images of every
   * record) cost this process about as much as the write it reports.
   * Errors still go through the SDK, so `ExpiredIteratorException` and the like keep their names.
   */
  private async getRecords(
    iterator: string,
  ): Promise<{ NextShardIterator?: string; Records?: StreamRecord[] }> {
    const command = new GetRecordsCommand({ ShardIterator: iterator, Limit: this.readLimit });
    let records: StreamRecord[] | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const response = out.response as { statusCode?: number; body?: unknown };
        if (response.statusCode !== 200 || !response.body) return out;
        const bytes = await this.client.config.streamCollector(response.body);
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
    const out = await this.client.send(command);
    return { NextShardIterator: out.NextShardIterator, Records: records };
  }
}
