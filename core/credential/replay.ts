import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { AuthFailureError } from "../errors.ts";

/*
 * Each request signature is accepted once. The reference SDKs sign only `content-type;host` and the
 * body, not the action or the region, so within the 300 s a timestamp is valid a captured request could
 * otherwise be sent again, or re-aimed at another action or region with the same body.
 *
 * A signature is claimed with one conditional put (`attribute_not_exists(pk)`) that carries a TTL past
 * the window. The one reuse let through is a read after a read (`Describe*`): it
 * changes nothing and shows nothing a listener of the first did not see, and it is what clients send
 * when they poll, or make two reads with the same (often empty) body, within one second, since a
 * signature covers the timestamp only to the second. A reuse where either side writes is refused.
 * Imported as `import * as SignatureLedger`: a bundle keeps only the functions its route calls.
 */

/** How long a signature stays claimed after its timestamp: the clock skew allowed on either side, twice. */
export const HOLD_SECONDS = 600;

export interface Claim {
  /** The request signature (hex or base64): what is claimed. */
  signature: string;
  secretId: string;
  action: string;
  region: string;
  /** The request's signed timestamp (epoch seconds); the hold is counted from it, not from the clock. */
  timestamp: number;
  /** The action only reads. */
  readOnly: boolean;
}

interface Stored extends StoredBase {
  type: "UsedSignature";
  secretId: string;
  action: string;
  region: string;
  readOnly: boolean;
  expiresAt: number;
}

const VERSION = 1;

/** Claims a signature or throws `AuthFailure.SignatureReplay`. */
export async function claim(input: Claim): Promise<void> {
  const item: Stored = {
    ...Keys.usedSignature(input.signature),
    type: "UsedSignature",
    v: VERSION,
    secretId: input.secretId,
    action: input.action,
    region: input.region,
    readOnly: input.readOnly,
    expiresAt: input.timestamp + HOLD_SECONDS,
  };
  try {
    await call(
      () =>
        Db.client().send(
          new PutCommand({
            TableName: Db.table(),
            Item: item,
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      { onConditionFailed: (old) => new ReplayError(old as Partial<Stored> | undefined) },
    );
  } catch (error) {
    if (!(error instanceof ReplayError)) throw error;
    const old = error.previous;
    const readAfterRead = input.readOnly && old?.readOnly === true;
    if (!readAfterRead) throw error;
  }
}

export class ReplayError extends AuthFailureError {
  constructor(readonly previous: Partial<Stored> | undefined) {
    super(
      "AuthFailure.SignatureReplay",
      "this signature was already used: every signed request is accepted once (sign it again with the current time)",
    );
  }
}
