import * as z from "zod";
import type { Page, PageParams } from "../db/page.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { InventoryId, InventoryName, Region } from "./common.ts";
import type { OwnedKind, OwnedStored } from "./owned.ts";
import * as Owned from "./owned.ts";

/** A security group endpoints can be bound to, in priority order. */
/* Imported as `import * as SecurityGroup`: a bundle keeps only the functions its route calls. */

export const kind: OwnedKind = { type: "SG", entity: "SecurityGroup", label: "security group" };
export const Id = InventoryId("sg");
const Description = z.string().max(100);

export const Info = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  region: z.string(),
  ownerUin: z.string(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export const CreateInput = z.strictObject({
  region: Region,
  name: InventoryName,
  description: Description.optional(),
});
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z.strictObject({
  name: InventoryName.optional(),
  description: Description.optional(),
});
export type UpdateInput = z.infer<typeof UpdateInput>;

export interface Stored extends OwnedStored {
  type: "SecurityGroup";
  description: string;
}

export function toInfo(s: Stored): Info {
  return { ...Owned.baseInfo(s), description: s.description };
}

export async function create(uin: string, input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  const item = Owned.newItem<Stored>(kind, {
    id: resourceId("sg"),
    ownerUin: uin,
    region: parsed.region,
    name: parsed.name,
    createdAt: nowIso(),
    description: parsed.description ?? "",
  });
  await Owned.put(item);
  return toInfo(item);
}

export async function get(uin: string, id: string): Promise<Info> {
  return toInfo(await Owned.get<Stored>(kind, uin, id));
}

export async function list(uin: string, region: string | undefined, page: PageParams): Promise<Page<Info>> {
  const result = await Owned.list(kind, uin, region, page);
  return { items: result.items.map((i) => toInfo(i as unknown as Stored)), nextCursor: result.nextCursor };
}

export async function update(uin: string, id: string, input: UpdateInput): Promise<Info> {
  const parsed = validate(UpdateInput, input);
  return toInfo(
    await Owned.patch<Stored>(kind, uin, id, { name: parsed.name, description: parsed.description }),
  );
}

/** Refused with ResourceInUse while endpoints are bound to it. */
export async function remove(uin: string, id: string): Promise<void> {
  await Owned.remove(kind, uin, id);
}
