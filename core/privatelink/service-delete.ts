import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { transactWrite } from "../db/transact.ts";
import { NotFoundError, ResourceInUseError } from "../errors.ts";
import * as Owned from "../inventory/owned.ts";
import * as Vpc from "../inventory/vpc.ts";
import { load, type Stored } from "./service.ts";
import { releaseBackend } from "./service-backend.ts";

/*
 * Deleting a service, in two steps when its live connections are to be rejected first: marked
 * `deleting` (so none is made or accepted meanwhile), then deleted once none is live.
 * Imported as `import * as EndpointServiceDeletion`: a bundle keeps only the functions its route calls.
 */

/**
 * The final delete: only with no live connection left, releasing the backend, the VPC and the
 * account's quota in the same transaction. Endpoints left behind are marked `serviceDeleted` by the
 * stream consumer that sees the service go.
 */
async function deleteItem(uin: string, service: Stored, requireDeleting: boolean): Promise<void> {
  await transactWrite(
    [
      {
        Delete: {
          TableName: Db.table(),
          Key: Keys.service(service.id),
          // The backend released below must still be the service's: a move meanwhile means read again.
          ConditionExpression: `ownerUin = :uin AND backendInstanceId = :backend AND (attribute_not_exists(liveCount) OR liveCount = :zero)${
            requireDeleting ? " AND #status = :deleting" : ""
          }`,
          ExpressionAttributeNames: requireDeleting ? { "#status": "status" } : undefined,
          ExpressionAttributeValues: {
            ":uin": uin,
            ":backend": service.backendInstanceId,
            ":zero": 0,
            ...(requireDeleting ? { ":deleting": "deleting" } : {}),
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      releaseBackend(uin, service.backendInstanceId, service.id),
      Owned.refTransactItem(Vpc.kind, uin, service.vpcId, "endpoint_service", -1),
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.account(uin),
          UpdateExpression: "ADD serviceCount :minus",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":minus": -1 },
        },
      },
    ],
    {
      onCancelled: (reasons) => {
        const self = reasons[0];
        // The backend moved meanwhile (its release or the delete's own condition failed): read again.
        if (reasons[1]?.Code === "ConditionalCheckFailed") return new RaceLostError();
        if (self?.Code !== "ConditionalCheckFailed") return undefined;
        if (!self.Item || self.Item.ownerUin !== uin)
          return new NotFoundError("endpoint service", service.id);
        if (self.Item.backendInstanceId !== service.backendInstanceId) return new RaceLostError();
        if (requireDeleting)
          return new RaceLostError("a connection became live while the service was being deleted");
        return new ResourceInUseError(
          `endpoint service ${service.id} has ${String(self.Item.liveCount)} pending or available connection(s); reject them first or pass rejectConnections=true`,
        );
      },
    },
  );
}

/** Marks the service as being deleted: no new connection can be made or accepted from now on. */
async function markDeleting(uin: string, id: string): Promise<Stored> {
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.service(id),
          UpdateExpression: "SET #status = :deleting",
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":deleting": "deleting", ":uin": uin },
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("endpoint service", id) },
  );
  return out.Attributes as Stored;
}

/**
 * Deletes a service. Refused with ResourceInUse while any connection is pending, accepting or
 * available, unless `rejectConnections`: then it stops new connections, rejects the live ones (each
 * with its history entry) and deletes.
 */
export async function remove(
  uin: string,
  id: string,
  options: { rejectConnections: boolean },
  rejectAll: (service: Stored) => Promise<void>,
): Promise<void> {
  if (!options.rejectConnections) {
    return retryRaces(4, async () => deleteItem(uin, await load(uin, id, true), false));
  }
  await markDeleting(uin, id);
  await retryRaces(4, async () => {
    const current = await load(uin, id, true);
    await rejectAll(current);
    await deleteItem(uin, current, true);
  });
}
