import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { Db } from "./client.ts";
import { call, type SdkErrorHandlers } from "./errors.ts";

/** One Put, Update, Delete or ConditionCheck of a TransactWriteItems, in the document client's shape. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * One TransactWriteItems, its SDK errors translated as `call` translates them: with `onCancelled`, a
 * cancellation answers by which condition failed (a quota, a taken address, a lost race).
 */
export async function transactWrite(items: TransactItem[], handlers?: SdkErrorHandlers): Promise<void> {
  await call(() => Db.client().send(new TransactWriteCommand({ TransactItems: items })), handlers);
}
