import { z } from 'zod';
import { beginPayment, recordProviderOutcome } from '../../src/db/payments.ts';
import { sql } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { gaHold } from '../helpers/queries.ts';

/**
 * A checkout's first step, `begin_payment` in one statement (migrations/1734093000000) behind
 * beginPayment (src/db/payments.ts), against PostgreSQL: what it opens, what a retry gets, the next
 * attempt after a decline, and the hold that lost a seat.
 */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('begin_payment'); });
afterAll(async () => { await db?.drop(); });

const TIMINGS = { windowSeconds: 120, followUpSeconds: 30, passiveGraceSeconds: 1 };

const hold = (seats = 2) => gaHold(db.pool, seats, 'Pay');

const facts = (reservationId: string) => db.pool.one(sql.type(z.object({
  status: z.string(), intents: z.array(z.string()), windowFromNow: z.number().nullable(), outbox: z.array(z.unknown()),
}))`
  SELECT r.status,
         ARRAY(SELECT p.idempotency_key || '/' || p.status || '/' || p.amount_cents FROM payment_intents p WHERE p.reservation_id = r.id ORDER BY p.attempt) AS intents,
         (SELECT min(extract(epoch FROM s.hold_expires_at - now())) FROM seats s WHERE s.reservation_id = r.id)::float8 AS "windowFromNow",
         ARRAY(SELECT o.payload FROM outbox o WHERE o.topic = 'reservation.updated' AND o.payload->>'reservationId' = r.id::text ORDER BY o.id) AS outbox
  FROM reservations r WHERE r.id = ${reservationId}
`);

test('a live hold opens attempt 0 for its price: PAYING, its seats kept for the payment window, the seat maps told', async () => {
  const { reservationId, customerId } = await hold(2);
  expect(await beginPayment(db.pool, reservationId, TIMINGS)).toEqual({ kind: 'OPEN', idempotencyKey: `${reservationId}:charge:0`, amountCents: 5000 });
  const after = await facts(reservationId);
  expect(after.status).toBe('PAYING');
  expect(after.intents).toEqual([`${reservationId}:charge:0/PENDING/5000`]);
  // the hold had 600 s; the window (120 s) never shortens it
  expect(after.windowFromNow).toBeGreaterThan(590);
  expect(after.outbox).toEqual([{ reservationId, customerId, status: 'PAYING' }]);
});

test('a retried step gets the same open attempt and writes nothing more; after a decline the next attempt is 1', async () => {
  const { reservationId } = await hold(1);
  const first = await beginPayment(db.pool, reservationId, TIMINGS);
  expect(await beginPayment(db.pool, reservationId, TIMINGS)).toEqual(first);
  expect((await facts(reservationId)).intents).toHaveLength(1);
  expect((await facts(reservationId)).outbox).toHaveLength(1);
  // the provider declined: the attempt is settled and the reservation is a hold again
  expect(await recordProviderOutcome(db.pool, `${reservationId}:charge:0`, { outcome: 'DECLINED', declineCode: 'card_declined' }, TIMINGS)).toBeNull();
  expect((await facts(reservationId)).status).toBe('HELD');
  expect(await beginPayment(db.pool, reservationId, TIMINGS)).toEqual({ kind: 'OPEN', idempotencyKey: `${reservationId}:charge:1`, amountCents: 2500 });
  expect((await facts(reservationId)).intents).toEqual([`${reservationId}:charge:0/DECLINED/2500`, `${reservationId}:charge:1/PENDING/2500`]);
});

test('a hold that lost a seat to passive expiry opens nothing and ends EXPIRED, its seats free', async () => {
  const { reservationId } = await hold(2);
  await db.pool.query(sql.typeAlias('void')`
    UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = (SELECT id FROM seats WHERE reservation_id = ${reservationId} LIMIT 1)
  `);
  const answer = await beginPayment(db.pool, reservationId, TIMINGS);
  expect(answer.kind).toBe('SETTLED');
  expect(answer.kind === 'SETTLED' && answer.settlement.status).toBe('EXPIRED');
  const after = await facts(reservationId);
  expect(after.intents).toEqual([]);
  expect(after.status).toBe('EXPIRED');
});
