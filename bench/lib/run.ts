/**
 * Small helpers every benchmark uses: progress lines, percentiles, a bounded-concurrency
 * runner, free ports. Nothing here knows about the engine.
 */

const t0 = performance.now();

/** Seconds since the benchmark started (this module was loaded). */
export const elapsedSeconds = (): number => (performance.now() - t0) / 1000;

let muted = false;
/** No more progress lines (e.g. once an interrupted run is being torn down). */
export function muteProgress(): void {
  muted = true;
}

/** One progress line on stdout, stamped with the seconds since the benchmark started. */
export function progress(line: string): void {
  if (!muted) process.stdout.write(`[${elapsedSeconds().toFixed(1).padStart(6)} s] ${line}\n`);
}

/** Nearest-rank percentile of an unsorted sample (p in 0..100); NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sortedPercentile(sorted, p);
}

function sortedPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Summary { count: number; p50: number; p90: number; p99: number; max: number; mean: number }

/** Count, nearest-rank p50/p90/p99, max and mean of a sample (NaN where it is empty). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (p: number) => (sorted.length ? sortedPercentile(sorted, p) : Number.NaN);
  return {
    count: sorted.length,
    p50: pick(50),
    p90: pick(90),
    p99: pick(99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    mean: sorted.length ? sorted.reduce((sum, v) => sum + v, 0) / sorted.length : Number.NaN,
  };
}

/** `concurrency` runners pulling task indexes 0..count-1 from a shared counter. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(runners);
}

/** Shuffles in place (Fisher–Yates) with the given source of randomness. */
export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A small seeded PRNG (mulberry32), so a run's random choices can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A TCP port nobody listens on right now, on 127.0.0.1. */
export { freePort } from '../../tests/helpers/ports.ts';
