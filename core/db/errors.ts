import type { AttributeValue, CancellationReason } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  InternalError,
  isLinkplaneError,
  type LinkplaneError,
  ServiceUnavailableError,
  ThrottledError,
} from "../errors.ts";

const THROTTLING = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TransactionInProgressException",
  // A plain write to an item an in-flight transaction holds (AWS; DynamoDB Local waits instead).
  "TransactionConflictException",
]);
const UNAVAILABLE = new Set(["TimeoutError", "RequestTimeout", "ServiceUnavailable", "InternalServerError"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"]);

/** Items inside SDK errors arrive in wire form even through the document client. */
function plain(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return item ? unmarshall(item as Record<string, AttributeValue>) : undefined;
}

/** A cancellation reason whose `Item` (asked for with ALL_OLD) is already unmarshalled. */
export type PlainCancellationReason = Omit<CancellationReason, "Item"> & { Item?: Record<string, unknown> };

export interface SdkErrorHandlers {
  /** A single-item conditional write failed; `item` is the stored item when ALL_OLD was asked for. */
  onConditionFailed?: (item: Record<string, unknown> | undefined) => LinkplaneError;
  /** A transaction was cancelled; one reason per action, in order. */
  onCancelled?: (reasons: PlainCancellationReason[]) => LinkplaneError | undefined;
}

/**
 * Turns an AWS SDK error into a domain error at the place DynamoDB was called. Conditions and
 * transaction cancellations are the caller's to explain; throttling and timeouts become retryable
 * errors; anything else is an internal error that keeps its cause for the log.
 */
export function translateSdkError(error: unknown, handlers: SdkErrorHandlers = {}): LinkplaneError {
  if (isLinkplaneError(error)) return error;
  const e = error as {
    name?: string;
    code?: string;
    Item?: Record<string, unknown>;
    CancellationReasons?: CancellationReason[];
  };
  const name = e?.name ?? "";
  if (name === "ConditionalCheckFailedException" && handlers.onConditionFailed) {
    return handlers.onConditionFailed(plain(e.Item));
  }
  if (name === "TransactionCanceledException") {
    const reasons = (e.CancellationReasons ?? []).map((r) => ({ ...r, Item: plain(r.Item) }));
    if (reasons.some((r) => (r.Code && THROTTLING.has(r.Code)) || r.Code === "ThrottlingError")) {
      return new ThrottledError(undefined, { cause: error });
    }
    const mapped = handlers.onCancelled?.(reasons);
    if (mapped) return mapped;
    if (reasons.some((r) => r.Code === "TransactionConflict")) return new RaceLostError();
  }
  if (THROTTLING.has(name)) return new ThrottledError(undefined, { cause: error });
  if (UNAVAILABLE.has(name) || (e?.code && NETWORK_CODES.has(e.code))) {
    return new ServiceUnavailableError(undefined, { cause: error });
  }
  return new InternalError(undefined, { cause: error });
}

/** Sends and translates: `await call(() => client.send(cmd), handlers)`. */
export async function call<T>(fn: () => Promise<T>, handlers: SdkErrorHandlers = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateSdkError(error, handlers);
  }
}

/**
 * A conditional write lost to a concurrent one (a version moved, a random ID collided). Loops that read
 * again and retry catch exactly this; if it escapes, it answers as a retryable 429.
 */
export class RaceLostError extends ThrottledError {
  constructor(message = "a concurrent change to the same resource won; retry") {
    super(message);
  }
}

/**
 * Sends a conditional write whose losing is an answer rather than a failure: resolves to its output when
 * it was made, undefined when its condition failed (for a transaction: when one of its conditions did).
 * Any other error is translated as `call` translates it.
 */
export async function ifConditionHolds<T>(fn: () => Promise<T>): Promise<T | undefined> {
  const lost = new RaceLostError();
  try {
    return await call(fn, {
      onConditionFailed: () => lost,
      onCancelled: (reasons) => (reasons.some((r) => r.Code === "ConditionalCheckFailed") ? lost : undefined),
    });
  } catch (error) {
    if (error === lost) return undefined;
    throw error;
  }
}

/**
 * Runs `attempt` until it does not lose a race, at most `times` times, with full-jitter backoff between
 * tries (capped at 100 ms) so that writers contending for one item spread out instead of colliding again.
 */
export async function retryRaces<T>(times: number, attempt: () => Promise<T>): Promise<T> {
  let last: RaceLostError | undefined;
  for (let i = 0; i < times; i++) {
    if (i > 0)
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 * 2 ** Math.min(i, 6))));
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RaceLostError)) throw error;
      last = error;
    }
  }
  throw last ?? new RaceLostError();
}
