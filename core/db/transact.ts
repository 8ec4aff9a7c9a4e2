import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "./client.ts";
import { call, type SdkErrorHandlers } from "./errors.ts";

export type TransactItems = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>;

/**
 * One TransactWriteItems, its SDK errors translated as `call` translates them: with `onCancelled`, a
 * cancellation answers by which condition failed (a quota, a taken address, a lost race).
 */
export async function transactWrite(items: TransactItems, handlers?: SdkErrorHandlers): Promise<void> {
  await call(() => Db.client().send(new TransactWriteCommand({ TransactItems: items })), handlers);
}
