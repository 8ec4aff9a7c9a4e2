import { BatchGetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";

/** The last run of each scheduled job, as the operator sees it. */
export namespace JobState {
  export const Outcome = z.object({
    status: z.enum(["succeeded", "failed"]),
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number(),
    /** Who fired it: its schedule, an operator (`POST …/run`), or the demo loading its history. */
    trigger: z.enum(["schedule", "manual", "demo"]),
    /** What the job reports about its work ("rolled 12 hours"), or the error message. */
    summary: z.record(z.string(), z.unknown()).optional(),
    error: z.string().optional(),
  });
  export type Outcome = z.infer<typeof Outcome>;

  export async function record(name: string, outcome: Outcome): Promise<void> {
    await call(() =>
      Db.client().send(
        new PutCommand({
          TableName: Db.table(),
          Item: { ...Keys.job(name), type: "JobState", v: 1, name, ...outcome },
        }),
      ),
    );
  }

  /** The last outcome of each named job (one BatchGetItem; the registry is small). */
  export async function lastRuns(names: string[]): Promise<Map<string, Outcome>> {
    const result = new Map<string, Outcome>();
    if (names.length === 0) return result;
    const out = await call(() =>
      Db.client().send(
        new BatchGetCommand({ RequestItems: { [Db.table()]: { Keys: names.map((n) => Keys.job(n)) } } }),
      ),
    );
    for (const item of out.Responses?.[Db.table()] ?? []) {
      const parsed = Outcome.safeParse(item);
      if (parsed.success) result.set(String(item.name), parsed.data);
    }
    return result;
  }
}
