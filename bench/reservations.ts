/**
 * `npm run bench`: what a hold, a checkout, a flash sale and a general-admission rush cost,
 * next to the bare price of starting a Temporal workflow on the same server.
 *
 * It assembles its own engine, like tests/helpers/engine.ts: a fresh database, an in-memory
 * headless Temporal dev server on a free port, the reservation worker (autoscaling pollers,
 * workflows bundled at start), a client on the worker's NativeConnection (eager start) and
 * the Koa API over real HTTP on 127.0.0.1. Everything is torn down at the end, whatever happens.
 *
 *   a. bare `client.workflow.start` of an empty workflow (a task queue no worker polls)
 *   b. holds of 1–2 distinct free seats (every one a winner)
 *   c. checkouts of those holds with the success test card
 *   d. a flash sale: 500 buyers for 50 seats; losers must not start workflows
 *   e. general admission: quantity holds on one GA section
 *
 * Progress goes to stdout while it runs, then a Markdown table. Exit code 1 when a check fails.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { z } from 'zod';
import { createActivities } from '../activities/index.ts';
import { createApi } from '../src/api/app.ts';
import { loadConfig } from '../src/config.ts';
import { createEvent } from '../src/db/events.ts';
import { sql } from '../src/db/sql.ts';
import { createSimulatedProvider, TEST_CARDS } from '../src/payments/simulated.ts';
import { createReservationService } from '../src/reservations/service.ts';
import { startWorkflowStarter } from '../src/reservations/starter.ts';
import { provideTemporalCli, TEMPORAL_CLI_VERSION } from '../src/temporal/cli.ts';
import { startDevServer } from '../src/temporal/dev-server.ts';
import { createReservationWorker } from '../src/temporal/worker.ts';
import { createTestDatabase } from '../tests/helpers/database.ts';
import { reservationWorkflowId } from '../workflows/messages.ts';
import { elapsedSeconds, freePort, percentile, progress, runPool, shuffle } from './lib/run.ts';
import { startEmptyWorkflow } from './lib/temporal.ts';

// ---------------------------------------------------------------- sizes of the run
const CUSTOMERS = 40;
const BARE = { serial: 200, concurrent: 1000 };
const HOLDS = { serial: 200, concurrent: 1000 };
const CHECKOUTS = { serial: 100, concurrent: 500 };
const FLASH = { buyers: 500, seats: 50 };
const GA = { holds: 300, capacity: 600 };
/** A GA section sold out in pairs: every place must go, and no pair-buyer may be turned away early. */
const GA_SELLOUT = { buyers: 150, capacity: 100, quantity: 2 };
const CONCURRENCY = 50;
const WARMUP = 20;
const HISTORY_SAMPLES = 20;

// ---------------------------------------------------------------- small helpers
interface Outcome { status: number; ms: number }
interface Measured {
  label: string;
  concurrency: number;
  outcomes: Outcome[];
  elapsedMs: number;
  /** Share of the machine's CPU time that was busy during the run (every process, 0..100). */
  cpuBusy: number;
}

function cpuTimes() {
  return cpus().reduce((sum, cpu) => {
    const { user, nice, sys, irq, idle } = cpu.times;
    return { busy: sum.busy + user + nice + sys + irq, total: sum.total + user + nice + sys + irq + idle };
  }, { busy: 0, total: 0 });
}

/** Runs `count` operations at `concurrency`, timing each; `op` returns an HTTP-like status. */
async function measure(label: string, count: number, concurrency: number, op: (index: number) => Promise<number>): Promise<Measured> {
  progress(`${label}: ${count} at concurrency ${concurrency}...`);
  const outcomes: Outcome[] = new Array(count);
  const step = Math.max(100, Math.ceil(count / 4));
  let done = 0;
  const started = performance.now();
  const cpuBefore = cpuTimes();
  await runPool(count, concurrency, async (index) => {
    const begin = performance.now();
    let status: number;
    try {
      status = await op(index);
    } catch {
      status = -1; // transport error or a thrown client error
    }
    outcomes[index] = { status, ms: performance.now() - begin };
    if (++done % step === 0 && done < count) progress(`  ${label}: ${done}/${count}`);
  });
  const cpuAfter = cpuTimes();
  const cpuBusy = (100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total);
  const result = { label, concurrency, outcomes, elapsedMs: performance.now() - started, cpuBusy };
  const s = stats(result);
  progress(`  ${label}: done in ${(result.elapsedMs / 1000).toFixed(2)} s, ${s.rate.toFixed(1)}/s, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, ok ${s.ok}, 409 ${s.conflicts}, other ${s.other}, CPU ${result.cpuBusy.toFixed(0)}% busy`);
  return result;
}

