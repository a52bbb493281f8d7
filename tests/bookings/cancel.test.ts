/**
 * Cancelling and refunding confirmed bookings against the real engine: bookings made through the
 * checkout workflow (test card 4242 4242 4242 4242), refunds by the booking-refund workflow on the
 * suite's Temporal dev server, the simulated provider's ledger in PostgreSQL, and a Socket.io
 * client watching the seat map.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { openBookingRefund, refundRecord } from '../../src/db/refunds.ts';
import { createPaymentProvider } from '../../src/payments/index.ts';
import { sql } from '../../src/db/sql.ts';
import { bookingRefundWorkflowId } from '../../workflows/booking-refund-messages.ts';
import { CustomerIdKey, EventIdKey } from '../../workflows/search-attributes.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';
import { connectClient } from '../realtime/harness.ts';

let engine: TestEngine;
// the reconciler looks at unfinished refunds after PAYMENT_FOLLOW_UP_SECONDS: 1 s here
beforeAll(async () => { engine = await startTestEngine('booking-refunds', { PAYMENT_FOLLOW_UP_SECONDS: '1', RATE_LIMIT_HOLDS_PER_MINUTE: '0' }, { realtime: true }); });
afterAll(async () => { await engine?.close(); });

type Customer = Awaited<ReturnType<TestEngine['register']>>;
/** An event a week away: well within the default policy (customers may cancel until 24 hours before). */
const createEvent = (spec: Parameters<TestEngine['createEvent']>[0] = {}) => engine.createEvent({ startsAt: new Date(Date.now() + 7 * 86_400_000), ...spec });

/** Holds and pays (test card that succeeds) through the API. */
async function book(customer: Customer, body: Record<string, unknown>): Promise<{ reference: string; reservationId: string; amountCents: number }> {
  const held = await engine.request('POST', '/api/reservations', { token: customer.token, body });
  expect(held.status).toBe(201);
  const reservationId = held.body.reservation.id as string;
  const paid = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: customer.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return { reference: paid.body.booking.reference as string, reservationId, amountCents: paid.body.booking.amountCents as number };
}

const cancelOwn = (customer: Customer, reference: string, body: unknown = {}) => engine.request('POST', `/api/bookings/${reference}/cancel`, { token: customer.token, body });
const cancelAsSupport = (support: Customer, reference: string, body: unknown = { reason: 'customer called' }) =>
  engine.request('POST', `/api/support/bookings/${reference}/cancel`, { token: support.token, body });

