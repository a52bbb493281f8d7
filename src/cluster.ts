/**
 * `npm run start:cluster`: the split deployment on one machine, every role its own process.
 *
 *   Temporal  the dev server with its database file, or the full server on PostgreSQL with
 *             TEMPORAL_SERVER=full (each with its Web UI), unless TEMPORAL_ADDRESS names one
 *   migrate   once, before the others start (meanwhile the workflows are bundled once for
 *             every worker, unless TEMPORAL_WORKFLOW_BUNDLE names a bundle)
 *   api       CLUSTER_API_PROCESSES of them (2), sharing PORT through node:cluster
 *   worker    CLUSTER_WORKER_PROCESSES of them (2)
 *   gateway   one: Socket.io + the outbox relay, on CLUSTER_GATEWAY_PORT (PORT + 1)
 *
 * Every role runs `src/main.ts <role>`, exactly as it runs alone. The API processes share one
 * port the node:cluster way: this supervisor accepts each connection and hands it to the next
 * API process (round-robin); the requests themselves never pass through it.
 *
 * This process prints progress and what it serves, says so loudly when a child dies (and
 * restarts it, with a growing delay while it keeps dying), and on SIGINT/SIGTERM stops every
 * child, then Temporal. If it is killed outright, the children go too: a cluster child exits
 * when its IPC channel to the supervisor closes, and Temporal is tethered (temporal/tethered.ts).
 */
import cluster, { type Worker as ClusterChild } from 'node:cluster';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createDatabasePool, ensureDatabase } from './db/pool.ts';
import { DEMO_ACCOUNTS, seedDemo } from './db/seed.ts';
import { createLogger, type Logger } from './logger.ts';
import { provideTemporalCli } from './temporal/cli.ts';
import { startDevServer } from './temporal/dev-server.ts';
import { startFullServer } from './temporal/full-server.ts';
import { WORKFLOWS_PATH } from './temporal/worker.ts';

const { DescribeTaskQueueMode, TaskQueueType } = protos.temporal.api.enums.v1;
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const STOP_GRACE_MS = 15_000;

interface Child {
  name: string;
  role: 'api' | 'worker' | 'gateway';
  env: Record<string, string>;
  process?: ClusterChild;
  startedAt: number;
  restarts: number;
}

let stopping = false;

function fork(role: string, env: Record<string, string>): ClusterChild {
  cluster.setupPrimary({ exec: MAIN, args: [role] });
  return cluster.fork(env);
}

/** Starts the child and, unless we are stopping, restarts it loudly whenever it exits. */
function launch(child: Child, log: Logger): void {
  child.startedAt = Date.now();
  const proc = fork(child.role, child.env);
  child.process = proc;
  proc.once('exit', (code, signal) => {
    if (stopping) return;
    const lived = Date.now() - child.startedAt;
    child.restarts = lived > 60_000 ? 0 : child.restarts + 1;
    const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, child.restarts - 1));
    log.error(`${child.name} (pid ${proc.process.pid}) exited unexpectedly (${signal ?? `exit code ${code}`}) after ${Math.round(lived / 1000)} s; restarting it in ${delay / 1000} s`);
    setTimeout(() => { if (!stopping) launch(child, log); }, delay);
  });
}

/** `host:port` with the port moved up by `offset` (one metrics endpoint per process). */
const offsetPort = (value: string, offset: number) => value.replace(/(\d+)$/, (port) => String(Number(port) + offset));

async function startTemporal(config: Config, log: Logger): Promise<{ address: string; uiUrl: string; exited: Promise<unknown>; stop(): Promise<void> }> {
  if (!config.startTemporalDevServer) {
    log.info(`using the Temporal server at ${config.temporalAddress} (TEMPORAL_ADDRESS)`);
    return { address: config.temporalAddress, uiUrl: config.temporalUiUrl ?? '', exited: new Promise(() => {}), stop: async () => {} };
  }
  const cli = await provideTemporalCli(log, config.TEMPORAL_CLI);
  if (config.TEMPORAL_SERVER === 'full') {
    return startFullServer({
      cli, postgresUrl: config.TEMPORAL_POSTGRES_URL, database: config.TEMPORAL_POSTGRES_DB, visibilityDatabase: config.TEMPORAL_POSTGRES_VISIBILITY_DB,
      port: config.TEMPORAL_DEV_PORT, uiPort: config.TEMPORAL_UI_PORT, namespace: config.TEMPORAL_NAMESPACE,
      dataDir: join(dirname(config.TEMPORAL_DB_FILE), 'temporal-full'), log,
    });
  }
  return startDevServer({ cli, port: config.TEMPORAL_DEV_PORT, uiPort: config.TEMPORAL_UI_PORT, dbFile: config.TEMPORAL_DB_FILE, logFile: `${config.TEMPORAL_DB_FILE}.log`, namespace: config.TEMPORAL_NAMESPACE, log });
}

