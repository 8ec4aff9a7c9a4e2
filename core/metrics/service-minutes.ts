import { createHash } from "node:crypto";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, ifConditionHolds } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import type { Change } from "../stream/change.ts";
import { log } from "../util/log.ts";
import { attr, SAMPLE_METRICS, type StoredMetric } from "./model.ts";

/**
 * A service's minute is the sum of its endpoints' minutes. Ingest writes only the endpoint minutes
 * (BatchWriteItem, blind); this consumer of the table's stream turns each endpoint minute's change (old
 * and new image) into the difference it makes to its service's minute, and ADDs those with one
 * UpdateItem per service-minute per batch.
 *
 * A batch may be delivered again (Lambda's retries, the local poller after a crash), whole or a part of
 * it. Each service minute therefore remembers, per stream shard, the highest sequence number it has
 * added, and an ADD is conditional on that being below the first record it carries. The records of one
 * shard come in order, so when the condition fails the records at or below the stored number are the
 * ones already added, and only those above it are added again.
 */
export namespace ServiceMinutes {
  /** Sequence numbers are decimal strings of 21 to 40 digits: padded, they compare as strings. */
  const SEQUENCE_DIGITS = 40;
  /** Service-minute UpdateItems in flight per batch. */
  const CONCURRENCY = 16;
  /** Tries of one service minute's ADD against concurrent appliers of the same shard. */
  const TRIES = 5;

  /**
   * Set on every endpoint minute written since service minutes come from the stream. A minute the
   * earlier ingest wrote was added to its service's minute there and then; its record, still in the
   * stream's 24 hours when this consumer first reads it (TRIM_HORIZON), must not be added twice. The
   * mapping's filter and this consumer both require it. Rewriting such a minute is fine: the new image
   * has it, and new − old is what the service minute lacks.
   */
  export const SUMMED_BY = "stream";

  export const sequenceKey = (sequence: string) => sequence.padStart(SEQUENCE_DIGITS, "0");

  /** The attribute holding a shard's applied sequence number: short, and stable for the shard. */
  export const shardAttribute = (shardId: string) =>
    `seq_${createHash("sha256").update(shardId).digest("hex").slice(0, 16)}`;

  /**
   * An endpoint minute written or rewritten. A service minute (its resourceId is the service's) must
   * never feed back; a removal (TTL expiry) takes nothing away, as the service minute expires with it.
   */
  export function isEndpointMinute(change: Change): boolean {
    const image = change.newImage;
    return (
      change.kind !== "remove" &&
      change.entity === "MetricMinute" &&
      typeof image?.resourceId === "string" &&
      image.resourceId.startsWith("vpce-") &&
      image.summedBy === SUMMED_BY
    );
  }

  export interface Delta {
    sums: Map<StoredMetric, number>;
    counts: Map<StoredMetric, number>;
  }

  /** What one endpoint minute's change adds to its service's minute. */
  export function deltaOf(change: Change): Delta {
    const now = change.newImage ?? {};
    const before = change.oldImage ?? {};
    const delta: Delta = { sums: new Map(), counts: new Map() };
    const add = (m: StoredMetric, sum: number, count: number) => {
      if (sum === 0 && count === 0) return;
      delta.sums.set(m, (delta.sums.get(m) ?? 0) + sum);
      delta.counts.set(m, (delta.counts.get(m) ?? 0) + count);
    };
    for (const m of SAMPLE_METRICS) {
      const a = now[attr.minute(m)] as number | undefined;
      const b = before[attr.minute(m)] as number | undefined;
      add(m, (a ?? 0) - (b ?? 0), (a !== undefined ? 1 : 0) - (b !== undefined ? 1 : 0));
    }
    // An endpoint counts as connected in a minute by its latest write's flag, as the hourly rollup
    // counts it from the same items: a re-send while connected adds nothing, a minute first sent while
    // pending and sent again once accepted counts then.
    const connected = (now.connected === true ? 1 : 0) - (before.connected === true ? 1 : 0);
    add("ConnectedEndpoints", connected, connected);
    return delta;
  }

  function total(changes: Change[]): Delta {
    const out: Delta = { sums: new Map(), counts: new Map() };
    for (const c of changes) {
      const d = deltaOf(c);
      for (const [m, v] of d.sums) out.sums.set(m, (out.sums.get(m) ?? 0) + v);
      for (const [m, v] of d.counts) out.counts.set(m, (out.counts.get(m) ?? 0) + v);
    }
    return out;
  }

  interface Group {
    serviceId: string;
    minute: number;
    expiresAt: number;
    changes: Change[];
  }

