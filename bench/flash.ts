/**
 * `npm run bench:flash`: a flash sale against the engine as `npm start` runs it.
 *
 * It starts the stack itself as a child process (`node src/main.ts all`, or the split
 * deployment with `--topology split`) on a fresh database, a fresh Temporal database file and
 * free ports; puts N customers straight into the database with tokens from the engine's own
 * signer; creates the event; then every customer sends one hold request, C in flight, over
 * keep-alive HTTP. After the sale it checks the invariants (exact winners, no seat held twice,
 * no workflow for a loser, every winner's workflow Running and HELD within 5 s), then checks
 * out every winner while measuring how soon expired holds become claimable, and finally
 * measures two baselines on the same machine and servers: the bare Temporal start rate and
 * the bare PostgreSQL claim rate. Every phase records the CPU of each process group.
 *
 * Output: progress lines, a Markdown table on stdout, and JSON (every figure and raw sample)
 * plus a PNG plot in --out (default bench-results/). Exit code 1 when a check fails.
 * Everything it started is stopped and removed at the end, however the run ends.
 * See bench/README.md for the flags and what each figure means.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { signToken } from '../src/auth/tokens.ts';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.ts';
import { createEvent, type SectionSpec } from '../src/db/events.ts';
import { claimHold, type HoldRequest } from '../src/db/reservations.ts';
import { sql } from '../src/db/sql.ts';
import { TEST_CARDS } from '../src/payments/simulated.ts';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/database.ts';
import { reservationWorkflowId } from '../workflows/messages.ts';
import { startEngine, type EngineProcess, type Topology } from './lib/engine-process.ts';
import { createApiClient, describeAnswer, type Answer, type ApiClient } from './lib/http.ts';
import { MOVING_TOTAL, renderRunPlot, type AnswerPoint } from './lib/plot.ts';
import { commandLine, cpuBetween, descendants, listProcesses, pidListeningOn, sampleCpu, type CpuSample, type GroupMembers } from './lib/processes.ts';
import { freePort, muteProgress, progress, runPool, seededRandom, summarize, type Summary } from './lib/run.ts';
import { describeTemporalStore, prepareBareUpdates, startEmptyWorkflow, type TemporalStore } from './lib/temporal.ts';
import { pino } from 'pino';
import { provideTemporalCli } from '../src/temporal/cli.ts';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../src/temporal/dev-server.ts';
import { freeFullServerPort, startFullServer } from '../src/temporal/full-server.ts';
import { dropDatabase } from '../src/db/pool.ts';

/**
 * The hold's claim as the API makes it (`claimHold`: one statement that returns its outcome),
 * called directly for the bare PostgreSQL baseline. The one line to change when the claim changes.
 */
const claimSeats = (pool: DatabasePool, request: HoldRequest): Promise<string> => claimHold(pool, request).then((r) => (r.outcome === 'CREATED' ? 'won' : r.outcome === 'SEAT_TAKEN' ? 'taken' : r.outcome));

/** Each engine process opens one slonik pool of this size (src/main.ts). */
const ENGINE_POOL_SIZE = 20;
/** Engine processes of each topology: the split one is 2 API processes, 2 workers and 1 gateway. */
const ENGINE_PROCESSES: Record<Topology, number> = { all: 1, split: 5 };
const BARE_START_CONCURRENCY = 50;
const CLIENT_TIMEOUT_MS = 30_000;
const VISIBILITY_TARGET_MS = 5_000;
const VISIBILITY_GIVE_UP_MS = 60_000;
const EXPIRY_RETRY_MS = 100;
const EXPIRY_GIVE_UP_MS = 45_000; // past the passive-expiry grace (30 s by default), a probe that is still not claimable is a failure
const SEATS_PER_ROW = 25;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- options
const HELP = `npm run bench:flash -- [flags]
  --buyers N              customers, one hold request each (default 2000)
  --places N              places (GA) or seats (reserved) on sale (default 500)
  --concurrency N         hold and checkout requests in flight (default 100)
  --seating ga|reserved   one GA section, or reserved seats in rows of up to 25, 1–4 adjacent per buyer (default ga)
  --ticket-limit N        the sale's per-customer ticket limit (default none); every buyer asks for at most 4,
                          so with N ≥ 4 nobody is refused and every hold pays for the limit's lock and count
  --topology all|split    node src/main.ts all, or npm run start:cluster (default all)
  --checkout / --no-checkout   check out every winner, measuring expiry meanwhile (default on)
  --cold-connections      let the sale open its own connections (default: the warm-up opens all --concurrency
                          keep-alive connections first, as a load balancer's pooled connections to the API are)
  --temporal-address H:P  use this Temporal server instead of the one the engine starts
  --temporal-server dev|full   the engine's own dev server with its file (default), or the full
                          Temporal server on PostgreSQL, started for the run (the production topology)
  --out DIR               where the JSON, PNG and engine log go (default bench-results)
  --bare-starts N         workflow starts of the bare Temporal baseline (default 1000)
  --expiry-probes N       short holds whose expiry is measured during checkout (default 50)
  --warm-rejections N     after the warm-up holds, N more hold requests on the sold-out warm-up section, all refused
                          (default 0): API processes as warm as after serving traffic, not just started
  --seed N                seed of the run's random choices (default: random)
  --engine-env KEY=VALUE  an engine setting for this run, repeatable (e.g. --engine-env HOLD_CLAIM_BATCH=1 to
                          claim every hold alone: the same sale before and after a change, in one session)
  --cpu-prof DIR          run the engine (topology all) under node --cpu-prof, writing its profile to DIR
                          (summarise it with: node bench/profile-summary.ts DIR/*.cpuprofile)`;

