/**
 * The sale signal's two sides (src/reservations/sale-signal.ts) against the real Redis: one API
 * process answering fast enough signals a sale at once; several API processes each below the
 * threshold signal it together, through their shared count per window; a slow trickle never does.
 * (tests/temporal/sale-signal.test.ts checks what the starters then do, on the whole engine.)
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startSaleReporter, watchSale } from '../../src/reservations/sale-signal.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';

const log = pino({ level: 'silent' });
let redis: Redis;
beforeAll(() => { redis = new Redis(TEST_REDIS_URL); });
afterAll(() => { redis.disconnect(); });

/** Whether the watcher reads "sale in progress" within `ms` (it asks Redis at most every 100 ms, answering from its last reading). */
async function seenWithin(inProgress: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (inProgress()) return true;
    await sleep(20);
  }
  return false;
}

/** The watcher's reading taken after this moment (it answers from its last one, and asks again at most every 100 ms). */
async function readAfresh(inProgress: () => boolean): Promise<boolean> {
  inProgress();
  await sleep(200);
  return inProgress();
}

/** `processes` reporters (API processes), each noting `perWindow` holds every 100 ms for `ms`. */
async function sale(taskQueue: string, processes: number, perWindow: number, ms: number, watch: () => boolean) {
  const reporters = Array.from({ length: processes }, () => startSaleReporter({ redis, taskQueue, holdsPerSecond: 100, log }));
  let seen = false;
  const started = Date.now();
  while (Date.now() - started < ms) {
    for (const reporter of reporters) for (let i = 0; i < perWindow; i++) reporter.noteHold();
    await sleep(100);
    seen ||= watch();
  }
  seen ||= await seenWithin(watch, 250);
  for (const reporter of reporters) reporter.stop();
  return seen;
}

// 100 holds a second is 10 per window of 100 ms
test('one API process at the threshold signals a sale; the signal lapses once the holds stop', async () => {
  const taskQueue = `sale-${randomUUID()}`;
  const watch = watchSale(redis, taskQueue);
  expect(await sale(taskQueue, 1, 12, 600, watch)).toBe(true);
  await sleep(500);
  expect(await readAfresh(watch)).toBe(false);
});

test('three API processes, each at 40 % of the threshold, signal a sale together', async () => {
  const taskQueue = `sale-${randomUUID()}`;
  expect(await sale(taskQueue, 3, 4, 800, watchSale(redis, taskQueue))).toBe(true);
});

test('a trickle below the threshold across the processes is no sale', async () => {
  const taskQueue = `sale-${randomUUID()}`;
  expect(await sale(taskQueue, 2, 2, 800, watchSale(redis, taskQueue))).toBe(false);
});

test('a threshold of 0 turns the reporter off', async () => {
  const taskQueue = `sale-${randomUUID()}`;
  const reporter = startSaleReporter({ redis, taskQueue, holdsPerSecond: 0, log });
  for (let i = 0; i < 100; i++) reporter.noteHold();
  await sleep(150); // past the end of the window
  expect(await readAfresh(watchSale(redis, taskQueue))).toBe(false);
  reporter.stop();
});
