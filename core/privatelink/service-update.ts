import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, RaceLostError } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { transactWrite } from "../db/transact.ts";
import { InvalidParameterError, NotFoundError } from "../errors.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { type Tag, tagsToMap } from "./common.ts";
import { get, type Info, load, type Stored, toInfo, UpdateInput } from "./service.ts";
import { backendTaken, checkBackend, claimBackend, releaseBackend } from "./service-backend.ts";

/* Imported as `import * as EndpointServiceUpdate`: a bundle keeps only the functions its route calls. */

/**
 * Renames, toggles auto-accept (later requests only: pending ones stay pending), replaces tags, or
 * moves the service to another backend of the same type in the same VPC.
 */
export async function update(uin: string, id: string, input: UpdateInput): Promise<Info> {
  const parsed = validate(UpdateInput, input);
  if (Object.values(parsed).every((v) => v === undefined)) {
    throw new InvalidParameterError("MissingParameter", "the request changes nothing");
  }
  const current = await load(uin, id, true);
  const sets: string[] = [];
  // `revision` counts real updates: webhook events derive their IDs from it, so each update is one event.
  const values: Record<string, unknown> = { ":uin": uin, ":active": "active", ":one": 1 };
  sets.push("updatedAt = :updatedAt");
  values[":updatedAt"] = nowIso();
  if (parsed.name !== undefined) {
    sets.push("#name = :name", "nameLower = :nameLower");
    values[":name"] = parsed.name;
    values[":nameLower"] = parsed.name.toLowerCase();
  }
  if (parsed.autoAccept !== undefined) {
    sets.push("autoAccept = :autoAccept");
    values[":autoAccept"] = parsed.autoAccept;
  }
  if (parsed.tags !== undefined) {
    sets.push("tags = :tags");
    values[":tags"] = tagsToMap(parsed.tags as Tag[]);
  }
  const names = parsed.name !== undefined ? { "#name": "name" } : undefined;
  const changesBackend =
    parsed.backendInstanceId !== undefined && parsed.backendInstanceId !== current.backendInstanceId;

  if (!changesBackend) {
    if (sets.length === 1) return toInfo(current);
    const out = await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.service(id),
            UpdateExpression: `SET ${sets.join(", ")} ADD revision :one`,
            ConditionExpression: "ownerUin = :uin AND #status = :active",
            ExpressionAttributeNames: { ...names, "#status": "status" },
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        ),
      { onConditionFailed: () => new NotFoundError("endpoint service", id) },
    );
    return toInfo(out.Attributes as Stored);
  }

  const next = await checkBackend(
    uin,
    current.vpcId,
    parsed.backendInstanceId as string,
    current.serviceType,
  );
  sets.push("backendInstanceId = :backend", "serviceVip = :vip");
  values[":backend"] = next.backend.id;
  values[":vip"] = next.backend.vip;
  values[":old"] = current.backendInstanceId;
  await transactWrite(
    [
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.service(id),
          UpdateExpression: `SET ${sets.join(", ")} ADD revision :one`,
          ConditionExpression: "ownerUin = :uin AND #status = :active AND backendInstanceId = :old",
          ExpressionAttributeNames: { ...names, "#status": "status" },
          ExpressionAttributeValues: values,
        },
      },
      releaseBackend(uin, current.backendInstanceId, id),
      claimBackend(uin, next.backend, id),
    ],
    {
      onCancelled: (reasons) =>
        backendTaken(reasons[2], next.backend.id) ??
        (reasons.some((r) => r.Code === "ConditionalCheckFailed") ? new RaceLostError() : undefined),
    },
  );
  return get(uin, id);
}
