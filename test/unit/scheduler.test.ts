import { afterEach, describe, expect, it, vi } from "vitest";
import { nextRun, Scheduler } from "../../infra/local/scheduler.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("nextRun", () => {
  it.each([
    ["rate(1 minute)", "2026-11-29T08:00:30Z", "2026-11-29T08:01:00.000Z"],
    ["rate(5 minutes)", "2026-11-29T08:04:59Z", "2026-11-29T08:05:00.000Z"],
    ["rate(5 minutes)", "2026-11-29T08:05:00Z", "2026-11-29T08:10:00.000Z"],
    ["rate(1 hour)", "2026-11-29T08:00:00Z", "2026-11-29T09:00:00.000Z"],
    ["rate(1 day)", "2026-11-29T08:00:00Z", "2026-11-30T00:00:00.000Z"],
    ["cron(5 * * * ? *)", "2026-11-29T08:05:00Z", "2026-11-29T09:05:00.000Z"],
    ["cron(15 2 * * ? *)", "2026-11-29T08:00:00Z", "2026-11-30T02:15:00.000Z"],
    ["cron(0 12 ? * MON *)", "2026-11-29T08:00:00Z", "2026-11-30T12:00:00.000Z"],
  ])("%s after %s is %s", (expression, after, expected) => {
    expect(nextRun(expression, new Date(after)).toISOString()).toBe(expected);
  });

  it.each([
    "rate(1 minutes)",
    "rate(2 minute)",
    "rate(0 minutes)",
    "cron(* * * *)",
    "every minute",
    "rate(1 second)",
  ])("refuses %s", (expression) => {
    expect(() => nextRun(expression, new Date())).toThrow();
  });
});

describe("Scheduler", () => {
  it("fires each entry on its schedule with the scheduled time", async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date("2026-11-29T08:00:30Z") });
    const fired: string[] = [];
    const scheduler = new Scheduler([{ name: "minutely", schedule: "rate(1 minute)" }], async (entry, at) => {
      fired.push(`${entry.name}@${at.toISOString()}`);
    });
    // Act
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    // Assess
    expect(fired).toEqual([
      "minutely@2026-11-29T08:01:00.000Z",
      "minutely@2026-11-29T08:02:00.000Z",
      "minutely@2026-11-29T08:03:00.000Z",
    ]);
  });

  it("started twice, fires each tick once, and nothing after it is stopped", async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date("2026-11-29T08:00:30Z") });
    const fired: string[] = [];
    const scheduler = new Scheduler([{ name: "minutely", schedule: "rate(1 minute)" }], async (_, at) => {
      fired.push(at.toISOString());
    });
    // Act
    scheduler.start();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    // Assess
    expect(fired).toEqual(["2026-11-29T08:01:00.000Z", "2026-11-29T08:02:00.000Z"]);
  });

  it("does not start a job again while it is still running", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-29T08:00:00Z") });
    let started = 0;
    const scheduler = new Scheduler([{ name: "slow", schedule: "rate(1 minute)" }], async () => {
      started++;
      await new Promise((r) => setTimeout(r, 150_000));
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3 * 60_000 + 1);
    scheduler.stop();
    // Fired at 08:01 (runs until 08:03:30); the 08:02 and 08:03 ticks are skipped.
    expect(started).toBe(1);
  });

  it("keeps firing after a job fails", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-29T08:00:00Z") });
    let calls = 0;
    const scheduler = new Scheduler([{ name: "flaky", schedule: "rate(1 minute)" }], async () => {
      calls++;
      throw new Error("boom");
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    scheduler.stop();
    expect(calls).toBe(2);
  });
});
