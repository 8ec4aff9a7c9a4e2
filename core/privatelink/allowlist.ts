import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Account from "../account/index.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { type Page, type PageParams, queryPage } from "../db/page.ts";
import { transactWrite } from "../db/transact.ts";
import {
  InvalidParameterError,
  isLinkplaneError,
  NotFoundError,
  ResourceInUseError,
  UnsupportedOperationError,
} from "../errors.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import * as ConnectionBatch from "./connection-batch.ts";
import * as EndpointService from "./service.ts";

/*
 * The accounts allowed to connect to a service, besides its owner: entries of (UIN, description,
 * optional connection limit). An entry also indexes the service under the consumer's "services I may
 * connect to" (gsi3), so that listing is one Query.
 * Imported as `import * as Allowlist`: a bundle keeps only the functions its route calls.
 */

export const Description = z.string().max(60);
export const ConnectionLimit = z.number().int().min(1).max(500);

export const Info = z.object({
  uin: z.string(),
  description: z.string(),
  connectionLimit: z.number().int().nullable(),
  connectionCount: z.number().int(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export const AddInput = z.strictObject({
  uin: Account.Uin,
  description: Description.optional(),
  connectionLimit: ConnectionLimit.optional(),
});
export type AddInput = z.infer<typeof AddInput>;

/** `connectionLimit: null` lifts the limit. */
export const UpdateInput = z.strictObject({
  description: Description.optional(),
  connectionLimit: ConnectionLimit.nullable().optional(),
});
export type UpdateInput = z.infer<typeof UpdateInput>;

export const RemoveInput = z.strictObject({
  uins: z.array(Account.Uin).min(1).max(100),
  rejectConnections: z.boolean().optional(),
});
export type RemoveInput = z.infer<typeof RemoveInput>;

export const RemoveResult = z.union([
  z.object({ uin: z.string(), ok: z.literal(true), rejectedConnections: z.number().int() }),
  z.object({
    uin: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
]);
export type RemoveResult = z.infer<typeof RemoveResult>;

interface Stored {
  uin: string;
  description: string;
  connectionLimit?: number;
  connectionCount?: number;
  createdAt: string;
}

function toInfo(s: Stored): Info {
  return {
    uin: s.uin,
    description: s.description ?? "",
    connectionLimit: s.connectionLimit ?? null,
    connectionCount: s.connectionCount ?? 0,
    createdAt: s.createdAt,
  };
}

/**
 * Adds an account. It must exist (else UnsupportedOperation.UinNotFound); adding it twice is
 * ResourceInUse. One transaction checks the service is still the caller's and the account exists.
 */
export async function add(providerUin: string, serviceId: string, input: AddInput): Promise<Info> {
  const parsed = validate(AddInput, input);
  const service = await EndpointService.load(providerUin, serviceId);
  if (parsed.uin === providerUin) {
    throw InvalidParameterError.value(
      "uin",
      "the service's owner may always connect; it needs no allowlist entry",
    );
  }
  const createdAt = nowIso();
  const item = {
    ...Keys.allowlistEntry(serviceId, parsed.uin),
    ...Keys.grantListing(parsed.uin, service.region, createdAt, serviceId),
    type: "AllowlistEntry",
    v: 1,
    serviceId,
    // The provider, so that what follows the entry (its removal's webhook event) needs no service read.
    providerUin,
    uin: parsed.uin,
    description: parsed.description ?? "",
    ...(parsed.connectionLimit !== undefined ? { connectionLimit: parsed.connectionLimit } : {}),
    connectionCount: 0,
    createdAt,
  };
  await transactWrite(
    [
      {
        ConditionCheck: {
          TableName: Db.table(),
          Key: Keys.service(serviceId),
          ConditionExpression: "ownerUin = :uin AND #status = :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":uin": providerUin, ":active": "active" },
        },
      },
      {
        ConditionCheck: {
          TableName: Db.table(),
          Key: Keys.account(parsed.uin),
          ConditionExpression: "attribute_exists(pk)",
        },
      },
      { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
    ],
    {
      onCancelled: (reasons) => {
        if (reasons[0]?.Code === "ConditionalCheckFailed")
          return new NotFoundError("endpoint service", serviceId);
        if (reasons[1]?.Code === "ConditionalCheckFailed") {
          return new UnsupportedOperationError(
            "UnsupportedOperation.UinNotFound",
            `account ${parsed.uin} does not exist`,
            {
              field: "uin",
            },
          );
        }
        if (reasons[2]?.Code === "ConditionalCheckFailed") {
          return new ResourceInUseError(`account ${parsed.uin} is already on the allowlist of ${serviceId}`, {
            field: "uin",
          });
        }
        return undefined;
      },
    },
  );
  return toInfo(item);
}

export async function list(
  providerUin: string,
  serviceId: string,
  uin: string | undefined,
  page: PageParams,
): Promise<Page<Info>> {
  await EndpointService.load(providerUin, serviceId);
  if (uin !== undefined) {
    const out = await call(() =>
      Db.client().send(new GetCommand({ TableName: Db.table(), Key: Keys.allowlistEntry(serviceId, uin) })),
    );
    return { items: out.Item ? [toInfo(out.Item as Stored)] : [], nextCursor: null };
  }
  const result = await queryPage({
    partition: Keys.service(serviceId).pk,
    sortPrefix: Keys.allowlistPrefix(),
    forward: true,
    page,
  });
  return { items: result.items.map((i) => toInfo(i as unknown as Stored)), nextCursor: result.nextCursor };
}

/** Edits the description or the connection limit. A lower limit refuses new connections only. */
export async function update(
  providerUin: string,
  serviceId: string,
  uin: string,
  input: UpdateInput,
): Promise<Info> {
  const parsed = validate(UpdateInput, input);
  await EndpointService.load(providerUin, serviceId);
  const sets: string[] = [];
  const removes: string[] = [];
  const values: Record<string, unknown> = {};
  if (parsed.description !== undefined) {
    sets.push("description = :d");
    values[":d"] = parsed.description;
  }
  if (parsed.connectionLimit === null) removes.push("connectionLimit");
  else if (parsed.connectionLimit !== undefined) {
    sets.push("connectionLimit = :l");
    values[":l"] = parsed.connectionLimit;
  }
  if (sets.length + removes.length === 0)
    throw new InvalidParameterError("MissingParameter", "the request changes nothing");
  const expression = [
    sets.length ? `SET ${sets.join(", ")}` : "",
    removes.length ? `REMOVE ${removes.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.allowlistEntry(serviceId, uin),
          UpdateExpression: expression,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("allowlist entry", `${uin} on ${serviceId}`) },
  );
  return toInfo(out.Attributes as Stored);
}

/**
 * Removes one account from the allowlist. Its existing connections stay as they are unless
 * `rejectConnections`: then each live one is rejected, with a history entry saying why. Answers how
 * many were rejected.
 */
export async function removeOne(
  providerUin: string,
  serviceId: string,
  uin: string,
  rejectConnections: boolean,
): Promise<number> {
  await EndpointService.load(providerUin, serviceId);
  await call(
    () =>
      Db.client().send(
        new DeleteCommand({
          TableName: Db.table(),
          Key: Keys.allowlistEntry(serviceId, uin),
          ConditionExpression: "attribute_exists(pk)",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("allowlist entry", `${uin} on ${serviceId}`) },
  );
  return rejectConnections
    ? ConnectionBatch.rejectLive(providerUin, serviceId, "removed from the allowlist", uin)
    : 0;
}

/**
 * Removes many accounts in one transaction (at most 100): if one is not on the allowlist, none is
 * removed, and the answer names it. Existing connections stay as they are.
 */
export async function removeAll(providerUin: string, serviceId: string, uins: string[]): Promise<void> {
  await EndpointService.load(providerUin, serviceId);
  const unique = [...new Set(uins)];
  if (unique.length > 100) throw InvalidParameterError.value("uins", "at most 100 at once");
  await transactWrite(
    unique.map((uin) => ({
      Delete: {
        TableName: Db.table(),
        Key: Keys.allowlistEntry(serviceId, uin),
        ConditionExpression: "attribute_exists(pk)",
      },
    })),
    {
      onCancelled: (reasons) => {
        const missing = reasons.findIndex((r) => r.Code === "ConditionalCheckFailed");
        return missing < 0
          ? undefined
          : new NotFoundError("allowlist entry", `${unique[missing]} on ${serviceId}`);
      },
    },
  );
}

/** Removes many accounts, answered per UIN: one missing entry does not stop the others. */
export async function remove(
  providerUin: string,
  serviceId: string,
  input: RemoveInput,
): Promise<RemoveResult[]> {
  const parsed = validate(RemoveInput, input);
  await EndpointService.load(providerUin, serviceId);
  const results: RemoveResult[] = [];
  for (const uin of parsed.uins) {
    try {
      const rejectedConnections = await removeOne(
        providerUin,
        serviceId,
        uin,
        parsed.rejectConnections ?? false,
      );
      results.push({ uin, ok: true, rejectedConnections });
    } catch (error) {
      if (!isLinkplaneError(error) || error.kind === "internal") throw error;
      results.push({ uin, ok: false, error: { code: error.code, message: error.message } });
    }
  }
  return results;
}
