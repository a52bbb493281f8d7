/**
 * The crash schedule of issue 8, against the engine as `npm start` runs it (real processes):
 * holds of two seats; then at once, checkouts with the success card, the slow card and a
 * declined card while other holds are left to expire; a moment later the engine's process is
 * SIGKILLed — alone ("engine"), or with its Temporal dev server ("power cut"). The engine is
 * started again, half of the checkouts the crash cut off are retried with their
 * Idempotency-Key, and the run waits past every deadline. Then it checks (checks.ts, shared with
 * the lifecycle run), from PostgreSQL, the provider's ledger and Temporal:
 *   - charges minus refunds equal the confirmed bookings' amounts, at most one charge per
 *     reservation, and no payment attempt left open;
 *   - every reservation is terminal, no seat is sold twice or held twice, the seats agree with
 *     their reservations, and each workflow has closed with the same state (`ReservationState`);
 *   - every answer a customer got was true: a 200 has a booking, "nothing was charged" was not
 *     charged, "refunded" was refunded.
 * Used by the CI crash test (tests/crash/) and by `npm run bench:chaos` (more, bigger runs).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { z } from 'zod';
import { signToken } from '../../src/auth/tokens.ts';
import { createEvent } from '../../src/db/events.ts';
import { sql } from '../../src/db/sql.ts';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { provideTemporalCli } from '../../src/temporal/cli.ts';
import { startDevServer } from '../../src/temporal/dev-server.ts';
import { createTestDatabase } from '../../tests/helpers/database.ts';
import { killMatching, type RoleProcess, spawnRole, waitForHealth } from '../../tests/helpers/processes.ts';
import { checkAnswers, checkMoney, checkSeats, checkWorkflows, reservationStatuses, waitUntilSettled } from './checks.ts';
import { freePort } from '../../tests/helpers/ports.ts';

export type CrashMode = 'engine' | 'power-cut';

export interface CrashScheduleOptions {
  mode: CrashMode;
  holds: number;
  /** Checkouts sent at once, by card: the rest of the holds are left to expire. */
  checkouts: { success: number; slow: number; declined: number };
  holdSeconds: number;
  /** From the checkouts' start to the SIGKILL. */
  killAfterMs: number;
  /** Where logs and the dev server's database file go (removed afterwards unless `keep`). */
  workDir: string;
  keep?: boolean;
  progress?: (line: string) => void;
}

export interface CrashReport {
  mode: CrashMode;
  holds: number;
  checkoutsSent: number;
  answeredBeforeCrash: number;
  cutOffByCrash: number;
  retried: number;
  final: Record<string, number>;
  chargedCents: number;
  refundedCents: number;
  bookedCents: number;
  workflowsChecked: number;
  secondsToSettle: number;
  violations: string[];
}

const JWT_SECRET = 'crash-schedule-secret-of-at-least-32-characters';
const GRACE_SECONDS = 1;


interface Answer { status: number; body: any }

