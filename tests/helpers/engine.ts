import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker, DefaultLogger } from '@temporalio/worker';
import { pino } from 'pino';
import { z } from 'zod';
import { createActivities } from '../../activities/index.ts';
import { Redis } from 'ioredis';
import { createApi } from '../../src/api/app.ts';
import { createRateLimits } from '../../src/api/rate-limits.ts';
import { answerRefusedRequests } from '../../src/api/server.ts';
import { createGateway } from '../../src/realtime/gateway.ts';
import { startOutboxRelay } from '../../src/realtime/relay.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createEvent, type EventSpec } from '../../src/db/events.ts';
import { createPaymentProvider } from '../../src/payments/index.ts';
import { sql } from '../../src/db/sql.ts';
import type { Role } from '../../src/contract/accounts.ts';
import { startReconciler } from '../../src/reservations/reconciler.ts';
import { createReservationService } from '../../src/reservations/service.ts';
import { startSaleReporter, watchSale } from '../../src/reservations/sale-signal.ts';
import { createBookingService } from '../../src/bookings/service.ts';
import { createEventLifecycleService } from '../../src/events/lifecycle.ts';
import { startWorkflowStarter } from '../../src/reservations/starter.ts';
import { startWebhookDispatcher } from '../../src/webhooks/dispatcher.ts';
import { createReservationWorker } from '../../src/temporal/worker.ts';
import { startWaitlistWaker, wakeWaitlistsForReleases } from '../../src/waitlist/waker.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { startSplitEngineProcesses, TEST_ENGINE_DEFAULTS } from './split-engine.ts';

import { eventually } from './wait.ts';
import { reservationWorkflowId } from '../../workflows/messages.ts';

export { eventually };

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this test file's module registry
}

