import type { EntityType } from "../db/keys.ts";

/**
 * One item change from the table's stream, in domain terms: the plain (unmarshalled) images and the
 * entity type stored on the item. The Lambda-shaped record is turned into this in `functions/streams`.
 */
export interface Change {
  kind: "insert" | "modify" | "remove";
  entity: EntityType | "Unknown";
  keys: { pk: string; sk: string };
  newImage: Record<string, unknown> | undefined;
  oldImage: Record<string, unknown> | undefined;
  /** The stream sequence number: unique per change, stable across redeliveries. */
  sequence: string;
  /** When DynamoDB wrote the change (second precision). */
  at: Date;
}

/** A stream consumer: handles changes of the entity types it names. Must be idempotent. */
export interface Consumer {
  name: string;
  entities: ReadonlyArray<EntityType>;
  handle(change: Change): Promise<void>;
}
