import { randomBytes } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { InternalError, NotFoundError } from "../errors.ts";
import { Sealed } from "../util/crypto.ts";
import * as WebhookModel from "./model.ts";
import { load, type Stored, toInfo, type WithSecret } from "./subscription.ts";

/*
 * A subscription's signing secret: `whsec_` + base64 of 32 random bytes, answered at creation and at
 * rotation only, stored sealed with AES-256-GCM bound to the subscription's ID, like credentials' keys.
 * After a rotation the previous secret keeps signing for 24 hours, so a receiver can roll its
 * configuration without losing a delivery.
 * Imported as `import * as WebhookSecret`: a bundle keeps only the functions its route calls.
 */

export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

function encryptionKey(): Buffer {
  const key = Config.get().encryptionKey;
  if (!key) throw new InternalError("LINKPLANE_ENCRYPTION_KEY is not configured");
  return key;
}

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The secrets that sign a delivery now: the current one, and the previous one during its overlap. */
export function signingSecrets(s: Stored, at: Date = WebhookModel.now()): string[] {
  const secrets = [opened(s.sealedSecret, s.id)];
  if (s.previousSealedSecret && s.previousSecretExpiresAt && s.previousSecretExpiresAt > at.toISOString()) {
    secrets.push(opened(s.previousSealedSecret, `${s.id}#previous`));
  }
  return secrets;
}

/** Opened secrets by sealed text: a burst of deliveries to one subscription opens its secret once. */
const openedSecrets = new Map<string, string>();
function opened(sealed: string, aad: string): string {
  let secret = openedSecrets.get(sealed);
  if (secret === undefined) {
    secret = Sealed.open(encryptionKey(), sealed, aad);
    if (openedSecrets.size >= 1000) openedSecrets.clear();
    openedSecrets.set(sealed, secret);
  }
  return secret;
}

/** A secret as stored: bound to its subscription's ID, or to `ID#previous` once a rotation replaced it. */
export function seal(secret: string, aad: string): string {
  return Sealed.seal(encryptionKey(), secret, aad);
}

/**
 * A new secret, answered once. The one it replaces keeps signing for 24 hours (both signatures in one
 * `webhook-signature` header, as the Standard Webhooks spec allows); a second rotation within that
 * window ends the older overlap.
 */
export async function rotateSecret(uin: string, id: string): Promise<WithSecret> {
  const current = await load(uin, id, true);
  const secret = newSecret();
  const now = WebhookModel.now();
  const previous = Sealed.open(encryptionKey(), current.sealedSecret, id);
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.webhook(uin, id),
          UpdateExpression:
            "SET sealedSecret = :secret, previousSealedSecret = :previous, previousSecretExpiresAt = :until, updatedAt = :at",
          // Two rotations racing: the loser would keep a secret nobody was shown as "previous".
          ConditionExpression: "ownerUin = :uin AND sealedSecret = :read",
          ExpressionAttributeValues: {
            ":uin": uin,
            ":read": current.sealedSecret,
            ":secret": seal(secret, id),
            ":previous": seal(previous, `${id}#previous`),
            ":until": new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString(),
            ":at": now.toISOString(),
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("webhook", id) },
  );
  return { ...toInfo(out.Attributes as Stored), secret };
}