export interface TestEngine {
  config: Config;
  db: TestDatabase;
  url: string;
  client: Client;
  taskQueue: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  createEvent(spec?: Partial<EventSpec>): Promise<{ eventId: string; sectionIds: string[]; seatIds: string[] }>;
  /** An account of `role`; an organizer belongs to `options.tenantId`, or to a new tenant of its own. */
  register(role?: Role, options?: { tenantId?: string }): Promise<{ token: string; refreshToken: string; customerId: string; email: string }>;
  /** A new tenant (organization); answers its id. */
  createTenant(name?: string): Promise<string>;
  /** The reservation's workflow handle once the starters have started it (holds answer first). */
  workflowOf(reservationId: string): Promise<WorkflowHandle>;
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestEngineOptions {
  realtime?: boolean;
  /**
   * The starters as under load: whether the machine counts as busy (then starts are deferred by
   * WORKFLOW_START_DEFER_MS and first workflow tasks delayed by WORKFLOW_FIRST_TASK_DELAY_MS).
   * Without it the starters never yield, so tests do not depend on the machine's load.
   */
  busy?: () => boolean;
}

/**
 * The real engine for one test file: a fresh database, a worker on a task queue of its own
 * (so test files never run each other's workflows) against the suite's Temporal dev server,
 * and the API on a free port.
 */
export async function startTestEngine(label: string, env: Record<string, string> = {}, options: TestEngineOptions = {}): Promise<TestEngine> {
  if (process.env.TEST_TOPOLOGY === 'split') return startSplitTestEngine(label, env, options);
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  const bundle = process.env.TEMPORAL_WORKFLOW_BUNDLE;
  if (!address || !bundle) throw new Error('run the tests with `npm test`: it starts the Temporal dev server they use');
  const db = await createTestDatabase(label);
  const taskQueue = `test-${label}-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    NODE_ENV: 'test', DATABASE_URL: db.url, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'silent', PAYMENT_SLOW_MS: '2500', PASSIVE_EXPIRY_GRACE_SECONDS: '1',
    ...TEST_ENGINE_DEFAULTS, ...env,
  });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const connection = await NativeConnection.connect({ address });
  const closers: Array<() => Promise<unknown>> = [];
  const limitsRedis = new Redis(config.REDIS_URL);
  closers.push(() => limitsRedis.quit());
  const client = new Client({ connection });
  const payments = createPaymentProvider(config, db.pool);
  const activities = createActivities({ pool: db.pool, payments, timings: config.paymentTimings, webhooks: config.webhooks });

  // the worker role: the worker, and the starters and reconciler that run beside it
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let companions: Array<{ stop(): Promise<void> }> = [];
  async function startWorker() {
    worker = await createReservationWorker({ connection, namespace: 'default', taskQueue, activities, workflowBundlePath: bundle, log });
    running = worker.run();
    companions = [
      startWorkflowStarter({
        pool: db.pool, temporal: client, config, log, inFlight: config.WORKFLOW_STARTS_IN_FLIGHT, pollMs: 20, eager: config.WORKFLOW_STARTS_EAGER,
        deferMs: config.WORKFLOW_START_DEFER_MS, saleDeferMs: config.WORKFLOW_START_SALE_DEFER_MS, saleInProgress: watchSale(limitsRedis, taskQueue), firstTaskDelayMs: config.WORKFLOW_FIRST_TASK_DELAY_MS, burstSize: config.WORKFLOW_FIRST_TASK_DELAY_BURST, isBusy: options.busy ?? (() => false),
      }),
      startReconciler({ pool: db.pool, temporal: client, config, log, intervalMs: 200 }),
      startWebhookDispatcher({ pool: db.pool, temporal: client, log, pollMs: 50, settings: { taskQueue, timeoutMs: config.webhooks.timeoutMs, retry: config.webhooks.retry, checkIntervalMs: config.webhooks.checkIntervalMs } }),
      startWaitlistWaker({ pool: db.pool, temporal: client, config, log, pollMs: 20 }),
    ];
  }
  async function stopWorker() {
    if (!worker) return;
    for (const companion of companions) await companion.stop();
    companions = [];
    worker.shutdown();
    await running;
    worker = undefined;
  }
  await startWorker();

  const sale = startSaleReporter({ redis: limitsRedis, taskQueue, holdsPerSecond: config.SALE_HOLDS_PER_SECOND, log });
  closers.push(async () => sale.stop());
  const service = createReservationService({ pool: db.pool, temporal: client, payments, config, log, sale });
  const bookings = createBookingService({ pool: db.pool, temporal: client, config, log });
  const lifecycle = createEventLifecycleService({ pool: db.pool, temporal: client, config, log, bookings });
  const app = createApi({ config, pool: db.pool, service, log, health: {}, limits: createRateLimits(limitsRedis, config, log), bookings, lifecycle });
  const server: Server = createServer(app.callback());
  answerRefusedRequests(server, log);
  if (options.realtime) {
    // the gateway, relay and web client on the API's port, as `npm start` serves them;
    // a Redis key of this file's own keeps parallel test files apart
    const key = `socket.io-${taskQueue}`;
    const redis = new Redis(config.REDIS_URL);
    const gateway = createGateway({ httpServer: server, pool: db.pool, redisUrl: config.REDIS_URL, jwtSecret: config.JWT_SECRET, log, key, corsOrigins: config.CORS_ORIGINS });
    const relay = startOutboxRelay({ pool: db.pool, redis, log, pollMs: 50, key, onSeatsChanged: (changes) => wakeWaitlistsForReleases(db.pool, changes) });
    closers.push(relay.stop, gateway.close, () => redis.quit());
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return facade({
    config, db, url, client, taskQueue, startWorker, stopWorker,
    nextUrl: () => url,
    async close() {
      for (const close of closers) await close();
      await new Promise((resolve) => server.close(resolve));
      await stopWorker();
      await connection.close();
      await db.drop();
    },
  });
}

/** The same engine with every role in its own process (tests/helpers/split-engine.ts). */
async function startSplitTestEngine(label: string, env: Record<string, string>, options: TestEngineOptions): Promise<TestEngine> {
  const split = await startSplitEngineProcesses(label, env, options);
  return facade({ ...split, url: split.urls[0] });
}

/** What every test engine offers, whatever runs its roles. */
function facade(parts: Pick<TestEngine, 'config' | 'db' | 'url' | 'client' | 'taskQueue' | 'startWorker' | 'stopWorker' | 'close'> & { nextUrl(): string }): TestEngine {
  const { db, client } = parts;
  const engine: TestEngine = {
    ...parts,
    async createEvent(spec = {}) {
      const created = await createEvent(db.pool, {
        venueName: 'Test Hall', name: `Test event ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 86_400_000),
        sections: [
          { name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 2, seatsPerRow: 10 },
          { name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 30 },
          { name: 'Balcony', kind: 'RESERVED', priceCents: 0, rows: 1, seatsPerRow: 5 },
        ],
        ...spec,
      });
      const event = (await engine.request('GET', `/api/events/${created.eventId}`)).body;
      return { ...created, seatIds: event.seats.filter((s: { row: string | null }) => s.row !== null).map((s: { id: string }) => s.id) };
    },
    async workflowOf(reservationId) {
      const handle = client.workflow.getHandle(reservationWorkflowId(reservationId));
      await eventually(() => handle.describe(), 10_000, `the workflow of reservation ${reservationId}`, 25);
      return handle;
    },
    async createTenant(name = `Tenant ${randomUUID().slice(0, 8)}`) {
      return db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`INSERT INTO tenants (id, name) VALUES (${randomUUID()}, ${name}) RETURNING id`);
    },
    async register(role = 'customer', options = {}) {
      const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
      const res = await engine.request('POST', '/api/auth/register', { body: { email, password: 'correct horse battery', name: 'Test Person' } });
      if (res.status !== 201) throw new Error(`register failed: ${JSON.stringify(res.body)}`);
      if (role !== 'customer') {
        // an organizer belongs to a tenant: one of its own unless one is given
        const tenantId = role === 'organizer' ? options.tenantId ?? (await engine.createTenant()) : null;
        await db.pool.query(sqlSetRole(res.body.customer.id, role, tenantId));
        const login = await engine.request('POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } });
        return { token: login.body.token, refreshToken: login.body.refreshToken, customerId: res.body.customer.id, email };
      }
      return { token: res.body.token, refreshToken: res.body.refreshToken, customerId: res.body.customer.id, email };
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.raw;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      } else if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${parts.nextUrl()}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
  return engine;
}

const sqlSetRole = (id: string, role: Role, tenantId: string | null) => sql.typeAlias('void')`UPDATE customers SET role = ${role}, tenant_id = ${tenantId} WHERE id = ${id}`;

/** A confirmed booking of `seatIds` for the customer (hold, then checkout with the test card that succeeds); its reference. */
export async function bookSeats(engine: TestEngine, customer: { token: string }, eventId: string, seatIds: string[]): Promise<string> {
  const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds } });
  expect(held.status).toBe(201);
  const paid = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: customer.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return paid.body.booking.reference as string;
}
