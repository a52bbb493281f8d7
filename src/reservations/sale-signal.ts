import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * A sale in progress, as the starters see it (src/reservations/starter.ts), on any topology.
 *
 * Every API process counts the holds it answers, winners and losers alike. In each window of
 * WINDOW_MS where it answers at least SALE_HOLDS_PER_SECOND's share, it renews one short-lived
 * Redis key of its task queue as soon as the share is reached (it lapses TTL_MS later). At the
 * end of each window it also adds its count to the processes' shared count of that window (one
 * Redis call per window with holds), and renews the key when all the processes together reached
 * the share: ten API processes at 15 holds a second each are a sale of 150 a second. The starters of
 * every worker process read that key: while it exists, a new hold's workflow start waits (up
 * to WORKFLOW_START_SALE_DEFER_MS), so the winners' starts come once the sale's answers are
 * out, not among them. The refused holds write nothing in PostgreSQL, so this is the only way
 * a starter in another process can tell that a sale is still going.
 *
 * Both sides fail open: a Redis that does not answer means "no sale", and starts go at once.
 */

const WINDOW_MS = 100;
const TTL_MS = 3 * WINDOW_MS;

/** The key of the sale signal of one engine (its task queue: test files and engines sharing one Redis do not see each other's sales). */
const saleKey = (taskQueue: string) => `booking:sale-in-progress:${taskQueue}`;
/** The holds every API process answered in one window of WINDOW_MS (numbered from the epoch: the processes' clocks agree closely enough). */
const windowCountKey = (taskQueue: string, window: number) => `booking:sale-holds:${taskQueue}:${window}`;

/** The API side: `noteHold()` on every hold answered; renews the key while holds come at least `holdsPerSecond` fast. */
export function startSaleReporter(options: { redis: Redis; taskQueue: string; holdsPerSecond: number; log: Logger }): { noteHold(): void; stop(): void } {
  if (options.holdsPerSecond <= 0) return { noteHold() {}, stop() {} };
  const key = saleKey(options.taskQueue);
  const perWindow = Math.max(1, Math.ceil((options.holdsPerSecond * WINDOW_MS) / 1000));
  let holds = 0;
  let warned = false;
  const redisFailed = (error: unknown) => {
    if (!warned) options.log.warn({ err: error }, 'could not signal a sale in progress to the starters (Redis); their starts may overlap it');
    warned = true;
  };
  const signal = () => {
    options.redis.set(key, '1', 'PX', TTL_MS).then(() => { warned = false; }, redisFailed);
  };
  /** This window's holds into the processes' shared count; the key renewed when they reach the share together. */
  const addToSharedCount = (count: number) => {
    const countKey = windowCountKey(options.taskQueue, Math.floor(Date.now() / WINDOW_MS));
    options.redis.multi().incrby(countKey, count).pexpire(countKey, TTL_MS).exec().then((replies) => {
      const total = Number(replies?.[0]?.[1] ?? 0);
      if (total >= perWindow && total - count < perWindow) signal(); // once per window: by the process whose count reached the share
    }, redisFailed);
  };
  // each window that reaches its share renews the key once, at the hold that reaches it; a window
  // below it adds its holds to the count of every process's holds
  const timer = setInterval(() => {
    if (holds > 0 && holds < perWindow) addToSharedCount(holds);
    holds = 0;
  }, WINDOW_MS);
  timer.unref();
  return {
    noteHold: () => { if (++holds === perWindow) signal(); },
    stop: () => clearInterval(timer),
  };
}

/**
 * The starters' side: whether a sale is in progress, answered at once from the last reading.
 * A reading is asked for at most every WINDOW_MS and never awaited, so a slow or absent Redis
 * never holds up a starter's round; it reads as "no sale".
 */
export function watchSale(redis: Redis, taskQueue: string): () => boolean {
  const key = saleKey(taskQueue);
  let inProgress = false;
  let asking = false;
  let askedAt = 0;
  return () => {
    if (!asking && Date.now() - askedAt >= WINDOW_MS) {
      asking = true;
      askedAt = Date.now();
      redis.exists(key).then((found) => { inProgress = found === 1; }, () => { inProgress = false; }).finally(() => { asking = false; });
    }
    return inProgress;
  };
}
