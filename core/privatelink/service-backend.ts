import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, type PlainCancellationReason } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import {
  type LinkplaneError,
  NotFoundError,
  ResourceInUseError,
  UnsupportedOperationError,
} from "../errors.ts";
import type * as BackendInstance from "../inventory/backend.ts";
import type * as Vpc from "../inventory/vpc.ts";

/*
 * A backend instance serves at most one endpoint service. Creating a service claims one, moving a
 * service releases one and claims another, deleting one releases it: the check before, the transaction
 * items that hold the rule, and the error a lost claim answers are here for all three.
 */

/** The provider's VPC and backend, read together, with the reference product's errors. */
export async function checkBackend(
  uin: string,
  vpcId: string,
  backendId: string,
  serviceType: BackendInstance.Type,
) {
  const out = await call(() =>
    Db.client().send(
      new BatchGetCommand({
        RequestItems: {
          [Db.table()]: {
            Keys: [Keys.owned(uin, "VPC", vpcId), Keys.owned(uin, "BACKEND", backendId)],
            ConsistentRead: true,
          },
        },
      }),
    ),
  );
  const items = out.Responses?.[Db.table()] ?? [];
  const vpc = items.find((i) => i.type === "Vpc") as Vpc.Stored | undefined;
  const backend = items.find((i) => i.type === "BackendInstance") as BackendInstance.Stored | undefined;
  if (!vpc) throw new NotFoundError("VPC", vpcId, { field: "vpcId" });
  if (!backend) throw new NotFoundError("backend instance", backendId, { field: "backendInstanceId" });
  if (backend.instanceType !== serviceType) {
    throw new UnsupportedOperationError(
      "UnsupportedOperation.InstanceMismatch",
      `backend instance ${backendId} is a ${backend.instanceType}, not a ${serviceType}`,
      { field: "backendInstanceId" },
    );
  }
  if (backend.vpcId !== vpcId) {
    throw new UnsupportedOperationError(
      "UnsupportedOperation.VpcMismatch",
      `backend instance ${backendId} lives in ${backend.vpcId}, not in ${vpcId}`,
      { field: "backendInstanceId" },
    );
  }
  if ((backend as { serviceId?: string }).serviceId) {
    throw new ResourceInUseError(
      `backend instance ${backendId} already serves ${(backend as { serviceId?: string }).serviceId}`,
      { field: "backendInstanceId" },
    );
  }
  return { vpc, backend };
}

/** Claims a backend for a service: it must still be free, of the type, in the VPC. */
export function claimBackend(uin: string, backend: BackendInstance.Stored, serviceId: string) {
  return {
    Update: {
      TableName: Db.table(),
      Key: Keys.owned(uin, "BACKEND", backend.id),
      UpdateExpression: "SET serviceId = :svc ADD refCount :one, refs_endpoint_service :one",
      ConditionExpression:
        "attribute_exists(pk) AND attribute_not_exists(serviceId) AND instanceType = :type AND vpcId = :vpc",
      ExpressionAttributeValues: {
        ":svc": serviceId,
        ":one": 1,
        ":type": backend.instanceType,
        ":vpc": backend.vpcId,
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  };
}

export function releaseBackend(uin: string, backendId: string, serviceId: string) {
  return {
    Update: {
      TableName: Db.table(),
      Key: Keys.owned(uin, "BACKEND", backendId),
      UpdateExpression: "REMOVE serviceId ADD refCount :minus, refs_endpoint_service :minus",
      ConditionExpression: "serviceId = :svc",
      ExpressionAttributeValues: { ":svc": serviceId, ":minus": -1 },
    },
  };
}

export function backendTaken(
  reason: PlainCancellationReason | undefined,
  backendId: string,
): LinkplaneError | undefined {
  if (reason?.Code !== "ConditionalCheckFailed") return undefined;
  if (!reason.Item) return new NotFoundError("backend instance", backendId, { field: "backendInstanceId" });
  return new ResourceInUseError(
    `backend instance ${backendId} already serves ${String(reason.Item.serviceId)}`,
    {
      field: "backendInstanceId",
    },
  );
}
