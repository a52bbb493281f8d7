import type { Redis } from 'ioredis';
import { createHold } from '../../src/db/reservations.ts';
import { startOutboxRelay, type OutboxRelay } from '../../src/realtime/relay.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import {
  connectClient,
  createCustomer,
  createSmallEvent,
  redisClient,
  silentLogger,
  startGateway,
  uniqueKey,
  waitFor,
  waitForGateways,
  type RunningGateway,
  type TestClient,
} from './harness.ts';

let db: TestDatabase;
let first: RunningGateway;
let second: RunningGateway;
let elsewhere: RunningGateway;
let redis: Redis;
let relay: OutboxRelay;
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase('realtime_scale');
  const key = uniqueKey('scale');
  first = await startGateway(db.pool, key);
  second = await startGateway(db.pool, key);
  // a gateway of another deployment (another Redis key) on the same Redis must hear nothing
  elsewhere = await startGateway(db.pool, uniqueKey('elsewhere'));
  await waitForGateways(first.gateway, 2);
  redis = redisClient();
  relay = startOutboxRelay({ pool: db.pool, redis, log: silentLogger(), pollMs: 50, key });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await relay?.stop();
  await redis?.quit();
  await Promise.all([first?.close(), second?.close(), elsewhere?.close()]);
  await db?.drop();
});

async function watch(gateway: RunningGateway, eventId: string): Promise<TestClient> {
  const client = await connectClient(gateway.url);
  clients.push(client);
  const joined = await client.join(eventId);
  expect(joined.ok).toBe(true);
  return client;
}

describe('gateways scaled out through Redis', () => {
  test('a change relayed once reaches the clients of both gateway instances exactly once, and no other deployment', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 3);
    const { customerId } = await createCustomer(db.pool);
    const onFirst = await watch(first, eventId);
    const onSecond = await watch(second, eventId);
    const onElsewhere = await watch(elsewhere, eventId);

    await createHold(db.pool, { customerId, eventId, seatIds: [seatIds[0], seatIds[1]], idempotencyKey: 'scale-1', holdSeconds: 60, passiveGraceSeconds: 5 });
    await waitFor(() => onFirst.seatChanges.length >= 1 && onSecond.seatChanges.length >= 1, 3_000, 'the change on both instances');
    await relay.drain();
    // give a duplicate every chance to show up
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(onFirst.seatChanges).toHaveLength(1);
    expect(onSecond.seatChanges).toEqual(onFirst.seatChanges);
    expect(onSecond.seatChanges[0].seats.map((s) => s.id).sort()).toEqual([seatIds[0], seatIds[1]].sort());
    expect(onSecond.seatChanges[0].seats.every((s) => s.state === 'HELD')).toBe(true);
    expect(onElsewhere.seatChanges).toEqual([]);
  });

  test('a broadcast made through instance one reaches a client connected to instance two', async () => {
    const { eventId } = await createSmallEvent(db.pool, 1);
    const onSecond = await watch(second, eventId);

    first.gateway.io.to(`event:${eventId}`).emit('seats:changed', { eventId, changeId: -1, committedAt: Date.now(), seats: [] });

    await waitFor(() => onSecond.seatChanges.length === 1, 3_000, 'the broadcast on instance two');
    expect(onSecond.seatChanges[0]).toMatchObject({ eventId, changeId: -1 });
  });
});
