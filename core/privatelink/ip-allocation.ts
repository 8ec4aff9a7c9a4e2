import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import { Keys } from "../db/keys.ts";
import { queryAll } from "../db/page.ts";
import { InvalidParameterError } from "../errors.ts";
import { Cidr, Ipv4, type Ipv4Cidr } from "../util/cidr.ts";

/**
 * Which address an endpoint takes in its subnet. Uniqueness is not decided here: the creation
 * transaction puts the address's reservation item on `attribute_not_exists`, and a loser tries another.
 * This module only makes losing rare and cheap:
 *   - a first guess from the subnet's allocation cursor (`ipCursor`, one atomic ADD per creation, made
 *     while the creation's other reads are in flight), so concurrent creations get distinct addresses
 *     without reading the subnet's reservations, and
 *   - after a loss (the cursor wrapped onto a reserved address, or an address was taken meanwhile) a
 *     read of the reservations and a random free address, so retries spread out.
 */
export namespace IpAllocation {
  /** Addresses an endpoint may take: not the network address, the gateway (first host) or broadcast. */
  export function usableRange(block: Ipv4Cidr): { first: number; last: number } {
    return { first: block.base + 2, last: block.base + block.size - 2 };
  }

  /** A requested address, checked against the subnet's block and its reserved addresses. */
  export function requested(text: string, block: Ipv4Cidr): number {
    const ip = Ipv4.parse(text);
    if (ip === undefined)
      throw InvalidParameterError.malformed("ip", "must be a dotted-decimal IPv4 address");
    if (!Cidr.containsAddress(block, ip)) {
      throw InvalidParameterError.value("ip", `${text} is not inside the subnet's ${block.text}`);
    }
    const { first, last } = usableRange(block);
    if (ip < first || ip > last) {
      throw new InvalidParameterError(
        "InvalidParameterValue.Reserved",
        `ip: ${text} is reserved (network, gateway or broadcast address)`,
        { field: "ip" },
      );
    }
    return ip;
  }

  /**
   * Moves the caller's subnet's cursor by one and answers the address it points at now (wrapping round
   * the usable range), or undefined when it could not (the creation's own read says why, with the
   * right error, if it matters).
   */
  export async function next(uin: string, subnetId: string): Promise<number | undefined> {
    // Only a hint: whatever goes wrong (not the caller's subnet, a conflict with a creation's transaction
    // on AWS, throttling), the creation reads the reservations instead, and its own reads say the rest.
    const out = await call(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.owned(uin, "SUBNET", subnetId),
          UpdateExpression: "ADD ipCursor :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":one": 1 },
          ReturnValues: "ALL_NEW",
        }),
      ),
    ).catch(() => undefined);
    const item = out?.Attributes;
    const block = typeof item?.cidrBlock === "string" ? Cidr.parse(item.cidrBlock) : undefined;
    if (!block?.ok) return undefined;
    const { first, last } = usableRange(block.cidr);
    return first + ((Number(item?.ipCursor) - 1) % (last - first + 1));
  }

  /** Addresses already reserved in a subnet (one Query, paged for very large subnets). */
  export async function reserved(uin: string, subnetId: string): Promise<Set<number>> {
    const found = new Set<number>();
    const items = queryAll({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.ipReservations(uin, subnetId) },
      ProjectionExpression: "ip",
      ConsistentRead: true,
    });
    for await (const item of items) found.add(Number(item.ip));
    return found;
  }

  /** A random free address, so that concurrent retries rarely reach for the same one. */
  export function pickFree(block: Ipv4Cidr, unavailable: Set<number>): number | undefined {
    const { first, last } = usableRange(block);
    const free: number[] = [];
    for (let ip = first; ip <= last; ip++) if (!unavailable.has(ip)) free.push(ip);
    return free[Math.floor(Math.random() * free.length)];
  }
}
