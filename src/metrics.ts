import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from './db/sql.ts';
import type { Logger } from './logger.ts';

/**
 * Prometheus metrics of this process (prom-client), served at `/metrics`: on the HTTP port of
 * the roles that have one, or on METRICS_PORT when it is set (the only way for a worker-only
 * process). The Temporal SDK's own worker metrics are a separate endpoint
 * (TEMPORAL_METRICS_BIND_ADDRESS).
 */

collectDefaultMetrics({ prefix: 'booking_' });

export const httpRequestSeconds = new Histogram({
  name: 'booking_http_request_duration_seconds',
  help: 'API requests by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

const outcomeCounter = (name: string, help: string) => new Counter({ name, help, labelNames: ['outcome'] as const });

export const holdsTotal = outcomeCounter('booking_holds_total',
  'Hold requests by outcome: created, replayed (same Idempotency-Key), seat_taken (lost the race), ticket_limit (over the event\'s per-customer limit)');

export const holdClaimsTotal = new Counter({
  name: 'booking_hold_claims_total',
  help: 'Hold claims sent to PostgreSQL by path: alone (one statement for one hold), batched (in a claim_holds statement with others), retried (a batched claim that would have waited for a lock, made again alone)',
  labelNames: ['path'] as const,
});
export const holdClaimBatchSize = new Histogram({
  name: 'booking_hold_claim_batch_size',
  help: 'Claims per claim_holds statement',
  buckets: [2, 4, 8, 16, 32, 60],
});

export const checkoutsTotal = outcomeCounter('booking_checkouts_total',
  'Checkouts by outcome: confirmed, or the error code in lower case (payment_declined, hold_expired, ...)');

export const workflowStartsTotal = outcomeCounter('booking_workflow_starts_total',
  'Reservation workflows started after their hold: started, started_delayed (first workflow task delayed while the machine was busy), already_ended (a checkout or cancel had started and finished it), failed (retried)');

export const reconcilerNudgesTotal = outcomeCounter('booking_reconciler_nudges_total',
  'Payment attempts the reconciler followed up: nudged (sync sent to the workflow), acknowledged (its workflow had ended), failed (retried); terminated_released: live holds of terminated workflows it had cancelled');

export const activityDataErrorsTotal = new Counter({
  name: 'booking_activity_data_errors_total',
  help: 'Activity calls that failed on their data (not retried; the workflow ends visibly, see README "Operating reservations"), by activity',
  labelNames: ['activity'] as const,
});

export const outboxPublishedTotal = new Counter({
  name: 'booking_outbox_published_total',
  help: 'Outbox rows the relay published to Redis, by topic',
  labelNames: ['topic'] as const,
});

export const commitToPublishSeconds = new Histogram({
  name: 'booking_outbox_commit_to_publish_seconds',
  help: 'From the commit of a change to its publication by the relay',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** Socket.io servers of this process, for the connection gauge. */
const socketServers = new Set<{ engine: { clientsCount: number } }>();
new Gauge({
  name: 'booking_socket_connections',
  help: 'Socket.io clients connected to this process',
  collect() {
    this.set([...socketServers].reduce((sum, io) => sum + io.engine.clientsCount, 0));
  },
});

export function trackSocketServer(io: { engine: { clientsCount: number } }): () => void {
  socketServers.add(io);
  return () => socketServers.delete(io);
}

/** Times every request under its route pattern (not its path: ids would explode the labels). */
export function httpMetrics(): Middleware {
  return async (ctx, next) => {
    const end = httpRequestSeconds.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.path.startsWith('/api') ? 'unmatched' : 'web');
      end({ route: String(route), status: String(ctx.status) });
    }
  };
}

/**
 * Gauges read from PostgreSQL when scraped: open holds, and the outbox backlog with the age of
 * its oldest row (a relay that stopped publishing shows here first). Once per process.
 */
let databaseGauges = false;
export function registerDatabaseGauges(pool: DatabasePool): void {
  if (databaseGauges) return;
  databaseGauges = true;
  new Gauge({
    name: 'booking_open_holds',
    help: 'Reservations HELD or PAYING',
    async collect() {
      this.set(await pool.oneFirst(sql.type(z.object({ count: z.number() }))`
        SELECT count(*) FROM reservations WHERE status IN ('HELD', 'PAYING')
      `));
    },
  });
  // both outbox gauges are collected together on a scrape: one query serves them
  let backlog: Promise<{ rows: number; oldestSeconds: number }> | null = null;
  const outboxBacklog = () => (backlog ??= pool.one(sql.type(z.object({ rows: z.number(), oldestSeconds: z.number() }))`
    SELECT count(*) AS rows, COALESCE(EXTRACT(EPOCH FROM now() - min(committed_at)), 0)::float8 AS "oldestSeconds"
    FROM outbox WHERE published_at IS NULL
  `).finally(() => { backlog = null; }));
  new Gauge({
    name: 'booking_outbox_unpublished',
    help: 'Outbox rows not yet published',
    async collect() {
      this.set((await outboxBacklog()).rows);
    },
  });
  new Gauge({
    name: 'booking_outbox_oldest_unpublished_seconds',
    help: 'Age of the oldest unpublished outbox row (0 when none)',
    async collect() {
      this.set((await outboxBacklog()).oldestSeconds);
    },
  });
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}

/** `/metrics` as Koa middleware, for the API's own port. */
export function metricsRoute(): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || ctx.method !== 'GET') return next();
    const { contentType, body } = await metricsText();
    ctx.type = contentType;
    ctx.body = body;
  };
}

/** A separate metrics listener (METRICS_PORT), for worker-only processes or a private port. */
export async function startMetricsServer(options: { host: string; port: number; log: Logger }): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metricsText().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        options.log.error({ err: error }, 'could not collect metrics');
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  return server;
}
