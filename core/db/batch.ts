import { BatchWriteCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ServiceUnavailableError, ThrottledError } from "../errors.ts";
import { Db } from "./client.ts";
import { call } from "./errors.ts";

/** BatchWriteItem takes at most this many items; TransactWriteItems this many. */
const BATCH = 25;
const TRANSACTION = 100;

/**
 * How bulk puts are sent. DynamoDB takes them as BatchWriteItem: each item billed once, no conflicts.
 * DynamoDB Local with a data folder commits each item of a batch to SQLite on its own (an fsync each)
 * and a transaction's items together: 2,000 items took 25–35 s as 25-item batches and 5–10 s as
 * 100-item transactions there (in memory the two were even). On DynamoDB a transaction costs twice the
 * writes, so only the local runtime on disk asks for transactions (infra/local/runtime.ts).
 */
export type BulkWrites = "batches" | "transactions";
let bulkWrites: BulkWrites = "batches";
export function useBulkWrites(next: BulkWrites): void {
  bulkWrites = next;
}
/**
 * A busy table answers a 25-item batch slowly, and a batch timed out on the request path's 2 s is still
 * written by the table, so resending it only adds to the queue. Nobody waits on these but a job.
 */
const BULK_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Puts many items with BatchWriteItem, up to 25 at a time and `concurrency` batches in flight (never
 * more sockets than that, whatever the count), or as transactions of up to 100 where `useBulkWrites`
 * says so. Unprocessed items, which DynamoDB hands back when it throttles, are retried with backoff; a
 * chunk still not written after 8 tries throws, naming `what`.
 * Puts are blind: use it for deterministic items that may be rewritten, not for invariants.
 */
export async function batchPut(
  items: Record<string, unknown>[],
  what: string,
  concurrency = 1,
): Promise<void> {
  const most = bulkWrites === "transactions" ? TRANSACTION : BATCH;
  const workers = Math.max(1, Math.min(concurrency, Math.ceil(items.length / most)));
  // Chunks as even as the rounds allow: 1,000 items over 32 workers are two rounds of 16 each, not 32
  // batches of 25 and then 8 more, which would leave 24 workers idle while the last 8 are written.
  // (One worker writes them one after another anyway: full chunks.)
  const rounds = Math.ceil(Math.ceil(items.length / most) / workers);
  const size = workers === 1 ? most : Math.ceil(items.length / (rounds * workers));
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + size);
      next += size;
      if (bulkWrites === "transactions") await putTogether(chunk, what);
      else await putBatch(chunk, what);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * A table too busy to answer in time, or throttling past the SDK's own tries (a transaction that lost to
 * another also counts): the puts are blind and whole, so sending them again is safe. Anything else is
 * not ours to retry.
 */
function retryable(error: unknown, attempt: number): boolean {
  return (error instanceof ServiceUnavailableError || error instanceof ThrottledError) && attempt < 7;
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 20 * 2 ** attempt));

async function putBatch(chunk: Record<string, unknown>[], what: string): Promise<void> {
  let requests: unknown[] | undefined = chunk.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; requests?.length && attempt < 8; attempt++) {
    if (attempt > 0) await backoff(attempt);
    try {
      const out = await call(() =>
        Db.client().send(new BatchWriteCommand({ RequestItems: { [Db.table()]: requests as never } }), {
          requestTimeout: BULK_REQUEST_TIMEOUT_MS,
        }),
      );
      requests = out.UnprocessedItems?.[Db.table()];
    } catch (error) {
      if (!retryable(error, attempt)) throw error;
    }
  }
  if (requests?.length) throw new Error(`${what}: writes left unprocessed`);
}

async function putTogether(chunk: Record<string, unknown>[], what: string): Promise<void> {
  const TransactItems = chunk.map((Item) => ({ Put: { TableName: Db.table(), Item } }));
  for (let attempt = 0; attempt < 8; attempt++) {
    if (attempt > 0) await backoff(attempt);
    try {
      await call(() =>
        Db.client().send(new TransactWriteCommand({ TransactItems }), {
          requestTimeout: BULK_REQUEST_TIMEOUT_MS,
        }),
      );
      return;
    } catch (error) {
      if (!retryable(error, attempt)) throw error;
    }
  }
  throw new Error(`${what}: writes left unprocessed`);
}