async function call(url: string, path: string, token: string, body: unknown, key: string): Promise<Answer | null> {
  try {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch {
    return null; // cut off: the process died under the request
  }
}

export async function runCrashSchedule(options: CrashScheduleOptions): Promise<CrashReport> {
  const progress = options.progress ?? (() => {});
  const log = pino({ level: 'warn' });
  const cleanup: Array<() => Promise<unknown>> = [];
  const violations: string[] = [];
  mkdirSync(options.workDir, { recursive: true });
  try {
    const db = await createTestDatabase(`crash_${options.mode.replace('-', '_')}`);
    cleanup.push(() => db.drop());
    const cli = await provideTemporalCli(log, process.env.TEMPORAL_CLI);
    const [port, temporalPort] = [await freePort(), await freePort()];
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const dbFile = join(options.workDir, 'temporal.db');
    const env: Record<string, string> = {
      NODE_ENV: 'development', SEED_DEMO: 'false', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port),
      DATABASE_URL: db.url, JWT_SECRET, TEMPORAL_TASK_QUEUE: `crash-${randomUUID().slice(0, 8)}`,
      PAYMENT_SLOW_MS: '3000', PASSIVE_EXPIRY_GRACE_SECONDS: String(GRACE_SECONDS), PAYMENT_FOLLOW_UP_SECONDS: '3', RECONCILE_INTERVAL_MS: '500',
      LOST_HOLD_SWEEP_INTERVAL_SECONDS: '5', LOST_HOLD_SWEEP_MARGIN_SECONDS: '5', RATE_LIMIT_HOLDS_PER_MINUTE: '0', HOLD_MIN_SECONDS: '2',
    };
    let devServer: { stop(): Promise<void> } | undefined;
    if (options.mode === 'engine') {
      // the dev server lives on its own, and outlives the engine's crash
      devServer = await startDevServer({ cli, port: temporalPort, dbFile, logFile: join(options.workDir, 'temporal.log'), namespace: 'default', log });
      cleanup.push(() => devServer!.stop());
      env.TEMPORAL_ADDRESS = temporalAddress;
    } else {
      // the engine starts its own dev server (as `npm start` does), and the crash takes both
      Object.assign(env, { TEMPORAL_DEV_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(await freePort()), TEMPORAL_DB_FILE: dbFile });
      cleanup.push(() => killMatching('start-dev', '--port', String(temporalPort)));
    }
    const url = `http://127.0.0.1:${port}`;
    const engineLog = join(options.workDir, 'engine.log');
    const start = async () => {
      const engine = spawnRole('all', env, engineLog);
      cleanup.push(() => engine.stop());
      await waitForHealth(url, 120_000, engine);
      return engine;
    };
    let engine: RoleProcess = await start();
    progress(`engine up (${options.mode}); holding ${options.holds} × 2 seats for ${options.holdSeconds} s`);

    // customers, an event with two seats per hold, and the holds
    const customerIds = Array.from({ length: options.holds }, () => randomUUID());
    await db.pool.query(sql.typeAlias('void')`
      INSERT INTO customers (id, email, name, password_hash)
      SELECT id, id::text || '@crash.test', 'Crash Test', 'not-a-login' FROM unnest(${sql.array(customerIds, 'uuid')}::uuid[]) AS t(id)`);
    const tokens = customerIds.map((id) => signToken({ customerId: id, email: `${id}@crash.test`, role: 'customer' }, JWT_SECRET, 3600));
    const { eventId } = await createEvent(db.pool, {
      venueName: 'Crash Hall', name: 'Crash schedule', startsAt: new Date(Date.now() + 86_400_000),
      sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: Math.ceil(options.holds / 10), seatsPerRow: 20 }],
    });
    const seats = await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM seats WHERE event_id = ${eventId} ORDER BY row_label, seat_number`);
    const reservations = await Promise.all(customerIds.map(async (_, i) => {
      const held = await call(url, '/api/reservations', tokens[i], { eventId, seatIds: seats.slice(2 * i, 2 * i + 2), holdSeconds: options.holdSeconds }, `hold-${i}-${eventId}`);
      if (held?.status !== 201) throw new Error(`hold ${i} failed: ${JSON.stringify(held)}`);
      return held.body.reservation.id as string;
    }));

    // the checkouts, all at once, and the crash in the middle of them
    const cards = [
      ...Array(options.checkouts.success).fill(TEST_CARDS.success),
      ...Array(options.checkouts.slow).fill(TEST_CARDS.slow),
      ...Array(options.checkouts.declined).fill(TEST_CARDS.declined),
    ] as string[];
    const checkoutKey = (i: number) => `checkout-${reservations[i]}`;
    const answers = new Map<number, Answer>();
    const inFlight = cards.map(async (card, i) => {
      const answer = await call(url, `/api/reservations/${reservations[i]}/checkout`, tokens[i], { card: { number: card } }, checkoutKey(i));
      if (answer) answers.set(i, answer);
    });
    await sleep(options.killAfterMs);
    await engine.kill();
    if (options.mode === 'power-cut') await killMatching('start-dev', '--port', String(temporalPort));
    await Promise.all(inFlight);
    const cutOff = cards.map((_, i) => i).filter((i) => !answers.has(i));
    progress(`SIGKILL after ${options.killAfterMs} ms: ${answers.size} checkouts answered, ${cutOff.length} cut off`);

    engine = await start();
    const crashedAt = Date.now();
    progress('engine restarted; retrying half of the cut-off checkouts with their Idempotency-Key');
    const retried = cutOff.filter((_, n) => n % 2 === 0);
    await Promise.all(retried.map(async (i) => {
      const answer = await call(url, `/api/reservations/${reservations[i]}/checkout`, tokens[i], { card: { number: cards[i] } }, checkoutKey(i));
      if (answer) answers.set(i, answer);
    }));

    // wait until every reservation is terminal and every workflow has closed, then check (checks.ts)
    const connection = await Connection.connect({ address: temporalAddress });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
    const settled = await waitUntilSettled({ pool: db.pool, client, eventId, timeoutMs: (options.holdSeconds + 90) * 1000 });
    if (!settled.settled) violations.push(`after ${Math.round((Date.now() - crashedAt) / 1000)} s, ${settled.open} reservations are still open`);
    const settledAt = settled.settled ? Date.now() : 0;
    progress(`settled ${settledAt ? Math.round((settledAt - crashedAt) / 1000) : '?'} s after the restart; checking`);

    const money = await checkMoney(db.pool);
    const seatCheck = await checkSeats(db.pool, eventId, GRACE_SECONDS);
    const workflows = await checkWorkflows(db.pool, client, eventId);
    const final = await reservationStatuses(db.pool, eventId);
    const counts: Record<string, number> = {};
    for (const row of final) counts[row.status] = (counts[row.status] ?? 0) + 1;
    const truthful = await checkAnswers(db.pool, [...answers].map(([i, answer]) => ({ reservationId: reservations[i], ...answer })));
    for (const check of [money, seatCheck, workflows, truthful]) violations.push(...check.violations);
    return {
      mode: options.mode, holds: options.holds, checkoutsSent: cards.length,
      answeredBeforeCrash: cards.length - cutOff.length, cutOffByCrash: cutOff.length, retried: retried.length,
      final: counts, chargedCents: money.figures.chargedCents, refundedCents: money.figures.refundedCents, bookedCents: money.figures.bookedCents,
      workflowsChecked: workflows.figures.workflowsChecked, secondsToSettle: settledAt ? Math.round((settledAt - crashedAt) / 1000) : -1, violations,
    };
  } finally {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
    if (!options.keep) rmSync(options.workDir, { recursive: true, force: true });
  }
}
