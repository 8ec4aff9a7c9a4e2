import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import * as Keys from "../db/keys.ts";
import { transactWrite } from "../db/transact.ts";
import { LimitExceededError, NotFoundError } from "../errors.ts";
import * as Owned from "../inventory/owned.ts";
import * as Vpc from "../inventory/vpc.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { tagsToMap } from "./common.ts";
import { CreateInput, type Info, type Stored, toInfo } from "./service.ts";
import { backendTaken, checkBackend, claimBackend } from "./service-backend.ts";

/*
 * Publishing a service: one transaction puts it, claims its backend, counts it on its VPC and against
 * the account's quota, so none of them can be true without the others.
 * Imported as `import * as EndpointServiceCreation`: a bundle keeps only the functions its route calls.
 */

export async function create(uin: string, input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  const { vpc, backend } = await checkBackend(
    uin,
    parsed.vpcId,
    parsed.backendInstanceId,
    parsed.serviceType,
  );
  const quota = Config.get().quotas.servicesPerAccount;
  const id = resourceId("vpcsvc");
  const createdAt = nowIso();
  const item: Stored = {
    ...Keys.service(id),
    ...Keys.serviceListing(uin, vpc.region, createdAt, id),
    type: "EndpointService",
    v: 1,
    id,
    name: parsed.name,
    nameLower: parsed.name.toLowerCase(),
    region: vpc.region,
    vpcId: vpc.id,
    serviceType: parsed.serviceType,
    backendInstanceId: backend.id,
    serviceVip: backend.vip,
    autoAccept: parsed.autoAccept ?? false,
    ownerUin: uin,
    status: "active",
    endpointCount: 0,
    liveCount: 0,
    createdAt,
    tags: tagsToMap(parsed.tags),
  };
  await transactWrite(
    [
      { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
      claimBackend(uin, backend, id),
      Owned.refTransactItem(Vpc.kind, uin, vpc.id, "endpoint_service", 1),
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.account(uin),
          UpdateExpression: "ADD serviceCount :one",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(serviceCount) OR serviceCount < :max)",
          ExpressionAttributeValues: { ":one": 1, ":max": quota },
        },
      },
    ],
    {
      onCancelled: (reasons) =>
        backendTaken(reasons[1], backend.id) ??
        (reasons[2]?.Code === "ConditionalCheckFailed"
          ? new NotFoundError("VPC", vpc.id, { field: "vpcId" })
          : undefined) ??
        (reasons[3]?.Code === "ConditionalCheckFailed"
          ? new LimitExceededError(`an account may publish at most ${quota} endpoint services`)
          : undefined),
    },
  );
  return toInfo(item);
}
