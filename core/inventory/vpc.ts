import * as z from "zod";
import type { Page, PageParams } from "../db/page.ts";
import { InvalidParameterError } from "../errors.ts";
import { Cidr, type Ipv4Cidr } from "../util/cidr.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { InventoryId, InventoryName, Region } from "./common.ts";
import type { OwnedKind, OwnedStored } from "./owned.ts";
import * as Owned from "./owned.ts";

/** A VPC in the network inventory: a region and an RFC 1918 IPv4 block from /16 to /28. */
/* Imported as `import * as Vpc`: a bundle keeps only the functions its route calls. */

export const kind: OwnedKind = { type: "VPC", entity: "Vpc", label: "VPC" };
export const Id = InventoryId("vpc");

export const Info = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  cidrBlock: z.string(),
  subnetCount: z.number().int(),
  ownerUin: z.string(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export const CreateInput = z.strictObject({
  region: Region,
  name: InventoryName,
  cidrBlock: z.string().max(18),
});
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z.strictObject({ name: InventoryName.optional() });
export type UpdateInput = z.infer<typeof UpdateInput>;

export interface Stored extends OwnedStored {
  type: "Vpc";
  cidrBlock: string;
  /** Subnet ID → CIDR, so that a new subnet is checked against all of them under one version. */
  subnetCidrs: Record<string, string>;
  /** Bumped by every change to `subnetCidrs`: the optimistic lock for subnet creation. */
  version: number;
}

export function toInfo(s: Stored): Info {
  return {
    ...Owned.baseInfo(s),
    cidrBlock: s.cidrBlock,
    subnetCount: Object.keys(s.subnetCidrs ?? {}).length,
  };
}

export function parseBlock(text: string, field: string, minPrefix: number, maxPrefix: number): Ipv4Cidr {
  const parsed = Cidr.parse(text);
  if (!parsed.ok) throw InvalidParameterError.malformed(field, parsed.reason);
  const { cidr } = parsed;
  if (cidr.prefix < minPrefix || cidr.prefix > maxPrefix) {
    throw InvalidParameterError.value(field, `prefix length must be between /${minPrefix} and /${maxPrefix}`);
  }
  return cidr;
}

export async function create(uin: string, input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  const block = parseBlock(parsed.cidrBlock, "cidrBlock", 16, 28);
  if (!Cidr.isPrivate(block)) {
    throw InvalidParameterError.value("cidrBlock", "must lie in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16");
  }
  const item = Owned.newItem<Stored>(kind, {
    id: resourceId("vpc"),
    ownerUin: uin,
    region: parsed.region,
    name: parsed.name,
    createdAt: nowIso(),
    cidrBlock: block.text,
    subnetCidrs: {},
    version: 0,
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
  return toInfo(await Owned.patch<Stored>(kind, uin, id, { name: parsed.name }));
}

/** Refused with ResourceInUse while subnets, backend instances or anything else live in it. */
export async function remove(uin: string, id: string): Promise<void> {
  await Owned.remove(kind, uin, id);
}
