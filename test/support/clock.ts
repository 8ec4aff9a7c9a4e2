import { Clock } from "../../core/util/time.ts";

/**
 * The suite's clock. With LINKPLANE_TEST_CLOCK=<ISO instant> every test file runs as if started at
 * that instant (the clock then advances in real time), so the suite can be replayed at the awkward
 * minutes:
 *
 *   LINKPLANE_TEST_CLOCK=2026-11-30T23:59:30Z npm test
 *
 * Tests read the time through `Clock.now()` (or `nowSeconds()`), never `Date.now()`.
 */
let current: () => number = () => Date.now();

function set(source: () => number): void {
  current = source;
  Clock.use(source);
}

export function installSuiteClock(): void {
  const start = process.env.LINKPLANE_TEST_CLOCK;
  if (!start) {
    set(() => Date.now());
    return;
  }
  const base = Date.parse(start);
  if (Number.isNaN(base)) throw new Error(`LINKPLANE_TEST_CLOCK is not an ISO instant: ${start}`);
  startClock(base);
}

/** Runs the clock from `ms` (epoch milliseconds) on, advancing in real time. */
export function startClock(ms: number): void {
  const t0 = performance.now();
  set(() => ms + Math.floor(performance.now() - t0));
}

/** Runs `act` with the clock stopped at `ms` (epoch milliseconds), then puts the running clock back. */
export async function atInstant<T>(ms: number, act: () => Promise<T>): Promise<T> {
  const running = current;
  set(() => ms);
  try {
    return await act();
  } finally {
    set(running);
  }
}

/** Epoch seconds by the clock the code under test reads. */
export function nowSeconds(): number {
  return Math.floor(Clock.now() / 1000);
}

/**
 * The latest half past an hour at or before the clock, in epoch milliseconds: a file that starts its
 * clock there has half an hour before any hour boundary, whatever minute it runs at.
 */
export function halfPastHour(): number {
  const hour = 3_600_000;
  const at = Clock.now() - hour / 2;
  return at - (at % hour) + hour / 2;
}

/**
 * Stops the clock at `start` until moved: for schedules, retries and expiry. `release()` puts the suite's
 * running clock back.
 */
export function frozen(start: number = Clock.now()) {
  const running = current;
  let at = start;
  set(() => at);
  return {
    now: () => new Date(at),
    advance(ms: number) {
      at += ms;
    },
    set(ms: number) {
      at = ms;
    },
    release() {
      set(running);
    },
  };
}
