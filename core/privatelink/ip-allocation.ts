import * as Keys from "../db/keys.ts";
import { queryAll } from "../db/page.ts";
import { InvalidParameterError } from "../errors.ts";
import { Cidr, Ipv4, type Ipv4Cidr } from "../util/cidr.ts";

/*
 * Which address an endpoint takes in its subnet. Uniqueness is not decided here: the creation
 * transaction puts the address's reservation item on `attribute_not_exists`, and a loser reads the
 * reservations again and tries another. A random free address makes losing rare among concurrent
 * creations while the subnet has room; in a subnet mostly free, the first try is a random address
 * without reading the reservations at all (`mayGuess`), one round trip fewer for most creations.
 *
 * Tried and dropped: a per-subnet cursor (`ADD` on the subnet item, sent alongside the creation's
 * BatchGetItem) handing out distinct first guesses without the reservations Query. DynamoDB Local makes
 * a plain write wait for every transaction that holds the item, and every creation's transaction holds
 * the subnet (its reference count), so under a burst the cursor queued behind the whole burst and timed
 * out (AWS would refuse it with TransactionConflictException instead).
 * Imported as `import * as IpAllocation`: a bundle keeps only the functions its route calls.
 */

/** Addresses an endpoint may take: not the network address, the gateway (first host) or broadcast. */
export function usableRange(block: Ipv4Cidr): { first: number; last: number } {
  return { first: block.base + 2, last: block.base + block.size - 2 };
}

/** A requested address, checked against the subnet's block and its reserved addresses. */
export function requested(text: string, block: Ipv4Cidr): number {
  const ip = Ipv4.parse(text);
  if (ip === undefined) throw InvalidParameterError.malformed("ip", "must be a dotted-decimal IPv4 address");
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

/**
 * Below this share of its usable addresses in use, a subnet's creation guesses an address without
 * reading the reservations: a guess is taken with at most this chance, and a taken guess costs one
 * cancelled transaction and then the read it skipped. Above it, the read comes first.
 */
export const GUESS_BELOW = 0.25;

/**
 * Whether to guess: `inUse` is the subnet's endpoint count, read with it in the creation's
 * BatchGetItem; it counts the reservations, each made and released in the endpoint's own transaction.
 */
export function mayGuess(block: Ipv4Cidr, inUse: number): boolean {
  const { first, last } = usableRange(block);
  return inUse < (last - first + 1) * GUESS_BELOW;
}

/** A random free address, so that concurrent retries rarely reach for the same one. */
export function pickFree(block: Ipv4Cidr, unavailable: Set<number>): number | undefined {
  const { first, last } = usableRange(block);
  // A few random tries find a free address in a subnet with room without listing a /16's 65,000.
  for (let i = 0; i < 8 && last >= first; i++) {
    const ip = first + Math.floor(Math.random() * (last - first + 1));
    if (!unavailable.has(ip)) return ip;
  }
  const free: number[] = [];
  for (let ip = first; ip <= last; ip++) if (!unavailable.has(ip)) free.push(ip);
  return free[Math.floor(Math.random() * free.length)];
}
