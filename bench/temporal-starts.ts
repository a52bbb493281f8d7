/**
 * `npm run bench:temporal-starts`: the bare price of starting a Temporal workflow on each store
 * the engine can run on, measured the same way, in one session, alternating, so the figures can
 * be compared: `client.workflow.start` of an empty workflow on a task queue no worker polls,
 * 1,000 starts with 50 in flight, each server started fresh (a new database file, fresh PostgreSQL
 * databases) for each run. With --roundtrip N it also times N start → result of an empty
 * workflow with one worker in this process (where task-queue partitions matter).
 *
 *   npm run bench:temporal-starts -- [--stores memory,file,wal,full] [--runs 2] [--starts 1000]
 *     [--concurrency 50] [--roundtrip 0] [--port 7450] [--postgres postgres://postgres@127.0.0.1:5432]
 *
 * Stores: memory (dev server, in memory), file (dev server, database file, SQLite defaults),
 * wal (database file with the WAL pragmas the engine uses), full (the full server on PostgreSQL,
 * databases temporal_bench and temporal_bench_visibility, dropped at the end), each with the
 * servers' default four task-queue partitions; a `-1p` suffix (wal-1p, full-1p, memory-1p) sets
 * one (matching.numTaskqueue*Partitions=1, what the engine's dev server uses).
 * Each run prints the load average (`uptime`) with its figures; the table goes to stdout and the
 * JSON to test-results/temporal-starts-<time>.json.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { createLogger } from '../src/logger.ts';
import { provideTemporalCli } from '../src/temporal/cli.ts';
import { startDevServer } from '../src/temporal/dev-server.ts';
import { startFullServer } from '../src/temporal/full-server.ts';

const { values: flags } = parseArgs({
  options: {
    stores: { type: 'string', default: 'memory,file,wal,full' },
    runs: { type: 'string', default: '2' },
    starts: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    roundtrip: { type: 'string', default: '0' },
    port: { type: 'string', default: '7450' },
    postgres: { type: 'string', default: process.env.TEMPORAL_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432' },
  },
});
const STORES = flags.stores.split(',').map((s) => s.trim()).filter(Boolean);
const RUNS = Number(flags.runs);
const STARTS = Number(flags.starts);
const CONCURRENCY = Number(flags.concurrency);
const ROUNDTRIPS = Number(flags.roundtrip);
const PORT = Number(flags.port);
const WARMUP = 20;
const BENCH_DATABASES = ['temporal_bench', 'temporal_bench_visibility'] as const;
const ONE_PARTITION = { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 };

const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench');
Runtime.install({ logger: new DefaultLogger('WARN') });
const t0 = performance.now();
const progress = (line: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const loadAverage = () => /load averages?: (.*)$/.exec(uptime())?.[1] ?? '?';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function timed(count: number, concurrency: number, op: () => Promise<unknown>) {
  const ms: number[] = [];
  let next = 0;
  let failures = 0;
  let firstError = '';
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next++ < count) {
      const begin = performance.now();
      try {
        await op();
        ms.push(performance.now() - begin);
      } catch (error) {
        failures++;
        firstError ||= (error as Error).message;
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { rate: ms.length / seconds, p50: percentile(ms, 50), p99: percentile(ms, 99), ok: ms.length, failures, firstError };
}

async function startServer(store: string, dir: string) {
  const [kind, partitions] = store.split('-');
  // the dev server's own default is one partition: the plain stores ask for none explicitly
  const dynamicConfig = partitions === '1p' ? ONE_PARTITION : {};
  const cli = await provideTemporalCli(log, process.env.TEMPORAL_CLI);
  switch (kind) {
    case 'memory':
      return startDevServer({ cli, port: PORT, logFile: join(dir, 'dev-server.log'), namespace: 'default', dynamicConfig, log });
    case 'file':
      return startDevServer({ cli, port: PORT, dbFile: join(dir, `${store}.db`), sqlitePragmas: [], logFile: join(dir, 'dev-server.log'), namespace: 'default', dynamicConfig, log });
    case 'wal':
      return startDevServer({ cli, port: PORT, dbFile: join(dir, `${store}.db`), logFile: join(dir, 'dev-server.log'), namespace: 'default', dynamicConfig, log });
    case 'full':
      return startFullServer({ cli, port: PORT, postgresUrl: flags.postgres, database: BENCH_DATABASES[0], visibilityDatabase: BENCH_DATABASES[1],
        namespace: 'default', dataDir: join(dir, 'full'), dynamicConfig, fresh: true, log });
    default:
      throw new Error(`unknown store "${store}": use memory, file, wal or full, optionally with -1p`);
  }
}

async function dropBenchDatabases() {
  const admin = new URL(flags.postgres);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    for (const name of BENCH_DATABASES) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

interface Result { store: string; run: number; part: string; rate: number; p50: number; p99: number; ok: number; failures: number; load: string; firstError: string }
const results: Result[] = [];
const dir = mkdtempSync(join(tmpdir(), 'temporal-starts-'));
const bundle = ROUNDTRIPS > 0 ? await bundleWorkflowCode({ workflowsPath: new URL('./workflows/empty.ts', import.meta.url).pathname, logger: new DefaultLogger('WARN') }) : undefined;
progress(`bare workflow starts: stores ${STORES.join(', ')}; ${RUNS} runs each, alternating; ${STARTS} starts at ${CONCURRENCY} in flight${ROUNDTRIPS ? `; ${ROUNDTRIPS} start → result with one worker` : ''}`);
progress(`machine: ${uptime()}`);
try {
  for (let run = 1; run <= RUNS; run++) {
    for (const store of STORES) {
      const server = await startServer(store, dir);
      const connection = await Connection.connect({ address: server.address });
      const client = new Client({ connection });
      try {
        const queue = `bench-unpolled-${randomUUID()}`;
        const start = () => client.workflow.start('benchEmpty', { taskQueue: queue, workflowId: `bench-${randomUUID()}` });
        await timed(WARMUP, 5, start);
        const load = loadAverage();
        const bare = await timed(STARTS, CONCURRENCY, start);
        results.push({ store, run, part: 'bare start', load, ...bare });
        progress(`${store.padEnd(9)} run ${run}: ${bare.rate.toFixed(1)} starts/s, p50 ${bare.p50.toFixed(0)} ms, p99 ${bare.p99.toFixed(0)} ms, ${bare.ok} ok, ${bare.failures} failed${bare.firstError ? ` (${bare.firstError})` : ''}; load average ${load}`);
        if (bundle) {
          const native = await NativeConnection.connect({ address: server.address });
          const taskQueue = `bench-polled-${randomUUID()}`;
          const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: bundle, workflowTaskPollerBehavior: { type: 'autoscaling' } });
          const running = worker.run();
          try {
            const roundtrip = () => client.workflow.execute('benchEmpty', { taskQueue, workflowId: `bench-${randomUUID()}` });
            await timed(WARMUP, 5, roundtrip);
            const rtLoad = loadAverage();
            const rt = await timed(ROUNDTRIPS, CONCURRENCY, roundtrip);
            results.push({ store, run, part: 'start → result', load: rtLoad, ...rt });
            progress(`${store.padEnd(9)} run ${run}: ${rt.rate.toFixed(1)} start→result/s, p50 ${rt.p50.toFixed(0)} ms, p99 ${rt.p99.toFixed(0)} ms, ${rt.failures} failed; load average ${rtLoad}`);
          } finally {
            worker.shutdown();
            await running;
            await native.close();
          }
        }
      } finally {
        await connection.close();
        await server.stop();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (STORES.some((s) => s.startsWith('full'))) await dropBenchDatabases();
}

const lines = [
  '',
  `| store | part | run | per s | p50 ms | p99 ms | failed | load average (1, 5, 15 min) |`,
  `|---|---|---|---|---|---|---|---|`,
  ...results.map((r) => `| ${r.store} | ${r.part} | ${r.run} | ${r.rate.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.failures} | ${r.load} |`),
  '',
];
process.stdout.write(lines.join('\n'));
mkdirSync('test-results', { recursive: true });
const file = `test-results/temporal-starts-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ stores: STORES, runs: RUNS, starts: STARTS, concurrency: CONCURRENCY, results }, null, 2));
progress(`wrote ${file}`);
process.exit(results.some((r) => r.failures > 0) ? 1 : 0);
