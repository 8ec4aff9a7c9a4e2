import { median, percentile } from "./support.ts";

/*
 * How bench/api.ts times a row: sequential latencies, throughput at a fixed number in flight, bursts,
 * and rows of several sides interleaved round by round so that all see the same load.
 */

export interface Row {
  path: string;
  value: string;
  floor: string;
  ratio: number;
  goal: string;
}

/** Sequential latencies of `fn`, `n` times. */
export async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Calls per second with `inFlight` callers for `n` calls in all. */
export async function throughput(
  n: number,
  inFlight: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/** `n` calls all at once: wall time, calls per second and the p95 of their latencies. */
export async function burst(n: number, fn: (i: number) => Promise<unknown>) {
  const each: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = performance.now();
      await fn(i);
      each.push(performance.now() - s);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, perSecond: n / seconds, p95: percentile(each, 0.95) };
}

/**
 * p50s of several sides of one row (the API, its floors), interleaved round by round so all see the same
 * load: per side, the p50 of each round.
 */
export async function p50Rounds(
  sides: Array<() => Promise<unknown>>,
  { rounds, samples }: { rounds: number; samples: number },
): Promise<number[][]> {
  const out = sides.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    // Warm every side's code path (the JIT) before timing, not only the connections.
    for (const side of sides) await latencies(100, side);
    for (const [i, side] of sides.entries()) out[i]?.push(median(await latencies(samples, side)));
  }
  return out;
}

/**
 * A row of `a` against `b`, from the same rounds: the medians of each side, and the median of the rounds'
 * own ratios (which need not equal the ratio of the two medians).
 */
export function ratioRow(
  path: string,
  goal: string,
  a: number[],
  b: number[],
  show: (x: number) => string = (x) => `${x.toFixed(2)} ms`,
): Row {
  return {
    path,
    value: show(median(a)),
    floor: show(median(b)),
    ratio: median(a.map((x, i) => x / (b[i] as number))),
    goal,
  };
}
