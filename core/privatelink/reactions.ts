import { BatchWriteCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { NotFoundError } from "../errors.ts";
import type { Change } from "../stream/change.ts";
import { LIVE_STATES } from "./common.ts";
import * as Connection from "./connection.ts";
import type * as Endpoint from "./endpoint.ts";
import type * as EndpointService from "./service.ts";

/*
 * What the stream does for Private Link. Every reaction is idempotent: a replayed change finds the work
 * done (conditions fail, or the values written are the ones already there) and changes nothing.
 * Imported as `import * as PrivateLinkReactions`: a bundle keeps only the functions its route calls.
 */

/** A new endpoint on an auto-accept service is accepted here, not in the request that made it. */
export async function endpointChanged(change: Change): Promise<void> {
  if (change.kind !== "insert" || !change.newImage) return;
  await Connection.autoAccept(change.newImage as unknown as Endpoint.Stored);
}

export async function serviceChanged(change: Change): Promise<void> {
  if (change.kind === "remove" && change.oldImage) {
    await serviceRemoved(change.oldImage as unknown as EndpointService.Stored);
  } else if (
    change.kind === "modify" &&
    change.oldImage &&
    change.newImage &&
    change.oldImage.name !== change.newImage.name
  ) {
    await serviceRenamed(change.newImage as unknown as EndpointService.Stored);
  }
}

/** Endpoints keep showing the service's current name. */
async function serviceRenamed(service: EndpointService.Stored): Promise<void> {
  for await (const ep of Connection.endpointsOf(service.id)) {
    await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.endpoint(ep.id),
            UpdateExpression: "SET serviceName = :name",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":name": service.name },
          }),
        ),
      { onConditionFailed: () => new NotFoundError("endpoint", ep.id) },
    ).catch(ignoreGone);
  }
}

/**
 * Endpoints left behind stay visible to their owners, rejected and marked `serviceDeleted`, until they
 * delete them; the allowlist entries go with the service.
 */
async function serviceRemoved(service: EndpointService.Stored): Promise<void> {
  for await (const listed of Connection.endpointsOf(service.id)) {
    const out = await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.endpoint(listed.id),
            UpdateExpression: "SET serviceDeleted = :yes",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":yes": true },
            ReturnValues: "ALL_NEW",
          }),
        ),
      { onConditionFailed: () => new NotFoundError("endpoint", listed.id) },
    ).catch(ignoreGone);
    const ep = out?.Attributes as Endpoint.Stored | undefined;
    // Deletion waited for no live connection; one that slipped in is rejected now, with its history.
    if (ep && LIVE_STATES.has(ep.state)) {
      await Connection.transition({
        endpoint: ep,
        to: "rejected",
        actor: "system:service-deleted",
        reason: "endpoint service deleted",
      }).catch(() => undefined);
    }
  }
  let start: Record<string, unknown> | undefined;
  do {
    const page = await call(() =>
      Db.client().send(
        new QueryCommand({
          TableName: Db.table(),
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :allow)",
          ExpressionAttributeValues: {
            ":pk": Keys.service(service.id).pk,
            ":allow": Keys.allowlistPrefix(),
          },
          ProjectionExpression: "pk, sk",
          ExclusiveStartKey: start,
        }),
      ),
    );
    const keys = (page.Items ?? []).map((i) => ({ pk: i.pk, sk: i.sk }));
    for (let i = 0; i < keys.length; i += 25) {
      let requests: unknown[] | undefined = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests && requests.length > 0 && attempt < 5; attempt++) {
        const out = await call(() =>
          Db.client().send(new BatchWriteCommand({ RequestItems: { [Db.table()]: requests as never } })),
        );
        requests = out.UnprocessedItems?.[Db.table()];
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

/** An endpoint deleted meanwhile needs nothing more. */
function ignoreGone(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}
