/**
 * The lifecycle chaos run of issue 7: the split deployment (src/cluster.ts: 2 API processes,
 * 2 workers, 1 gateway, each its own process, restarted by the supervisor when one dies) against
 * a Temporal dev server with its database file that this run starts and restarts, under a full
 * lifecycle load (lifecycle-load.ts: holds, checkouts with declines and slow cards, abandoned
 * holds, support cancels), with a Socket.io client watching the event the whole run
 * (seat-watcher.ts). Meanwhile, spread over the load: SIGKILL of a worker process (5 times by
 * default), a restart of Redis, of an API process (SIGKILL; a second one SIGTERM), of the gateway (SIGKILL) and of
 * the Temporal dev server (SIGKILL, then started again on the same port and file). The load
 * runs past every deadline, grace, sweep interval and rate-limit window; then the run waits
 * until everything has settled and checks every invariant (checks.ts, shared with the crash
 * schedule), some of them also every few seconds during the load.
 *
 * `npm run bench:chaos -- --scenario lifecycle` runs it at full size; tests/crash/ a short one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { z } from 'zod';
import { signToken } from '../../src/auth/tokens.ts';
import { createEvent } from '../../src/db/events.ts';
import { sql } from '../../src/db/sql.ts';
import { provideTemporalCli } from '../../src/temporal/cli.ts';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server.ts';
import { createTestDatabase } from '../../tests/helpers/database.ts';
import { createApiClient } from '../lib/http.ts';
import { freePort, seededRandom, summarize } from '../lib/run.ts';
import {
  type Check, checkAnswers, checkLiveReservationsHaveWorkflows, checkMoney, checkSeats, checkSeatStream, checkTerminal, checkWorkflows,
  waitUntilSettled,
} from './checks.ts';
import { type JourneyRecord, startLifecycleLoad } from './lifecycle-load.ts';
import { type ChaosRedis, machineRedis, ownRedis } from './redis.ts';
import { watchSeats } from './seat-watcher.ts';
import { type Role, type SplitDeployment, startSplitDeployment } from './split-deployment.ts';

export type FaultKind = 'worker SIGKILL' | 'Redis restart' | 'Temporal restart' | 'API restart' | 'gateway SIGKILL';

export interface LifecycleOptions {
  /** Seconds of load (faults are spread over it). */
  durationSeconds: number;
  /** Customer journeys started per second. */
  rate: number;
  customers: number;
  workerKills: number;
  redisRestarts: number;
  temporalRestarts: number;
  apiRestarts: number;
  gatewayKills: number;
  holdSeconds: number;
  shortHoldSeconds: number;
  /** How often the invariants that hold at any moment are checked during the load. */
  sampleSeconds: number;
  seed: number;
  /** The machine's Redis (127.0.0.1:6379), or a redis-server of the run's own (redis.ts). */
  redis: 'machine' | 'own';
  /** Logs and the Temporal database file; removed afterwards unless `keep` or a check failed. */
  workDir: string;
  keep?: boolean;
  /** A prebuilt workflow bundle for the workers (else the supervisor bundles once). */
  workflowBundle?: string;
  progress?: (line: string) => void;
}

export interface FaultRecord {
  kind: FaultKind;
  /** Seconds after the load started. */
  atSeconds: number;
  /** It demonstrably happened: the process died and a new one took over (Redis: a new run_id). */
  happened: boolean;
  /** Seconds until the replacement was back at work. */
  recoveredAfterSeconds: number | null;
  detail: string;
}

