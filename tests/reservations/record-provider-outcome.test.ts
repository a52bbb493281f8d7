import { z } from 'zod';
import { beginPayment, recordProviderOutcome } from '../../src/db/payments.ts';
import { sql } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { gaHold } from '../helpers/queries.ts';

/**
 * A checkout's settlement, `record_provider_outcome` in one statement (migrations/1734095000000)
 * behind recordProviderOutcome (src/db/payments.ts), against PostgreSQL: the booking of a charge,
 * a retried step, a charge for a hold that lost a seat (a refund due), a decline and a charge
 * that never happened (the hold back, with its grace).
 */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('record_outcome'); });
afterAll(async () => { await db?.drop(); });

const TIMINGS = { windowSeconds: 120, followUpSeconds: 30, passiveGraceSeconds: 7 };

/** A live hold of `seats` places at 25.00 each, with its payment attempt open. */
async function paying(seats = 2) {
  const held = await gaHold(db.pool, seats, 'Settle');
  const attempt = await beginPayment(db.pool, held.reservationId, TIMINGS);
  if (attempt.kind !== 'OPEN') throw new Error('not payable');
  return { ...held, key: attempt.idempotencyKey };
}

const facts = (reservationId: string) => db.pool.one(sql.type(z.object({
  status: z.string(), attempt: z.string(), declineCode: z.string().nullable(), acknowledged: z.boolean(),
  seats: z.array(z.string()), graceAfterDeadline: z.number().nullable(),
  booking: z.object({ reference: z.string(), amountCents: z.number(), seats: z.number(), tickets: z.number() }).nullable(),
  outbox: z.array(z.object({ topic: z.string(), payload: z.record(z.string(), z.unknown()) })),
}))`
  SELECT r.status,
         (SELECT p.status FROM payment_intents p WHERE p.reservation_id = r.id ORDER BY p.attempt DESC LIMIT 1) AS attempt,
         (SELECT p.decline_code FROM payment_intents p WHERE p.reservation_id = r.id ORDER BY p.attempt DESC LIMIT 1) AS "declineCode",
         (SELECT p.acknowledged_at IS NOT NULL FROM payment_intents p WHERE p.reservation_id = r.id ORDER BY p.attempt DESC LIMIT 1) AS acknowledged,
         ARRAY(SELECT s.state || '/v' || s.version FROM seats s WHERE s.reservation_id = r.id ORDER BY s.id) AS seats,
         (SELECT max(extract(epoch FROM s.hold_expires_at - r.hold_expires_at)) FROM seats s WHERE s.reservation_id = r.id)::float8 AS "graceAfterDeadline",
         (SELECT jsonb_build_object('reference', b.reference, 'amountCents', b.amount_cents,
                   'seats', (SELECT count(*) FROM booking_seats bs WHERE bs.booking_id = b.id),
                   'tickets', (SELECT count(*) FROM tickets t WHERE t.booking_id = b.id))
          FROM bookings b WHERE b.reservation_id = r.id) AS booking,
         ARRAY(SELECT jsonb_build_object('topic', o.topic, 'payload', o.payload) FROM outbox o
               WHERE (o.topic = 'reservation.updated' AND o.payload->>'reservationId' = r.id::text)
                  OR (o.topic = 'seats.changed' AND o.payload->>'eventId' = r.event_id::text)
               ORDER BY o.id) AS outbox
  FROM reservations r WHERE r.id = ${reservationId}
`);

