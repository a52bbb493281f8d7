import { Redis } from 'ioredis';
import { createHold } from '../../src/db/reservations.ts';
import { startOutboxRelay, type OutboxRelay } from '../../src/realtime/relay.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import {
  connectClient,
  createCustomer,
  createSmallEvent,
  outboxPublished,
  recordingLogger,
  redisClient,
  silentLogger,
  startGateway,
  unpublishedOutboxIds,
  uniqueKey,
  waitFor,
  type RunningGateway,
  type TestClient,
} from './harness.ts';

let db: TestDatabase;
let gateway: RunningGateway;
let redis: Redis;
let key: string;
const clients: TestClient[] = [];
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  db = await createTestDatabase('realtime_relay');
  key = uniqueKey('relay');
  gateway = await startGateway(db.pool, key);
  redis = redisClient();
});

// each test starts its own relays; none may outlive it and publish the next test's rows
afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.stop();
});

afterAll(async () => {
  for (const client of clients) client.close();
  await redis?.quit();
  await gateway?.close();
  await db?.drop();
});

function relay(options: { pollMs?: number; batchSize?: number; redis?: Redis; log?: ReturnType<typeof silentLogger>; onSeatsChanged?: Parameters<typeof startOutboxRelay>[0]['onSeatsChanged'] } = {}): OutboxRelay {
  const started = startOutboxRelay({
    pool: db.pool,
    redis: options.redis ?? redis,
    log: options.log ?? silentLogger(),
    pollMs: options.pollMs ?? 50,
    batchSize: options.batchSize,
    key,
    onSeatsChanged: options.onSeatsChanged,
  });
  relays.push(started);
  return started;
}

async function watcher(eventId: string): Promise<TestClient> {
  const client = await connectClient(gateway.url);
  clients.push(client);
  expect((await client.join(eventId)).ok).toBe(true);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('outbox relay', () => {
  test('a change committed while the relay is stopped is delivered once a relay starts, and its outbox row is marked published', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 2);
    const { customerId } = await createCustomer(db.pool);
    const client = await watcher(eventId);

    const crashed = relay();
    await crashed.stop();
    await createHold(db.pool, { customerId, eventId, seatIds: [seatIds[0]], idempotencyKey: 'while-down', holdSeconds: 60, passiveGraceSeconds: 5 });
    const pending = await unpublishedOutboxIds(db.pool);
    expect(pending).toHaveLength(1);

    await sleep(300);
    expect(client.seatChanges).toEqual([]);
    expect(await outboxPublished(db.pool, pending)).toEqual([false]);

    relay();
    await waitFor(() => client.seatChanges.length === 1, 3_000, 'the change after the restart');
    expect(client.seatChanges[0]).toMatchObject({ eventId, changeId: pending[0], committedAt: expect.any(Number) });
    expect(client.seatChanges[0].seats).toEqual([expect.objectContaining({ id: seatIds[0], state: 'HELD' })]);
    await waitFor(async () => (await outboxPublished(db.pool, pending))[0] === true, 3_000, 'published_at to be set');
  });

  test('rows stay unpublished and are retried while Redis refuses them, then go out once Redis accepts', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 1);
    const { customerId } = await createCustomer(db.pool);
    const client = await watcher(eventId);
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const { log, lines } = recordingLogger();
    const failing = relay({ redis: unreachable, log, pollMs: 20 });

    await createHold(db.pool, { customerId, eventId, seatIds, idempotencyKey: 'redis-down', holdSeconds: 60, passiveGraceSeconds: 5 });
    await waitFor(() => lines.filter((l) => l.msg === 'outbox relay batch failed; retrying').length >= 2, 3_000, 'two failed attempts');
    await expect(failing.drain()).rejects.toThrow();
    const pending = await unpublishedOutboxIds(db.pool);
    expect(pending).toHaveLength(1);
    expect(client.seatChanges).toEqual([]);
    await failing.stop();
    unreachable.disconnect();

    relay();
    await waitFor(() => client.seatChanges.length === 1, 3_000, 'the change once Redis works');
    expect(client.seatChanges[0].changeId).toBe(pending[0]);
    await waitFor(async () => (await unpublishedOutboxIds(db.pool)).length === 0, 3_000, 'the outbox to empty');
  });

  test('a full batch is followed at once by the next one instead of waiting for the poll interval, and stop() does not wait for it', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 5);
    const { customerId } = await createCustomer(db.pool);
    const client = await watcher(eventId);
    for (const [i, seatId] of seatIds.entries()) {
      await createHold(db.pool, { customerId, eventId, seatIds: [seatId], idempotencyKey: `batch-${i}`, holdSeconds: 60, passiveGraceSeconds: 5 });
    }
    expect(await unpublishedOutboxIds(db.pool)).toHaveLength(5);

    const slow = relay({ batchSize: 2, pollMs: 60_000 });
    await waitFor(() => client.seatChanges.length === 5, 3_000, 'five changes in three batches');
    const changeIds = client.seatChanges.map((c) => c.changeId);
    expect(changeIds).toEqual([...changeIds].sort((a, b) => a - b));
    expect(new Set(client.seatChanges.map((c) => c.seats[0].id))).toEqual(new Set(seatIds));

    const stopping = Date.now();
    await slow.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });

  test('of several relays only the leader publishes, and another takes over when it stops', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 4);
    const { customerId } = await createCustomer(db.pool);
    const client = await watcher(eventId);
    const first = relay();
    await sleep(200); // let the first relay take the lead
    relay();
    const hold = (i: number) =>
      createHold(db.pool, { customerId, eventId, seatIds: [seatIds[i]], idempotencyKey: `leader-${i}`, holdSeconds: 60, passiveGraceSeconds: 5 });
    for (let i = 0; i < 3; i++) await hold(i);
    await waitFor(() => client.seatChanges.length >= 3, 3_000, 'three changes');
    await sleep(300);
    expect(client.seatChanges).toHaveLength(3); // no duplicates from the standby

    await first.stop();
    await hold(3);
    await waitFor(() => client.seatChanges.length >= 4, 5_000, 'the standby to take over');
    expect(client.seatChanges.map((m) => m.seats[0].id)).toEqual(seatIds.slice(0, 4));
  });

  test('the seat changes of a batch are handed on (the waitlists follow released seats there); while that fails, the batch stays unpublished and is sent again', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 2);
    const { customerId } = await createCustomer(db.pool);
    let failing = true;
    const seen: string[] = [];
    relay({
      onSeatsChanged: async (changes) => {
        if (failing) throw new Error('the waitlist wakeups could not be written');
        seen.push(...changes.flatMap((c) => c.seats.map((seat) => `${seat.id}:${seat.state}`)));
      },
    });
    await createHold(db.pool, { customerId, eventId, seatIds: [seatIds[1]], idempotencyKey: 'handed-on', holdSeconds: 60, passiveGraceSeconds: 5 });
    await sleep(300);
    expect(await unpublishedOutboxIds(db.pool)).toHaveLength(1);
    expect(seen).toEqual([]);
    failing = false;
    await waitFor(async () => (await unpublishedOutboxIds(db.pool)).length === 0, 10_000);
    expect(seen).toEqual([`${seatIds[1]}:HELD`]);
  });
});
