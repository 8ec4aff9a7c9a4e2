import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { DynamoDBStreamsClient, _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { log } from "../../core/util/log.ts";
import { Nap } from "./nap.ts";
import { type ShardWant, type StreamConsumer, type StreamShard, sequenceBefore } from "./stream-consumer.ts";
import { toLambdaRecord, tumblingWindow } from "./stream-event.ts";
import { assertSupported, type FilterPattern, passes } from "./stream-filter.ts";
import { StreamReader } from "./stream-reader.ts";

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  /** The stream's reader, shared with the other mappings; without one the poller reads on its own. */
  reader?: StreamReader;
  /** For a poller that reads on its own. */
  client?: DynamoDBStreamsClient;
  streamArn?: string;
  pollIntervalMs?: number;
  handler: StreamHandler;
  /** Which event source mapping it plays, in its log lines (the runtime runs one per mapping). */
  name?: string;
  region?: string;
  batchSize?: number;
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
  /** The last record handled (or filtered out with all before it handled): the checkpoint. */
  lastSequence: string | undefined;
  /** The last record the reader handed over: what comes after it is still to be read. */
  seenTo: string | undefined;
  /** Handed over, passed the filters, not yet handled, oldest first; a batch in hand stays here. */
  pending: StreamRecord[];
  attempts: number;
  retryAt: number;
  /** The reader found nothing after `seenTo`: once `pending` is handled the shard is finished. */
  ended: boolean;
  finished: boolean;
}

interface Checkpoints {
  streamArn: string;
  shards: Record<string, { sequence?: string; finished?: boolean }>;
}

type Settings = Required<
  Omit<StreamPollerOptions, "checkpointFile" | "reader" | "client" | "streamArn" | "pollIntervalMs">
> & { checkpointFile: string | undefined };

/**
 * Stands in for Lambda's DynamoDB event source mapping: takes every shard's records from a stream reader
 * (infra/local/stream-reader.ts, shared by the runtime's mappings; a child shard only after its parent is
 * finished, so changes to one item stay in order), calls the stream handler with the
 * `DynamoDBStreamEvent` Lambda would build, and honours partial batch responses: the batch is retried
 * from the first failed record, with backoff. After `maxRetryAttempts` a record is discarded and logged,
 * as Lambda's bisect-and-discard would end. Delivery is at least once; checkpoints (the last handled
 * sequence number per shard) survive restarts when a file is given.
 */
export class StreamPoller implements StreamConsumer {
  readonly reader: StreamReader;
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private current: { stopped: boolean } | undefined;
  /** The stop in progress (or the last one): it saves the checkpoints once its loop has ended. */
  private stopping: Promise<void> | undefined;
  private readonly nap = new Nap();
  /** A batch is with the handler. */
  private handling = false;
  private idleWaiters: Array<{ after: number; resolve: () => void; reject: (error: Error) => void }> = [];
  /** The last pass of the reader that found nothing new for this mapping. */
  private quietPass = 0;
  private readonly o: Settings;
  /** Records handed to the handler, retries included (for the operator and tests). */
  delivered = 0;
  discarded = 0;
  /** Records the filters kept from the handler. */
  filtered = 0;

  constructor(options: StreamPollerOptions) {
    const { reader, client, streamArn, pollIntervalMs, ...rest } = options;
    if (!reader && !(client && streamArn))
      throw new Error("a stream poller needs a reader, or a client and a stream");
    this.reader =
      reader ??
      new StreamReader({
        client: client as DynamoDBStreamsClient,
        streamArn: streamArn as string,
        name: options.name,
        pollIntervalMs,
      });
    this.o = {
      name: "stream",
      region: "us-east-1",
      batchSize: 100,
      maxRetryAttempts: 10,
      retryBaseMs: 200,
      filters: [],
      tumblingWindowSeconds: 0,
      ...rest,
      checkpointFile: options.checkpointFile,
    };
    for (const f of this.o.filters) assertSupported(f);
    this.loadCheckpoints();
  }

  get name(): string {
    return this.o.name;
  }

  /** Records read and not yet handled, a batch in hand included (bounded by the reader). */
  get held(): number {
    let held = 0;
    for (const shard of this.shards.values()) held += shard.pending.length;
    return held;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Each loop has its own stop flag, and a start while a stop is saving its checkpoints waits for it:
    // otherwise the stopping loop, seeing `running` again, would hand batches beside the new one, and the
    // stop would wait for it for ever.
    const loop = { stopped: false };
    this.current = loop;
    const stopping = this.stopping;
    this.loop = (async () => {
      // A stop that failed (its checkpoints could not be written) told its caller; this start goes on.
      await stopping?.catch(() => {});
      if (loop.stopped) return;
      this.reader.attach(this);
      await this.run(loop);
    })();
  }

