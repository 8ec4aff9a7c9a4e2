import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";

/*
 * What the stream reader (stream-reader.ts) and the event source mappings it reads for
 * (stream-poller.ts) agree on: the reader asks each mapping where it wants a shard read from and hands
 * it the records; each mapping keeps its own position, by sequence number.
 */

export interface StreamShard {
  id: string;
  parentId: string | undefined;
}

/** Where a mapping wants a shard read from: after `after`, or from the oldest record when it is undefined. */
export interface ShardWant {
  after: string | undefined;
}

/** What the reader asks of a mapping (StreamPoller). */
export interface StreamConsumer {
  readonly name: string;
  /** Nothing when the mapping wants nothing of this shard now (done, or its parent is not). */
  want(shard: StreamShard): ShardWant | undefined;
  /** Records of this shard the mapping holds unhandled. */
  queued(shardId: string): number;
  /**
   * Records read from the shard, all of them in order from the reader's position (the mapping skips what
   * it was handed before and filters the rest); `ended` when the shard has nothing after them.
   */
  accept(shardId: string, records: StreamRecord[], ended: boolean): void;
  /** A pass over the shards finished; `quiet` when nothing the mapping wants was read or held back. */
  passed(pass: number, quiet: boolean): void;
  /** The table has another stream (DynamoDB Local in memory, restarted): the old shards mean nothing. */
  streamChanged(): void;
}

/** Stream sequence numbers are decimal strings of up to 40 digits; undefined is before every record. */
export function sequenceBefore(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return b !== undefined;
  if (b === undefined) return false;
  return BigInt(a) < BigInt(b);
}