/** The workflows bundled once for every worker process (each would otherwise bundle them itself). */
async function bundleWorkflows(file: string, log: Logger): Promise<string> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  writeFileSync(file, code);
  log.info(`bundled the workflows for the workers in ${Date.now() - started} ms: ${file}`);
  return file;
}

/** Migrations once, in a child of their own, before any other role starts. */
async function migrate(env: Record<string, string>, log: Logger): Promise<void> {
  log.info('applying migrations (node src/main.ts migrate)...');
  const child = fork('migrate', env);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  if (code !== 0) throw new Error(`migrations failed (${signal ?? `exit code ${code}`}); see the output above`);
}

/**
 * The pids of the processes polling the reservation task queue for workflow tasks. The enhanced
 * mode reports the pollers of every partition; the legacy one only the root partition's, where
 * a new worker may not show for a minute.
 */
async function pollingPids(connection: Connection, config: Config): Promise<Set<number>> {
  const { versionsInfo } = await connection.workflowService.describeTaskQueue({
    namespace: config.TEMPORAL_NAMESPACE, taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
    apiMode: DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED, reportPollers: true, taskQueueTypes: [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
  });
  const identities = Object.values(versionsInfo ?? {}).flatMap((v) => Object.values(v.typesInfo ?? {}).flatMap((t) => t.pollers ?? []).map((p) => p.identity ?? ''));
  // the SDK's default worker identity is `<pid>@<host>`
  return new Set(identities.map((identity) => Number(/^(\d+)@/.exec(identity)?.[1])));
}

async function stopAll(children: Child[], log: Logger): Promise<void> {
  stopping = true;
  const running = children.map((c) => c.process).filter((p): p is ClusterChild => !!p && p.process.exitCode === null && p.process.signalCode === null);
  log.info(`stopping ${running.length} processes (SIGTERM, SIGKILL after ${STOP_GRACE_MS / 1000} s)...`);
  await Promise.all(running.map(async (proc) => {
    const gone = new Promise((resolve) => proc.process.once('exit', resolve));
    proc.process.kill('SIGTERM');
    if (await Promise.race([gone.then(() => false), sleep(STOP_GRACE_MS).then(() => true)])) {
      log.warn(`pid ${proc.process.pid} did not stop within ${STOP_GRACE_MS / 1000} s; SIGKILL`);
      proc.process.kill('SIGKILL');
      await gone;
    }
  }));
}

async function supervise(config: Config, log: Logger): Promise<void> {
  const gatewayPort = config.CLUSTER_GATEWAY_PORT ?? config.PORT + 1;
  let stopReason: string | undefined;
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { stopReason ??= signal; resolve(); });
  });
  const children: Child[] = [];
  let temporal: Awaited<ReturnType<typeof startTemporal>> | undefined;
  try {
    temporal = await startTemporal(config, log);
    const server = temporal;
    void server.exited.then((status) => { stopReason ??= `Temporal exited unexpectedly (${JSON.stringify(status)})`; });
    const common: Record<string, string> = {
      TEMPORAL_ADDRESS: server.address,
      ...(server.uiUrl ? { TEMPORAL_UI_URL: server.uiUrl } : {}),
    };
    if (config.NODE_ENV !== 'production') await ensureDatabase(config.DATABASE_URL);
    const [bundle] = await Promise.all([
      config.TEMPORAL_WORKFLOW_BUNDLE ?? bundleWorkflows(join(dirname(config.TEMPORAL_DB_FILE), 'workflow-bundle.js'), log),
      stopReason ? undefined : migrate(common, log),
    ]);
    if (config.SEED_DEMO && !stopReason) {
      const pool = await createDatabasePool(config.DATABASE_URL, 2);
      try { await seedDemo(pool, log); } finally { await pool.end(); }
    }
    if (stopReason) return;

    const add = (role: Child['role'], count: number, env: Record<string, string>) => {
      for (let i = 1; i <= count; i++) {
        const n = children.length; // metrics ports: one per process, in this order
        children.push({ name: `${role}-${i}`, role, startedAt: 0, restarts: 0, env: {
          ...common, ...env,
          ...(config.METRICS_PORT !== undefined ? { METRICS_PORT: String(config.METRICS_PORT + n) } : {}),
          ...(config.TEMPORAL_METRICS_BIND_ADDRESS ? { TEMPORAL_METRICS_BIND_ADDRESS: offsetPort(config.TEMPORAL_METRICS_BIND_ADDRESS, n) } : {}),
        } });
      }
    };
    add('api', config.CLUSTER_API_PROCESSES, { PORT: String(config.PORT) });
    add('gateway', 1, { PORT: String(gatewayPort) });
    add('worker', config.CLUSTER_WORKER_PROCESSES, { TEMPORAL_WORKFLOW_BUNDLE: bundle });
    const listening = new Set<string>();
    cluster.on('listening', (proc, address) => {
      const child = children.find((c) => c.process === proc);
      if (child && String(address.port) === child.env.PORT) listening.add(child.name);
    });
    log.info(`starting ${children.map((c) => c.name).join(', ')}...`);
    for (const child of children) launch(child, log);

    // up: every API and gateway process listens on its port, every worker polls the task queue
    const connection = await Connection.connect({ address: server.address });
    try {
      for (let started = Date.now(), reported = started; ;) {
        if (stopReason) throw new Error(`stopped before every process was up: ${stopReason}`);
        const polling = await pollingPids(connection, config);
        const waiting = children.filter((c) => (c.role === 'worker' ? !polling.has(c.process!.process.pid!) : !listening.has(c.name)));
        if (!waiting.length) break;
        if (Date.now() - reported >= 10_000) {
          reported = Date.now();
          log.info(`waiting for ${waiting.map((c) => c.name).join(', ')} (${Math.round((reported - started) / 1000)} s)`);
        }
        await sleep(500);
      }
    } finally {
      await connection.close();
    }

    const base = `http://${config.HOST}:${config.PORT}`;
    const pids = (role: Child['role']) => children.filter((c) => c.role === role).map((c) => c.process!.process.pid).join(', ');
    const store = !config.startTemporalDevServer ? 'TEMPORAL_ADDRESS' : config.TEMPORAL_SERVER === 'full' ? 'full server on PostgreSQL' : `dev server, ${config.TEMPORAL_DB_FILE}`;
    log.info([
      `booking engine running as a split deployment (supervisor pid ${process.pid}; Ctrl-C stops everything)`,
      `  API          ${base}/api (health: ${base}/api/health): ${config.CLUSTER_API_PROCESSES} processes sharing port ${config.PORT}, pids ${pids('api')}`,
      `  web client   ${base}/ (live seat maps need /socket.io routed to the gateway: see "Split deployment" in the README)`,
      `  Socket.io    http://${config.HOST}:${gatewayPort}/socket.io: gateway + outbox relay, pid ${pids('gateway')}`,
      `  workers      ${config.CLUSTER_WORKER_PROCESSES} processes polling "${config.TEMPORAL_TASK_QUEUE}", pids ${pids('worker')}`,
      `  Temporal     ${server.address} (namespace ${config.TEMPORAL_NAMESPACE}; ${store})`,
      ...(server.uiUrl ? [`  Temporal UI  ${server.uiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows`] : []),
      ...(config.METRICS_PORT !== undefined ? [`  metrics      http://${config.HOST}:${config.METRICS_PORT}/metrics and the next ${children.length - 1} ports, one per process in the order above`] : []),
      ...(config.SEED_DEMO ? DEMO_ACCOUNTS.map((a) => `  demo login   ${a.email} / ${a.password} (${a.role})`) : []),
    ].join('\n'));
    while (!stopReason) await Promise.race([stopped, sleep(1000)]);
    if (stopReason !== 'SIGINT' && stopReason !== 'SIGTERM') throw new Error(stopReason);
    log.info(`${stopReason}: shutting down...`);
  } finally {
    await stopAll(children, log);
    await temporal?.stop();
    log.info('every process has stopped');
  }
}

const bootLog = createLogger('info', 'cluster');
try {
  const config = loadConfig();
  await supervise(config, createLogger(config.LOG_LEVEL, 'cluster'));
  process.exit(0);
} catch (error) {
  bootLog.fatal(error instanceof ConfigError ? error.message : { err: error }, 'the split deployment stopped');
  process.exit(1);
}
