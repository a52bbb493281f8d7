import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createEvent } from '../../src/db/events.ts';
import { claimHold, createClaimBatcher, type ClaimOutcome, type HoldRequest } from '../../src/db/reservations.ts';
import { sql } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * A hold against a change of its event made under the event's row lock (a cancellation, see
 * src/db/catalog.ts cancelEvent and migrations/1734090000000): a claim that arrives while the
 * change is in flight waits for it and answers by its outcome, alone or in a batch, so no hold
 * lands on an event after its cancellation committed.
 */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('cancel_race'); });
afterAll(async () => { await db?.drop(); });

async function sale() {
  const { eventId, sectionIds } = await createEvent(db.pool, {
    venueName: 'Race Hall', name: `Race ${randomUUID()}`, startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Floor', kind: 'GA', priceCents: 2500, capacity: 40 }],
  });
  const customers = Array.from({ length: 6 }, () => randomUUID());
  await db.pool.query(sql.typeAlias('void')`
    INSERT INTO customers (id, email, name, password_hash)
    SELECT id, id::text || '@race.test', 'Race Buyer', 'no-login' FROM ${sql.unnest(customers.map((id) => [id]), ['uuid'])} AS t(id)
  `);
  const request = (customerId: string): HoldRequest =>
    ({ customerId, eventId, sectionId: sectionIds[0], quantity: 1, idempotencyKey: randomUUID(), holdSeconds: 600, passiveGraceSeconds: 1 });
  return { eventId, customers, request };
}

/**
 * Opens the event's cancellation as src/db/catalog.ts makes it (the row locked FOR UPDATE, the
 * status CANCELLED) and keeps it open until `commit` is called.
 */
async function openCancellation(eventId: string) {
  let commit!: () => void;
  const release = new Promise<void>((resolve) => { commit = resolve; });
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => { locked = resolve; });
  const done = db.pool.transaction(async (tx) => {
    await tx.query(sql.typeAlias('void')`SELECT FROM events WHERE id = ${eventId} FOR UPDATE`);
    await tx.query(sql.typeAlias('void')`UPDATE events SET status = 'CANCELLED', cancelled_at = now() WHERE id = ${eventId}`);
    locked();
    await release;
  });
  await lockTaken;
  return { commit: async () => { commit(); await done; } };
}

/** Whether a promise is still pending after PostgreSQL has had `ms` to answer it. */
const pendingAfter = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => false, () => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

const liveHolds = (eventId: string) => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
  SELECT count(*)::int AS n FROM reservations WHERE event_id = ${eventId} AND status IN ('HELD', 'PAYING')
`);

test('a claim made while the cancellation is in flight waits for it and is refused NOT_ON_SALE (CANCELLED), with nothing written', async () => {
  const { eventId, customers, request } = await sale();
  const cancellation = await openCancellation(eventId);
  const claim = claimHold(db.pool, request(customers[0]));
  // the cancellation is not committed: before the event's lock, the claim read ON_SALE and took a place here
  expect(await pendingAfter(claim, 300)).toBe(true);
  await cancellation.commit();
  expect(await claim).toEqual({ outcome: 'NOT_ON_SALE', status: 'CANCELLED' } satisfies ClaimOutcome);
  expect(await liveHolds(eventId)).toBe(0);
});

test('a batch that meets the lock has its claims wait alone: every one is refused, none lands after the cancellation', async () => {
  const { eventId, customers, request } = await sale();
  const claim = createClaimBatcher(db.pool, { maxBatch: 10, inFlight: 1 });
  // one claim occupies the batcher's only slot, so the next five go together as one batch
  const first = claim(request(customers[0]));
  expect((await first).outcome).toBe('CREATED');
  const cancellation = await openCancellation(eventId);
  const answers = Promise.all(customers.slice(1).map((c) => claim(request(c))));
  expect(await pendingAfter(answers, 300)).toBe(true);
  await cancellation.commit();
  for (const answer of await answers) expect(answer).toEqual({ outcome: 'NOT_ON_SALE', status: 'CANCELLED' });
  // the hold made before the cancellation is its only live hold: the one it lists to undo
  expect(await liveHolds(eventId)).toBe(1);
});

test('claims in flight do not wait for each other: 5 concurrent holds of one event all land while each holds its key-share lock', async () => {
  const { eventId, customers, request } = await sale();
  const answers = await Promise.all(customers.slice(0, 5).map((c) => claimHold(db.pool, request(c))));
  expect(answers.map((a) => a.outcome)).toEqual(Array(5).fill('CREATED'));
  expect(await liveHolds(eventId)).toBe(5);
});