export interface LifecycleReport {
  options: Omit<LifecycleOptions, 'progress'>;
  topology: string;
  temporal: string;
  redis: string;
  env: Record<string, string>;
  startedAt: string;
  /** Journeys started for this long; the last one ended at journeysDoneSeconds. */
  loadSeconds: number;
  journeysDoneSeconds: number;
  settleSeconds: number | null;
  faults: FaultRecord[];
  journeys: { total: number; byKind: Record<string, Record<string, number>> };
  requests: Record<string, number>;
  retries: number;
  /** Answer times by request kind, ms. */
  latency: Record<string, { count: number; p50: number; p99: number; max: number }>;
  /** Requests without an answer or with a 5xx: seconds after the load started, and how long they took. */
  failures: Array<{ atSeconds: number; request: string; outcome: string; ms: number }>;
  finalReservations: Record<string, number>;
  finalSeats: Record<string, number>;
  socket: { messages: number; duplicates: number; reconnects: number; snapshots: number; outages: Array<{ fromS: number; toS: number | null; reason: string }> };
  samples: Array<{ atSeconds: number; heldTwice: number; longestPastDeadlineS: number; live: number; liveChecked: number; skipped: boolean; violations: number }>;
  checks: Array<{ name: string; ok: boolean; figures: Record<string, unknown>; violations: string[] }>;
  loadAverage: { start: number[]; max1m: number; end: number[] };
  violations: string[];
  workDir: string | null;
}

const JWT_SECRET = 'lifecycle-chaos-secret-of-at-least-32-characters';
const GRACE_SECONDS = 1;
const SEATS_PER_ROW = 40;
/** Short engine settings, so that a run of a few minutes passes every one of them many times. */
const ENGINE_SETTINGS = {
  PASSIVE_EXPIRY_GRACE_SECONDS: String(GRACE_SECONDS), LOST_HOLD_SWEEP_INTERVAL_SECONDS: '5', LOST_HOLD_SWEEP_MARGIN_SECONDS: '5',
  PAYMENT_FOLLOW_UP_SECONDS: '3', RECONCILE_INTERVAL_MS: '500', PAYMENT_WINDOW_SECONDS: '30', PAYMENT_SLOW_MS: '3000',
  RATE_LIMIT_HOLDS_PER_MINUTE: '12', HOLD_MIN_SECONDS: '2',
};
/**
 * During the load, a hold past its deadline plus grace may stay open this long before it counts
 * as a violation: the sweep's margin and two of its intervals (5 + 10 s), and 30 s for a machine
 * this busy. Nothing but the workflow's timer and that sweep ends a hold nobody pays for.
 */
const MID_RUN_TOLERANCE_SECONDS = 45;
// ---------------------------------------------------------------- the fault plan
/** Faults spread evenly over the load, worker kills interleaved with the others. */
export function faultPlan(options: Pick<LifecycleOptions, 'durationSeconds' | 'workerKills' | 'redisRestarts' | 'temporalRestarts' | 'apiRestarts' | 'gatewayKills'>): Array<{ kind: FaultKind; atSeconds: number }> {
  const others: FaultKind[] = [];
  const most = Math.max(options.temporalRestarts, options.redisRestarts, options.apiRestarts, options.gatewayKills);
  for (let i = 0; i < most; i++) {
    if (i < options.temporalRestarts) others.push('Temporal restart');
    if (i < options.redisRestarts) others.push('Redis restart');
    if (i < options.apiRestarts) others.push('API restart');
    if (i < options.gatewayKills) others.push('gateway SIGKILL');
  }
  const kinds: FaultKind[] = [];
  let workers = options.workerKills;
  for (const other of others) {
    if (workers-- > 0) kinds.push('worker SIGKILL');
    kinds.push(other);
  }
  while (workers-- > 0) kinds.push('worker SIGKILL');
  // from 8 % to 85 % of the load: the last fault still has load after it
  return kinds.map((kind, i) => ({ kind, atSeconds: Math.round(options.durationSeconds * (0.08 + (0.77 * i) / Math.max(1, kinds.length - 1))) }));
}

