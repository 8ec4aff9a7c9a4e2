import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { type Page, type PageParams, queryPage } from "../db/page.ts";
import { transactWrite } from "../db/transact.ts";
import { AuthFailureError, InternalError, LimitExceededError, NotFoundError } from "../errors.ts";
import { Sealed, safeEqual } from "../util/crypto.ts";
import { randomToken } from "../util/id.ts";
import { Clock, nowIso } from "../util/time.ts";

/*
 * API credentials: a SecretId / SecretKey pair in the reference product's shape. The key is shown once,
 * at creation, and stored sealed with AES-256-GCM: the server must recover it to verify TC3-HMAC-SHA256
 * signatures, but no API ever returns it again.
 * Imported as `import * as Credential`: a bundle keeps only the functions its route calls.
 */

export const Status = z.enum(["enabled", "disabled"]);
export type Status = z.infer<typeof Status>;

export const SecretId = z.string().regex(/^AKID[A-Za-z0-9]{32}$/, "is not a SecretId");

export const Info = z.object({
  secretId: z.string(),
  ownerUin: z.string(),
  status: Status,
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

/** What creation answers, the only time the key leaves the server. */
export const Created = Info.extend({ secretKey: z.string() });
export type Created = z.infer<typeof Created>;

/** The reference product allows two keys per user; operators rotate, so allow a few more. */
export const MAX_PER_ACCOUNT = 5;

interface Stored extends StoredBase {
  type: "Credential";
  secretId: string;
  ownerUin: string;
  status: Status;
  sealedKey: string;
  createdAt: string;
}

const VERSION = 1;

function toInfo(item: Record<string, unknown>): Info {
  const s = item as unknown as Stored;
  return { secretId: s.secretId, ownerUin: s.ownerUin, status: s.status, createdAt: s.createdAt };
}

function encryptionKey(): Buffer {
  const key = Config.get().encryptionKey;
  if (!key) throw new InternalError("LINKPLANE_ENCRYPTION_KEY is not configured");
  return key;
}

export async function create(uin: string): Promise<Created> {
  const secretId = `AKID${randomToken(32)}`;
  const secretKey = randomToken(32);
  const createdAt = nowIso();
  const item: Stored = {
    ...Keys.credential(secretId),
    ...Keys.credentialListing(uin, createdAt, secretId),
    type: "Credential",
    v: VERSION,
    secretId,
    ownerUin: uin,
    status: "enabled",
    sealedKey: Sealed.seal(encryptionKey(), secretKey, secretId),
    createdAt,
  };
  await transactWrite(
    [
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.account(uin),
          UpdateExpression: "SET credentialCount = if_not_exists(credentialCount, :zero) + :one",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(credentialCount) OR credentialCount < :max)",
          ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":max": MAX_PER_ACCOUNT },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
    ],
    {
      onCancelled: (reasons) => {
        const account = reasons[0];
        if (account?.Code !== "ConditionalCheckFailed") return undefined;
        if (!account.Item) return new NotFoundError("account", uin);
        return new LimitExceededError(`an account may hold at most ${MAX_PER_ACCOUNT} credentials`);
      },
    },
  );
  return { ...toInfo(item as unknown as Record<string, unknown>), secretKey };
}

export async function list(uin: string, page: PageParams): Promise<Page<Info>> {
  const result = await queryPage({ index: "gsi1", partition: Keys.credentialsPartition(uin), page });
  return { items: result.items.map(toInfo), nextCursor: result.nextCursor };
}

export async function setStatus(uin: string, secretId: string, status: Status): Promise<Info> {
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.credential(secretId),
          UpdateExpression: "SET #status = :status",
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":status": status, ":uin": uin },
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("credential", secretId) },
  );
  forget(secretId);
  return toInfo(out.Attributes ?? {});
}

