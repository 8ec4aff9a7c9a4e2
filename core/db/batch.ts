import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ServiceUnavailableError, ThrottledError } from "../errors.ts";
import { Db } from "./client.ts";
import { call } from "./errors.ts";

/** BatchWriteItem takes at most this many items. */
const BATCH = 25;
/**
 * A busy table answers a 25-item batch slowly, and a batch timed out on the request path's 2 s is still
 * written by the table, so resending it only adds to the queue. Nobody waits on these but a job.
 */
const BULK_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Puts many items with BatchWriteItem, up to 25 at a time and `concurrency` batches in flight (never more
 * sockets than that, whatever the count). Unprocessed items, which DynamoDB hands back when it
 * throttles, are retried with backoff; a batch still not written after 8 tries throws, naming `what`.
 * Puts are blind: use it for deterministic items that may be rewritten, not for invariants.
 */
export async function batchPut(
  items: Record<string, unknown>[],
  what: string,
  concurrency = 1,
): Promise<void> {
  const workers = Math.max(1, Math.min(concurrency, Math.ceil(items.length / BATCH)));
  // Batches as even as the rounds allow: 1,000 items over 32 workers are two rounds of 16 each, not 32
  // batches of 25 and then 8 more, which would leave 24 workers idle while the last 8 are written.
  // (One worker writes them one after another anyway: full batches.)
  const rounds = Math.ceil(Math.ceil(items.length / BATCH) / workers);
  const size = workers === 1 ? BATCH : Math.ceil(items.length / (rounds * workers));
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const start = next;
      next += size;
      let requests: unknown[] | undefined = items
        .slice(start, start + size)
        .map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests?.length && attempt < 8; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        try {
          const out = await call(() =>
            Db.client().send(new BatchWriteCommand({ RequestItems: { [Db.table()]: requests as never } }), {
              requestTimeout: BULK_REQUEST_TIMEOUT_MS,
            }),
          );
          requests = out.UnprocessedItems?.[Db.table()];
        } catch (error) {
          // A table too busy to answer in time (or throttling past the SDK's own tries): the puts are
          // blind and whole, so sending the batch again is safe. Anything else is not ours to retry.
          if (!(error instanceof ServiceUnavailableError || error instanceof ThrottledError) || attempt === 7)
            throw error;
        }
      }
      if (requests?.length) throw new Error(`${what}: writes left unprocessed`);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}