/** The simulated provider's ledger for a reservation: charged and refunded cents, and how many refunds. */
const ledger = (reservationId: string) => engine.db.pool.one(sql.type(z.object({ charged: z.number(), refunded: z.number(), refunds: z.number() }))`
  SELECT COALESCE((SELECT sum(amount_cents) FROM payment_charges WHERE reservation_id = ${reservationId} AND status IN ('SUCCEEDED', 'REFUNDED')), 0)::int AS charged,
         COALESCE((SELECT sum(f.amount_cents) FROM payment_refunds f JOIN payment_charges c ON c.id = f.charge_id WHERE c.reservation_id = ${reservationId}), 0)::int AS refunded,
         (SELECT count(*) FROM payment_refunds f JOIN payment_charges c ON c.id = f.charge_id WHERE c.reservation_id = ${reservationId})::int AS refunds
`);
const ticketStates = (reference: string) => engine.db.pool.anyFirst(sql.type(z.object({ state: z.string() }))`
  SELECT t.state FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE b.reference = ${reference} ORDER BY t.id
`);
const bookingIdOf = (reference: string) => engine.db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM bookings WHERE reference = ${reference}`);

describe('a customer cancels their own confirmed booking', () => {
  test('is refunded in full, the seats are free again (pushed live), the tickets cancelled, the reservation REFUNDED; a repeat answers the same', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const seats = seatIds.slice(0, 2);
    const booking = await book(customer, { eventId, seatIds: seats });
    const { tickets } = (await engine.request('GET', `/api/bookings/${booking.reference}/tickets`, { token: customer.token })).body as { tickets: Array<{ code: string }> };
    const versionsBefore = (await seatRows(engine.db.pool, seats)).map((s) => s.version);
    const watcher = await connectClient(engine.url, customer.token);
    await watcher.join(eventId);

    const res = await cancelOwn(customer, booking.reference, { reason: 'cannot make it' });
    expect(res.status).toBe(200);
    expect(res.body.workflowId).toBe(bookingRefundWorkflowId(await bookingIdOf(booking.reference)));
    expect(res.body.cancellation).toMatchObject({
      reference: booking.reference, reservationId: booking.reservationId, status: 'REFUNDED', amountCents: 10000,
      requestedBy: `customer:${customer.customerId}`, reason: 'cannot make it',
    });
    expect(res.body.cancellation.completedAt).not.toBeNull();
    // the refund's workflow, done, and found in the Temporal UI by the customer and the event
    const described = await engine.client.workflow.getHandle(res.body.workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect([described.typedSearchAttributes.get(CustomerIdKey), described.typedSearchAttributes.get(EventIdKey)]).toEqual([customer.customerId, eventId]);

    // money: charged once, refunded once, in full
    expect(await ledger(booking.reservationId)).toEqual({ charged: 10000, refunded: 10000, refunds: 1 });
    // the seats: free, owned by nobody, one version later
    const after = await seatRows(engine.db.pool, seats);
    expect(after.map((s) => [s.state, s.reservationId])).toEqual([['AVAILABLE', null], ['AVAILABLE', null]]);
    expect(after.map((s) => s.version)).toEqual(versionsBefore.map((v) => v + 1));
    // the reservation, as its customer reads it, and who did it
    const reservation = await engine.request('GET', `/api/reservations/${booking.reservationId}`, { token: customer.token });
    expect(reservation.body).toMatchObject({ status: 'REFUNDED', cancelledBy: `customer:${customer.customerId}`, cancelReason: 'cannot make it' });
    // the booking in the customer's list: REFUNDED, with the seats it had
    const listed = (await engine.request('GET', '/api/bookings', { token: customer.token })).body.items as Array<{ reference: string; status: string; seats: string[] }>;
    expect(listed.find((b) => b.reference === booking.reference)).toMatchObject({ status: 'REFUNDED', seats: ['Stalls A1', 'Stalls A2'] });
    // the tickets: CANCELLED, and the door says so
    expect(await ticketStates(booking.reference)).toEqual(['CANCELLED', 'CANCELLED']);
    const support = await engine.register('support');
    const scan = await engine.request('POST', '/api/checkin', { token: support.token, body: { eventId, code: tickets[0].code } });
    expect(scan.status).toBe(409);
    expect(scan.body.error.code).toBe('TICKET_CANCELLED');

    // live: the seat map shows both seats AVAILABLE at their new versions, the customer hears REFUNDED
    await eventually(() => seats.every((id) => watcher.seatChanges.some((m) => m.seats.some((s) => s.id === id && s.state === 'AVAILABLE' && s.version === after.find((a) => a.id === id)!.version))),
      5_000, 'the seat-change messages of the refund');
    await eventually(() => watcher.reservationUpdates.some((u) => u.reservationId === booking.reservationId && u.status === 'REFUNDED'), 5_000, 'the REFUNDED reservation update');
    watcher.close();

    // a repeat answers the same outcome and refunds nothing more
    const again = await cancelOwn(customer, booking.reference, { reason: 'a second click' });
    expect(again.status).toBe(200);
    expect(again.body.cancellation).toEqual(res.body.cancellation);
    expect(await ledger(booking.reservationId)).toEqual({ charged: 10000, refunded: 10000, refunds: 1 });

    // the seats can be held and sold again, by someone else
    const other = await engine.register();
    const resold = await book(other, { eventId, seatIds: seats });
    expect((await seatRows(engine.db.pool, seats)).every((s) => s.state === 'SOLD' && s.reservationId === resold.reservationId)).toBe(true);
    expect(await ticketStates(resold.reference)).toEqual(['VALID', 'VALID']);
  });

  test("a refunded booking no longer counts against the event's per-customer ticket limit", async () => {
    const { eventId, seatIds } = await createEvent();
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE events SET max_tickets_per_customer = 2 WHERE id = ${eventId}`);
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 2) });
    const over = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(2, 3) } });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'TICKET_LIMIT_REACHED', details: { booked: 2 } });
    expect((await cancelOwn(customer, booking.reference)).status).toBe(200);
    const again = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(2, 4) } });
    expect(again.status).toBe(201);
  });

  test('a booking that cost nothing is cancelled without asking the provider', async () => {
    const { eventId, sectionIds } = await createEvent();
    const customer = await engine.register();
    const balcony = (await engine.request('GET', `/api/events/${eventId}`)).body.seats.filter((s: { sectionId: string }) => s.sectionId === sectionIds[2]).map((s: { id: string }) => s.id);
    const booking = await book(customer, { eventId, seatIds: balcony.slice(0, 1) });
    const res = await cancelOwn(customer, booking.reference);
    expect(res.status).toBe(200);
    expect(res.body.cancellation).toMatchObject({ status: 'REFUNDED', amountCents: 0, reason: 'cancelled by the customer' });
    expect(await ledger(booking.reservationId)).toEqual({ charged: 0, refunded: 0, refunds: 0 });
    expect((await reservationRow(engine.db.pool, booking.reservationId)).status).toBe('REFUNDED');
  });

  test("another customer's booking, and a support account's request on the customer route, are 404 and change nothing", async () => {
    const { eventId, seatIds } = await createEvent();
    const owner = await engine.register();
    const booking = await book(owner, { eventId, seatIds: seatIds.slice(0, 1) });
    for (const caller of [await engine.register(), await engine.register('support')]) {
      const res = await cancelOwn(caller, booking.reference);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const unknown = await cancelOwn(owner, 'ZZZZ-9999');
    expect(unknown.status).toBe(404);
    expect((await reservationRow(engine.db.pool, booking.reservationId)).status).toBe('CONFIRMED');
    expect(await ledger(booking.reservationId)).toEqual({ charged: 5000, refunded: 0, refunds: 0 });
  });

  test('past the event\'s cutoff the customer is refused with 409 CANCELLATION_NOT_ALLOWED; support still cancels', async () => {
    // starts in 2 hours; the default policy lets customers cancel until 24 hours before
    const { eventId, seatIds } = await createEvent({ startsAt: new Date(Date.now() + 2 * 3600_000) });
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 1) });

    const refused = await cancelOwn(customer, booking.reference);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CANCELLATION_NOT_ALLOWED', details: { reference: booking.reference, cutoffHours: 24 } });
    expect(Date.parse(refused.body.error.details.deadline)).toBeLessThan(Date.now());
    expect((await reservationRow(engine.db.pool, booking.reservationId)).status).toBe('CONFIRMED');
    expect(await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM booking_refunds WHERE reservation_id = ${booking.reservationId}`)).toBe(0);

    const support = await engine.register('support');
    const res = await cancelAsSupport(support, booking.reference, { reason: 'venue flooded' });
    expect(res.status).toBe(200);
    expect(res.body.cancellation).toMatchObject({ status: 'REFUNDED', requestedBy: `support:${support.email}`, reason: 'venue flooded' });
    expect(await reservationRow(engine.db.pool, booking.reservationId)).toMatchObject({ status: 'REFUNDED', cancelledBy: `support:${support.email}`, cancelReason: 'venue flooded' });
    expect(await ledger(booking.reservationId)).toEqual({ charged: 5000, refunded: 5000, refunds: 1 });
    // the customer now hears the same outcome, not a refusal
    const after = await cancelOwn(customer, booking.reference);
    expect(after.status).toBe(200);
    expect(after.body.cancellation.requestedBy).toBe(`support:${support.email}`);
  });

  test('an event whose policy allows no customer cancellations (cutoff NULL) refuses them', async () => {
    const { eventId, seatIds } = await createEvent({ refundCutoffHours: null });
    // the event says so to everyone; the default is 24 hours
    expect((await engine.request('GET', `/api/events/${eventId}`)).body.refundCutoffHours).toBeNull();
    expect((await engine.request('GET', `/api/events/${(await createEvent()).eventId}`)).body.refundCutoffHours).toBe(24);
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 1) });
    const refused = await cancelOwn(customer, booking.reference);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CANCELLATION_NOT_ALLOWED', details: { cutoffHours: null } });
    expect((await reservationRow(engine.db.pool, booking.reservationId)).status).toBe('CONFIRMED');
  });
});

describe('support cancels any booking', () => {
  test('needs a reason and a well-formed reference (400 in the error shape); a customer gets 403', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const support = await engine.register('support');
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 1) });
    const noReason = await cancelAsSupport(support, booking.reference, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.code).toBe('VALIDATION_FAILED');
    expect(noReason.body.error.details.issues[0].path).toBe('body.reason');
    const badReference = await cancelAsSupport(support, 'not-a-reference');
    expect(badReference.status).toBe(400);
    expect(badReference.body.error.code).toBe('VALIDATION_FAILED');
    const asCustomer = await cancelAsSupport(customer, booking.reference);
    expect(asCustomer.status).toBe(403);
    expect((await reservationRow(engine.db.pool, booking.reservationId)).status).toBe('CONFIRMED');
  });

  test('concurrent cancels (customer twice, support twice) refund once and all answer the same outcome', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const support = await engine.register('support');
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 3) });
    const answers = await Promise.all([
      cancelOwn(customer, booking.reference, { reason: 'first' }), cancelAsSupport(support, booking.reference, { reason: 'second' }),
      cancelOwn(customer, booking.reference, { reason: 'third' }), cancelAsSupport(support, booking.reference, { reason: 'fourth' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const [first, ...rest] = answers.map((a) => a.body.cancellation);
    for (const other of rest) expect(other).toEqual(first);
    expect(await ledger(booking.reservationId)).toEqual({ charged: 15000, refunded: 15000, refunds: 1 });
    expect(await ticketStates(booking.reference)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    // one workflow id, one run of it, completed
    const runs = [];
    for await (const run of engine.client.workflow.list({ query: `WorkflowId="${bookingRefundWorkflowId(first.bookingId)}"` })) runs.push(run.status.name);
    expect(runs.length).toBeLessThanOrEqual(1); // visibility may lag; never two runs
    expect((await engine.client.workflow.getHandle(bookingRefundWorkflowId(first.bookingId)).describe()).status.name).toBe('COMPLETED');
  });
});

describe('a refund cut off by a crash', () => {
  test('a refund recorded without its workflow (the API died in between) is finished by the reconciler', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 1) });
    // what the API does before it starts the workflow, and nothing after
    const opened = await openBookingRefund(engine.db.pool, {
      reference: booking.reference, customerId: customer.customerId, actor: `customer:${customer.customerId}`, reason: 'crashed', enforcePolicy: true, followUpSeconds: 1,
    });
    expect(opened.outcome).toBe('OPENED');
    await eventually(async () => (await reservationRow(engine.db.pool, booking.reservationId)).status === 'REFUNDED', 20_000, 'the reconciler finishing the refund');
    expect(await ledger(booking.reservationId)).toEqual({ charged: 5000, refunded: 5000, refunds: 1 });
    const seat = await seatRows(engine.db.pool, seatIds.slice(0, 1));
    expect(seat[0].state).toBe('AVAILABLE');
  });

  test('a refund that reached the provider before the crash is finished without refunding twice', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 2) });
    const opened = await openBookingRefund(engine.db.pool, {
      reference: booking.reference, customerId: customer.customerId, actor: `customer:${customer.customerId}`, reason: 'crashed after the provider', enforcePolicy: true,
      followUpSeconds: 600, // the reconciler stays away: the customer's second request finishes it
    });
    expect(opened.outcome).toBe('OPENED');
    // the provider step ran (under the record's key), then the process died before the release
    const record = await refundRecord(engine.db.pool, opened.outcome === 'OPENED' ? opened.cancellation.bookingId : '');
    await createPaymentProvider(engine.config, engine.db.pool).refund({ idempotencyKey: record.chargeKey!, reason: 'as the activity asks' });
    expect(await ledger(booking.reservationId)).toEqual({ charged: 10000, refunded: 10000, refunds: 1 });
    expect((await reservationRow(engine.db.pool, booking.reservationId)).status).toBe('CONFIRMED');
    // the customer asks again: the same record, the workflow finishes it, the provider refunds nothing more
    const res = await cancelOwn(customer, booking.reference, { reason: 'asking again' });
    expect(res.status).toBe(200);
    expect(res.body.cancellation).toMatchObject({ status: 'REFUNDED', reason: 'crashed after the provider' });
    expect(await ledger(booking.reservationId)).toEqual({ charged: 10000, refunded: 10000, refunds: 1 });
    expect((await seatRows(engine.db.pool, seatIds.slice(0, 2))).every((s) => s.state === 'AVAILABLE')).toBe(true);
  });

  test('with no worker running the request is accepted (202, REQUESTED) and the refund completes once a worker is back', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 1) });
    await engine.stopWorker();
    let accepted;
    try {
      accepted = await cancelOwn(customer, booking.reference, { reason: 'worker away' });
    } finally {
      await engine.startWorker();
    }
    expect(accepted.status).toBe(202);
    expect(accepted.body.cancellation).toMatchObject({ status: 'REQUESTED', completedAt: null, reason: 'worker away' });
    expect(await ledger(booking.reservationId)).toEqual({ charged: 5000, refunded: 0, refunds: 0 });
    // a task handed to a poll of the stopped worker is retried after its timeout (an activity's is 60 s)
    await eventually(async () => (await reservationRow(engine.db.pool, booking.reservationId)).status === 'REFUNDED', 75_000, 'the refund after the worker came back');
    const done = await cancelOwn(customer, booking.reference);
    expect(done.status).toBe(200);
    expect(done.body.cancellation).toMatchObject({ status: 'REFUNDED', reason: 'worker away', requestedAt: accepted.body.cancellation.requestedAt });
    expect(await ledger(booking.reservationId)).toEqual({ charged: 5000, refunded: 5000, refunds: 1 });
  }, 120_000);
});

/**
 * Refund workflows in flight meet every deploy: new code must replay their histories. If this
 * fails after a change to workflows/booking-refund.ts, guard the change with `patched()`.
 * `RECORD_WORKFLOW_HISTORIES=1 npm test -- tests/bookings/cancel.test.ts` records a path that has
 * no recording yet.
 */
describe('the refund workflow across deploys', () => {
  const FIXTURES = new URL('../fixtures/refund-histories/', import.meta.url);
  const bundle = () => ({ workflowBundle: { codePath: process.env.TEMPORAL_WORKFLOW_BUNDLE! } });

  test('replays deterministically: a run of today, and every recorded history', async () => {
    const { eventId, seatIds } = await createEvent();
    const customer = await engine.register();
    const booking = await book(customer, { eventId, seatIds: seatIds.slice(0, 1) });
    const res = await cancelOwn(customer, booking.reference);
    expect(res.status).toBe(200);
    const history = await engine.client.workflow.getHandle(res.body.workflowId).fetchHistory();
    await Worker.runReplayHistory(bundle(), history, res.body.workflowId);
    const file = new URL('v1-refunded.json', FIXTURES);
    if (process.env.RECORD_WORKFLOW_HISTORIES === '1' && !existsSync(file)) {
      mkdirSync(FIXTURES, { recursive: true });
      writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
    }
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['v1-refunded.json']);
    for (const name of files) {
      const recorded = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>);
      await Worker.runReplayHistory(bundle(), recorded, name);
    }
  });
});