  /**
   * Stops handing batches over (one with the handler finishes first) and saves the checkpoints. What was
   * read and not handled is read again at the next start, from the checkpoints.
   */
  async stop(): Promise<void> {
    if (!this.running) return this.stopping?.catch(() => {});
    this.running = false;
    if (this.current) this.current.stopped = true;
    this.nap.wake();
    // A stopped poller hands nothing over, so it would never be idle: its waiters would wait for ever.
    for (const w of this.idleWaiters.splice(0)) w.reject(stoppedBeforeIdle());
    const loop = this.loop;
    this.stopping = (async () => {
      await loop;
      await this.reader.detach(this);
      for (const shard of this.shards.values()) {
        shard.pending = [];
        shard.seenTo = shard.lastSequence;
        shard.ended = shard.finished;
      }
      this.saveCheckpoints();
    })();
    return this.stopping;
  }

  /**
   * Resolves once a full pass of the reader begun after this call finds nothing new for this mapping, and
   * nothing is waiting to be retried: everything written before the call has been handed to the handler.
   * Rejects if the poller is stopped, or stops first.
   */
  idle(): Promise<void> {
    if (!this.running) return Promise.reject(stoppedBeforeIdle());
    const done = new Promise<void>((resolve, reject) =>
      this.idleWaiters.push({ after: this.reader.passCount, resolve, reject }),
    );
    // A reader that had backed off would make the caller wait out its idle wait.
    this.reader.wake();
    return done;
  }

  want(shard: StreamShard): ShardWant | undefined {
    if (!this.running) return undefined;
    const state = this.state(shard.id);
    if (state.finished || state.ended) return undefined;
    const parent = shard.parentId && this.reader.has(shard.parentId) ? this.state(shard.parentId) : undefined;
    if (parent && !parent.finished) return undefined;
    return { after: state.seenTo };
  }

  queued(shardId: string): number {
    return this.shards.get(shardId)?.pending.length ?? 0;
  }

  accept(shardId: string, records: StreamRecord[], ended: boolean): void {
    const shard = this.shards.get(shardId);
    if (!shard || !this.running) return;
    // The reader may read from before what this mapping was handed (another mapping is behind it).
    let from = 0;
    while (from < records.length && !sequenceBefore(shard.seenTo, sequence(records[from]))) from++;
    const fresh = from === 0 ? records : records.slice(from);
    let changed = false;
    if (fresh.length > 0) {
      const kept = this.o.filters.length > 0 ? fresh.filter((r) => passes(this.o.filters, r)) : fresh;
      this.filtered += fresh.length - kept.length;
      shard.seenTo = sequence(fresh.at(-1));
      for (const record of kept) shard.pending.push(record);
      // Nothing kept and nothing in hand: the records filtered out are behind this mapping.
      if (shard.pending.length === 0) {
        shard.lastSequence = shard.seenTo;
        changed = true;
      }
    }
    if (ended) shard.ended = true;
    changed = this.finishIfDone(shard) || changed;
    if (changed) this.saveCheckpoints();
    if (shard.pending.length > 0) this.nap.wake();
  }

  passed(pass: number, quiet: boolean): void {
    if (quiet) this.quietPass = pass;
    this.wakeIdleWaiters();
  }

  streamChanged(): void {
    this.shards.clear();
    this.loaded = undefined;
  }

  private state(id: string): ShardState {
    let shard = this.shards.get(id);
    if (!shard) {
      const saved = this.loaded?.shards[id];
      shard = {
        id,
        lastSequence: saved?.sequence,
        seenTo: saved?.sequence,
        pending: [],
        attempts: 0,
        retryAt: 0,
        ended: saved?.finished ?? false,
        finished: saved?.finished ?? false,
      };
      this.shards.set(id, shard);
    }
    return shard;
  }

  private finishIfDone(shard: ShardState): boolean {
    if (shard.finished || !shard.ended || shard.pending.length > 0) return false;
    shard.finished = true;
    return true;
  }

  private wakeIdleWaiters(): void {
    if (this.handling || [...this.shards.values()].some((s) => s.pending.length > 0)) return;
    const done = this.idleWaiters.filter((w) => w.after < this.quietPass);
    if (done.length === 0) return;
    this.idleWaiters = this.idleWaiters.filter((w) => w.after >= this.quietPass);
    for (const w of done) w.resolve();
  }