const isOk = (status: number) => status >= 200 && status < 300;
function stats(m: Measured) {
  const ms = m.outcomes.map((o) => o.ms);
  const ok = m.outcomes.filter((o) => isOk(o.status)).length;
  const conflicts = m.outcomes.filter((o) => o.status === 409).length;
  return {
    count: m.outcomes.length,
    ok,
    conflicts,
    other: m.outcomes.length - ok - conflicts,
    rate: m.outcomes.length / (m.elapsedMs / 1000),
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
  };
}

/** Where a checkout's time goes, from its workflow history (event times are the server's). */
type HistoryEvent = { eventId?: unknown; eventTime?: { seconds?: unknown; nanos?: number | null } | null } & Record<string, unknown>;
const eventMs = (e: HistoryEvent) => Number(String(e.eventTime?.seconds ?? 0)) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
function checkoutPhases(events: HistoryEvent[]) {
  const phases = { workflowTaskWait: 0, workflowTaskRun: 0, activityWait: 0, activityRun: 0, total: 0 };
  const firstCompleted = events.findIndex((e) => e.workflowTaskCompletedEventAttributes);
  const rest = events.slice(firstCompleted + 1);
  let wtScheduled = 0, wtStarted = 0, actScheduled = 0, actStarted = 0, begin = 0;
  for (const e of rest) {
    const at = eventMs(e);
    if (e.workflowTaskScheduledEventAttributes) { wtScheduled = at; if (!begin) begin = at; }
    else if (e.workflowTaskStartedEventAttributes) { wtStarted = at; phases.workflowTaskWait += at - wtScheduled; }
    else if (e.workflowTaskCompletedEventAttributes) phases.workflowTaskRun += at - wtStarted;
    else if (e.activityTaskScheduledEventAttributes) actScheduled = at;
    else if (e.activityTaskStartedEventAttributes) { actStarted = at; phases.activityWait += at - actScheduled; }
    else if (e.activityTaskCompletedEventAttributes) phases.activityRun += at - actStarted;
    else if (e.workflowExecutionUpdateCompletedEventAttributes) { phases.total = at - begin; break; }
  }
  return phases;
}

const failures: string[] = [];
function check(ok: boolean, what: string): boolean {
  if (!ok) failures.push(what);
  return ok;
}

// ---------------------------------------------------------------- the engine
Runtime.install({ logger: new DefaultLogger('ERROR') });
const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const closers: Array<{ what: string; close: () => Promise<unknown> }> = [];

