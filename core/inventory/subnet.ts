import * as z from "zod";
import { Db } from "../db/client.ts";
import { RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import type { Page, PageParams } from "../db/page.ts";
import { transactWrite } from "../db/transact.ts";
import { InvalidParameterError, LimitExceededError, NotFoundError } from "../errors.ts";
import { Cidr } from "../util/cidr.ts";
import { resourceId } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";
import { InventoryId, InventoryName } from "./common.ts";
import type { OwnedKind, OwnedStored } from "./owned.ts";
import * as Owned from "./owned.ts";
import * as Vpc from "./vpc.ts";

/** A subnet of a VPC in one zone; its block lies inside the VPC's and overlaps no sibling's. */
/* Imported as `import * as Subnet`: a bundle keeps only the functions its route calls. */

export const kind: OwnedKind = { type: "SUBNET", entity: "Subnet", label: "subnet" };
export const Id = InventoryId("subnet");
/** The reference product's default quota of subnets per VPC. */
export const MAX_PER_VPC = 100;
const MAX_ATTEMPTS = 6;

export const Info = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  vpcId: z.string(),
  zone: z.string(),
  cidrBlock: z.string(),
  /** Addresses endpoints can still take: all but network, gateway, broadcast and those in use. */
  availableIpCount: z.number().int(),
  totalIpCount: z.number().int(),
  ownerUin: z.string(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export const CreateInput = z.strictObject({
  vpcId: Vpc.Id,
  zone: z.string().regex(/^[a-z]{2}-[a-z]+-\d{1,2}$/, "must be a zone such as ap-guangzhou-3"),
  name: InventoryName,
  cidrBlock: z.string().max(18),
});
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z.strictObject({ name: InventoryName.optional() });
export type UpdateInput = z.infer<typeof UpdateInput>;

export interface Stored extends OwnedStored {
  type: "Subnet";
  vpcId: string;
  zone: string;
  cidrBlock: string;
  /** Endpoints holding an address here (kept by endpoint creation and deletion). */
  refs_endpoint?: number;
}

export function toInfo(s: Stored): Info {
  const block = Cidr.parse(s.cidrBlock);
  const total = block.ok ? block.cidr.size : 0;
  return {
    ...Owned.baseInfo(s),
    vpcId: s.vpcId,
    zone: s.zone,
    cidrBlock: s.cidrBlock,
    availableIpCount: Math.max(0, total - 3 - (s.refs_endpoint ?? 0)),
    totalIpCount: total,
  };
}

/**
 * Creates a subnet. Overlap is checked against the CIDRs recorded on the VPC item and the write is
 * conditional on the VPC's version being the one read, so two overlapping subnets created at the same
 * moment cannot both succeed: the loser re-reads, sees the winner and is refused.
 */
export async function create(uin: string, input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  const block = Vpc.parseBlock(parsed.cidrBlock, "cidrBlock", 16, 28);
  return retryRaces(MAX_ATTEMPTS, async () => {
    const vpc = await Owned.get<Vpc.Stored>(Vpc.kind, uin, parsed.vpcId, true).catch((error) => {
      throw error instanceof NotFoundError
        ? new NotFoundError("VPC", parsed.vpcId, { field: "vpcId" })
        : error;
    });
    if (!parsed.zone.startsWith(`${vpc.region}-`)) {
      throw InvalidParameterError.value("zone", `${parsed.zone} is not a zone of ${vpc.region}`);
    }
    const vpcBlock = Cidr.parse(vpc.cidrBlock);
    if (!vpcBlock.ok || !Cidr.contains(vpcBlock.cidr, block)) {
      throw InvalidParameterError.value(
        "cidrBlock",
        `${block.text} is not inside the VPC's ${vpc.cidrBlock}`,
      );
    }
    const siblings = Object.entries(vpc.subnetCidrs ?? {});
    for (const [siblingId, siblingCidr] of siblings) {
      const other = Cidr.parse(siblingCidr);
      if (other.ok && Cidr.overlaps(other.cidr, block)) {
        throw new InvalidParameterError(
          "InvalidParameterValue.SubnetConflict",
          `cidrBlock: ${block.text} overlaps ${siblingId} (${siblingCidr})`,
          { field: "cidrBlock" },
        );
      }
    }
    if (siblings.length >= MAX_PER_VPC)
      throw new LimitExceededError(`a VPC holds at most ${MAX_PER_VPC} subnets`);

    const item = Owned.newItem<Stored>(kind, {
      id: resourceId("subnet"),
      ownerUin: uin,
      region: vpc.region,
      name: parsed.name,
      createdAt: nowIso(),
      vpcId: vpc.id,
      zone: parsed.zone,
      cidrBlock: block.text,
    });
    await transactWrite(
      [
        {
          Update: {
            TableName: Db.table(),
            Key: Keys.owned(uin, Vpc.kind.type, vpc.id),
            UpdateExpression:
              "SET subnetCidrs.#sid = :cidr, version = :next ADD refCount :one, refs_subnet :one",
            ConditionExpression: "version = :seen",
            ExpressionAttributeNames: { "#sid": item.id },
            ExpressionAttributeValues: {
              ":cidr": block.text,
              ":next": vpc.version + 1,
              ":seen": vpc.version,
              ":one": 1,
            },
          },
        },
        Owned.putTransactItem(item),
      ],
      {
        onCancelled: (reasons) => {
          if (reasons.some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict")) {
            return new RaceLostError("the VPC kept changing while the subnet was being created; retry");
          }
          return undefined;
        },
      },
    );
    return toInfo(item);
  });
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

/** Refused with ResourceInUse while endpoints hold addresses in it. Frees its block on the VPC. */
export async function remove(uin: string, id: string): Promise<void> {
  const subnet = await Owned.get<Stored>(kind, uin, id, true);
  await transactWrite(
    [
      Owned.deleteTransactItem(kind, uin, id),
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.owned(uin, Vpc.kind.type, subnet.vpcId),
          UpdateExpression:
            "REMOVE subnetCidrs.#sid SET version = version + :one ADD refCount :minus, refs_subnet :minus",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#sid": id },
          ExpressionAttributeValues: { ":one": 1, ":minus": -1 },
        },
      },
    ],
    {
      onCancelled: (reasons) => {
        const self = reasons[0];
        if (self?.Code === "ConditionalCheckFailed") return Owned.deleteRefusal(kind, id, self.Item);
        return undefined;
      },
    },
  );
}