  /** Hands each shard's next batch over, shard by shard; sleeps until records come or a retry is due. */
  private async run(loop: { stopped: boolean }): Promise<void> {
    while (!loop.stopped) {
      if (this.reader.isPaused) {
        await this.nap.sleep(this.reader.pollIntervalMs);
        continue;
      }
      let handed = false;
      let nextRetry = Number.POSITIVE_INFINITY;
      for (const shard of [...this.shards.values()]) {
        if (loop.stopped || this.reader.isPaused) break;
        if (shard.pending.length === 0) continue;
        if (Date.now() < shard.retryAt) {
          nextRetry = Math.min(nextRetry, shard.retryAt);
          continue;
        }
        await this.deliver(shard);
        handed = true;
        this.reader.madeRoom();
        this.wakeIdleWaiters();
      }
      if (!handed && !loop.stopped) {
        await this.nap.sleep(Number.isFinite(nextRetry) ? nextRetry - Date.now() : 60_000);
      }
    }
  }

  private async deliver(shard: ShardState): Promise<void> {
    // The batch stays at the head of `pending` while the handler has it: the reader appends behind it.
    const batch = shard.pending.slice(0, this.o.batchSize);
    const event: DynamoDBStreamEvent = {
      Records: batch.map((r) => toLambdaRecord(r, this.reader.streamArn, this.o.region)),
    };
    if (this.o.tumblingWindowSeconds > 0)
      Object.assign(
        event,
        tumblingWindow(shard.id, this.reader.streamArn, this.o.tumblingWindowSeconds, Date.now()),
      );
    this.delivered += batch.length;
    let failed: Set<string>;
    this.handling = true;
    try {
      const response = await this.o.handler(event);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A handler that throws fails the whole batch, as in Lambda.
      log.error("stream handler threw; the whole batch is retried", { poller: this.o.name, error });
      failed = new Set(batch.map((r) => sequence(r)));
    } finally {
      this.handling = false;
    }
    const firstFailure = batch.findIndex((r) => failed.has(sequence(r)));
    const handled = firstFailure === -1 ? batch.length : firstFailure;
    shard.pending.splice(0, handled);
    if (handled > 0) {
      shard.lastSequence = sequence(batch[handled - 1]);
      shard.attempts = 0;
    }
    if (firstFailure !== -1) {
      shard.attempts += 1;
      if (shard.attempts > this.o.maxRetryAttempts) {
        const dropped = shard.pending.shift();
        this.discarded += 1;
        shard.attempts = 0;
        shard.lastSequence = dropped ? sequence(dropped) : shard.lastSequence;
        log.error("stream record discarded after retries", {
          poller: this.o.name,
          shard: shard.id,
          sequence: dropped ? sequence(dropped) : undefined,
          attempts: this.o.maxRetryAttempts + 1,
        });
      }
      shard.retryAt =
        Date.now() + Math.min(this.o.retryBaseMs * 2 ** Math.max(0, shard.attempts - 1), 10_000);
    }
    // Once everything handed over is handled, the records filtered out after the last one are behind us too.
    if (shard.pending.length === 0) shard.lastSequence = shard.seenTo ?? shard.lastSequence;
    this.finishIfDone(shard);
    this.saveCheckpoints();
  }

  private loaded: Checkpoints | undefined;

  private loadCheckpoints(): void {
    const file = this.o.checkpointFile;
    if (!file || !existsSync(file)) return;
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as Checkpoints;
      if (parsed.streamArn === this.reader.streamArn) this.loaded = parsed;
    } catch {
      log.warn("stream checkpoints unreadable; starting from the oldest records", { file });
    }
  }

  private saveCheckpoints(): void {
    const file = this.o.checkpointFile;
    if (!file) return;
    const data: Checkpoints = { streamArn: this.reader.streamArn, shards: {} };
    for (const shard of this.shards.values()) {
      if (shard.lastSequence || shard.finished) {
        data.shards[shard.id] = { sequence: shard.lastSequence, finished: shard.finished };
      }
    }
    writeFileSync(`${file}.tmp`, JSON.stringify(data));
    renameSync(`${file}.tmp`, file);
  }
}

function sequence(record: StreamRecord | undefined): string {
  return record?.dynamodb?.SequenceNumber ?? "";
}

function stoppedBeforeIdle(): Error {
  return new Error("the stream poller stopped before everything was handed over");
}