function readFlags() {
  try {
    return parseArgs({
      allowNegative: true,
      options: {
        buyers: { type: 'string', default: '2000' },
        places: { type: 'string', default: '500' },
        concurrency: { type: 'string', default: '100' },
        seating: { type: 'string', default: 'ga' },
        'ticket-limit': { type: 'string' },
        topology: { type: 'string', default: 'all' },
        checkout: { type: 'boolean', default: true },
        'cold-connections': { type: 'boolean', default: false },
        'temporal-address': { type: 'string' },
        'temporal-server': { type: 'string', default: 'dev' },
        out: { type: 'string', default: 'bench-results' },
        'bare-starts': { type: 'string', default: '1000' },
        'expiry-probes': { type: 'string', default: '50' },
        'warm-rejections': { type: 'string', default: '0' },
        seed: { type: 'string' },
        'cpu-prof': { type: 'string' },
        'engine-env': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
}
const flags = readFlags();
if (flags.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const count = (min: number) => z.coerce.number().int().min(min);
const parsedOptions = z.object({
  buyers: count(1),
  places: count(1),
  concurrency: count(1),
  seating: z.enum(['ga', 'reserved']),
  ticketLimit: count(1).optional(),
  topology: z.enum(['all', 'split']),
  checkout: z.boolean(),
  coldConnections: z.boolean(),
  temporalAddress: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').optional(),
  temporalServer: z.enum(['dev', 'full']),
  out: z.string().min(1),
  bareStarts: count(1),
  expiryProbes: count(0),
  warmRejections: count(0),
  seed: z.coerce.number().int().min(0).default(() => randomBytes(4).readUInt32BE()),
  cpuProf: z.string().min(1).optional(),
  engineEnv: z.array(z.string().regex(/^[A-Z][A-Z0-9_]*=.*$/, 'must be KEY=VALUE')).transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))),
}).refine((o) => !o.cpuProf || o.topology === 'all', { path: ['cpuProf'], message: 'profiles the all-in-one engine only (--topology all)' }).safeParse({
  ...flags, coldConnections: flags['cold-connections'], cpuProf: flags['cpu-prof'], engineEnv: flags['engine-env'], ticketLimit: flags['ticket-limit'], temporalAddress: flags['temporal-address'], temporalServer: flags['temporal-server'], bareStarts: flags['bare-starts'], expiryProbes: flags['expiry-probes'], warmRejections: flags['warm-rejections'],
});
if (!parsedOptions.success) {
  process.stderr.write(`${parsedOptions.error.issues.map((i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join('\n')}\n\n${HELP}\n`);
  process.exit(2);
}
const options = parsedOptions.data;
const random = seededRandom(options.seed);
/** Warm-up holds on another event before the sale (keep-alive connections, JIT, the worker's first tasks): one per 20 buyers, 3 to 20. */
const WARMUP_HOLDS = Math.min(20, Math.max(3, Math.ceil(options.buyers / 20)));

// ---------------------------------------------------------------- results, checks, targets
interface Check { name: string; ok: boolean; detail: string }
interface Target { name: string; target: string; value: string; met: boolean | null }
const checks: Check[] = [];
const targets: Target[] = [];
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  progress(`  check ${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
}
function target(name: string, goal: string, value: string, met: boolean | null): void {
  targets.push({ name, target: goal, value, met });
}

interface Phase { name: string; startedAt: string; durationMs: number; cpu: Record<string, number>; load1: number }
const phases: Phase[] = [];

// ---------------------------------------------------------------- teardown, whatever ends the run
const closers: Array<{ what: string; close: () => Promise<unknown> }> = [];
const cleanup: { errors: string[]; done?: Promise<void> } = { errors: [] };
function tearDown(): Promise<void> {
  cleanup.done ??= (async () => {
    for (const { what, close } of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        cleanup.errors.push(`${what}: ${(error as Error)?.message ?? String(error)}`);
        process.stderr.write(`could not stop the ${what}: ${(error as Error)?.message ?? String(error)}\n`);
      }
    }
  })();
  return cleanup.done;
}
const interrupted = { by: null as NodeJS.Signals | null };
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted.by = signal;
    progress(`${signal}: stopping everything this run started...`);
    muteProgress(); // the run's own steps fail from here on, as their connections close: not worth printing
    void tearDown().finally(() => {
      process.stdout.write(`stopped (${signal}): engine, database and Temporal data removed${cleanup.errors.length ? `, except: ${cleanup.errors.join('; ')}` : ''}\n`);
      process.exit(130);
    });
  });
}

// ---------------------------------------------------------------- the run
interface HoldRecord { i: number; status: number; code: string | null; ms: number; sentS: number; outcome: 'won' | 'rejected' | 'error'; timedOut: boolean; reservationId?: string; seats?: string[] }

const runId = randomBytes(4).toString('hex');
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
const outDir = resolve(REPO, options.out);
const baseName = `flash-${options.seating}-${options.topology}-${stamp}`;
const files = { json: join(outDir, `${baseName}.json`), png: join(outDir, `${baseName}.png`), engineLog: join(outDir, `${baseName}.engine.log`) };
const load = { start: loadavg(), end: [] as number[] };
const result: Record<string, unknown> = {};

async function run(): Promise<void> {
  progress(`flash sale ${runId}: ${options.buyers} buyers, ${options.places} places (${options.seating}), ticket limit ${options.ticketLimit ?? 'none'}, ${options.concurrency} in flight, topology ${options.topology}, checkout ${options.checkout ? 'on' : 'off'}, seed ${options.seed}`);
  progress(`load average ${load.start.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs${load.start[0] > cpus().length / 2 ? ' (the machine is busy: figures will be low and noisy)' : ''}`);
  mkdirSync(outDir, { recursive: true });

  // ---- database, customers, events (straight into PostgreSQL, before the engine starts)
  const db: TestDatabase = await createTestDatabase('bench');
  closers.push({ what: 'bench database', close: () => db.drop() });
  const databaseName = new URL(db.url).pathname.slice(1);
  const stats = new pg.Client({ connectionString: new URL('/postgres', db.url).toString() });
  await stats.connect();
  closers.push({ what: 'statistics connection', close: () => stats.end() });
  progress(`database ${databaseName} created and migrated`);

  const probes = options.checkout ? options.expiryProbes : 0;
  const customerCount = options.buyers + 2 * probes + WARMUP_HOLDS;
  const jwtSecret = `bench-flash-${randomBytes(24).toString('hex')}`;
  const customers = Array.from({ length: customerCount }, (_, i) => ({ id: randomUUID(), email: `bench-${runId}-${i}@bench.test` }));
  await db.pool.query(sql.typeAlias('void')`
    INSERT INTO customers (id, email, name, password_hash)
    SELECT id, email, 'Bench Buyer', 'no-login' FROM ${sql.unnest(customers.map((c) => [c.id, c.email]), ['uuid', 'text'])} AS t(id, email)
  `);
  const tokens = customers.map((c) => signToken({ customerId: c.id, email: c.email, role: 'customer' }, jwtSecret, 6 * 3600));
  const buyerIndex = (i: number) => i;
  const holderIndex = (k: number) => options.buyers + k;
  const claimerIndex = (k: number) => options.buyers + probes + k;
  const warmupIndex = (w: number) => options.buyers + 2 * probes + w;
  progress(`${customerCount} customers inserted (${options.buyers} buyers, ${probes} expiry holders, ${probes} claimers, ${WARMUP_HOLDS} warm-up), tokens signed`);

  const sale = await createSaleEvent(db.pool, 'Bench flash sale');
  const warmup = await createEvent(db.pool, {
    venueName: 'Bench Warm-up Hall', name: 'Bench warm-up', startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Lawn', kind: 'GA', priceCents: 1000, capacity: WARMUP_HOLDS }],
  });
  const probeEvent = probes > 0 ? await createEvent(db.pool, {
    venueName: 'Bench Expiry Hall', name: 'Bench expiry probes', startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Probe row', kind: 'RESERVED', priceCents: 1500, rows: 1, seatsPerRow: probes }],
  }) : null;
  const probeSeats = probeEvent ? (await seatsOf(db.pool, probeEvent.sectionIds[0])).map((s) => s.id) : [];
  progress(`events created: the sale (${sale.places} ${options.seating === 'ga' ? 'GA places' : `seats in ${sale.rows.length} rows of ${sale.rows[0]?.length}`}), warm-up (${WARMUP_HOLDS} places)${probes ? `, expiry probes (${probes} seats)` : ''}`);

  // ---- the engine, as npm start runs it
  const port = await freePort();
  const temporalDevPort = await freePort();
  const dataDir = join(REPO, '.data', `bench-${runId}`);
  mkdirSync(dataDir, { recursive: true });
  closers.push({ what: 'Temporal data directory', close: async () => rmSync(dataDir, { recursive: true, force: true }) });
  if (options.temporalServer === 'full' && !options.temporalAddress) {
    // the production topology's Temporal: the full server on PostgreSQL, fresh databases of this run's own
    const fullPort = await freeFullServerPort();
    progress(`starting the full Temporal server on PostgreSQL (port ${fullPort}, databases temporal_${runId}*)...`);
    const full = await startFullServer({
      cli: await provideTemporalCli(pino({ level: 'warn' }), process.env.TEMPORAL_CLI), postgresUrl: (process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432'),
      database: `temporal_${runId}`, visibilityDatabase: `temporal_${runId}_visibility`, port: fullPort, namespace: 'default',
      dataDir: join(dataDir, 'temporal-full'), dynamicConfig: DEV_SERVER_DYNAMIC_CONFIG, fresh: true, log: pino({ level: 'warn' }),
    });
    closers.push({ what: 'full Temporal server', close: async () => {
      await full.stop();
      const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
      for (const name of [`temporal_${runId}`, `temporal_${runId}_visibility`]) await dropDatabase(`${base}/${name}`);
    } });
    options.temporalAddress = full.address;
  }
  const engineEnv: Record<string, string> = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    JWT_SECRET: jwtSecret,
    SEED_DEMO: 'false',
    TEMPORAL_DEV_PORT: String(temporalDevPort),
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_DB_FILE: join(dataDir, 'temporal.db'),
    TEMPORAL_TASK_QUEUE: `bench-flash-${runId}`,
    // one claimer retries every 100 ms while it waits for an expiry; the limiter still runs on every hold
    RATE_LIMIT_HOLDS_PER_MINUTE: '1000',
    ...(options.temporalAddress ? { TEMPORAL_ADDRESS: options.temporalAddress } : {}),
    ...(process.env.TEMPORAL_CLI ? { TEMPORAL_CLI: process.env.TEMPORAL_CLI } : {}),
    ...options.engineEnv,
  };
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key, value]) => value !== undefined && !CONFIG_VARIABLES.includes(key))) as Record<string, string>;
  progress(`starting the engine (${options.topology === 'all' ? 'node src/main.ts all' : 'npm run start:cluster'}) on port ${port}${options.temporalAddress ? `, Temporal at ${options.temporalAddress}` : `, its Temporal dev server on ${temporalDevPort}`}...`);
  const nodeArgs = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.cpuProf)}`] : [];
  const engine: EngineProcess = startEngine({ topology: options.topology, nodeArgs, env: { ...inherited, ...engineEnv }, port, logFile: files.engineLog, cwd: REPO, onProgress: progress });
  closers.push({ what: 'engine', close: () => engine.stop() });
  await engine.ready();
  progress(`engine healthy at ${engine.baseUrl} (pid ${engine.pid}, log ${relative(REPO, files.engineLog)})`);

  const temporalAddress = options.temporalAddress ?? `127.0.0.1:${temporalDevPort}`;
  const [temporalHost, temporalPortText] = temporalAddress.split(':');
  const temporalPid = ['127.0.0.1', 'localhost', '::1'].includes(temporalHost) ? pidListeningOn(Number(temporalPortText)) : null;
  const store: TemporalStore = describeTemporalStore(temporalPid, REPO);
  progress(`Temporal ${temporalAddress}: ${store.description}${temporalPid ? ` (pid ${temporalPid})` : ''}`);
  const connection = await Connection.connect({ address: temporalAddress });
  closers.push({ what: 'Temporal connection', close: () => connection.close() });
  const client = new Client({ connection, namespace: 'default' });

  // ---- process groups whose CPU each phase records
  const groups = cpuGroups(engine.pid, temporalPid);
  const measurePhase = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    const before = sampleCpu(groups);
    const at = new Date();
    const value = await body();
    phases.push(phaseOf(name, at, before, sampleCpu(groups)));
    return value;
  };

  const api: ApiClient = createApiClient(engine.baseUrl, { connections: options.concurrency, timeoutMs: CLIENT_TIMEOUT_MS });
  closers.push({ what: 'HTTP client', close: () => api.close() });
  const holdWith = (client: ApiClient) => (customer: number, body: unknown, key: string) =>
    client.request('POST', '/api/reservations', { token: tokens[customer], body, headers: { 'idempotency-key': key } });
  const hold = holdWith(api);
  // the expiry probes have connections of their own: behind the checkouts' they would wait in the client's queue
  const probeApi: ApiClient = createApiClient(engine.baseUrl, { connections: Math.max(1, probes), timeoutMs: CLIENT_TIMEOUT_MS });
  closers.push({ what: 'HTTP client of the expiry probes', close: () => probeApi.close() });
  const probeHold = holdWith(probeApi);

  // ---- warm-up: keep-alive connections, JIT, the worker's first workflow tasks; not measured
  const warmupRequest = { eventId: warmup.eventId, sectionId: warmup.sectionIds[0], quantity: 1 };
  await runPool(WARMUP_HOLDS, 5, async (w) => {
    const answer = await hold(warmupIndex(w), warmupRequest, `warmup-${runId}-${w}`);
    if (answer.status !== 201) throw new Error(`warm-up hold ${w} failed: ${describeAnswer(answer)}`);
  });
  // warm API processes: refused holds on the sold-out warm-up section (the warm-up customers in turn)
  if (options.warmRejections > 0) {
    await runPool(options.warmRejections, options.concurrency, async (r) => {
      const answer = await hold(warmupIndex(r % WARMUP_HOLDS), warmupRequest, `warm-${runId}-${r}`);
      if (answer.status !== 409) throw new Error(`warm-up rejection ${r} was not refused: ${describeAnswer(answer)}`);
    });
    await sleep(1000); // the sale signal these raised lapses before the sale (src/reservations/sale-signal.ts)
  }
  // every connection of the sale open and kept alive first, as a load balancer's pooled connections to the
  // API are: otherwise the sale's first wave also pays for opening them (--cold-connections)
  if (!options.coldConnections) await Promise.all(Array.from({ length: options.concurrency }, () => api.request('GET', `/api/events/${warmup.eventId}`)));
  progress(`warm-up: ${WARMUP_HOLDS} holds on another event${options.warmRejections ? ` and ${options.warmRejections} refused` : ''}${options.coldConnections ? '' : `, then ${options.concurrency} keep-alive connections opened`}`);

  // ---- the sale
  const requests = Array.from({ length: options.buyers }, () => sale.nextRequest());
  const sessionsBefore = await databaseSessions(stats, databaseName);
  progress(`the sale: ${options.buyers} hold requests, ${options.concurrency} in flight...`);
  const holds: HoldRecord[] = new Array(options.buyers);
  let saleStart = 0;
  let lastAnswerAt = 0;
  await measurePhase('hold sale', async () => {
    saleStart = performance.now();
    let done = 0;
    const step = Math.max(1, Math.ceil(options.buyers / 4));
    await runPool(options.buyers, options.concurrency, async (i) => {
      const answer = await hold(buyerIndex(i), requests[i].body, `flash-${runId}-${i}`);
      holds[i] = holdRecord(i, answer, saleStart, requests[i].seatIds);
      if (++done % step === 0 && done < options.buyers) progress(`  ${done}/${options.buyers} answered`);
    });
    lastAnswerAt = performance.now();
  });
  const saleMs = lastAnswerAt - saleStart;
  // the winners whose workflow was started during the sale (their start request already taken): those starts shared the CPUs with the answers
  const pendingAtLastAnswer = await pendingStarts(db.pool, sale.eventId);
  const won = holds.filter((h) => h.outcome === 'won');
  const rejected = holds.filter((h) => h.outcome === 'rejected');
  const failed = holds.filter((h) => h.outcome === 'error');
  progress(`  sale over in ${(saleMs / 1000).toFixed(2)} s: ${won.length} winners, ${rejected.length} rejections, ${failed.length} errors (${(options.buyers / (saleMs / 1000)).toFixed(1)} requests/s); ${won.length - pendingAtLastAnswer} winners' workflows started during the sale`);
  printErrors('hold', failed.map((h) => h.code ?? String(h.status)));

  // ---- every winner's workflow Running and HELD, as Temporal's visibility tells
  const heldQuery = `WorkflowType="reservationWorkflow" AND BookingEventId="${sale.eventId}" AND ExecutionStatus="Running" AND ReservationState="HELD"`;
  progress(`waiting for ${won.length} workflows: ${heldQuery}`);
  let visibleAfterMs = null as number | null; // set inside the phase below
  // when the starters had started every winner's workflow (their start requests all gone):
  // with the visibility time it tells a slow start from a slow visibility record
  let startsDrainedAfterMs = null as number | null;
  let lastCount = -1;
  await measurePhase('winners listed', async () => {
    while (performance.now() - lastAnswerAt < VISIBILITY_GIVE_UP_MS) {
      if (startsDrainedAfterMs === null && await pendingStarts(db.pool, sale.eventId) === 0) startsDrainedAfterMs = performance.now() - lastAnswerAt;
      lastCount = (await client.workflow.count(heldQuery)).count;
      if (lastCount >= won.length) {
        visibleAfterMs = performance.now() - lastAnswerAt;
        break;
      }
      // every 100 ms at first; slower as the wait grows, so the polling itself does not load the server
      await sleep(Math.min(1000, 100 + (performance.now() - lastAnswerAt) / 20));
    }
  });
  await sleep(Math.max(0, 1000 - (performance.now() - lastAnswerAt))); // PostgreSQL publishes session statistics within a second
  const sessionsAfter = await databaseSessions(stats, databaseName);
  const sessionGrowth = sessionsAfter.sessions - sessionsBefore.sessions;
  const poolBudget = ENGINE_POOL_SIZE * ENGINE_PROCESSES[options.topology];
  progress(`  ${lastCount} of ${won.length} listed ${visibleAfterMs === null ? `after ${VISIBILITY_GIVE_UP_MS / 1000} s (gave up)` : `${(visibleAfterMs / 1000).toFixed(2)} s after the last answer`}`
    + ` (start requests drained ${startsDrainedAfterMs === null ? 'later' : `after ${(startsDrainedAfterMs / 1000).toFixed(2)} s`}); sessions of ${databaseName} grew by ${sessionGrowth} during the sale`);

  // ---- checks of the sale
  progress('checking the sale...');
  check('every hold request was answered 201 or 409 SEAT_TAKEN', failed.length === 0, `${won.length} × 201, ${rejected.length} × 409, ${failed.length} other`);
  if (options.seating === 'ga') {
    const expected = Math.min(sale.places, options.buyers);
    check('GA: winners = places (exactly)', won.length === expected, `${won.length} winners for ${sale.places} places and ${options.buyers} buyers`);
  } else {
    const taken = new Set(won.flatMap((h) => h.seats ?? []));
    const falseRejections = rejected.filter((h) => !(h.seats ?? []).some((id) => taken.has(id))).length;
    const overlapping = won.reduce((sum, h) => sum + (h.seats?.length ?? 0), 0) - taken.size;
    check('reserved: winners asked for disjoint seats', overlapping === 0, `${overlapping} seats asked for by two winners`);
    check('reserved: every rejection asked for a seat some winner holds (no false 409)', falseRejections === 0, `${falseRejections} rejections without a taken seat`);
  }
  const pgState = await saleState(db.pool, sale.eventId);
  const winnerIds = new Set(won.map((h) => h.reservationId!));
  const liveMatches = pgState.liveIds.length === winnerIds.size && pgState.liveIds.every((id) => winnerIds.has(id));
  check('PostgreSQL: no seat held by two live reservations', pgState.doubleHeld === 0, `${pgState.doubleHeld} seats in two live reservations`);
  check('PostgreSQL: seats and reservations agree', pgState.orphanSeats === 0 && pgState.missingSeats === 0 && pgState.heldSeats === pgState.reservedSeats,
    `${pgState.heldSeats} seats taken, ${pgState.reservedSeats} seats in live reservations, ${pgState.orphanSeats} taken seats without their reservation, ${pgState.missingSeats} reservation seats not owned`);
  check('PostgreSQL: the live reservations are exactly the winners', liveMatches && pgState.allReservations === winnerIds.size,
    `${pgState.liveIds.length} live of ${pgState.allReservations} reservations for the event, ${winnerIds.size} winners`);
  const listed: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowType="reservationWorkflow" AND BookingEventId="${sale.eventId}"` })) listed.push(execution.workflowId);
  const winnerWorkflows = new Set([...winnerIds].map((id) => reservationWorkflowId(id)));
  const strangers = listed.filter((id) => !winnerWorkflows.has(id)).length;
  check('no workflow for a loser', strangers === 0 && listed.length === winnerWorkflows.size, `${listed.length} workflows for the event, ${strangers} not a winner's, ${winnerWorkflows.size} winners`);
  check(`every winner's workflow Running and HELD within ${VISIBILITY_TARGET_MS / 1000} s of the last answer`, visibleAfterMs !== null && visibleAfterMs <= VISIBILITY_TARGET_MS && lastCount === won.length,
    visibleAfterMs === null ? `${lastCount} of ${won.length} after ${VISIBILITY_GIVE_UP_MS / 1000} s` : `${lastCount} of ${won.length} after ${visibleAfterMs.toFixed(0)} ms`);

  // ---- checkout of every winner, with expiry measured meanwhile
  let checkoutResult: CheckoutResult | null = null;
  let expiryResult: ExpiryResult | null = null;
  if (options.checkout && won.length > 0) {
    const probeHolds = await takeProbeHolds(probes, probeEvent?.eventId ?? '', probeSeats, probeHold, holderIndex);
    if (probes > 0) check('every expiry probe hold was taken (201)', probeHolds.every((p) => p.deadline !== null), `${probeHolds.filter((p) => p.deadline !== null).length} of ${probes}`);
    progress(`checkout: ${won.length} winners, ${options.concurrency} in flight; ${probeHolds.length} holds expiring meanwhile (3–5 s)...`);
    const expiry = watchExpiries(probeHolds, probeEvent?.eventId ?? '', probeSeats, probeHold, claimerIndex, groups);
    checkoutResult = await measurePhase('checkout', () => checkoutAll(api, won, tokens, saleStart));
    const ok = checkoutResult.records.filter((r) => r.status === 200).length;
    progress(`  checkout over in ${(checkoutResult.ms / 1000).toFixed(2)} s: ${ok} × 200, ${checkoutResult.timeouts} timeouts, ${checkoutResult.records.length - ok - checkoutResult.timeouts} other${probeHolds.length ? '; waiting for the expiry probes' : ''}`);
    expiryResult = await expiry;
    await attributeReleases(db.pool, expiryResult.probes);
    if (expiryResult.phase) phases.push(expiryResult.phase);
    printErrors('checkout', checkoutResult.records.filter((r) => r.status !== 200).map((r) => r.code ?? String(r.status)));
    check('every checkout was answered 200 (or timed out on the client)', checkoutResult.records.every((r) => r.status === 200 || r.timedOut),
      `${checkoutResult.records.filter((r) => r.status !== 200 && !r.timedOut).length} answered otherwise`);
    const settled = await waitForBookings(db.pool, sale.eventId, winnerIds.size);
    check('PostgreSQL: every winner CONFIRMED, with one booking and one successful charge', settled.confirmed === winnerIds.size && settled.bookings === winnerIds.size && settled.charges === winnerIds.size && settled.soldSeats === pgState.heldSeats,
      `${settled.confirmed} confirmed, ${settled.bookings} bookings, ${settled.charges} successful charges, ${settled.soldSeats} seats sold of ${pgState.heldSeats} held, for ${winnerIds.size} winners`);
    if (probes > 0) {
      const claimed = expiryResult.probes.filter((p) => p.claimedAfterMs !== null).length;
      check('every expired probe hold became claimable again', claimed === probeHolds.filter((p) => p.deadline !== null).length, `${claimed} of ${probes} claimed within ${EXPIRY_GIVE_UP_MS / 1000} s of their deadline`);
    }
  }

  // ---- baselines on the same servers
  progress(`baseline: ${options.bareStarts} bare workflow starts, ${BARE_START_CONCURRENCY} in flight...`);
  const emptyQueue = `bench-empty-${runId}`;
  const bareStart = await measurePhase('bare Temporal start', () => timed(options.bareStarts, BARE_START_CONCURRENCY, async () => { await startEmptyWorkflow(client, emptyQueue); return 'ok'; }));
  progress(`  ${bareStart.rate.toFixed(1)} starts/s, p50 ${bareStart.summary.p50.toFixed(1)} ms, p99 ${bareStart.summary.p99.toFixed(1)} ms, ${bareStart.errors} errors`);

  // the floor of a checkout: an Update the workflow answers at once, as many and as many in flight as the checkouts
  let bareUpdate: Timed | null = null;
  if (options.checkout) {
    const updates = Math.max(1, won.length);
    progress(`baseline: ${updates} bare Updates (answered at once by the workflow), ${options.concurrency} in flight...`);
    const echo = await prepareBareUpdates(client, temporalAddress, updates);
    try {
      bareUpdate = await measurePhase('bare Temporal update', () => timed(updates, options.concurrency, (i) => echo.update(i)));
    } finally {
      await echo.close();
    }
    progress(`  ${bareUpdate.rate.toFixed(1)} updates/s, p50 ${bareUpdate.summary.p50.toFixed(1)} ms, p99 ${bareUpdate.summary.p99.toFixed(1)} ms, ${bareUpdate.errors} errors`);
  }

  progress(`baseline: the claim called directly, ${options.buyers} claims on a fresh section, ${options.concurrency} in flight through a pool of ${ENGINE_POOL_SIZE}...`);
  const fresh = await createSaleEvent(db.pool, 'Bench claim baseline');
  const claimRequests = Array.from({ length: options.buyers }, () => fresh.nextRequest());
  const claimSessionsBefore = await databaseSessions(stats, databaseName);
  const bareClaim = await measurePhase('bare PostgreSQL claim', () => timed(options.buyers, options.concurrency, (i) => claimSeats(db.pool, {
    ...claimRequests[i].claim, customerId: customers[buyerIndex(i)].id, idempotencyKey: `claim-${runId}-${i}`, holdSeconds: 600, passiveGraceSeconds: 1, // nothing expires during the baseline
  })));
  await sleep(1000);
  const claimSessionGrowth = (await databaseSessions(stats, databaseName)).sessions - claimSessionsBefore.sessions;
  progress(`  ${bareClaim.rate.toFixed(1)} claims/s, p50 ${bareClaim.summary.p50.toFixed(1)} ms, p99 ${bareClaim.summary.p99.toFixed(1)} ms, ${bareClaim.outcomes.won ?? 0} won, ${bareClaim.outcomes.taken ?? 0} taken, ${bareClaim.errors} errors; sessions grew by ${claimSessionGrowth}`);
  load.end = loadavg();

  // ---- figures
  const figures = {
    places: sale.places,
    sale: { requests: options.buyers, ms: saleMs, rate: options.buyers / (saleMs / 1000), latency: summarize(holds.map((h) => h.ms)), errors: failed.length, timeouts: failed.filter((h) => h.timedOut).length },
    winners: { requests: won.length, rate: won.length / (saleMs / 1000), latency: summarize(won.map((h) => h.ms)) },
    rejections: { requests: rejected.length, rate: rejected.length / (saleMs / 1000), latency: summarize(rejected.map((h) => h.ms)) },
    // the winners of the sale's first wave (the first `concurrency` requests, all sent at once at its start) apart from the rest
    firstWave: { requests: Math.min(options.concurrency, holds.length), winners: summarize(won.filter((h) => h.i < options.concurrency).map((h) => h.ms)), laterWinners: summarize(won.filter((h) => h.i >= options.concurrency).map((h) => h.ms)) },
    checkout: checkoutResult && { requests: checkoutResult.records.length, ms: checkoutResult.ms, rate: checkoutResult.records.length / (checkoutResult.ms / 1000), latency: summarize(checkoutResult.records.map((r) => r.ms)), errors: checkoutResult.records.filter((r) => r.status !== 200).length, timeouts: checkoutResult.timeouts },
    expiry: expiryResult && {
      passiveGraceSeconds: loadConfig({ NODE_ENV: 'development' }).PASSIVE_EXPIRY_GRACE_SECONDS,
      byWorkflowTimer: expiryResult.probes.filter((p) => p.releasedBy === 'workflow timer').length,
      byPassiveExpiry: expiryResult.probes.filter((p) => p.releasedBy === 'passive expiry').length,
      probes: expiryResult.probes.length, delay: summarize(expiryResult.probes.flatMap((p) => (p.claimedAfterMs === null ? [] : [p.claimedAfterMs]))), unclaimed: expiryResult.probes.filter((p) => p.claimedAfterMs === null).length, deadlinesDuringCheckout: expiryResult.probes.filter((p) => p.deadlineDuringCheckout).length },
    bareStart: { requests: options.bareStarts, ms: bareStart.ms, rate: bareStart.rate, latency: bareStart.summary, errors: bareStart.errors, concurrency: BARE_START_CONCURRENCY },
    bareUpdate: bareUpdate ? { requests: bareUpdate.samples.length, ms: bareUpdate.ms, rate: bareUpdate.rate, latency: bareUpdate.summary, errors: bareUpdate.errors, concurrency: options.concurrency } : null,
    bareClaim: { requests: options.buyers, ms: bareClaim.ms, rate: bareClaim.rate, latency: bareClaim.summary, errors: bareClaim.errors, won: bareClaim.outcomes.won ?? 0, taken: bareClaim.outcomes.taken ?? 0, concurrency: options.concurrency, poolSize: ENGINE_POOL_SIZE, sessionGrowth: claimSessionGrowth },
    visibility: { query: heldQuery, heldRunningAfterMs: visibleAfterMs, startsDrainedAfterMs, startedDuringSale: won.length - pendingAtLastAnswer, listed: lastCount, winners: won.length },
    sessions: { database: databaseName, before: sessionsBefore, after: sessionsAfter, growth: sessionGrowth, poolBudget },
  };

  target('hold requests/s over the whole sale', '≥ 1,300/s (quiet machine)', `${figures.sale.rate.toFixed(1)}/s`, figures.sale.rate >= 1300);
  target('rejections p99', '≤ 150 ms', `${fmtMs(figures.rejections.latency.p99)} ms`, rejected.length ? figures.rejections.latency.p99 <= 150 : null);
  target('winners p99', '≤ 250 ms', `${fmtMs(figures.winners.latency.p99)} ms`, won.length ? figures.winners.latency.p99 <= 250 : null);
  target('growth of pg_stat_database.sessions during the sale', `≤ the pools' sizes (${poolBudget})`, String(sessionGrowth), sessionGrowth <= poolBudget);
  target('winners\' workflows Running and HELD after the last answer', '≤ 5 s', visibleAfterMs === null ? 'never' : `${(visibleAfterMs / 1000).toFixed(2)} s`, visibleAfterMs !== null && visibleAfterMs <= VISIBILITY_TARGET_MS);
  if (figures.checkout) {
    target('checkout p99', '< 1 s', `${fmtMs(figures.checkout.latency.p99)} ms`, figures.checkout.latency.p99 < 1000);
    target('checkout client timeouts (30 s)', '0', String(figures.checkout.timeouts), figures.checkout.timeouts === 0);
  }
  if (figures.expiry && figures.expiry.probes > 0) {
    target('hold deadline → seats claimable again, p99', '≤ 2 s', `${fmtMs(figures.expiry.delay.p99)} ms (${figures.expiry.deadlinesDuringCheckout}/${figures.expiry.probes} deadlines during the checkout load)`, figures.expiry.delay.p99 <= 2000);
  }

  Object.assign(result, {
    figures,
    samples: {
      holds: holds.map(({ i, status, code, ms, sentS, outcome, timedOut }) => ({ i, status, code, ms: round(ms), sentS: round(sentS, 4), outcome, timedOut })),
      checkouts: checkoutResult?.records.map(({ status, code, ms, sentS, timedOut }) => ({ status, code, ms: round(ms), sentS: round(sentS, 4), timedOut })) ?? [],
      expiry: expiryResult?.probes ?? [],
      bareStart: bareStart.samples.map((ms) => round(ms)),
      bareClaim: bareClaim.samples.map((ms) => round(ms)),
    },
    temporal: { address: temporalAddress, pid: temporalPid, store },
    engine: { command: engine.command, pid: engine.pid, env: { ...engineEnv, JWT_SECRET: '(random, per run)' }, poolSizePerProcess: ENGINE_POOL_SIZE, processes: ENGINE_PROCESSES[options.topology] },
  });
  await renderOutputs(holds, checkoutResult, bareStart.samples, bareClaim.samples);
}

// ---------------------------------------------------------------- the event on sale
interface SaleRequest { body: Record<string, unknown>; claim: { eventId: string } & ({ seatIds: string[] } | { sectionId: string; quantity: number }); seatIds?: string[] }

async function seatsOf(pool: DatabasePool, sectionId: string) {
  return pool.any(sql.type(z.object({ id: z.string(), row: z.string().nullable(), number: z.number().nullable() }))`
    SELECT id, row_label AS "row", seat_number AS "number" FROM seats WHERE section_id = ${sectionId} ORDER BY row_label, seat_number, id
  `);
}

/** The sale's event: one GA section of --places places, or reserved seats in rows of up to 25. */
async function createSaleEvent(pool: DatabasePool, name: string) {
  const perRow = Math.min(SEATS_PER_ROW, options.places);
  const rowCount = Math.ceil(options.places / perRow);
  const section: SectionSpec = options.seating === 'ga'
    ? { name: 'Floor', kind: 'GA', priceCents: 4500, capacity: options.places }
    : { name: 'Stalls', kind: 'RESERVED', priceCents: 4500, rows: rowCount, seatsPerRow: perRow };
  const { eventId, sectionIds } = await createEvent(pool, {
    venueName: `${name} venue`, name, startsAt: new Date(Date.now() + 7 * 86_400_000), maxTicketsPerCustomer: options.ticketLimit ?? null, sections: [section],
  });
  const sectionId = sectionIds[0];
  const rows: string[][] = [];
  if (options.seating === 'reserved') {
    const byRow = new Map<string, string[]>();
    for (const seat of await seatsOf(pool, sectionId)) byRow.set(seat.row!, [...(byRow.get(seat.row!) ?? []), seat.id]);
    rows.push(...byRow.values());
  }
  const places = options.seating === 'ga' ? options.places : rows.reduce((sum, r) => sum + r.length, 0);
  return {
    eventId, sectionId, rows, places,
    /** One buyer's request: a GA place, or 1–4 adjacent seats from a random row and start. */
    nextRequest(): SaleRequest {
      if (options.seating === 'ga') {
        return { body: { eventId, sectionId, quantity: 1 }, claim: { eventId, sectionId, quantity: 1 } };
      }
      const row = rows[Math.floor(random() * rows.length)];
      const quantity = Math.min(row.length, 1 + Math.floor(random() * 4));
      const start = Math.floor(random() * (row.length - quantity + 1));
      const seatIds = row.slice(start, start + quantity);
      return { body: { eventId, seatIds }, claim: { eventId, seatIds }, seatIds };
    },
  };
}

function holdRecord(i: number, answer: Answer, origin: number, seatIds?: string[]): HoldRecord {
  const code: string | null = answer.body?.error?.code ?? (answer.status === 0 ? (answer.error ?? 'no answer') : null);
  const outcome = answer.status === 201 ? 'won' : answer.status === 409 && code === 'SEAT_TAKEN' ? 'rejected' : 'error';
  return {
    i, status: answer.status, code: outcome === 'error' ? describeAnswer(answer) : code, ms: answer.ms, sentS: (answer.sentAt - origin) / 1000,
    outcome, timedOut: answer.timedOut, reservationId: answer.status === 201 ? answer.body.reservation.id : undefined, seats: seatIds,
  };
}

function printErrors(what: string, codes: string[]): void {
  const counted = new Map<string, number>();
  for (const code of codes) counted.set(code, (counted.get(code) ?? 0) + 1);
  for (const [code, n] of [...counted].sort((a, b) => b[1] - a[1])) progress(`  ${what} error × ${n}: ${code}`);
}

// ---------------------------------------------------------------- PostgreSQL state
async function databaseSessions(client: pg.Client, database: string): Promise<{ sessions: number; backends: number }> {
  const { rows } = await client.query<{ sessions: string; backends: string }>(
    'SELECT sessions::int8 AS sessions, numbackends::int8 AS backends FROM pg_stat_database WHERE datname = $1', [database]);
  return { sessions: Number(rows[0]?.sessions ?? Number.NaN), backends: Number(rows[0]?.backends ?? Number.NaN) };
}

/** Start requests of the event's reservations that the starters have not yet turned into workflows. */
async function pendingStarts(pool: DatabasePool, eventId: string): Promise<number> {
  return pool.oneFirst(sql.type(z.object({ pending: z.number() }))`
    SELECT count(*)::int AS pending FROM workflow_starts ws JOIN reservations r ON r.id = ws.reservation_id WHERE r.event_id = ${eventId}
  `);
}

const live = sql.fragment`('HELD', 'PAYING', 'CONFIRMED')`;
async function saleState(pool: DatabasePool, eventId: string) {
  const counts = await pool.one(sql.type(z.object({ doubleHeld: z.number(), orphanSeats: z.number(), missingSeats: z.number(), heldSeats: z.number(), reservedSeats: z.number(), allReservations: z.number() }))`
    SELECT
      (SELECT count(*) FROM (
         SELECT rs.seat_id FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
         WHERE r.event_id = ${eventId} AND r.status IN ${live} GROUP BY rs.seat_id HAVING count(*) > 1) twice) AS "doubleHeld",
      (SELECT count(*) FROM seats s WHERE s.event_id = ${eventId} AND s.state <> 'AVAILABLE' AND NOT EXISTS (
         SELECT 1 FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
         WHERE rs.seat_id = s.id AND r.id = s.reservation_id AND r.status IN ${live})) AS "orphanSeats",
      (SELECT count(*) FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
       LEFT JOIN seats s ON s.id = rs.seat_id AND s.reservation_id = r.id AND s.state <> 'AVAILABLE'
       WHERE r.event_id = ${eventId} AND r.status IN ${live} AND s.id IS NULL) AS "missingSeats",
      (SELECT count(*) FROM seats WHERE event_id = ${eventId} AND state <> 'AVAILABLE') AS "heldSeats",
      (SELECT count(*) FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
       WHERE r.event_id = ${eventId} AND r.status IN ${live}) AS "reservedSeats",
      (SELECT count(*) FROM reservations WHERE event_id = ${eventId}) AS "allReservations"
  `);
  const liveIds = await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM reservations WHERE event_id = ${eventId} AND status IN ${live}
  `);
  return { ...counts, liveIds: [...liveIds] };
}

/** Waits (up to 60 s, for checkouts the client gave up on) until every winner is confirmed; returns what PostgreSQL holds then. */
async function waitForBookings(pool: DatabasePool, eventId: string, winners: number) {
  const read = () => pool.one(sql.type(z.object({ confirmed: z.number(), bookings: z.number(), charges: z.number(), soldSeats: z.number() }))`
    SELECT
      (SELECT count(*) FROM reservations WHERE event_id = ${eventId} AND status = 'CONFIRMED') AS confirmed,
      (SELECT count(*) FROM bookings WHERE event_id = ${eventId}) AS bookings,
      (SELECT count(*) FROM payment_charges c JOIN reservations r ON r.id = c.reservation_id WHERE r.event_id = ${eventId} AND c.status = 'SUCCEEDED') AS charges,
      (SELECT count(*) FROM seats WHERE event_id = ${eventId} AND state = 'SOLD') AS "soldSeats"
  `);
  const deadline = Date.now() + 60_000;
  let state = await read();
  while (state.confirmed < winners && Date.now() < deadline) {
    await sleep(250);
    state = await read();
  }
  return state;
}

// ---------------------------------------------------------------- checkout and expiry
interface CheckoutRecord { status: number; code: string | null; ms: number; sentS: number; timedOut: boolean }
interface CheckoutResult { records: CheckoutRecord[]; ms: number; timeouts: number; startedAt: number; endedAt: number }

let checkoutWindow: { start: number; end: number } = { start: Number.NaN, end: Number.NaN };

async function checkoutAll(api: ApiClient, won: HoldRecord[], tokens: string[], origin: number): Promise<CheckoutResult> {
  const records: CheckoutRecord[] = new Array(won.length);
  const startedAt = performance.now();
  checkoutWindow = { start: Date.now(), end: Number.NaN };
  let done = 0;
  const step = Math.max(1, Math.ceil(won.length / 4));
  await runPool(won.length, options.concurrency, async (k) => {
    const h = won[k];
    const answer = await api.request('POST', `/api/reservations/${h.reservationId}/checkout`, {
      token: tokens[h.i], body: { card: { number: TEST_CARDS.success } }, headers: { 'idempotency-key': `checkout-${runId}-${h.i}` },
    });
    records[k] = { status: answer.status, code: answer.status === 200 ? null : describeAnswer(answer), ms: answer.ms, sentS: (answer.sentAt - origin) / 1000, timedOut: answer.timedOut };
    if (++done % step === 0 && done < won.length) progress(`  ${done}/${won.length} checked out`);
  });
  const endedAt = performance.now();
  checkoutWindow.end = Date.now();
  return { records, ms: endedAt - startedAt, timeouts: records.filter((r) => r.timedOut).length, startedAt, endedAt };
}

interface ProbeHold { k: number; reservationId: string | null; holdSeconds: number; deadline: number | null }
interface ProbeResult {
  k: number; holdSeconds: number; deadline: string | null; claimedAfterMs: number | null; attempts: number; deadlineDuringCheckout: boolean;
  /** Who freed the seat first: the workflow's timer (the reservation was EXPIRED before the claim), or the seat's own deadline. */
  releasedBy?: 'workflow timer' | 'passive expiry' | 'unknown';
  reservationId?: string | null; claimedAt?: string | null;
}
interface ExpiryResult { probes: ProbeResult[]; phase: Phase | null }
type HoldFn = (customer: number, body: unknown, key: string) => Promise<Answer>;

/** K short holds (3, 4 or 5 s) on seats of their own, taken just before the checkout load. */
async function takeProbeHolds(probes: number, eventId: string, seats: string[], hold: HoldFn, holder: (k: number) => number): Promise<ProbeHold[]> {
  const taken: ProbeHold[] = new Array(probes);
  await runPool(probes, 10, async (k) => {
    const holdSeconds = 3 + (k % 3);
    const answer = await hold(holder(k), { eventId, seatIds: [seats[k]], holdSeconds }, `probe-${runId}-${k}`);
    taken[k] = { k, holdSeconds, reservationId: answer.status === 201 ? answer.body.reservation.id : null, deadline: answer.status === 201 ? Date.parse(answer.body.reservation.holdExpiresAt) : null };
    if (answer.status !== 201) progress(`  expiry probe ${k}: ${describeAnswer(answer)}`);
  });
  return taken;
}

/** After each probe hold's deadline, another customer tries to claim its seat every 100 ms; records deadline → first 201. */
async function watchExpiries(probes: ProbeHold[], eventId: string, seats: string[], hold: HoldFn, claimer: (k: number) => number, groups: ReadonlyMap<string, GroupMembers>): Promise<ExpiryResult> {
  const deadlines = probes.flatMap((p) => (p.deadline === null ? [] : [p.deadline]));
  if (deadlines.length === 0) return { probes: [], phase: null };
  const atFirstDeadline: { cpu: CpuSample | null } = { cpu: null };
  const firstDeadline = Math.min(...deadlines);
  const sampler = setTimeout(() => { atFirstDeadline.cpu = sampleCpu(groups); }, Math.max(0, firstDeadline - Date.now()));
  const results = await Promise.all(probes.map(async (p): Promise<ProbeResult> => {
    const base = { k: p.k, holdSeconds: p.holdSeconds, deadline: p.deadline === null ? null : new Date(p.deadline).toISOString() };
    if (p.deadline === null) return { ...base, claimedAfterMs: null, attempts: 0, deadlineDuringCheckout: false };
    await sleep(Math.max(0, p.deadline - Date.now()));
    let attempts = 0;
    let claimedAt: number | null = null;
    while (Date.now() - p.deadline < EXPIRY_GIVE_UP_MS) {
      const sent = Date.now();
      const answer = await hold(claimer(p.k), { eventId, seatIds: [seats[p.k]] }, `claim-${runId}-${p.k}-${attempts++}`);
      if (answer.status === 201) {
        claimedAt = Date.now();
        break;
      }
      if (answer.status !== 409) progress(`  expiry claimer ${p.k}: ${describeAnswer(answer)}`);
      await sleep(Math.max(0, EXPIRY_RETRY_MS - (Date.now() - sent)));
    }
    const during = p.deadline >= checkoutWindow.start && (Number.isNaN(checkoutWindow.end) || p.deadline <= checkoutWindow.end);
    return {
      ...base, claimedAfterMs: claimedAt === null ? null : claimedAt - p.deadline, attempts, deadlineDuringCheckout: during,
      reservationId: p.reservationId, claimedAt: claimedAt === null ? null : new Date(claimedAt).toISOString(),
    };
  }));
  clearTimeout(sampler);
  const before = atFirstDeadline.cpu ?? sampleCpu(groups);
  const phase = phaseOf('expiry → claimable', new Date(firstDeadline), before, sampleCpu(groups));
  const delays = results.flatMap((r) => (r.claimedAfterMs === null ? [] : [r.claimedAfterMs]));
  const s = summarize(delays);
  progress(`  expiry: ${delays.length}/${results.length} probe seats claimable again, deadline → claimed p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, max ${fmtMs(s.max)} ms`);
  return { probes: results, phase };
}

/** Per probe: was its reservation ended by the workflow's timer before the seat was claimed, or did the seat's own deadline let the claim through? */
async function attributeReleases(pool: DatabasePool, probes: ProbeResult[]): Promise<void> {
  const ids = probes.flatMap((p) => (p.reservationId ? [p.reservationId] : []));
  if (ids.length === 0) return;
  const rows = await pool.any(sql.type(z.object({ id: z.string(), status: z.string(), updatedAt: z.number() }))`
    SELECT id, status, updated_at AS "updatedAt" FROM reservations WHERE id = ANY(${sql.array(ids, 'uuid')})
  `);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const p of probes) {
    const row = p.reservationId ? byId.get(p.reservationId) : undefined;
    if (!row || !p.claimedAt) p.releasedBy = 'unknown';
    else p.releasedBy = row.status === 'EXPIRED' && row.updatedAt <= Date.parse(p.claimedAt) ? 'workflow timer' : 'passive expiry';
  }
}

// ---------------------------------------------------------------- baselines
interface Timed { ms: number; rate: number; summary: Summary; samples: number[]; errors: number; outcomes: Record<string, number> }

async function timed(n: number, concurrency: number, op: (i: number) => Promise<string>): Promise<Timed> {
  const samples: number[] = new Array(n);
  const outcomes: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  await runPool(n, concurrency, async (i) => {
    const begin = performance.now();
    try {
      const outcome = await op(i);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    } catch (error) {
      errors++;
      firstError ??= (error as Error)?.message ?? String(error);
    }
    samples[i] = performance.now() - begin;
  });
  const ms = performance.now() - started;
  if (firstError) progress(`  ${errors} errors, the first: ${firstError}`);
  return { ms, rate: n / (ms / 1000), summary: summarize(samples), samples, errors, outcomes };
}

// ---------------------------------------------------------------- CPU of process groups
/** An engine process's role: the argument after src/main.ts; npm, sh and the like are "launcher"; else its script's name. */
function engineRole(pid: number): string {
  const args = commandLine(pid);
  const main = args.findIndex((a) => a.endsWith('src/main.ts'));
  if (main >= 0) return args[main + 1] ?? 'all';
  const program = basename((args[0] ?? '').split(' ')[0]); // npm sets its title to "npm run <script>"
  if (['npm', 'npx', 'sh', 'bash', 'dash'].includes(program) || args.some((a) => a.endsWith('npm-cli.js'))) return 'launcher';
  return basename(args.find((a) => /\.(ts|js|mjs)$/.test(a)) ?? program) || 'unknown';
}

/**
 * engine (and, when it runs as several processes, each role seen in its process tree once it
 * is healthy), the Temporal server (the process listening on its port, and its children), every
 * postgres process, redis-server, and this load generator.
 */
function cpuGroups(enginePid: number, temporalPid: number | null): Map<string, GroupMembers> {
  type All = Parameters<GroupMembers>[0];
  const temporalTree = (all: All) => (temporalPid === null ? new Set<number>() : descendants(all, temporalPid));
  const engineTree = (all: All) => {
    const exclude = temporalTree(all);
    return [...descendants(all, enginePid)].filter((pid) => !exclude.has(pid));
  };
  const groups = new Map<string, GroupMembers>([['engine', engineTree]]);
  const roles = [...new Set(engineTree(listProcesses()).map(engineRole))].sort();
  if (roles.length > 1) {
    for (const role of roles) groups.set(`engine ${role}`, (all) => engineTree(all).filter((pid) => engineRole(pid) === role));
  }
  groups.set('temporal', (all) => temporalTree(all));
  groups.set('postgres', (all) => [...all.values()].filter((p) => p.comm === 'postgres').map((p) => p.pid));
  groups.set('redis', (all) => [...all.values()].filter((p) => p.comm === 'redis-server').map((p) => p.pid));
  groups.set('load generator', () => [process.pid]);
  return groups;
}

function phaseOf(name: string, at: Date, before: CpuSample, after: CpuSample): Phase {
  return { name, startedAt: at.toISOString(), durationMs: after.at - before.at, cpu: cpuBetween(before, after), load1: loadavg()[0] };
}

// ---------------------------------------------------------------- report
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
function fmtMs(v: number): string {
  if (v === null || Number.isNaN(v)) return '–';
  return v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
}
const fmtRate = (v: number) => (Number.isFinite(v) ? (v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')) : '–');
const fmtRatio = (v: number) => (Number.isFinite(v) ? `×${v < 0.1 ? v.toFixed(3) : v.toFixed(2)}` : '–');

/**
 * Where the floor is: each process group's CPU per request of a phase (ms), their sum, and the
 * rate these CPUs could reach at that cost if nothing else ran on them; with `inFlight`, also the
 * least mean latency that rate allows (Little's law: in flight ÷ rate).
 */
function cpuPerRequest(phase: Phase | undefined, requests: number, what = 'hold request during the sale', inFlight?: number): string {
  if (!phase || requests === 0) return '';
  const groups: Record<string, string> = { engine: 'engine', temporal: 'Temporal', postgres: 'PostgreSQL', redis: 'Redis', 'load generator': 'load generator' };
  const perRequest = Object.entries(groups).map(([group, label]) => ({ label, ms: ((phase.cpu[group] ?? 0) / 100) * phase.durationMs / requests }));
  const total = perRequest.reduce((sum, g) => sum + g.ms, 0);
  const cores = cpus().length;
  const ceiling = (cores * 1000) / total;
  return `CPU per ${what}: ${perRequest.map((g) => `${g.label} ${g.ms.toFixed(2)} ms`).join(' · ')}; `
    + `${total.toFixed(2)} ms in all, so ${cores} CPUs could answer at most ${fmtRate(ceiling)} requests/s at this cost`
    + `${inFlight ? `, and with ${inFlight} in flight their mean latency could not be under ${fmtMs((inFlight / ceiling) * 1000)} ms` : ''} (PostgreSQL counts every database's backends).`;
}

function cpuCell(phase: Phase | undefined): string {
  if (!phase) return '–';
  const short: Record<string, string> = { engine: 'engine', temporal: 'temporal', postgres: 'pg', redis: 'redis', 'load generator': 'loadgen' };
  return Object.entries(phase.cpu).filter(([, v]) => Number.isFinite(v)).map(([g, v]) => `${short[g] ?? g} ${Math.round(v)}%`).join(' · ');
}

function markdown(): string {
  const f = result.figures as any;
  const phase = (name: string) => phases.find((p) => p.name === name);
  const ratio = (rate: number) => `${fmtRatio(rate / f.bareStart.rate)} / ${fmtRatio(rate / f.bareClaim.rate)}`;
  const row = (name: string, requests: number | string, rate: string, s: Summary | null, errors: string, cpu: string, ratios: string) =>
    `| ${name} | ${requests} | ${rate} | ${s ? [s.p50, s.p90, s.p99, s.max].map(fmtMs).join(' | ') : '– | – | – | –'} | ${errors} | ${cpu} | ${ratios} |`;
  const lines = [
    '',
    `## Flash sale: ${options.buyers} buyers, ${f.places} ${options.seating === 'ga' ? 'GA places' : 'reserved seats (1–4 adjacent per buyer)'}, ${options.concurrency} in flight, topology ${options.topology}`,
    '',
    `Node ${process.version}, ${cpus().length} CPUs, load average ${load.start.map((l) => l.toFixed(2)).join(' ')} at start, ${load.end.map((l) => l.toFixed(2)).join(' ')} at the end (the machine is shared: other work counts in "pg" and in the load). Temporal: ${(result.temporal as any).store.description}. Latencies in ms; CPU in % of one core per process group during the phase; ratios = rate ÷ bare Temporal start rate / rate ÷ bare PostgreSQL claim rate.`,
    '',
    '| phase | requests | rate/s | p50 | p90 | p99 | max | errors / timeouts | CPU per group | ratio to baselines (start / claim) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    row('hold sale (all requests)', f.sale.requests, fmtRate(f.sale.rate), f.sale.latency, `${f.sale.errors} / ${f.sale.timeouts}`, cpuCell(phase('hold sale')), ratio(f.sale.rate)),
    row('  winners (201)', f.winners.requests, fmtRate(f.winners.rate), f.winners.latency, '–', 'same phase', ratio(f.winners.rate)),
    row('  rejections (409 SEAT_TAKEN)', f.rejections.requests, fmtRate(f.rejections.rate), f.rejections.latency, '–', 'same phase', ratio(f.rejections.rate)),
    row(`  winners among the first ${f.firstWave.requests} requests (the first wave, sent at once)`, f.firstWave.winners.count, '–', f.firstWave.winners, '–', 'same phase', '–'),
    row('  winners after the first wave', f.firstWave.laterWinners.count, '–', f.firstWave.laterWinners, '–', 'same phase', '–'),
    row('winners listed (after the sale, until every winner\'s workflow is Running and HELD)', f.winners.requests, '–', null, '–', cpuCell(phase('winners listed')), '–'),
    f.checkout
      ? row('checkout (every winner)', f.checkout.requests, fmtRate(f.checkout.rate), f.checkout.latency, `${f.checkout.errors} / ${f.checkout.timeouts}`, cpuCell(phase('checkout')), ratio(f.checkout.rate))
      : row('checkout', 'off', '–', null, '–', '–', '–'),
    f.expiry && f.expiry.probes
      ? row(`expiry → claimable (deadline → first 201; ${f.expiry.deadlinesDuringCheckout}/${f.expiry.probes} deadlines during checkout; freed by the timer ${f.expiry.byWorkflowTimer}, by passive expiry ${f.expiry.byPassiveExpiry}, grace ${f.expiry.passiveGraceSeconds} s)`, f.expiry.probes, '–', f.expiry.delay, `${f.expiry.unclaimed} never`, cpuCell(phase('expiry → claimable')), '–')
      : row('expiry → claimable', 'off', '–', null, '–', '–', '–'),
    ...(f.bareUpdate ? [row(`bare Temporal update (answered at once by the workflow, ${f.bareUpdate.concurrency} in flight): the floor of a checkout`, f.bareUpdate.requests, fmtRate(f.bareUpdate.rate), f.bareUpdate.latency, String(f.bareUpdate.errors), cpuCell(phase('bare Temporal update')), `${fmtRatio(f.bareUpdate.rate / f.bareStart.rate)} / ${fmtRatio(f.bareUpdate.rate / f.bareClaim.rate)}`)] : []),
    row(`bare Temporal start (empty workflow, ${f.bareStart.concurrency} in flight)`, f.bareStart.requests, fmtRate(f.bareStart.rate), f.bareStart.latency, String(f.bareStart.errors), cpuCell(phase('bare Temporal start')), `×1 / ${fmtRatio(f.bareStart.rate / f.bareClaim.rate)}`),
    row(`bare PostgreSQL claim (${f.bareClaim.won} won, ${f.bareClaim.taken} taken; pool ${f.bareClaim.poolSize}, sessions +${f.bareClaim.sessionGrowth})`, f.bareClaim.requests, fmtRate(f.bareClaim.rate), f.bareClaim.latency, String(f.bareClaim.errors), cpuCell(phase('bare PostgreSQL claim')), `${fmtRatio(f.bareClaim.rate / f.bareStart.rate)} / ×1`),
    '',
    `Sessions of ${f.sessions.database} (pg_stat_database.sessions) during the sale: ${f.sessions.before.sessions} → ${f.sessions.after.sessions}, growth ${f.sessions.growth} (the pools' sizes: ${f.sessions.poolBudget}). Winners' workflows Running and HELD: ${f.visibility.heldRunningAfterMs === null ? `not all after ${VISIBILITY_GIVE_UP_MS / 1000} s` : `${(f.visibility.heldRunningAfterMs / 1000).toFixed(2)} s after the last answer`}${f.visibility.startsDrainedAfterMs === null ? '' : ` (every start request taken ${(f.visibility.startsDrainedAfterMs / 1000).toFixed(2)} s after it)`}. Winners' workflows started during the sale (their start requests taken before the last answer): ${f.visibility.startedDuringSale} of ${f.visibility.winners}.`,
    '',
    cpuPerRequest(phase('hold sale'), options.buyers),
    ...(f.checkout ? ['', cpuPerRequest(phase('checkout'), f.checkout.requests, 'checkout', options.concurrency)] : []),
    ...(f.bareUpdate ? ['', cpuPerRequest(phase('bare Temporal update'), f.bareUpdate.requests, 'bare Temporal Update (the load generator runs its worker)', f.bareUpdate.concurrency)] : []),
    '',
    '| target | goal | this run | |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${t.target} | ${t.value} | ${t.met === null ? '–' : t.met ? 'met' : 'missed'} |`),
    '',
    '| check | | detail |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.name} | ${c.ok ? 'ok' : '**FAILED**'} | ${c.detail} |`),
    '',
  ];
  return lines.join('\n');
}

const OUTCOME = {
  won: 'hold 201 (winner)', rejected: 'hold 409 (rejection)', error: 'hold error', checkout: 'checkout 200', checkoutError: 'checkout error',
  bareStart: 'bare Temporal start', bareClaim: 'bare PostgreSQL claim',
} as const;

async function renderOutputs(holds: HoldRecord[], checkout: CheckoutResult | null, bareStart: number[], bareClaim: number[]): Promise<void> {
  const points: AnswerPoint[] = holds.map((h) => ({
    sentS: h.sentS, doneS: h.sentS + h.ms / 1000, ms: h.ms,
    outcome: h.outcome === 'won' ? OUTCOME.won : h.outcome === 'rejected' ? OUTCOME.rejected : OUTCOME.error,
  }));
  for (const r of checkout?.records ?? []) points.push({ sentS: r.sentS, doneS: r.sentS + r.ms / 1000, ms: r.ms, outcome: r.status === 200 ? OUTCOME.checkout : OUTCOME.checkoutError });
  const f = result.figures as any;
  const { png } = await renderRunPlot({
    title: `Flash sale: ${options.buyers} buyers, ${f.places} ${options.seating === 'ga' ? 'GA places' : 'reserved seats'}, ${options.concurrency} in flight (${options.topology})`,
    subtitle: `${startedAt.toISOString()} · ${fmtRate(f.sale.rate)} holds/s · bare Temporal start ${fmtRate(f.bareStart.rate)}/s · bare PG claim ${fmtRate(f.bareClaim.rate)}/s · load ${load.start[0].toFixed(2)} on ${cpus().length} CPUs (shared machine)`,
    latency: [
      { name: OUTCOME.won, ms: holds.filter((h) => h.outcome === 'won').map((h) => h.ms) },
      { name: OUTCOME.rejected, ms: holds.filter((h) => h.outcome === 'rejected').map((h) => h.ms) },
      { name: OUTCOME.checkout, ms: checkout?.records.filter((r) => r.status === 200).map((r) => r.ms) ?? [] },
      { name: OUTCOME.bareStart, ms: bareStart },
      { name: OUTCOME.bareClaim, ms: bareClaim },
    ],
    answers: points,
    palette: [
      [OUTCOME.won, '#1f77b4'], [OUTCOME.rejected, '#ff7f0e'], [OUTCOME.error, '#d62728'], [OUTCOME.checkout, '#2ca02c'],
      [OUTCOME.checkoutError, '#8c564b'], [OUTCOME.bareStart, '#9467bd'], [OUTCOME.bareClaim, '#7f7f7f'], [MOVING_TOTAL, '#000000'],
    ],
  });
  writeFileSync(files.png, png);
}

// ---------------------------------------------------------------- main
let exitCode = 0;
try {
  await run();
} catch (error) {
  exitCode = 1;
  checks.push({ name: 'the run completed', ok: false, detail: (error as Error)?.message ?? String(error) });
  if (!interrupted.by) process.stderr.write(`flash-sale benchmark failed: ${(error as Error)?.stack ?? String(error)}\n`);
} finally {
  progress('stopping the engine, dropping the database, removing the Temporal data...');
  await tearDown();
}
const passed = checks.length > 0 && checks.every((c) => c.ok) && cleanup.errors.length === 0;
const report = {
  runId,
  startedAt: startedAt.toISOString(),
  passed,
  options,
  machine: { node: process.version, cpus: cpus().length, loadavgStart: load.start, loadavgEnd: load.end.length ? load.end : loadavg(), shared: true },
  checks,
  targets,
  phases,
  cleanup: { errors: cleanup.errors },
  files: { json: relative(REPO, files.json), png: relative(REPO, files.png), engineLog: relative(REPO, files.engineLog) },
  ...result,
};
if (existsSync(files.engineLog) && statSync(files.engineLog).size === 0) {
  rmSync(files.engineLog);
  report.files.engineLog = '(empty, removed)';
}
writeFileSync(files.json, `${JSON.stringify(report, null, 1)}\n`);
if (result.figures) process.stdout.write(`${markdown()}\n`);
progress(`results: ${relative(REPO, files.json)}${result.figures ? `, plot: ${relative(REPO, files.png)}` : ''}, engine log: ${report.files.engineLog}`);
if (!passed) {
  exitCode = 1;
  process.stderr.write(`failed checks:\n${checks.filter((c) => !c.ok).map((c) => `  - ${c.name}: ${c.detail}`).join('\n')}${cleanup.errors.length ? `\ncleanup: ${cleanup.errors.join('; ')}` : ''}\n`);
}
progress(passed ? 'all checks passed' : 'FAILED');
process.exitCode = exitCode;
