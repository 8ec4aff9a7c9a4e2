import * as Config from "../config.ts";
import { ServiceUnavailableError } from "../errors.ts";
import { sendMessages } from "../util/sqs.ts";
import { RollupShards } from "./rollup-shards.ts";

/**
 * Where the hourly rollup's shard tasks go: in AWS one SQS message each, drained by the shard worker
 * function (functions/cron/rollup-shard.ts), one invocation per task; locally `workers` concurrent
 * workers in this process calling the same `RollupShards.roll`.
 */
export namespace RollupDispatch {
  export interface Sent {
    /** True when the tasks have run by the time `send` resolved (this process). */
    ran: boolean;
    outcomes: RollupShards.Outcome[];
  }
  export type Dispatch = (tasks: RollupShards.Task[]) => Promise<Sent>;

  /**
   * Runs the tasks here, `workers` at a time, and resolves when all have run. A task that fails leaves
   * its shard open (the next run resumes the round); the others go on, and the first error is thrown.
   */
  export function local(workers: number): Dispatch {
    return async (tasks) => {
      const queue = [...tasks];
      const outcomes: RollupShards.Outcome[] = [];
      const errors: unknown[] = [];
      const worker = async () => {
        for (let task = queue.shift(); task; task = queue.shift()) {
          try {
            outcomes.push(await RollupShards.roll(task));
          } catch (error) {
            errors.push(error);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, tasks.length)) }, worker));
      if (errors.length > 0) throw errors[0];
      return { ran: true, outcomes };
    };
  }

  /** One message per task to the shard queue; resolves once SQS has them all. */
  export function queue(queueUrl: string): Dispatch {
    return async (tasks) => {
      await sendMessages(
        queueUrl,
        tasks.map((body) => ({ body })),
        // The rounds stay open: the next run hands their missing shards out again.
        () => new ServiceUnavailableError("the rollup queue refused shard tasks; the next run sends them"),
      );
      return { ran: false, outcomes: [] };
    };
  }

  /** The queue when one is configured (AWS), else workers here (`workers`, or the configured number). */
  export function configured(workers?: number): Dispatch {
    const { queueUrl, workers: n } = Config.get().rollup;
    return queueUrl && workers === undefined ? queue(queueUrl) : local(workers ?? n);
  }
}
