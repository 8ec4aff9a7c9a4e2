import * as z from "zod";
import type { Page, PageParams } from "../db/page.ts";
import { transactWrite } from "../db/transact.ts";
import { InvalidParameterError, NotFoundError } from "../errors.ts";
import { Cidr, Ipv4 } from "../util/cidr.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { InventoryName } from "./common.ts";
import type { OwnedKind, OwnedStored } from "./owned.ts";
import * as Owned from "./owned.ts";
import * as Vpc from "./vpc.ts";

/*
 * A backend instance an endpoint service fronts: a private layer-4 load balancer (CLB), a MySQL (CDB) or
 * a Redis (CRS) instance, with its VIP and port inside one VPC. In a real cloud these come from other
 * products; Linkplane keeps its own registry of them.
 * Imported as `import * as BackendInstance`: a bundle keeps only the functions its route calls.
 */

export const kind: OwnedKind = { type: "BACKEND", entity: "BackendInstance", label: "backend instance" };
export const Type = z.enum(["CLB", "CDB", "CRS"]);
export type Type = z.infer<typeof Type>;
export const PREFIX: Record<Type, string> = { CLB: "lb", CDB: "cdb", CRS: "crs" };
export const Id = z.string().regex(/^(lb|cdb|crs)-[0-9a-z]{8}$/, "must look like lb-, cdb- or crs-xxxxxxxx");

export const Info = z.object({
  id: z.string(),
  type: Type,
  name: z.string(),
  region: z.string(),
  vpcId: z.string(),
  vip: z.string(),
  port: z.number().int(),
  ownerUin: z.string(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export const CreateInput = z.strictObject({
  type: Type,
  vpcId: Vpc.Id,
  vip: z.string().max(15),
  port: z.number().int().min(1).max(65535),
  name: InventoryName,
});
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z.strictObject({ name: InventoryName.optional() });
export type UpdateInput = z.infer<typeof UpdateInput>;

export interface Stored extends OwnedStored {
  type: "BackendInstance";
  instanceType: Type;
  vpcId: string;
  vip: string;
  port: number;
}

export function toInfo(s: Stored): Info {
  return { ...Owned.baseInfo(s), type: s.instanceType, vpcId: s.vpcId, vip: s.vip, port: s.port };
}

export async function create(uin: string, input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  const vip = Ipv4.parse(parsed.vip);
  if (vip === undefined)
    throw InvalidParameterError.malformed("vip", "must be a dotted-decimal IPv4 address");
  const vpc = await Owned.get<Vpc.Stored>(Vpc.kind, uin, parsed.vpcId).catch((error) => {
    throw error instanceof NotFoundError ? new NotFoundError("VPC", parsed.vpcId, { field: "vpcId" }) : error;
  });
  const block = Cidr.parse(vpc.cidrBlock);
  if (!block.ok || !Cidr.containsAddress(block.cidr, vip)) {
    throw InvalidParameterError.value("vip", `${parsed.vip} is not inside the VPC's ${vpc.cidrBlock}`);
  }
  if (vip === block.cidr.base || vip === block.cidr.base + block.cidr.size - 1) {
    throw new InvalidParameterError(
      "InvalidParameterValue.Reserved",
      "vip: the network and broadcast addresses are reserved",
      {
        field: "vip",
      },
    );
  }
  const item = Owned.newItem<Stored>(kind, {
    id: resourceId(PREFIX[parsed.type]),
    ownerUin: uin,
    region: vpc.region,
    name: parsed.name,
    createdAt: nowIso(),
    instanceType: parsed.type,
    vpcId: vpc.id,
    vip: Ipv4.format(vip),
    port: parsed.port,
  });
  // The VPC's counter goes up in the same write, so the VPC cannot be deleted from under the backend.
  await transactWrite(
    [Owned.refTransactItem(Vpc.kind, uin, vpc.id, "backend_instance", 1), Owned.putTransactItem(item)],
    {
      onCancelled: (reasons) =>
        reasons[0]?.Code === "ConditionalCheckFailed"
          ? new NotFoundError("VPC", vpc.id, { field: "vpcId" })
          : undefined,
    },
  );
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

/** Refused with ResourceInUse while an endpoint service fronts it. */
export async function remove(uin: string, id: string): Promise<void> {
  const backend = await Owned.get<Stored>(kind, uin, id, true);
  await Owned.remove(
    kind,
    uin,
    id,
    Owned.refTransactItem(Vpc.kind, uin, backend.vpcId, "backend_instance", -1),
  );
}
