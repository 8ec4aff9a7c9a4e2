/**
 * The one clock that code asking "what time is it?" reads, so a test can pin the instant it runs at
 * (test/support/clock.ts) and no test depends on the minute of the hour it happens to run in.
 * Durations and timeouts (a job's budget, a retry delay) may keep using the system clock.
 *
 * @example
 * Clock.use(() => Date.parse("2026-11-30T23:59:30Z")); // pinned
 * Clock.use(undefined); // the system clock again
 */
export namespace Clock {
  const system = () => Date.now();
  let source: () => number = system;

  /** Milliseconds since the epoch. */
  export function now(): number {
    return source();
  }

  export function date(): Date {
    return new Date(source());
  }

  /** Replaces the clock; `undefined` puts the system clock back. */
  export function use(next: (() => number) | undefined): void {
    source = next ?? system;
  }
}

/** ISO 8601 UTC with milliseconds: sorts as text in the same order as in time. */
export function nowIso(): string {
  return Clock.date().toISOString();
}