  /**
   * Adds the changes of one shard's batch to their service minutes. Returns how many records were added,
   * how many had been added before (a replay), and, when some service minutes could not be written, the
   * sequence number to deliver the batch again from: the lowest record of those minutes. Every record
   * before it belongs to a minute that was written, and the guard skips what is delivered again.
   */
  export async function apply(
    shardId: string,
    changes: Change[],
  ): Promise<{ added: number; replayed: number; failedFrom?: string }> {
    const groups = new Map<string, Group>();
    for (const change of changes) {
      if (!isEndpointMinute(change)) continue;
      const image = change.newImage as Record<string, unknown>;
      const serviceId = image.serviceId as string;
      const minute = image.t as number;
      const key = `${serviceId}#${minute}`;
      let group = groups.get(key);
      if (!group) {
        group = { serviceId, minute, expiresAt: image.expiresAt as number, changes: [] };
        groups.set(key, group);
      }
      group.changes.push(change);
    }
    const queue = [...groups.values()];
    let added = 0;
    let replayed = 0;
    let failedFrom: Change | undefined;
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        try {
          const n = await applyGroup(shardAttribute(shardId), group);
          added += n;
          replayed += group.changes.length - n;
        } catch (error) {
          log.error("service minute not updated; its records are delivered again", {
            serviceId: group.serviceId,
            minute: group.minute,
            error,
          });
          for (const c of group.changes)
            if (!failedFrom || sequenceKey(c.sequence) < sequenceKey(failedFrom.sequence)) failedFrom = c;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return failedFrom ? { added, replayed, failedFrom: failedFrom.sequence } : { added, replayed };
  }

  /** One service minute's records; returns how many were added now. */
  async function applyGroup(seqAttribute: string, group: Group): Promise<number> {
    // A batch delivered again may come out of order (AWS says so for tumbling windows); the guard's
    // first and last must be the lowest and highest sequence numbers.
    let pending = [...group.changes].sort((a, b) =>
      sequenceKey(a.sequence) < sequenceKey(b.sequence) ? -1 : 1,
    );
    for (let attempt = 0; attempt < TRIES; attempt++) {
      // Records that change nothing need no guard: added again, they still add nothing.
      if (pending.every((c) => total([c]).sums.size === 0)) return 0;
      const first = sequenceKey((pending[0] as Change).sequence);
      const last = sequenceKey((pending.at(-1) as Change).sequence);
      if (await addToService(group, total(pending), { attribute: seqAttribute, first, last }))
        return pending.length;
      // Some of these were added before: keep those after what the item says this shard added.
      const applied = await appliedSequence(group, seqAttribute);
      pending = pending.filter((c) => sequenceKey(c.sequence) > applied);
      if (pending.length === 0) return 0;
    }
    throw new Error(`service minute ${group.serviceId}@${group.minute}: the shard's ADD kept conflicting`);
  }

  async function appliedSequence(group: Group, seqAttribute: string): Promise<string> {
    const out = await call(() =>
      Db.client().send(
        new GetCommand({
          TableName: Db.table(),
          Key: Keys.metricMinute(group.serviceId, group.minute),
          ProjectionExpression: "#seq",
          ExpressionAttributeNames: { "#seq": seqAttribute },
          ConsistentRead: true,
        }),
      ),
    );
    return String(out.Item?.[seqAttribute] ?? "");
  }

  /**
   * ADDs the differences to the service's minute (creating it: keys, type, hour marker, expiry), and
   * moves the shard's applied sequence number from below `first` to `last`. False when the shard had
   * already added `first`.
   */
  async function addToService(
    group: Group,
    delta: Delta,
    guard: { attribute: string; first: string; last: string },
  ): Promise<boolean> {
    const adds: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let i = 0;
    for (const [m, d] of delta.sums) {
      names[`#m${i}`] = attr.minute(m);
      names[`#n${i}`] = attr.contributors(m);
      values[`:m${i}`] = d;
      values[`:n${i}`] = delta.counts.get(m) ?? 0;
      adds.push(`#m${i} :m${i}`, `#n${i} :n${i}`);
      i++;
    }
    const { serviceId, minute } = group;
    const marker = Keys.metricHourMarker(serviceId, minute);
    const out = await ifConditionHolds(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.metricMinute(serviceId, minute),
          UpdateExpression: `SET #type = :type, v = :v, resourceId = :rid, t = :t, gsi3pk = :g3pk, gsi3sk = :g3sk, expiresAt = :exp, #seq = :last${adds.length ? ` ADD ${adds.join(", ")}` : ""}`,
          ConditionExpression: "attribute_not_exists(#seq) OR #seq < :first",
          ExpressionAttributeNames: { ...names, "#type": "type", "#seq": guard.attribute },
          ExpressionAttributeValues: {
            ...values,
            ":type": "MetricMinute",
            ":v": 1,
            ":rid": serviceId,
            ":t": minute,
            ":g3pk": marker.gsi3pk,
            ":g3sk": marker.gsi3sk,
            ":exp": group.expiresAt,
            ":first": guard.first,
            ":last": guard.last,
          },
        }),
      ),
    );
    return out !== undefined;
  }
}