test('a charge becomes the booking: seats SOLD (one version on), tickets issued, CONFIRMED, SUCCEEDED, the seat map and the customer told', async () => {
  const { reservationId, customerId, eventId, key } = await paying(2);
  const before = await facts(reservationId);
  expect(await recordProviderOutcome(db.pool, key, { outcome: 'CHARGED' }, TIMINGS)).toBeNull();
  const after = await facts(reservationId);
  expect(after.status).toBe('CONFIRMED');
  expect(after.attempt).toBe('SUCCEEDED');
  expect(after.seats).toEqual(before.seats.map((s) => s.replace(/^HELD\/v(\d+)$/, (_, v) => `SOLD/v${Number(v) + 1}`)));
  expect(after.booking).toMatchObject({ amountCents: 5000, seats: 2, tickets: 2 });
  expect(after.booking!.reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  const added = after.outbox.slice(before.outbox.length);
  expect(added.map((o) => o.topic)).toEqual(['seats.changed', 'reservation.updated']);
  const changed = added[0].payload as { eventId: string; seats: Array<{ id: string; sectionId: string; state: string; version: number }> };
  expect(changed.eventId).toBe(eventId);
  expect(changed.seats.map((s) => `${s.state}/v${s.version}`)).toEqual(after.seats);
  expect(changed.seats.every((s) => typeof s.id === 'string' && typeof s.sectionId === 'string')).toBe(true);
  expect(added[1].payload).toEqual({ reservationId, customerId, status: 'CONFIRMED', bookingReference: after.booking!.reference });
});

test('a retried step finds the attempt settled and writes nothing more', async () => {
  const { reservationId, key } = await paying(1);
  await recordProviderOutcome(db.pool, key, { outcome: 'CHARGED' }, TIMINGS);
  const once = await facts(reservationId);
  expect(await recordProviderOutcome(db.pool, key, { outcome: 'CHARGED' }, TIMINGS)).toBeNull();
  expect(await recordProviderOutcome(db.pool, key, { outcome: 'DECLINED', declineCode: 'card_declined' }, TIMINGS)).toBeNull();
  expect(await facts(reservationId)).toEqual(once);
  expect(await recordProviderOutcome(db.pool, 'no-such-key', { outcome: 'CHARGED' }, TIMINGS)).toBeNull();
});

test('a charge for a hold that lost a seat is a refund due: no booking, nothing sold, asked again it answers the same', async () => {
  const { reservationId, key } = await paying(2);
  // the seat went to someone else (passive expiry and a new claim, as the sweep would see it)
  await db.pool.query(sql.typeAlias('void')`
    UPDATE seats SET state = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
    WHERE id = (SELECT id FROM seats WHERE reservation_id = ${reservationId} ORDER BY id LIMIT 1)
  `);
  const due = { idempotencyKey: key, status: 'REFUNDING', amountCents: 5000 };
  expect(await recordProviderOutcome(db.pool, key, { outcome: 'CHARGED' }, TIMINGS)).toEqual(due);
  const after = await facts(reservationId);
  expect(after.status).toBe('PAYING');
  expect(after.attempt).toBe('REFUNDING');
  expect(after.booking).toBeNull();
  expect(after.seats).toEqual([expect.stringMatching(/^HELD\//)]);
  expect(await recordProviderOutcome(db.pool, key, { outcome: 'CHARGED' }, TIMINGS)).toEqual(due);
});

test.each([
  ['DECLINED', { outcome: 'DECLINED', declineCode: 'insufficient_funds' } as const, 'insufficient_funds'],
  ['VOIDED', { outcome: 'NOT_CHARGED' } as const, null],
])('no charge (%s): the hold is back, its seats kept the passive grace past its deadline, the customer told', async (settled, outcome, declineCode) => {
  const { reservationId, customerId, key } = await paying(2);
  expect(await recordProviderOutcome(db.pool, key, outcome, TIMINGS)).toBeNull();
  const after = await facts(reservationId);
  expect(after).toMatchObject({ status: 'HELD', attempt: settled, declineCode, acknowledged: true, booking: null });
  expect(after.seats.every((s) => s.startsWith('HELD/'))).toBe(true);
  expect(after.graceAfterDeadline).toBeCloseTo(TIMINGS.passiveGraceSeconds, 3);
  expect(after.outbox.at(-1)).toEqual({ topic: 'reservation.updated', payload: { reservationId, customerId, status: 'HELD' } });
});
