import { createHash } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, RaceLostError } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { ConflictError } from "../errors.ts";
import { Clock } from "../util/time.ts";
import * as Endpoint from "./endpoint.ts";
import type { Created } from "./endpoint-create.ts";

/*
 * A creation's `clientToken`: the hash of the body it came with, and the answer to a request that
 * repeats one. The token's item is written in the creation's own transaction (endpoint-create.ts), so a
 * token is taken exactly when its endpoint is made.
 */

/** How long a clientToken is remembered: a day, as AWS remembers its client tokens. */
export const CLIENT_TOKEN_SECONDS = 86_400;

/** JSON with object keys sorted at every depth, so equal bodies hash equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function bodyHash(input: Endpoint.CreateInput): string {
  const { clientToken: _ignored, ...rest } = input;
  return createHash("sha256").update(canonical(rest)).digest("hex");
}

export class TokenSeen extends ConflictError {
  constructor(readonly item: Record<string, unknown> | undefined) {
    super("IdempotentParameterMismatch", "client token seen before");
  }
}

export async function replay(
  uin: string,
  token: string,
  hash: string,
  item: Record<string, unknown> | undefined,
): Promise<Created> {
  const record =
    item ??
    (
      await call(() =>
        Db.client().send(
          new GetCommand({
            TableName: Db.table(),
            Key: Keys.clientToken(uin, token),
            ConsistentRead: true,
          }),
        ),
      )
    ).Item;
  if (!record || Number(record.expiresAt) < Math.floor(Clock.now() / 1000)) throw new RaceLostError();
  if (record.bodyHash !== hash) {
    throw new ConflictError(
      "IdempotentParameterMismatch",
      "this clientToken was used with a different request body",
      { field: "clientToken" },
    );
  }
  return { endpoint: await Endpoint.get(uin, String(record.endpointId)), replayed: true };
}