export async function remove(uin: string, secretId: string): Promise<void> {
  await transactWrite(
    [
      {
        Delete: {
          TableName: Db.table(),
          Key: Keys.credential(secretId),
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeValues: { ":uin": uin },
        },
      },
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.account(uin),
          UpdateExpression: "SET credentialCount = credentialCount - :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":one": 1 },
        },
      },
    ],
    {
      onCancelled: (reasons) =>
        reasons.some((r) => r.Code === "ConditionalCheckFailed")
          ? new NotFoundError("credential", secretId)
          : undefined,
    },
  );
  forget(secretId);
}

// ---- Authentication -------------------------------------------------------------------------------

export interface Principal {
  uin: string;
  secretId: string;
}

interface CacheEntry {
  uin: string;
  status: Status;
  secretKey: string;
  expiresAt: number;
}

/**
 * Per-process cache of looked-up credentials, for `LINKPLANE_AUTH_CACHE_SECONDS` (default 5 s, at most
 * 60). A disable or delete in this process drops the entry at once; another process (another Lambda)
 * sees it within the cache lifetime.
 */
const cache = new Map<string, CacheEntry>();

/** Lookups in flight: requests that miss the cache together share one read (and one decryption). */
const reading = new Map<string, Promise<CacheEntry | undefined>>();

/** A change in this process: the next request reads again, and a read already in flight is not kept. */
function forget(secretId: string): void {
  cache.delete(secretId);
  reading.delete(secretId);
}

function lookup(secretId: string): Promise<CacheEntry | undefined> {
  const hit = cache.get(secretId);
  if (hit && hit.expiresAt > Clock.now()) return Promise.resolve(hit);
  const pending = reading.get(secretId);
  if (pending) return pending;
  const read: Promise<CacheEntry | undefined> = load(secretId).then((entry) => {
    // Kept only if no change was made meanwhile (forget() took the read out of `reading`).
    if (reading.get(secretId) === read) {
      reading.delete(secretId);
      if (entry && Config.get().authCacheSeconds > 0) cache.set(secretId, entry);
    }
    return entry;
  });
  reading.set(secretId, read);
  read.catch(() => {
    if (reading.get(secretId) === read) reading.delete(secretId);
  });
  return read;
}

async function load(secretId: string): Promise<CacheEntry | undefined> {
  const out = await call(() =>
    Db.client().send(
      new GetCommand({ TableName: Db.table(), Key: Keys.credential(secretId), ConsistentRead: true }),
    ),
  );
  if (!out.Item) {
    cache.delete(secretId);
    return undefined;
  }
  const stored = out.Item as Stored;
  const entry: CacheEntry = {
    uin: stored.ownerUin,
    status: stored.status,
    secretKey: Sealed.open(encryptionKey(), stored.sealedKey, stored.secretId),
    expiresAt: Clock.now() + Config.get().authCacheSeconds * 1000,
  };
  return entry;
}

function notFound(): AuthFailureError {
  return new AuthFailureError("AuthFailure.SecretIdNotFound", "the SecretId does not exist or is disabled");
}

async function enabled(secretId: string): Promise<CacheEntry> {
  if (!SecretId.safeParse(secretId).success) throw notFound();
  const entry = await lookup(secretId);
  if (entry?.status !== "enabled") throw notFound();
  return entry;
}

/** Checks a SecretId / SecretKey pair (the REST bearer scheme). */
export async function authenticate(secretId: string, secretKey: string): Promise<Principal> {
  const entry = await enabled(secretId);
  if (!safeEqual(entry.secretKey, secretKey)) {
    throw new AuthFailureError("AuthFailure.SignatureFailure", "the SecretKey does not match the SecretId");
  }
  return { uin: entry.uin, secretId };
}

/** The key a signature must have been made with (the TC3-HMAC-SHA256 scheme). */
export async function signingKey(secretId: string): Promise<Principal & { secretKey: string }> {
  const entry = await enabled(secretId);
  return { uin: entry.uin, secretId, secretKey: entry.secretKey };
}

/** Tests and the operator routes in other processes: forget everything cached. */
export function clearCache(): void {
  cache.clear();
  reading.clear();
}
