/**
 * Entry point for every role:  node src/main.ts <all|api|worker|gateway|migrate>
 *   all      every role in one process (local use): the Temporal dev server, migrations,
 *            the demo seed, the worker, the API with the web client, the gateway and relay
 *   api      the HTTP API (and web client)     worker   reservation workflows + activities
 *   gateway  Socket.io gateway + outbox relay  migrate  apply migrations and exit
 */
import { createServer, type Server } from 'node:http';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { createActivities } from '../activities/index.ts';
import { createApi } from './api/app.ts';
import { createRateLimits } from './api/rate-limits.ts';
import { answerRefusedRequests } from './api/server.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createDatabasePool, ensureDatabase } from './db/pool.ts';
import { migrate } from './db/migrate.ts';
import { DEMO_ACCOUNTS, seedDemo } from './db/seed.ts';
import { sql } from './db/sql.ts';
import { createLogger, type Logger } from './logger.ts';
import { registerDatabaseGauges, startMetricsServer } from './metrics.ts';
import { createPaymentProvider } from './payments/index.ts';
import { createGateway } from './realtime/gateway.ts';
import { startOutboxRelay } from './realtime/relay.ts';
import { createReservationService } from './reservations/service.ts';
import { createBookingService } from './bookings/service.ts';
import { startReconciler } from './reservations/reconciler.ts';
import { startWorkflowStarter } from './reservations/starter.ts';
import { startSaleReporter, watchSale } from './reservations/sale-signal.ts';
import { startLostHoldSweeper } from './reservations/sweeper.ts';
import { startWebhookDispatcher } from './webhooks/dispatcher.ts';
import { createEventLifecycleService, startEventWorkflowSweep } from './events/lifecycle.ts';
import { provideTemporalCli } from './temporal/cli.ts';
import { connectNative, createTemporalClient } from './temporal/client.ts';
import { startDevServer } from './temporal/dev-server.ts';
import { createReservationWorker } from './temporal/worker.ts';
import { startWaitlistWaker, wakeWaitlistsForReleases } from './waitlist/waker.ts';

const ROLES = ['all', 'api', 'worker', 'gateway', 'migrate'] as const;
const sqlPing = sql.typeAlias('void')`SELECT`;
type Role = (typeof ROLES)[number];

