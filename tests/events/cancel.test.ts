import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { pino } from 'pino';
import { createBookingService } from '../../src/bookings/service.ts';
import { sql } from '../../src/db/sql.ts';
import { createEventLifecycleService } from '../../src/events/lifecycle.ts';
import { eventLifecycleWorkflowId } from '../../workflows/event-lifecycle-messages.ts';
import { EventLifecycleKey } from '../../workflows/search-attributes.ts';
import { bookSeats, eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

/** `eventually` for a check made of expectations: retried until they pass. */
const until = (check: () => Promise<unknown>, timeoutMs: number, what: string) => eventually(async () => { await check(); return true; }, timeoutMs, what);

/**
 * Cancelling an event that has sold (issue 10): every confirmed booking is refunded through its
 * refund workflow, every live hold cancelled through its reservation workflow, the seats released,
 * the event CANCELLED (no new holds); a repeated cancel answers the same and refunds nothing twice.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let organizer: Account;
let stranger: Account;
let venueId: string;

beforeAll(async () => {
  engine = await startTestEngine('event-cancel', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' });
  [organizer, stranger] = [await engine.register('organizer'), await engine.register('organizer')];
  venueId = (await as(organizer, 'POST', '/api/organizer/venues', { name: 'Cancel Hall' })).body.venue.id;
});
afterAll(async () => { await engine?.close(); });

const as = (caller: Account, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller.token, body });

async function publishedEvent() {
  const created = await as(organizer, 'POST', '/api/organizer/events', {
    venueId, name: `Gig ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 4500, rows: 1, seatsPerRow: 6 }],
  });
  expect(created.status).toBe(201);
  expect((await as(organizer, 'POST', `/api/organizer/events/${created.body.id}/publish`)).status).toBe(200);
  return created.body as { id: string; seats: Array<{ id: string }> };
}

const seatStates = (eventId: string) => engine.db.pool.anyFirst(sql.type(z.object({ state: z.string() }))`SELECT state FROM seats WHERE event_id = ${eventId} ORDER BY id`);
const refundRecords = (eventId: string) => engine.db.pool.any(sql.type(z.object({ reference: z.string(), status: z.string(), requestedBy: z.string(), reason: z.string() }))`
  SELECT b.reference, f.status, f.requested_by AS "requestedBy", f.reason
  FROM booking_refunds f JOIN bookings b ON b.id = f.booking_id WHERE b.event_id = ${eventId} ORDER BY b.reference
`);
const providerRefunds = (eventId: string) => engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
  SELECT count(*)::int AS n FROM payment_refunds f JOIN payment_charges c ON c.id = f.charge_id JOIN reservations r ON r.id = c.reservation_id WHERE r.event_id = ${eventId}
`);

test('cancelling an event with 2 bookings and a live hold refunds both, cancels the hold, frees every seat and takes no new hold; again, it changes nothing', async () => {
  const event = await publishedEvent();
  const [a, b, c, d] = event.seats.map((s) => s.id);
  const [buyer1, buyer2, holder] = [await engine.register(), await engine.register(), await engine.register()];
  const references = [await bookSeats(engine, buyer1, event.id, [a]), await bookSeats(engine, buyer2, event.id, [b, c])].sort();
  const held = await engine.request('POST', '/api/reservations', { token: holder.token, body: { eventId: event.id, seatIds: [d] } });
  expect(held.status).toBe(201);
  const holdId = held.body.reservation.id as string;

  // another tenant's organizer cannot cancel it
  expect((await as(stranger, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 'not mine' })).status).toBe(404);

  const cancelled = await as(organizer, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 'the band split up' });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe('CANCELLED');
  const { cancellation } = cancelled.body;
  expect(cancellation.cancelledBy).toBe(`organizer:${organizer.email}`);
  expect(cancellation.reason).toBe('the band split up');
  expect(cancellation.refunds.map((r: { reference: string }) => r.reference).sort()).toEqual(references);
  expect(cancellation.refunds.every((r: { status: string }) => r.status === 'REFUNDED')).toBe(true);
  expect(cancellation.holdsCancelled).toEqual([{ reservationId: holdId, workflowId: `reservation-${holdId}` }]);

  // the refunds are recorded, by the organizer, and the provider refunded each charge once
  const records = await refundRecords(event.id);
  expect(records.map((r) => [r.reference, r.status, r.requestedBy])).toEqual(references.map((ref) => [ref, 'REFUNDED', `organizer:${organizer.email}`]));
  expect(records[0].reason).toMatch(/the band split up/);
  expect(await providerRefunds(event.id)).toBe(2);
  // the hold is cancelled by its workflow, and every seat is free (refunded and released)
  await until(async () => expect((await reservationRow(engine.db.pool, holdId)).status).toBe('CANCELLED'), 10_000, 'the hold is cancelled');
  expect((await reservationRow(engine.db.pool, holdId)).cancelledBy).toBe(`organizer:${organizer.email}`);
  await until(async () => expect(new Set(await seatStates(event.id))).toEqual(new Set(['AVAILABLE'])), 10_000, 'the seats are free');
  // no new hold
  const late = await engine.request('POST', '/api/reservations', { token: holder.token, body: { eventId: event.id, seatIds: [a] } });
  expect(late.status).toBe(409);
  expect(late.body.error.code).toBe('EVENT_NOT_ON_SALE');
  // the event's workflow ended CANCELLED
  const workflow = engine.client.workflow.getHandle(eventLifecycleWorkflowId(event.id));
  expect((await workflow.result()).status).toBe('CANCELLED');
  expect((await workflow.describe()).typedSearchAttributes.get(EventLifecycleKey)).toBe('CANCELLED');

  // asked again: the same cancellation, nothing refunded twice
  const again = await as(organizer, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 'another reason' });
  expect(again.status).toBe(200);
  expect(again.body.cancellation.cancelledAt).toBe(cancellation.cancelledAt);
  expect(again.body.cancellation.reason).toBe('the band split up');
  expect(again.body.cancellation.refunds).toEqual([]);
  expect(await providerRefunds(event.id)).toBe(2);
  expect((await refundRecords(event.id)).length).toBe(2);

  // an event with sales is still never deleted
  const deleted = await as(organizer, 'DELETE', `/api/organizer/events/${event.id}`);
  expect(deleted.status).toBe(409);
  expect(deleted.body.error.code).toBe('EVENT_HAS_SALES');
}, 90_000);

test('a cancel body must be a reason or nothing', async () => {
  const event = await publishedEvent();
  const bad = await as(organizer, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 42 });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  expect((await as(organizer, 'GET', `/api/organizer/events/${event.id}`)).body.status).toBe('ON_SALE');
  const plain = await engine.request('POST', `/api/organizer/events/${event.id}/cancel`, { token: organizer.token });
  expect(plain.status).toBe(200);
  expect(plain.body.cancellation.reason).toBe('the event was cancelled by its organizer');
});

test("a cancellation cut off before its refunds (the API died) is finished by the worker's sweep, as the organizer who cancelled", async () => {
  const event = await publishedEvent();
  const buyer = await engine.register();
  const reference = await bookSeats(engine, buyer, event.id, [event.seats[0].id]);
  // what the cancel's transaction commits, with nothing after it
  await engine.db.pool.query(sql.typeAlias('void')`
    UPDATE events SET status = 'CANCELLED', cancelled_at = now(), cancelled_by = ${`organizer:${organizer.email}`}, cancel_reason = 'power cut' WHERE id = ${event.id}
  `);
  const lifecycle = createEventLifecycleService({
    pool: engine.db.pool, temporal: engine.client, config: engine.config, log: pino({ level: 'silent' }),
    bookings: createBookingService({ pool: engine.db.pool, temporal: engine.client, config: engine.config, log: pino({ level: 'silent' }) }),
  });
  // (with every role in its own process, the worker's own sweep may get there first: either finishes it)
  expect(await lifecycle.finishCancellations()).toBeLessThanOrEqual(1);
  await until(async () => expect((await refundRecords(event.id))[0]?.status).toBe('REFUNDED'), 20_000, 'the refund');
  expect(await refundRecords(event.id)).toEqual([{ reference, status: 'REFUNDED', requestedBy: `organizer:${organizer.email}`, reason: 'event cancelled: power cut' }]);
  expect(await providerRefunds(event.id)).toBe(1);
  expect(await lifecycle.finishCancellations()).toBe(0);
}, 60_000);
