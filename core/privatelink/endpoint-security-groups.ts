import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Db } from "../db/client.ts";
import { call, RaceLostError, retryRaces } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { transactWrite } from "../db/transact.ts";
import { NotFoundError } from "../errors.ts";
import * as Owned from "../inventory/owned.ts";
import * as SecurityGroup from "../inventory/security-group.ts";
import { validate } from "../validation.ts";
import * as Endpoint from "./endpoint.ts";

/*
 * An endpoint's security groups: an ordered list (priority = position, 1 first), each bound group's
 * counter moved in the same transaction as the list, under the endpoint's `sgVersion` lock.
 * Imported as `import * as EndpointSecurityGroups`: a bundle keeps only the functions its route calls.
 */

export const Binding = z.object({ securityGroupId: z.string(), priority: z.number().int() });
export type Binding = z.infer<typeof Binding>;

export const Input = z.strictObject({
  securityGroupIds: z
    .array(SecurityGroup.Id)
    .max(Endpoint.MAX_SECURITY_GROUPS)
    .refine((ids) => new Set(ids).size === ids.length, { error: "security groups must not repeat" }),
});

export function bindings(ids: string[]): Binding[] {
  return ids.map((securityGroupId, i) => ({ securityGroupId, priority: i + 1 }));
}

export async function list(uin: string, id: string): Promise<Binding[]> {
  return bindings((await Endpoint.load(uin, id)).securityGroupIds ?? []);
}

/**
 * Replaces the ordered list (priority = position, 1 first): the reference product's "adjust priority".
 * Added groups must be the caller's, in the endpoint's region; their counters move in the same write.
 */
export async function set(uin: string, id: string, input: unknown): Promise<Binding[]> {
  const { securityGroupIds } = validate(Input, input);
  return rebind(uin, id, () => securityGroupIds);
}

export async function unbind(uin: string, id: string, sgId: string): Promise<Binding[]> {
  return unbindAll(uin, id, [sgId]);
}

/** Unbinds several groups in one write; if one is not bound, none is unbound. */
export async function unbindAll(uin: string, id: string, sgIds: string[]): Promise<Binding[]> {
  return rebind(uin, id, (current) => {
    const unbound = sgIds.find((g) => !current.includes(g));
    if (unbound !== undefined) throw new NotFoundError("security group binding", `${unbound} on ${id}`);
    return current.filter((g) => !sgIds.includes(g));
  });
}

async function rebind(uin: string, id: string, next: (current: string[]) => string[]): Promise<Binding[]> {
  return retryRaces(10, async () => {
    const ep = await Endpoint.load(uin, id, true);
    const current = ep.securityGroupIds ?? [];
    const wanted = next(current);
    const added = wanted.filter((g) => !current.includes(g));
    const removed = current.filter((g) => !wanted.includes(g));
    if (added.length > 0) {
      const out = await call(() =>
        Db.client().send(
          new BatchGetCommand({
            RequestItems: {
              [Db.table()]: {
                Keys: added.map((g) => ({ ...Keys.owned(uin, "SG", g) })),
                ConsistentRead: true,
              },
            },
          }),
        ),
      );
      const found = new Map(
        (out.Responses?.[Db.table()] ?? []).map((i) => [String(i.id), i as SecurityGroup.Stored]),
      );
      for (const g of added) {
        const sg = found.get(g);
        if (!sg || sg.region !== ep.region)
          throw new NotFoundError("security group", g, { field: "securityGroupIds" });
      }
    }
    await transactWrite(
      [
        {
          Update: {
            TableName: Db.table(),
            Key: Keys.endpoint(id),
            UpdateExpression: "SET securityGroupIds = :ids, sgVersion = :next",
            ConditionExpression: "ownerUin = :uin AND sgVersion = :seen",
            ExpressionAttributeValues: {
              ":ids": wanted,
              ":next": ep.sgVersion + 1,
              ":seen": ep.sgVersion,
              ":uin": uin,
            },
          },
        },
        ...added.map((g) => Owned.refTransactItem(SecurityGroup.kind, uin, g, "endpoint_binding", 1)),
        ...removed.map((g) => Owned.refTransactItem(SecurityGroup.kind, uin, g, "endpoint_binding", -1)),
      ],
      {
        onCancelled: (reasons) => {
          if (reasons[0]?.Code === "ConditionalCheckFailed") return new RaceLostError();
          const lost = reasons.findIndex((r, i) => i > 0 && r.Code === "ConditionalCheckFailed");
          if (lost > 0) {
            const g = [...added, ...removed][lost - 1] ?? "";
            return new NotFoundError("security group", g, { field: "securityGroupIds" });
          }
          return undefined;
        },
      },
    );
    return bindings(wanted);
  });
}