export async function runLifecycleChaos(options: LifecycleOptions): Promise<LifecycleReport> {
  const progress = options.progress ?? (() => {});
  const log = pino({ level: 'warn' });
  const cleanup: Array<() => Promise<unknown>> = [];
  const violations: string[] = [];
  const random = seededRandom(options.seed);
  const startedAt = new Date();
  const loadAverage = { start: loadavg(), max1m: loadavg()[0], end: [] as number[] };
  mkdirSync(options.workDir, { recursive: true });
  let failed = true;
  try {
    // ---- database, customers, the event
    const db = await createTestDatabase('chaos_lifecycle');
    cleanup.push(() => db.drop());
    const customerIds = Array.from({ length: options.customers + 2 }, () => randomUUID());
    const [hotId, supportId] = customerIds.slice(options.customers);
    await db.pool.query(sql.typeAlias('void')`
      INSERT INTO customers (id, email, name, password_hash, role)
      SELECT id, id::text || '@chaos.test', 'Chaos Customer', 'not-a-login', CASE WHEN id = ${supportId} THEN 'support' ELSE 'customer' END
      FROM unnest(${sql.array(customerIds, 'uuid')}::uuid[]) AS t(id)`);
    const token = (id: string, role: 'customer' | 'support' = 'customer') => signToken({ customerId: id, email: `${id}@chaos.test`, role }, JWT_SECRET, 6 * 3600);
    const customerTokens = customerIds.slice(0, options.customers).map((id) => token(id));
    // enough seats that the map never fills: about 2.5 seats per journey that may end in a sale, twice over
    const seatsWanted = Math.max(200, Math.ceil(options.rate * options.durationSeconds * 0.72 * 2.5 * 2));
    const { eventId } = await createEvent(db.pool, {
      venueName: 'Chaos Hall', name: 'Lifecycle chaos', startsAt: new Date(Date.now() + 86_400_000),
      sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: Math.ceil(seatsWanted / SEATS_PER_ROW), seatsPerRow: SEATS_PER_ROW }],
    });
    const seatRows = await db.pool.any(sql.type(z.object({ id: z.string(), row: z.string() }))`
      SELECT id, row_label AS row FROM seats WHERE event_id = ${eventId} ORDER BY row_label, seat_number`);
    const rowsByLabel = new Map<string, string[]>();
    for (const seat of seatRows) rowsByLabel.set(seat.row, [...(rowsByLabel.get(seat.row) ?? []), seat.id]);
    progress(`database ${new URL(db.url).pathname.slice(1)}: ${options.customers} customers, event ${eventId} with ${seatRows.length} seats`);

    // ---- Redis, to restart
    const redis: ChaosRedis = options.redis === 'own' ? await ownRedis(join(options.workDir, 'redis')) : machineRedis();
    cleanup.push(() => redis.close());

    // ---- Temporal: the dev server with its database file, ours to restart
    const cli = await provideTemporalCli(log, process.env.TEMPORAL_CLI);
    const temporalPort = await freePort();
    const temporalDir = join(options.workDir, 'temporal');
    const devServerOptions = { cli, port: temporalPort, dbFile: join(temporalDir, 'temporal.db'), logFile: join(temporalDir, 'temporal.log'), namespace: 'default', log };
    let devServer: DevServer = await startDevServer(devServerOptions);
    cleanup.push(() => devServer.stop());
    const connection = await Connection.connect({ address: devServer.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
    progress(`Temporal dev server ${devServer.address} (pid ${devServer.pid}), database file ${devServerOptions.dbFile}`);

    // ---- the split deployment
    const taskQueue = `chaos-${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = {
      NODE_ENV: 'development', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'false', DATABASE_URL: db.url, JWT_SECRET,
      REDIS_URL: redis.url, TEMPORAL_ADDRESS: devServer.address, TEMPORAL_DB_FILE: devServerOptions.dbFile,
      ...(options.workflowBundle ? { TEMPORAL_WORKFLOW_BUNDLE: options.workflowBundle } : {}),
      ...ENGINE_SETTINGS,
    };
    const [port, gatewayPort] = [await freePort(), await freePort()];
    const cluster: SplitDeployment = await startSplitDeployment({ env, port, gatewayPort, logFile: join(options.workDir, 'cluster.log'), temporal: connection, taskQueue });
    cleanup.push(() => cluster.stop());
    await cluster.ready(180_000);
    const initial = cluster.pids();
    progress(`split deployment up: supervisor ${cluster.pid}, API ${initial.api.join(', ')} on ${port}, workers ${initial.worker.join(', ')}, gateway ${initial.gateway.join(', ')} on ${gatewayPort}`);

    // ---- the watching client, the load, the faults, the samples
    const watcher = await watchSeats(cluster.gatewayUrl, eventId, (line) => progress(`  ${line}`));
    cleanup.push(async () => watcher.close());
    const api = createApiClient(cluster.apiUrl, { connections: 24, timeoutMs: 30_000 });
    cleanup.push(() => api.close());
    const loadStarted = Date.now();
    const sinceLoad = () => (Date.now() - loadStarted) / 1000;
    progress(`load: ${options.rate} journeys/s for ${options.durationSeconds} s, holds of ${options.holdSeconds} s (abandoned: ${options.shortHoldSeconds} s)`);
    const load = startLifecycleLoad({
      api, eventId, rows: [...rowsByLabel.values()], watcher, customerTokens, hotCustomerToken: token(hotId), supportToken: token(supportId, 'support'),
      rate: options.rate, holdSeconds: options.holdSeconds, shortHoldSeconds: options.shortHoldSeconds, retryBudgetMs: 45_000, random,
    });
    let over = false; // the run ended (normally or not): no more faults, no more load
    cleanup.push(async () => {
      over = true;
      await load.stop({ abandon: true });
    });

    const faults: FaultRecord[] = [];
    const plan = faultPlan(options);
    const waitFor = async (what: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await Promise.resolve().then(what).catch(() => false)) return true;
        await sleep(200);
      }
      return false;
    };
    const gone = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat[stat.lastIndexOf(')') + 2] === 'Z'; // a zombie is gone too
      } catch {
        return true;
      }
    };
    const replacement = async (role: Role, old: number[], extra: (pid: number) => Promise<boolean> | boolean = () => true) => {
      let found: number | undefined;
      const ok = await waitFor(async () => {
        found = cluster.pids()[role].find((pid) => !old.includes(pid));
        return found !== undefined && (await extra(found));
      }, 120_000);
      return ok ? found! : null;
    };
    const workersPolling = async () => {
      const polling = await cluster.pollingPids();
      const workers = cluster.pids().worker;
      return workers.length === 2 && workers.every((pid) => polling.has(pid));
    };

    async function inject(kind: FaultKind, n: number): Promise<FaultRecord> {
      const at = sinceLoad();
      const started = Date.now();
      const record = (happened: boolean, recovered: boolean, detail: string): FaultRecord => ({
        kind, atSeconds: Math.round(at), happened, recoveredAfterSeconds: recovered ? Math.round((Date.now() - started) / 100) / 10 : null, detail,
      });
      switch (kind) {
        case 'worker SIGKILL': {
          const workers = cluster.pids().worker.sort((a, b) => a - b);
          const victim = workers[n % workers.length];
          process.kill(victim, 'SIGKILL');
          const died = await waitFor(() => gone(victim), 10_000);
          const next = await replacement('worker', workers, async (pid) => (await cluster.pollingPids()).has(pid));
          return record(died && next !== null, next !== null, `pid ${victim} → ${next ?? 'none'} polling`);
        }
        case 'API restart': {
          // the first one crashes (requests in flight are cut off and sent again), a second one is a clean SIGTERM
          const signal = n % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
          const apis = cluster.pids().api.sort((a, b) => a - b);
          const victim = apis[n % apis.length];
          process.kill(victim, signal);
          const died = await waitFor(() => gone(victim), 40_000);
          const next = await replacement('api', apis, async () => (await fetch(`${cluster.apiUrl}/api/health`, { signal: AbortSignal.timeout(2000) })).status === 200);
          return record(died && next !== null, next !== null, `pid ${victim} (${signal}) → ${next ?? 'none'}`);
        }
        case 'gateway SIGKILL': {
          const [victim] = cluster.pids().gateway;
          const snapshots = watcher.snapshots().length;
          process.kill(victim, 'SIGKILL');
          const died = await waitFor(() => gone(victim), 10_000);
          const next = await replacement('gateway', [victim], () => watcher.snapshots().length > snapshots);
          return record(died && next !== null, next !== null, `pid ${victim} → ${next ?? 'none'}; the watcher rejoined`);
        }
        case 'Redis restart': {
          const restart = await redis.restart();
          return record(restart.wentDown && restart.cameBack && restart.before !== restart.after, restart.cameBack, `run_id ${restart.before?.slice(0, 8)} → ${restart.after?.slice(0, 8)}`);
        }
        case 'Temporal restart': {
          const victim = devServer.pid!;
          process.kill(victim, 'SIGKILL');
          await devServer.exited;
          await devServer.stop(); // nothing left to stop but our end of its tether, and its pidfile
          devServer = await startDevServer(devServerOptions);
          const answeredAfter = (Date.now() - started) / 1000;
          const polling = await waitFor(workersPolling, 120_000);
          return record(devServer.pid !== victim, polling, `pid ${victim} (SIGKILL) → ${devServer.pid}, answering after ${answeredAfter.toFixed(1)} s, both workers polling again`);
        }
      }
    }

    const faultsDone = (async () => {
      const counts = new Map<FaultKind, number>();
      for (const step of plan) {
        const wait = loadStarted + step.atSeconds * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        if (over) return;
        const n = counts.get(step.kind) ?? 0;
        counts.set(step.kind, n + 1);
        progress(`FAULT ${step.kind} (${n + 1}) at ${Math.round(sinceLoad())} s`);
        const fault = await inject(step.kind, n).catch((error: unknown) => ({
          kind: step.kind, atSeconds: Math.round(sinceLoad()), happened: false, recoveredAfterSeconds: null, detail: `failed: ${(error as Error).message}`,
        }));
        faults.push(fault);
        progress(`  ${fault.kind}: ${fault.happened ? 'done' : 'DID NOT HAPPEN'}, ${fault.detail}${fault.recoveredAfterSeconds !== null ? `, back after ${fault.recoveredAfterSeconds} s` : ', NOT BACK'}`);
      }
    })();

    const samples: LifecycleReport['samples'] = [];
    const midRun = { seats: [] as string[], terminal: [] as string[], workflows: [] as string[] };
    const sampleOnce = async () => {
      const at = Math.round(sinceLoad());
      const seats = await checkSeats(db.pool, eventId, GRACE_SECONDS);
      const terminal = await checkTerminal(db.pool, eventId, GRACE_SECONDS, MID_RUN_TOLERANCE_SECONDS);
      const live = await checkLiveReservationsHaveWorkflows(db.pool, client, eventId, 40);
      midRun.seats.push(...seats.violations.map((v) => `at ${at} s: ${v}`));
      midRun.terminal.push(...terminal.violations.map((v) => `at ${at} s: ${v}`));
      midRun.workflows.push(...live.violations.map((v) => `at ${at} s: ${v}`));
      samples.push({
        atSeconds: at, heldTwice: seats.figures.heldTwice, longestPastDeadlineS: terminal.figures.longestPastDeadlineS, live: live.figures.live,
        liveChecked: live.figures.checked, skipped: live.figures.skipped, violations: seats.violations.length + terminal.violations.length + live.violations.length,
      });
    };
    let nextSample = options.sampleSeconds;
    let lastReport = 0;
    while (sinceLoad() < options.durationSeconds) {
      await sleep(1000);
      loadAverage.max1m = Math.max(loadAverage.max1m, loadavg()[0]);
      if (cluster.exitStatus() !== null) throw new Error(`the split deployment's supervisor exited (${cluster.exitStatus()}); see ${cluster.logFile}`);
      if (sinceLoad() >= nextSample) {
        nextSample += options.sampleSeconds;
        await sampleOnce().catch((error: unknown) => progress(`  sample failed: ${(error as Error).message}`));
      }
      if (sinceLoad() - lastReport >= 10) {
        lastReport = sinceLoad();
        const count = (prefix: string, match: (outcome: string) => boolean) => [...load.stats.requests].filter(([k]) => k.startsWith(prefix) && match(k.slice(prefix.length))).reduce((s, [, n]) => s + n, 0);
        const failedRequests = [...load.stats.requests].filter(([k]) => / (no answer|5\d\d)/.test(k)).reduce((s, [, n]) => s + n, 0);
        progress(`${Math.round(sinceLoad())} s: ${load.stats.journeys.length} journeys (${load.stats.inFlight()} in flight); holds 201 ${count('hold ', (o) => o === '201')}, checkouts 200 ${count('checkout ', (o) => o === '200')}, process down ${failedRequests}, retries ${load.stats.retries}; seat messages ${watcher.messages()}; load ${loadavg()[0].toFixed(2)}`);
      }
    }
    // the load goes on until the last fault has recovered, then no new journey starts
    await faultsDone;
    const loadSeconds = sinceLoad();
    progress(`load over after ${Math.round(loadSeconds)} s; waiting for the journeys in flight`);
    await load.stop();
    const journeysDoneSeconds = sinceLoad();
    progress(`${load.stats.journeys.length} journeys done after ${Math.round(journeysDoneSeconds)} s; waiting for the workflow start requests to drain`);

    // ---- after the load: every live reservation has its workflow, then everything settles
    await waitFor(async () => (await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM workflow_starts`)) === 0, 60_000);
    const drained = await checkLiveReservationsHaveWorkflows(db.pool, client, eventId);
    const latestDeadline = await db.pool.oneFirst(sql.type(z.object({ t: z.number() }))`
      SELECT (extract(epoch FROM COALESCE(max(hold_expires_at), now())) * 1000)::float8 AS t FROM reservations WHERE event_id = ${eventId}`);
    const settleTimeout = Math.max(0, latestDeadline - Date.now()) + (GRACE_SECONDS + 30 + 10 + 90) * 1000;
    progress(`${drained.figures.live} live reservations with their workflows checked; waiting for everything to settle (up to ${Math.round(settleTimeout / 1000)} s)`);
    const settled = await waitUntilSettled({ pool: db.pool, client, eventId, timeoutMs: settleTimeout, progress: (line) => progress(`  ${line}`) });
    if (!settled.settled) violations.push(`not settled after ${Math.round(settled.ms / 1000)} s: ${settled.open} open reservations, ${settled.pendingStarts} pending starts, ${settled.running} running workflows`);
    // past every deadline plus grace, and every seat change published
    await sleep(Math.max(0, latestDeadline + GRACE_SECONDS * 1000 - Date.now()));
    await waitFor(async () => (await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)) === 0, 30_000);
    await sleep(2000);
    progress(`settled ${settled.settled ? `${Math.round(settled.ms / 1000)} s after the load` : 'NOT'}; checking`);

    // ---- the checks
    const seatsAtEnd = await checkSeats(db.pool, eventId, GRACE_SECONDS);
    const terminalAtEnd = await checkTerminal(db.pool, eventId, GRACE_SECONDS);
    const checks: Check[] = [
      { ...seatsAtEnd, figures: { ...seatsAtEnd.figures, samplesDuringLoad: samples.length }, violations: [...midRun.seats, ...seatsAtEnd.violations] },
      { ...terminalAtEnd, figures: { ...terminalAtEnd.figures, longestPastDeadlineDuringLoadS: Math.max(0, ...samples.map((x) => x.longestPastDeadlineS)) }, violations: [...midRun.terminal, ...terminalAtEnd.violations] },
      { ...drained, figures: { samplesDuringLoad: samples.filter((s) => !s.skipped).length, skippedWhileTemporalDown: samples.filter((s) => s.skipped).length, checkedDuringLoad: samples.reduce((s, x) => s + x.liveChecked, 0), liveAfterDrain: drained.figures.live, checkedAfterDrain: drained.figures.checked }, violations: [...midRun.workflows, ...drained.violations] },
      await checkWorkflows(db.pool, client, eventId),
      await checkMoney(db.pool),
      await checkAnswers(db.pool, [...load.stats.lastCheckoutAnswers.values()]),
      await checkSeatStream(db.pool, eventId, watcher),
    ];
    for (const check of checks) {
      violations.push(...check.violations);
      progress(`  check ${check.violations.length === 0 ? 'ok  ' : 'FAIL'} ${check.name}: ${JSON.stringify(check.figures)}`);
    }
    for (const fault of faults) if (!fault.happened || fault.recoveredAfterSeconds === null) violations.push(`fault ${fault.kind} at ${fault.atSeconds} s: ${fault.detail}`);
    if (faults.length !== plan.length) violations.push(`${plan.length - faults.length} planned faults were not injected`);

    const keyCount = z.object({ k: z.string(), n: z.number() });
    const asRecord = (rows: readonly { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));
    const finalReservations = asRecord(await db.pool.any(sql.type(keyCount)`SELECT status AS k, count(*)::int AS n FROM reservations WHERE event_id = ${eventId} GROUP BY status ORDER BY status`));
    const finalSeats = asRecord(await db.pool.any(sql.type(keyCount)`SELECT state AS k, count(*)::int AS n FROM seats WHERE event_id = ${eventId} GROUP BY state ORDER BY state`));
    const byKind: Record<string, Record<string, number>> = {};
    for (const j of load.stats.journeys as JourneyRecord[]) {
      byKind[j.kind] ??= {};
      byKind[j.kind][j.outcome] = (byKind[j.kind][j.outcome] ?? 0) + 1;
    }
    loadAverage.end = loadavg();
    failed = violations.length > 0;
    return {
      options: { ...options, progress: undefined } as LifecycleReport['options'],
      topology: `split deployment (src/cluster.ts): 2 API processes sharing port ${port}, 2 workers, 1 gateway on ${gatewayPort}; supervisor pid ${cluster.pid}`,
      temporal: `dev server ${devServer.address}, database file ${devServerOptions.dbFile}`,
      redis: redis.description,
      env, startedAt: startedAt.toISOString(), loadSeconds: Math.round(loadSeconds), journeysDoneSeconds: Math.round(journeysDoneSeconds), settleSeconds: settled.settled ? Math.round(settled.ms / 1000) : null,
      faults, journeys: { total: load.stats.journeys.length, byKind },
      requests: Object.fromEntries([...load.stats.requests].sort(([a], [b]) => a.localeCompare(b))), retries: load.stats.retries,
      latency: Object.fromEntries([...load.stats.latencies].map(([kind, values]) => {
        const s = summarize(values);
        return [kind, { count: s.count, p50: Math.round(s.p50), p99: Math.round(s.p99), max: Math.round(s.max) }];
      })),
      failures: load.stats.failures.map(({ sentAt, ...f }) => ({ atSeconds: Math.round((sentAt - loadStarted) / 100) / 10, ...f })),
      finalReservations, finalSeats,
      socket: {
        messages: watcher.messages(), duplicates: watcher.duplicateMessages(), reconnects: watcher.reconnects(), snapshots: watcher.snapshots().length,
        outages: watcher.outages().map((o) => ({ fromS: Math.round((o.from - loadStarted) / 100) / 10, toS: o.to === null ? null : Math.round((o.to - loadStarted) / 100) / 10, reason: o.reason })),
      },
      samples,
      checks: checks.map((c) => ({ name: c.name, ok: c.violations.length === 0, figures: c.figures as Record<string, unknown>, violations: c.violations.slice(0, 20) })),
      loadAverage, violations, workDir: options.keep || violations.length > 0 ? options.workDir : null,
    };
  } finally {
    for (const undo of cleanup.reverse()) await undo().catch((error: unknown) => progress(`cleanup: ${(error as Error).message}`));
    if (!options.keep && !failed) rmSync(options.workDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the summary
const table = (head: string[], rows: Array<Array<string | number>>) => [
  `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');

/** "checkout no answer (UND_ERR_SOCKET) × 13, sent 127.5–133.7 s, 1839–8057 ms": failures of one kind, grouped while less than 10 s apart. */
function failureBursts(failures: LifecycleReport['failures']): string[] {
  const bursts: Array<{ what: string; from: number; to: number; count: number; minMs: number; maxMs: number }> = [];
  for (const f of [...failures].sort((a, b) => a.atSeconds - b.atSeconds)) {
    const what = `${f.request} ${f.outcome}`;
    const open = bursts.findLast((b) => b.what === what && f.atSeconds - b.to < 10);
    if (open) Object.assign(open, { to: f.atSeconds, count: open.count + 1, minMs: Math.min(open.minMs, f.ms), maxMs: Math.max(open.maxMs, f.ms) });
    else bursts.push({ what, from: f.atSeconds, to: f.atSeconds, count: 1, minMs: f.ms, maxMs: f.ms });
  }
  return bursts.map((b) => `${b.what} × ${b.count}, sent ${b.from === b.to ? b.from : `${b.from}–${b.to}`} s, ${b.minMs === b.maxMs ? b.minMs : `${b.minMs}–${b.maxMs}`} ms`);
}

/** The Markdown summary of a run: faults, requests, final states, every check with its figures, load average. */
export function lifecycleSummary(report: LifecycleReport): string {
  const o = report.options;
  const fig = (f: Record<string, unknown>) => Object.entries(f).map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`).join(', ');
  return [
    `## Lifecycle chaos run, ${report.startedAt}`,
    '',
    `${report.topology}; Temporal: ${report.temporal}; Redis: ${report.redis}. Load: ${o.rate} journeys/s started for ${report.loadSeconds} s (${report.journeys.total} journeys, the last one over at ${report.journeysDoneSeconds} s), ${o.customers} customers, holds ${o.holdSeconds} s (abandoned ${o.shortHoldSeconds} s), seed ${o.seed}. Everything settled ${report.settleSeconds ?? 'NOT'} s after that.`,
    `Load average (1, 5, 15 min): ${report.loadAverage.start.map((l) => l.toFixed(2)).join(', ')} at the start, highest 1-min ${report.loadAverage.max1m.toFixed(2)}, ${report.loadAverage.end.map((l) => l.toFixed(2)).join(', ')} at the end (2 cores).`,
    '',
    '### Faults',
    table(['at (s)', 'fault', 'happened', 'back after (s)', 'detail'], report.faults.map((f) => [f.atSeconds, f.kind, f.happened ? 'yes' : '**no**', f.recoveredAfterSeconds ?? '**never**', f.detail])),
    '',
    '### Requests by outcome',
    table(['request', 'outcome', 'count'], Object.entries(report.requests).map(([k, n]) => {
      const [kind, ...rest] = k.split(/ (?=\d{3}\b|no answer|error)/);
      return [kind, rest.join(' ') || k, n];
    })),
    `Requests sent again (same Idempotency-Key) after a process was down: ${report.retries}.${report.failures.length ? ` Requests without an answer or with a 5xx, by when they were sent: ${failureBursts(report.failures).join('; ')}.` : ''}`,
    '',
    table(['request', 'answers', 'p50 ms', 'p99 ms', 'max ms'], Object.entries(report.latency).map(([kind, l]) => [kind, l.count, l.p50, l.p99, l.max])),
    '',
    '### Journeys',
    table(['journey', 'outcomes'], Object.entries(report.journeys.byKind).map(([kind, outcomes]) => [kind, Object.entries(outcomes).map(([k, n]) => `${k} ${n}`).join(', ')])),
    '',
    '### Final states',
    `Reservations: ${Object.entries(report.finalReservations).map(([k, n]) => `${k} ${n}`).join(', ')}. Seats: ${Object.entries(report.finalSeats).map(([k, n]) => `${k} ${n}`).join(', ')}.`,
    `Socket.io client: ${report.socket.messages} seats:changed messages (${report.socket.duplicates} duplicates), ${report.socket.reconnects} reconnects, ${report.socket.snapshots} snapshots${report.socket.outages.length ? `; not joined ${report.socket.outages.map((x) => `${x.fromS}–${x.toS ?? 'end'} s (${x.reason})`).join(', ')}` : ''}.`,
    '',
    '### Checks',
    table(['check', 'result', 'figures'], report.checks.map((c) => [c.name, c.ok ? 'ok' : `**FAIL**: ${c.violations.slice(0, 3).join('; ')}`, fig(c.figures)])),
    '',
    report.violations.length === 0 ? 'No violation.' : `**${report.violations.length} VIOLATIONS**:\n${report.violations.slice(0, 30).map((v) => `- ${v}`).join('\n')}`,
    '',
  ].join('\n');
}
