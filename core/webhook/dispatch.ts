import * as Config from "../config.ts";
import { log } from "../util/log.ts";
import * as WebhookDelivery from "./delivery.ts";
import type * as WebhookMessage from "./message.ts";
import * as WebhookLease from "./message-lease.ts";
import * as WebhookModel from "./model.ts";
import { WebhookQueueDispatcher } from "./queue.ts";

/**
 * Runs attempts off the path that asked for them. Each subscription has its own queue and at most
 * `perSubscription` attempts in flight, so a receiver that hangs for 15 s holds only its own queue:
 * the stream, auto-accept and every other subscription go on. A failed attempt whose next try is near
 * (the 5-second retry) gets a timer here; later ones are the retry job's.
 */
/** Where attempts go once a message is written: this process, or a queue another function drains. */
export interface Dispatch {
  /** Hands attempts over; resolves once they are safely handed (not when they are made). */
  dispatch(jobs: WebhookDelivery.Job[]): Promise<void>;
  /** After an attempt made elsewhere (a test event, a manual retry): schedule its next try if near. */
  followUp(outcome: WebhookDelivery.Outcome): Promise<void>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How long an outcome may wait for others to be written with it, while more attempts are still out.
 * DynamoDB's cost per item falls steeply with the batch (DynamoDB Local: about 2.5x per item at 5 than at
 * 25), so under load batches fill to 25; an outcome with no attempt left out is written at once.
 */
const FLUSH_MS = 50;

export class WebhookDispatcher implements Dispatch {
  private readonly queues = new Map<string, WebhookDelivery.Job[]>();
  private readonly active = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  /** Attempts whose receiver has not answered yet: their outcomes could join the next batch. */
  private sending = 0;
  private waiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly options: {
      perSubscription?: number;
      /** Retries due within this long are timed here; later ones wait for the job. */
      timerHorizonMs?: number;
      onOutcome?: (outcome: WebhookDelivery.Outcome) => void;
    } = {},
  ) {}

  /** Queues attempts; resolves at once. */
  async dispatch(jobs: WebhookDelivery.Job[]): Promise<void> {
    this.enqueue(jobs);
  }

  private enqueue(jobs: WebhookDelivery.Job[]): void {
    if (this.stopped) return;
    for (const job of jobs) {
      const id = job.message.subscriptionId;
      const queue = this.queues.get(id) ?? [];
      queue.push(job);
      this.queues.set(id, queue);
      this.pump(id);
    }
  }

  /** Resolves when no attempt is queued or in flight (timers for later retries do not count). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queues.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops timers and queued work (in-flight attempts finish); what is dropped is the retry job's. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queues.clear();
    await this.idle();
  }

  private pump(subscriptionId: string): void {
    const limit = this.options.perSubscription ?? 8;
    const queue = this.queues.get(subscriptionId);
    while (queue && queue.length > 0 && (this.active.get(subscriptionId) ?? 0) < limit) {
      const job = queue.shift() as WebhookDelivery.Job;
      if (queue.length === 0) this.queues.delete(subscriptionId);
      this.active.set(subscriptionId, (this.active.get(subscriptionId) ?? 0) + 1);
      this.inFlight++;
      this.sending++;
      // The receiver's slot is freed once it answered; the bookkeeping then runs beside the next attempt.
      const settled = WebhookDelivery.send(job).then(
        (sent) => {
          this.sending--;
          this.release(subscriptionId);
          return this.settle(sent);
        },
        (error: unknown) => {
          this.sending--;
          this.release(subscriptionId);
          throw error;
        },
      );
      void settled
        .then(
          (outcome) => {
            this.options.onOutcome?.(outcome);
            this.timeFollowUp(outcome);
          },
          // The message keeps its lease until it runs out; then the retry job takes it.
          (error: unknown) =>
            log.error("webhook attempt could not be recorded", { messageId: job.message.id, error }),
        )
        .finally(() => {
          this.inFlight--;
          this.wakeIfIdle();
        });
    }
  }

  private readonly unrecorded: Array<{
    sent: WebhookDelivery.Sent;
    resolve: (o: WebhookDelivery.Outcome) => void;
    reject: (e: unknown) => void;
  }> = [];
  private flushQueued = false;

  /**
   * Bookkeeping is gathered while attempts are out and written together: a receiver answering quickly
   * would otherwise wait on one table write per message.
   */
  private settle(sent: WebhookDelivery.Sent): Promise<WebhookDelivery.Outcome> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({ sent, resolve, reject });
      if (this.unrecorded.length >= 25 || this.sending === 0) this.flush();
      else if (!this.flushQueued) {
        this.flushQueued = true;
        setTimeout(() => {
          this.flushQueued = false;
          this.flush();
        }, FLUSH_MS);
      }
    });
  }

  private flush(): void {
    while (this.unrecorded.length > 0) {
      const batch = this.unrecorded.splice(0, 25);
      WebhookDelivery.settleMany(batch.map((b) => b.sent)).then(
        (outcomes) => {
          for (const [i, b] of batch.entries()) b.resolve(outcomes[i] as WebhookDelivery.Outcome);
        },
        (error: unknown) => {
          for (const b of batch) b.reject(error);
        },
      );
    }
  }

  private release(subscriptionId: string): void {
    const left = (this.active.get(subscriptionId) ?? 1) - 1;
    if (left === 0) this.active.delete(subscriptionId);
    else this.active.set(subscriptionId, left);
    this.pump(subscriptionId);
  }

  private wakeIfIdle(): void {
    if (this.inFlight === 0 && this.queues.size === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  async followUp(outcome: WebhookDelivery.Outcome): Promise<void> {
    this.timeFollowUp(outcome);
  }

  private timeFollowUp(outcome: WebhookDelivery.Outcome): void {
    const next = outcome.message;
    if (next?.status === "pending" && next.dueAt) this.timeRetry(next);
  }

  private timeRetry(message: WebhookMessage.Stored): void {
    const due = new Date(message.dueAt as string).getTime();
    const delay = due - WebhookModel.now().getTime();
    if (this.stopped || delay > (this.options.timerHorizonMs ?? 60_000)) return;
    const timer = setTimeout(
      async () => {
        this.timers.delete(timer);
        try {
          // Node measures timers from the event loop's cached time, so one may fire a few ms before the
          // wall clock reaches dueAt; claiming at `now` would then miss, and the retry would wait for the
          // job. The claim still refuses a message rescheduled later or taken by someone else.
          const at = Math.max(WebhookModel.now().getTime(), due);
          const claimed = await WebhookLease.claim(message.subscriptionId, message.id, new Date(at));
          if (claimed) this.enqueue([{ message: claimed, trigger: "retry" }]);
        } catch (error) {
          log.warn("webhook retry timer could not claim its message; the retry job will", {
            messageId: message.id,
            error,
          });
        }
      },
      Math.max(0, delay),
    );
    timer.unref();
    this.timers.add(timer);
  }
}

/*
 * The process's dispatcher: an SQS queue when LINKPLANE_WEBHOOK_QUEUE_URL is set (in AWS, where work
 * left running after a Lambda returns would be frozen), else this process (the local runtime, tests).
 * Imported as `import * as WebhookDispatch`: a bundle keeps only the functions its route calls.
 */

let current: Dispatch | undefined;

export function get(): Dispatch {
  if (!current) {
    const queueUrl = Config.get().webhooks.queueUrl;
    current = queueUrl ? new WebhookQueueDispatcher(queueUrl) : new WebhookDispatcher();
  }
  return current;
}

export function use(next: Dispatch | undefined): void {
  current = next;
}