async function run(): Promise<void> {
  const loadAtStart = loadavg()[0];
  progress(`1-minute load average ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs${loadAtStart > cpus().length / 2 ? ': the machine is busy, figures will be low and noisy' : ''}`);
  const cli = await provideTemporalCli(log, process.env.TEMPORAL_CLI);
  const devServer = await startDevServer({ cli, port: await freePort(), logFile: 'test-results/bench-temporal-dev-server.log', namespace: 'default', log });
  closers.push({ what: 'Temporal dev server', close: () => devServer.stop() });
  progress(`Temporal dev server (in memory, headless) on ${devServer.address}`);

  const db = await createTestDatabase('bench');
  closers.push({ what: 'database', close: () => db.drop() });
  progress(`database ${new URL(db.url).pathname.slice(1)} created and migrated`);

  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    NODE_ENV: 'test', DATABASE_URL: db.url, TEMPORAL_ADDRESS: devServer.address, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'silent',
  });
  const connection = await NativeConnection.connect({ address: devServer.address });
  closers.push({ what: 'Temporal connection', close: () => connection.close() });
  const client = new Client({ connection, namespace: 'default' });

  progress('bundling the workflows and starting the worker...');
  const payments = createSimulatedProvider(db.pool, { slowMs: config.PAYMENT_SLOW_MS });
  const worker: Worker = await createReservationWorker({
    connection, namespace: 'default', taskQueue, activities: createActivities({ pool: db.pool, payments, timings: config.paymentTimings }), log,
  });
  const running = worker.run();
  closers.push({ what: 'worker', close: async () => { worker.shutdown(); await running; } });
  const starter = startWorkflowStarter({ pool: db.pool, temporal: client, config, log, inFlight: config.WORKFLOW_STARTS_IN_FLIGHT, pollMs: config.WORKFLOW_STARTER_POLL_MS });
  closers.push({ what: 'workflow starter', close: starter.stop });
  progress(`worker polling "${taskQueue}" (autoscaling pollers)`);

  const service = createReservationService({ pool: db.pool, temporal: client, payments, config, log });
  const api = createApi({ config, pool: db.pool, service, log, health: {} });
  const http: Server = createServer(api.callback());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push({
    what: 'HTTP server',
    close: () => new Promise<void>((resolve) => { http.close(() => resolve()); http.closeAllConnections(); }),
  });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  progress(`API on ${base}`);

  async function request(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed };
  }

  // customers (argon2 hashing makes registration deliberately slow: a few at a time)
  const tokens: string[] = [];
  await runPool(CUSTOMERS, 8, async (i) => {
    const res = await request('POST', '/api/auth/register', undefined, { email: `bench-${i}-${randomUUID().slice(0, 6)}@example.com`, password: 'correct horse battery', name: `Bench Buyer ${i}` });
    if (res.status !== 201) throw new Error(`register failed (${res.status}): ${JSON.stringify(res.body)}`);
    tokens[i] = res.body.token;
  });
  progress(`${CUSTOMERS} customers registered`);

  // events: a big one (3600 reserved seats + 600 GA places) and the flash-sale one (50 seats)
  const big = await createEvent(db.pool, {
    venueName: 'Bench Arena', name: 'Bench big event', startsAt: new Date(Date.now() + 86_400_000),
    sections: [
      { name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 40, seatsPerRow: 50 },
      { name: 'Circle', kind: 'RESERVED', priceCents: 4000, rows: 32, seatsPerRow: 50 },
      { name: 'Floor', kind: 'GA', priceCents: 2500, capacity: GA.capacity },
    ],
  });
  const gaSectionId = big.sectionIds[2];
  const sellout = await createEvent(db.pool, {
    venueName: 'Bench Field', name: 'Bench GA sell-out', startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Lawn', kind: 'GA', priceCents: 3000, capacity: GA_SELLOUT.capacity }],
  });
  const flash = await createEvent(db.pool, {
    venueName: 'Bench Club', name: 'Bench flash sale', startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Pit', kind: 'RESERVED', priceCents: 9900, rows: 5, seatsPerRow: 10 }],
  });
  const seatsOf = async (eventId: string) => {
    const res = await request('GET', `/api/events/${eventId}`);
    return (res.body.seats as Array<{ id: string; row: string | null }>).filter((s) => s.row !== null).map((s) => s.id);
  };
  const bigSeats = await seatsOf(big.eventId);
  const flashSeats = await seatsOf(flash.eventId);
  progress(`events created: ${bigSeats.length} reserved seats + ${GA.capacity} GA places; flash sale ${flashSeats.length} seats`);

  // distinct free seats, handed out 1 or 2 at a time
  let seatCursor = 0;
  const nextSeats = (): string[] => {
    const n = 1 + Math.floor(Math.random() * 2);
    const seats = bigSeats.slice(seatCursor, seatCursor + n);
    seatCursor += n;
    if (seats.length !== n) throw new Error('the benchmark event ran out of seats');
    return seats;
  };
  const held: Array<{ id: string; token: string }> = [];
  const hold = async (i: number): Promise<number> => {
    const token = tokens[i % tokens.length];
    const res = await request('POST', '/api/reservations', token, { eventId: big.eventId, seatIds: nextSeats() });
    if (res.status === 201) held.push({ id: res.body.reservation.id, token });
    return res.status;
  };
  let checkoutCursor = 0;
  const checkout = async (): Promise<number> => {
    const reservation = held[checkoutCursor++];
    if (!reservation) throw new Error('no held reservation left to check out');
    const res = await request('POST', `/api/reservations/${reservation.id}/checkout`, reservation.token, { card: { number: TEST_CARDS.success } });
    return res.status;
  };
  const emptyQueue = `bench-empty-${randomUUID().slice(0, 8)}`; // no worker polls it
  const bareStart = async (): Promise<number> => {
    await startEmptyWorkflow(client, emptyQueue);
    return 201;
  };

  // warm-up (JIT, connection pools, sticky caches): not measured
  progress('warming up...');
  await runPool(WARMUP, 5, () => bareStart().then(() => undefined));
  await runPool(WARMUP, 5, (i) => hold(i).then(() => undefined));
  await runPool(WARMUP / 2, 5, () => checkout().then(() => undefined));
  held.splice(0, held.length);
  checkoutCursor = 0;

  // a. bare workflow starts
  const bare1 = await measure('a. bare start', BARE.serial, 1, bareStart);
  const bare50 = await measure('a. bare start', BARE.concurrent, CONCURRENCY, bareStart);

  // b. holds of distinct free seats
  const hold1 = await measure('b. hold (reserved)', HOLDS.serial, 1, hold);
  const hold50 = await measure('b. hold (reserved)', HOLDS.concurrent, CONCURRENCY, hold);
  check(stats(hold1).ok === HOLDS.serial && stats(hold50).ok === HOLDS.concurrent, 'every hold of a free seat is a winner (201)');

  // c. checkouts of those holds
  shuffle(held);
  const checkout1 = await measure('c. checkout', CHECKOUTS.serial, 1, checkout);
  const checkout50 = await measure('c. checkout', CHECKOUTS.concurrent, CONCURRENCY, checkout);
  check(stats(checkout1).ok === CHECKOUTS.serial && stats(checkout50).ok === CHECKOUTS.concurrent, 'every checkout with the success card confirms (200)');
  progress('c. reading sampled checkout histories...');
  const breakdown = async (run: Measured, offset: number) => {
    const samples = Math.min(HISTORY_SAMPLES, run.outcomes.length);
    const picks = Array.from({ length: samples }, (_, k) => Math.floor((k * run.outcomes.length) / samples));
    const phases = await Promise.all(picks.map(async (i) => {
      const history = await client.workflow.getHandle(reservationWorkflowId(held[offset + i].id)).fetchHistory();
      return { ...checkoutPhases((history.events ?? []) as HistoryEvent[]), http: run.outcomes[i].ms };
    }));
    const median = (key: keyof (typeof phases)[number]) => percentile(phases.map((p) => p[key]), 50);
    return { samples, http: median('http'), total: median('total'), workflowTaskWait: median('workflowTaskWait'), workflowTaskRun: median('workflowTaskRun'), activityWait: median('activityWait'), activityRun: median('activityRun') };
  };
  const phases1 = await breakdown(checkout1, 0);
  const phases50 = await breakdown(checkout50, CHECKOUTS.serial);

  // d. flash sale: 500 buyers, each after one specific seat of 50
  const wanted = Array.from({ length: FLASH.buyers }, () => flashSeats[Math.floor(Math.random() * flashSeats.length)]);
  const flashStatus: number[] = new Array(FLASH.buyers);
  const flashRun = await measure('d. flash sale', FLASH.buyers, CONCURRENCY, async (i) => {
    const res = await request('POST', '/api/reservations', tokens[i % tokens.length], { eventId: flash.eventId, seatIds: [wanted[i]] });
    flashStatus[i] = res.status;
    return res.status;
  });
  const flashStats = stats(flashRun);
  const winners = flashStats.ok;
  const distinctWanted = new Set(wanted).size;
  const winnerMs = flashRun.outcomes.filter((o) => isOk(o.status)).map((o) => o.ms);
  const loserMs = flashRun.outcomes.filter((o) => o.status === 409).map((o) => o.ms);
  check(winners === distinctWanted, `flash sale: winners (${winners}) = distinct seats wanted (${distinctWanted})`);
  check(winners + flashStats.conflicts === FLASH.buyers, 'flash sale: every buyer got 201 or 409');

  progress('waiting for visibility, then listing the flash sale\'s workflows...');
  const listWorkflows = async () => {
    let n = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowType="reservationWorkflow" AND BookingEventId="${flash.eventId}"` })) n++;
    return n;
  };
  await new Promise((r) => setTimeout(r, 1000));
  let workflowCount = await listWorkflows();
  for (let waited = 0; workflowCount !== winners && waited < 10_000; waited += 500) {
    await new Promise((r) => setTimeout(r, 500));
    workflowCount = await listWorkflows();
  }
  check(workflowCount === winners, `flash sale: reservation workflows (${workflowCount}) = winners (${winners})`);

  const doubleHeld = await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*) FROM (
      SELECT rs.seat_id FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
      WHERE r.event_id = ${flash.eventId} AND r.status IN ('HELD', 'PAYING', 'CONFIRMED')
      GROUP BY rs.seat_id HAVING count(*) > 1
    ) twice
  `);
  const liveReservations = await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*) FROM reservations WHERE event_id = ${flash.eventId} AND status IN ('HELD', 'PAYING', 'CONFIRMED')
  `);
  const heldSeats = await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*) FROM seats WHERE event_id = ${flash.eventId} AND state = 'HELD' AND reservation_id IS NOT NULL
  `);
  check(doubleHeld === 0, `flash sale: no seat held by two live reservations (${doubleHeld} found)`);
  check(liveReservations === winners && heldSeats === winners, `flash sale: live reservations (${liveReservations}) and held seats (${heldSeats}) = winners (${winners})`);

  // e. general admission: quantity holds on one section
  let gaPlaces = 0;
  const gaRun = await measure('e. hold (GA quantity)', GA.holds, CONCURRENCY, async (i) => {
    const quantity = 1 + (i % 2);
    gaPlaces += quantity;
    const res = await request('POST', '/api/reservations', tokens[i % tokens.length], { eventId: big.eventId, sectionId: gaSectionId, quantity });
    return res.status;
  });
  const gaHeldSeats = await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*) FROM seats WHERE section_id = ${gaSectionId} AND state = 'HELD'
  `);
  check(stats(gaRun).ok === GA.holds, 'every GA hold is a winner (enough places)');
  check(gaHeldSeats === gaPlaces, `GA: held places (${gaHeldSeats}) = places asked for (${gaPlaces})`);

  // f. a GA section sold out by concurrent pair buyers: exactly capacity/2 winners, no false 409
  const selloutRun = await measure('f. GA sell-out (pairs)', GA_SELLOUT.buyers, CONCURRENCY, async (i) => {
    const res = await request('POST', '/api/reservations', tokens[i % tokens.length], { eventId: sellout.eventId, sectionId: sellout.sectionIds[0], quantity: GA_SELLOUT.quantity });
    return res.status;
  });
  const selloutStats = stats(selloutRun);
  const selloutHeld = await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(DISTINCT id) FROM seats WHERE event_id = ${sellout.eventId} AND state = 'HELD'
  `);
  const selloutWinners = GA_SELLOUT.capacity / GA_SELLOUT.quantity;
  check(selloutStats.ok === selloutWinners, `GA sell-out: winners (${selloutStats.ok}) = capacity / quantity (${selloutWinners})`);
  check(selloutStats.conflicts === GA_SELLOUT.buyers - selloutWinners && selloutStats.other === 0, `GA sell-out: every other buyer got 409 (${selloutStats.conflicts}), none another status (${selloutStats.other})`);
  check(selloutHeld === GA_SELLOUT.capacity, `GA sell-out: every place held once (${selloutHeld} of ${GA_SELLOUT.capacity})`);

  // ---------------------------------------------------------------- report
  const rows = [
    ['a. bare workflow start (empty, unpolled queue)', bare1],
    ['a. bare workflow start (empty, unpolled queue)', bare50],
    ['b. hold, 1–2 reserved seats', hold1],
    ['b. hold, 1–2 reserved seats', hold50],
    ['c. checkout, card 4242…', checkout1],
    ['c. checkout, card 4242…', checkout50],
    ['d. flash sale, 500 buyers / 50 seats', flashRun],
    ['e. hold, GA quantity 1–2', gaRun],
    [`f. GA sell-out, ${GA_SELLOUT.buyers} buyers of ${GA_SELLOUT.quantity} / ${GA_SELLOUT.capacity} places`, selloutRun],
  ] as const;
  const f1 = (n: number) => n.toFixed(1);
  const lines = [
    '',
    `## Results (Node ${process.version}, ${cpus().length} CPUs, Temporal CLI ${TEMPORAL_CLI_VERSION} dev server in memory, one worker in-process; load average at start ${loadAtStart.toFixed(2)})`,
    '',
    '| Scenario | Concurrency | Requests | 2xx | 409 | Other | Time (s) | Rate (/s) | p50 (ms) | p99 (ms) | CPU busy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(([name, m]) => {
      const s = stats(m);
      return `| ${name} | ${m.concurrency} | ${s.count} | ${s.ok} | ${s.conflicts} | ${s.other} | ${(m.elapsedMs / 1000).toFixed(2)} | ${f1(s.rate)} | ${f1(s.p50)} | ${f1(s.p99)} | ${m.cpuBusy.toFixed(0)}% |`;
    }),
    '',
    '| Ratio / check | Value |',
    '|---|---:|',
    `| hold rate / bare start rate, concurrency 1 | ${(stats(hold1).rate / stats(bare1).rate).toFixed(2)} |`,
    `| hold rate / bare start rate, concurrency ${CONCURRENCY} | ${(stats(hold50).rate / stats(bare50).rate).toFixed(2)} |`,
    `| checkout rate / hold rate, concurrency ${CONCURRENCY} | ${(stats(checkout50).rate / stats(hold50).rate).toFixed(2)} |`,
    `| GA hold rate / reserved hold rate, concurrency ${CONCURRENCY} | ${(stats(gaRun).rate / stats(hold50).rate).toFixed(2)} |`,
    `| GA hold p99 / reserved hold p99, concurrency ${CONCURRENCY} | ${(stats(gaRun).p99 / stats(hold50).p99).toFixed(2)} |`,
    `| flash sale: winners (201) / losers (409) / other | ${winners} / ${flashStats.conflicts} / ${flashStats.other} |`,
    `| flash sale: distinct seats wanted | ${distinctWanted} |`,
    `| flash sale: p50 winner / p50 loser (ms) | ${f1(percentile(winnerMs, 50))} / ${f1(percentile(loserMs, 50))} |`,
    `| flash sale: reservation workflows listed for the event | ${workflowCount} ${workflowCount === winners ? '(= winners)' : '(≠ winners: FAIL)'} |`,
    `| flash sale: seats held by two live reservations (SQL) | ${doubleHeld} |`,
    `| GA sell-out: winners / 409 / places held | ${selloutStats.ok} / ${selloutStats.conflicts} / ${selloutHeld} of ${GA_SELLOUT.capacity} |`,
    `| checks | ${failures.length === 0 ? 'all passed' : `${failures.length} FAILED`} |`,
    '',
    `| Checkout, where the time goes (median of ${phases1.samples} sampled histories each, ms) | concurrency 1 | concurrency ${CONCURRENCY} |`,
    '|---|---:|---:|',
    ...([
      ['HTTP request, as the client saw it', 'http'],
      ['inside Temporal: first workflow task scheduled → update completed', 'total'],
      ['  workflow tasks waiting for the worker (sum)', 'workflowTaskWait'],
      ['  workflow tasks running on the worker (sum; includes the local activities: mark PAYING, charge, confirm)', 'workflowTaskRun'],
      ['  task-queue activities waiting for the worker (sum; none expected)', 'activityWait'],
      ['  task-queue activities running (sum; none expected)', 'activityRun'],
    ] as const).map(([name, key]) => `| ${name} | ${f1(phases1[key])} | ${f1(phases50[key])} |`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

let exitCode = 0;
try {
  await run();
} catch (error) {
  exitCode = 1;
  process.stderr.write(`benchmark failed: ${(error as Error)?.stack ?? String(error)}\n`);
} finally {
  progress('shutting down...');
  for (const { what, close } of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      exitCode = 1;
      process.stderr.write(`could not close the ${what}: ${(error as Error)?.message ?? String(error)}\n`);
    }
  }
  progress(`done in ${elapsedSeconds().toFixed(1)} s`);
}
if (failures.length) {
  exitCode = 1;
  process.stderr.write(`failed checks:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
}
process.exitCode = exitCode;