async function main(role: Role, config: Config, log: Logger): Promise<void> {
  const closers: Array<() => Promise<unknown>> = [];
  const has = (r: Role) => role === 'all' || role === r;
  try {
    if (role === 'all' && config.startTemporalDevServer) {
      const cli = await provideTemporalCli(log, config.TEMPORAL_CLI);
      const server = await startDevServer({ cli, port: config.TEMPORAL_DEV_PORT, uiPort: config.TEMPORAL_UI_PORT, dbFile: config.TEMPORAL_DB_FILE, logFile: `${config.TEMPORAL_DB_FILE}.log`, namespace: config.TEMPORAL_NAMESPACE, log });
      closers.push(server.stop);
    }
    if (config.NODE_ENV !== 'production') await ensureDatabase(config.DATABASE_URL);
    log.info('applying migrations...');
    await migrate(config.DATABASE_URL, log);
    if (role === 'migrate') return;

    const pool = await createDatabasePool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
    closers.push(() => pool.end());
    if (role === 'all' && config.SEED_DEMO) await seedDemo(pool, log);

    if (config.METRICS_PORT !== undefined) {
      registerDatabaseGauges(pool);
      const metricsServer = await startMetricsServer({ host: config.HOST, port: config.METRICS_PORT, log });
      closers.push(() => new Promise((resolve) => metricsServer.close(resolve)));
    }
    const payments = createPaymentProvider(config, pool);
    let native;
    if (has('worker')) {
      // the worker's side effects get a pool of their own when the API shares the process, so
      // neither waits for the other's connections (each pool sized to the database's cores)
      const workerPool = role === 'all' ? await createDatabasePool(config.DATABASE_URL, config.DATABASE_POOL_SIZE) : pool;
      if (workerPool !== pool) closers.push(() => workerPool.end());
      const workerPayments = workerPool === pool ? payments : createPaymentProvider(config, workerPool);
      // we own shutdown (closers below run in order), so the SDK must not react to signals itself
      Runtime.install({
        logger: new DefaultLogger('WARN', (entry) => log.warn(entry.meta ?? {}, entry.message)),
        shutdownSignals: [],
        // the SDK's own worker metrics (task latencies, slots, pollers) for Prometheus, if asked for
        ...(config.TEMPORAL_METRICS_BIND_ADDRESS
          ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_BIND_ADDRESS } } } }
          : {}),
      });
      native = await connectNative(config);
      closers.push(() => native!.close());
      const activities = createActivities({ pool: workerPool, payments: workerPayments, timings: config.paymentTimings, webhooks: config.webhooks });
      const worker = await createReservationWorker({
        connection: native, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, activities, log,
        workflowBundlePath: config.TEMPORAL_WORKFLOW_BUNDLE,
      });
      const running = worker.run();
      closers.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      });
      log.info(`worker polling task queue "${config.TEMPORAL_TASK_QUEUE}"`);
      // after the holds' answers: their workflows; after a crash: the payments it cut off
      const temporal = new Client({ connection: native, namespace: config.TEMPORAL_NAMESPACE });
      // whether the API processes are answering a sale (src/reservations/sale-signal.ts); no offline queue and a
      // command timeout, so a Redis that is down or hangs reads as "no sale" at once or within a second
      const saleRedis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
      saleRedis.on('error', (error: Error) => log.warn({ err: error }, 'Redis connection error (reconnecting; the starters see no sale meanwhile)'));
      closers.push(() => saleRedis.quit());
      const starter = startWorkflowStarter({
        pool: workerPool, temporal, config, log, inFlight: config.WORKFLOW_STARTS_IN_FLIGHT, pollMs: config.WORKFLOW_STARTER_POLL_MS, eager: config.WORKFLOW_STARTS_EAGER,
        deferMs: config.WORKFLOW_START_DEFER_MS, saleDeferMs: config.WORKFLOW_START_SALE_DEFER_MS, saleInProgress: watchSale(saleRedis, config.TEMPORAL_TASK_QUEUE),
        firstTaskDelayMs: config.WORKFLOW_FIRST_TASK_DELAY_MS, burstSize: config.WORKFLOW_FIRST_TASK_DELAY_BURST,
      });
      closers.push(starter.stop);
      const reconciler = startReconciler({ pool: workerPool, temporal, config, log, intervalMs: config.RECONCILE_INTERVAL_MS });
      closers.push(reconciler.stop);
      const sweeper = startLostHoldSweeper({ pool: workerPool, log, intervalMs: config.LOST_HOLD_SWEEP_INTERVAL_SECONDS * 1000, marginSeconds: config.LOST_HOLD_SWEEP_MARGIN_SECONDS });
      closers.push(sweeper.stop);
      const webhooks = startWebhookDispatcher({
        pool: workerPool, temporal, log, pollMs: config.WEBHOOK_DISPATCH_POLL_MS,
        settings: { taskQueue: config.TEMPORAL_TASK_QUEUE, timeoutMs: config.webhooks.timeoutMs, retry: config.webhooks.retry, checkIntervalMs: config.webhooks.checkIntervalMs },
      });
      closers.push(webhooks.stop);
      // published events without a workflow (the demo seed, events published before the lifecycle, a crash after publishing) get one
      // and cancelled events with holds or bookings left (an API that died half-way, a hold paid as it was cancelled) are finished
      const eventBookings = createBookingService({ pool: workerPool, temporal, config, log });
      const events = startEventWorkflowSweep(createEventLifecycleService({ pool: workerPool, temporal, config, log, bookings: eventBookings }), log, config.EVENT_WORKFLOW_SWEEP_MS);
      closers.push(events.stop);
      // waitlists: sections where seats came back (or someone joined) get their workflow woken
      const waker = startWaitlistWaker({ pool: workerPool, temporal, config, log, pollMs: config.WAITLIST_WAKER_POLL_MS });
      closers.push(waker.stop);
    }

    let server: Server | undefined;
    let redis: Redis | undefined;
    if (has('api') || has('gateway')) {
      server = createServer();
      // requests Node's parser refuses (431, malformed) still get the error shape
      answerRefusedRequests(server, log);
      redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
      // ioredis reconnects by itself; without a listener each failed attempt is an unhandled error on stderr
      redis.on('error', (error: Error) => log.warn({ err: error }, 'Redis connection error (reconnecting; rate limits fail open, the relay retries)'));
      closers.push(() => redis!.quit());
    }
    if (has('api')) {
      const temporal = await createTemporalClient(config, role === 'all' ? native : undefined);
      closers.push(temporal.close);
      const sale = startSaleReporter({ redis: redis!, taskQueue: config.TEMPORAL_TASK_QUEUE, holdsPerSecond: config.SALE_HOLDS_PER_SECOND, log });
      closers.push(async () => sale.stop());
      const service = createReservationService({ pool, temporal: temporal.client, payments, config, log, sale });
      const bookings = createBookingService({ pool, temporal: temporal.client, config, log });
      const api = createApi({
        config, pool, service, log, bookings,
        lifecycle: createEventLifecycleService({ pool, temporal: temporal.client, config, log, bookings }),
        limits: createRateLimits(redis!, config, log),
        health: {
          postgres: () => pool.query(sqlPing),
          redis: () => redis!.ping(),
          temporal: () => temporal.client.connection.workflowService.getSystemInfo({}),
        },
      });
      server!.on('request', api.callback());
    }
    if (has('gateway')) {
      const gateway = createGateway({ httpServer: server!, pool, redisUrl: config.REDIS_URL, jwtSecret: config.JWT_SECRET, log, corsOrigins: config.CORS_ORIGINS });
      closers.push(gateway.close);
      const relay = startOutboxRelay({
        pool, redis: redis!, log, pollMs: config.OUTBOX_POLL_MS,
        onSeatsChanged: (changes) => wakeWaitlistsForReleases(pool, changes),
      });
      closers.push(relay.stop);
    }
    if (server) {
      await new Promise<void>((resolve) => server!.listen(config.PORT, config.HOST, resolve));
      closers.push(() => new Promise((resolve) => server!.close(resolve)));
    }
    announce(role, config, log);
    await shutdownSignal();
    log.info('shutting down...');
    // a dependency that no longer answers must not keep a stopping process alive
    setTimeout(() => {
      log.error('shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
  } finally {
    for (const close of closers.reverse()) {
      await close().catch((error) => log.warn({ err: error }, 'error while shutting down'));
    }
  }
}


function announce(role: Role, config: Config, log: Logger) {
  const base = `http://${config.HOST}:${config.PORT}`;
  const lines = [`booking engine running (role: ${role})`];
  if (role === 'all' || role === 'api') lines.push(`  web client   ${base}/`, `  API          ${base}/api (health: ${base}/api/health)`, `  API docs     ${base}/api/docs (OpenAPI 3.1: ${base}/api/openapi.json)`);
  if (role === 'all' || role === 'gateway') lines.push(`  Socket.io    ${base}/socket.io`);
  if (role === 'all' && config.startTemporalDevServer) lines.push(`  Temporal UI  http://127.0.0.1:${config.TEMPORAL_UI_PORT}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows`);
  lines.push(`  Temporal     ${config.temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE})`);
  if (config.METRICS_PORT !== undefined) lines.push(`  metrics      http://${config.HOST}:${config.METRICS_PORT}/metrics`);
  else if (role === 'all' || role === 'api') lines.push(`  metrics      ${base}/metrics`);
  if (config.TEMPORAL_METRICS_BIND_ADDRESS && (role === 'all' || role === 'worker')) lines.push(`  SDK metrics  http://${config.TEMPORAL_METRICS_BIND_ADDRESS}/metrics`);
  if (role === 'all' && config.SEED_DEMO) lines.push(...DEMO_ACCOUNTS.map((a) => `  demo login   ${a.email} / ${a.password} (${a.role})`));
  log.info(lines.join('\n'));
}

function shutdownSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    // started with an IPC channel (node:cluster, a supervisor, a test): go when the parent goes
    if (process.connected) process.once('disconnect', () => resolve());
  });
}

const role = (process.argv[2] ?? 'all') as Role;
let bootLog: Logger = createLogger('info');
try {
  if (!ROLES.includes(role)) throw new ConfigError(`unknown role "${role}": use one of ${ROLES.join(', ')}`);
  const config = loadConfig();
  bootLog = createLogger(config.LOG_LEVEL);
  await main(role, config, bootLog);
  process.exit(0);
} catch (error) {
  bootLog.fatal(error instanceof ConfigError ? error.message : { err: error }, 'the booking engine could not start');
  process.exit(1);
}
