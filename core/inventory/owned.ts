import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import type { EntityType, OwnedType, StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { type Page, type PageParams, type PageQuery, queryPage } from "../db/page.ts";
import { type TransactItem, transactWrite } from "../db/transact.ts";
import { InvalidParameterError, NotFoundError, ResourceInUseError } from "../errors.ts";

/**
 * The storage shared by resources an account owns in a region (VPCs, subnets, backend instances,
 * security groups, and later endpoint services and endpoints): keyed under the owner's partition, listed
 * per region and across regions newest first, deleted only while nothing refers to them.
 *
 * "Something refers to it" is a counter on the item (`refCount`, with one `refs_<kind>` per kind for the
 * error message), changed in the same transaction that creates or deletes the dependent. A delete is a
 * conditional write on the counter being zero, so a dependent created concurrently cannot be orphaned.
 */
export interface OwnedStored extends StoredBase {
  id: string;
  ownerUin: string;
  region: string;
  name: string;
  createdAt: string;
  refCount?: number;
}

export interface OwnedKind {
  type: OwnedType;
  entity: EntityType;
  /** Human name for messages: "VPC", "subnet". */
  label: string;
}

/* Imported as `import * as Owned`: a bundle keeps only the functions its route calls. */

export function assertRegion(region: string, field = "region"): void {
  if (!Config.get().regions.includes(region)) {
    throw InvalidParameterError.value(
      field,
      `unknown region ${region}; known: ${Config.get().regions.join(", ")}`,
    );
  }
}

export function newItem<T extends OwnedStored>(kind: OwnedKind, fields: Omit<T, keyof StoredBase>): T {
  return {
    ...Keys.owned(fields.ownerUin, kind.type, fields.id),
    ...Keys.ownedListing(fields.ownerUin, kind.type, fields.region, fields.createdAt, fields.id),
    type: kind.entity,
    v: 1,
    ...fields,
  } as unknown as T;
}

export function putTransactItem(item: OwnedStored): TransactItem {
  return { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } };
}

/** A transaction item that adds `delta` to the parent's reference counters, failing if it is gone. */
export function refTransactItem(
  kind: OwnedKind,
  uin: string,
  id: string,
  refKind: string,
  delta: 1 | -1,
): TransactItem {
  return {
    Update: {
      TableName: Db.table(),
      Key: Keys.owned(uin, kind.type, id),
      UpdateExpression: "ADD refCount :d, #rk :d",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#rk": `refs_${refKind}` },
      ExpressionAttributeValues: { ":d": delta },
    },
  };
}

export async function put(item: OwnedStored): Promise<void> {
  await call(() =>
    Db.client().send(
      new PutCommand({
        TableName: Db.table(),
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    ),
  );
}

export async function get<T extends OwnedStored>(
  kind: OwnedKind,
  uin: string,
  id: string,
  consistent = false,
): Promise<T> {
  const out = await call(() =>
    Db.client().send(
      new GetCommand({
        TableName: Db.table(),
        Key: Keys.owned(uin, kind.type, id),
        ConsistentRead: consistent,
      }),
    ),
  );
  if (!out.Item) throw new NotFoundError(kind.label, id);
  return out.Item as T;
}

/**
 * A listing of one account's resources: one region on gsi1 when a region is given (checked), every
 * region on gsi2 otherwise; newest first either way.
 */
export function listScoped(
  region: string | undefined,
  partitions: { byRegion: (region: string) => string; all: string },
  page: PageParams,
  filter?: PageQuery["filter"],
): Promise<Page<Record<string, unknown>>> {
  if (region === undefined) return queryPage({ index: "gsi2", partition: partitions.all, page, filter });
  assertRegion(region);
  return queryPage({ index: "gsi1", partition: partitions.byRegion(region), page, filter });
}

export async function list(
  kind: OwnedKind,
  uin: string,
  region: string | undefined,
  page: PageParams,
): Promise<Page<Record<string, unknown>>> {
  return listScoped(
    region,
    {
      byRegion: (r) => Keys.ownedRegionPartition(uin, kind.type, r),
      all: Keys.ownedPartition(uin, kind.type),
    },
    page,
  );
}

/** Sets the given attributes on an existing item; `undefined` values are left alone. */
export async function patch<T extends OwnedStored>(
  kind: OwnedKind,
  uin: string,
  id: string,
  changes: Record<string, unknown>,
): Promise<T> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0)
    throw new InvalidParameterError("MissingParameter", "the request changes nothing");
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = entries.map(([name, value], i) => {
    names[`#f${i}`] = name;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.owned(uin, kind.type, id),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError(kind.label, id) },
  );
  return out.Attributes as T;
}

/** The condition, on an item being deleted, that nothing refers to it. */
export function deleteTransactItem(kind: OwnedKind, uin: string, id: string): TransactItem {
  return {
    Delete: {
      TableName: Db.table(),
      Key: Keys.owned(uin, kind.type, id),
      ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(refCount) OR refCount = :zero)",
      ExpressionAttributeValues: { ":zero": 0 },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/** Explains why a delete's condition failed: gone, or in use by whom. */
export function deleteRefusal(kind: OwnedKind, id: string, item: Record<string, unknown> | undefined) {
  if (!item) return new NotFoundError(kind.label, id);
  const uses = Object.entries(item)
    .filter(([name, count]) => name.startsWith("refs_") && typeof count === "number" && count > 0)
    .map(([name, count]) => `${count} ${name.slice(5).replaceAll("_", " ")}(s)`);
  return new ResourceInUseError(`${kind.label} ${id} is in use by ${uses.join(", ") || "other resources"}`);
}

/** Deletes an item with nothing referring to it, and releases its parent's counter in the same write. */
export async function remove(
  kind: OwnedKind,
  uin: string,
  id: string,
  parentRelease?: TransactItem,
): Promise<void> {
  const items = [deleteTransactItem(kind, uin, id), ...(parentRelease ? [parentRelease] : [])];
  await transactWrite(items, {
    onCancelled: (reasons) => {
      const self = reasons[0];
      if (self?.Code === "ConditionalCheckFailed") return deleteRefusal(kind, id, self.Item);
      return undefined;
    },
  });
}

/** Common answer fields. */
export function baseInfo(s: OwnedStored) {
  return { id: s.id, name: s.name, region: s.region, ownerUin: s.ownerUin, createdAt: s.createdAt };
}
