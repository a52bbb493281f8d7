import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { io as connect, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { signToken } from '../../src/auth/tokens.ts';
import { createEvent } from '../../src/db/events.ts';
import { sql } from '../../src/db/sql.ts';
import { createGateway, type Gateway, type JoinAck } from '../../src/realtime/gateway.ts';
import { startOutboxRelay, type ReservationUpdatedMessage, type SeatsChangedMessage } from '../../src/realtime/relay.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { eventually } from '../helpers/wait.ts';
import { TEST_REDIS_URL as REDIS_URL } from '../helpers/redis.ts';

/** Shared set-up for the realtime tests: real gateways on real ports, real Redis, real clients. */

export const JWT_SECRET = 'realtime-test-secret-at-least-32-characters';

/** A Redis channel prefix of the test file's own, so parallel test files never hear each other. */
export const uniqueKey = (label: string) => `test-${label}-${randomBytes(4).toString('hex')}`;

/** Polls every 10 ms until the predicate holds; fails with `what` after timeoutMs. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  await eventually(predicate, timeoutMs, what, 10);
}

/** A logger that keeps every line, so a test can assert what was logged. */
export function recordingLogger(level = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

export const silentLogger = (): Logger => pino({ level: 'silent' });

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(pool: DatabasePool, key: string, log: Logger = silentLogger()): Promise<RunningGateway> {
  const httpServer = createServer();
  const gateway = createGateway({ httpServer, pool, redisUrl: REDIS_URL, jwtSecret: JWT_SECRET, log, key });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return { gateway, url: `http://127.0.0.1:${port}`, close: () => gateway.close() };
}

/** Waits until `count` gateways with this key have subscribed to Redis (their adapters are live). */
export async function waitForGateways(gateway: Gateway, count: number): Promise<void> {
  const adapter = gateway.io.of('/').adapter as unknown as { serverCount(): Promise<number> };
  await waitFor(async () => (await adapter.serverCount()) === count, 3_000, `${count} gateways subscribed`);
}

/** A connected socket.io client that records every message it receives. */
export interface TestClient {
  socket: Socket;
  seatChanges: SeatsChangedMessage[];
  reservationUpdates: ReservationUpdatedMessage[];
  join(eventId: unknown): Promise<JoinAck>;
  leave(eventId: string): Promise<unknown>;
  close(): void;
}

export async function connectClient(url: string, token?: string): Promise<TestClient> {
  const socket = connect(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: token === undefined ? {} : { token },
  });
  const client: TestClient = {
    socket,
    seatChanges: [],
    reservationUpdates: [],
    join: (eventId) => socket.timeout(3_000).emitWithAck('event:join', { eventId }) as Promise<JoinAck>,
    leave: (eventId) => socket.timeout(3_000).emitWithAck('event:leave', { eventId }),
    close: () => void socket.disconnect(),
  };
  socket.on('seats:changed', (message: SeatsChangedMessage) => void client.seatChanges.push(message));
  socket.on('reservation:updated', (message: ReservationUpdatedMessage) => void client.reservationUpdates.push(message));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return client;
}

/** Resolves with the connection error the server sent, or fails when the connection succeeds. */
export async function connectionError(url: string, token: unknown): Promise<Error> {
  const socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  try {
    return await new Promise<Error>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('the connection was accepted')));
      socket.once('connect_error', resolve);
    });
  } finally {
    socket.disconnect();
  }
}

export async function createCustomer(pool: DatabasePool, name = 'Test Customer'): Promise<{ customerId: string; token: string }> {
  const customerId = randomUUID();
  const email = `${customerId}@example.test`;
  await pool.query(sql.typeAlias('void')`
    INSERT INTO customers (id, email, name, password_hash) VALUES (${customerId}, ${email}, ${name}, 'not-a-real-hash')
  `);
  return { customerId, token: signToken({ customerId, email, role: 'customer' }, JWT_SECRET, 600) };
}

/** An on-sale event with one reserved section of `seats` seats in one row. */
export async function createSmallEvent(pool: DatabasePool, seats = 4): Promise<{ eventId: string; seatIds: string[] }> {
  const { eventId } = await createEvent(pool, {
    venueName: 'Test Hall',
    name: 'Realtime test event',
    startsAt: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 1, seatsPerRow: seats }],
  });
  const seatIds = await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM seats WHERE event_id = ${eventId} ORDER BY seat_number
  `);
  return { eventId, seatIds: [...seatIds] };
}

export function redisClient(): Redis {
  return new Redis(REDIS_URL);
}

/** Whether outbox rows have been marked published, by id. */
export async function outboxPublished(pool: DatabasePool, ids: readonly number[]): Promise<boolean[]> {
  const rows = await pool.any(sql.type(z.object({ id: z.number(), published: z.boolean() }))`
    SELECT id, published_at IS NOT NULL AS published FROM outbox WHERE id = ANY(${sql.array([...ids], 'int8')}) ORDER BY id
  `);
  return rows.map((r) => r.published);
}

export async function unpublishedOutboxIds(pool: DatabasePool): Promise<number[]> {
  return [
    ...(await pool.anyFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id
    `)),
  ];
}

export interface RealtimeFixture {
  db: TestDatabase;
  gateway: RunningGateway;
  /** Connects a socket.io client (closed by `close()`). */
  connect(token?: string): Promise<TestClient>;
  close(): Promise<void>;
}

/** A fresh database, one gateway and one relay sharing a Redis key of their own. */
export async function startRealtimeFixture(label: string): Promise<RealtimeFixture> {
  const db = await createTestDatabase(`realtime_${label}`);
  const key = uniqueKey(label);
  const gateway = await startGateway(db.pool, key);
  const redis = redisClient();
  const relay = startOutboxRelay({ pool: db.pool, redis, log: silentLogger(), pollMs: 50, key });
  const clients: TestClient[] = [];
  return {
    db,
    gateway,
    async connect(token) {
      const client = await connectClient(gateway.url, token);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await relay.stop();
      await redis.quit();
      await gateway.close();
      await db.drop();
    },
  };
}
