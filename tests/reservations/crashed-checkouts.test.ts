import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { readSettlement } from '../../src/db/payments.ts';
import { PaymentAttemptClosedError } from '../../src/payments/provider.ts';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import type { ReservationSnapshot } from '../../workflows/messages.ts';
import { ReservationStateKey } from '../../workflows/search-attributes.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { crashedCheckout as crashedCheckoutOf, reconcilerLooksAway as looksAway } from '../helpers/crashed-checkout.ts';
import { chargeRows, reservationRow, seatRows } from '../helpers/queries.ts';

/**
 * What a crash in the middle of a checkout leaves behind, recreated step by step: the durable
 * attempt (and perhaps the charge, perhaps the booking) is in PostgreSQL and at the provider,
 * but the workflow never learned of it (its checkout Update and workflow task died with the
 * process). The reconciler must get every such attempt settled, by the workflow, within
 * seconds: a charge always ends as one booking or a refund, and the workflow agrees with
 * PostgreSQL.
 */
let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('crashed-checkouts', { PAYMENT_FOLLOW_UP_SECONDS: '1' }); });
afterAll(async () => { await engine?.close(); });


async function heldReservation(holdSeconds = 120) {
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(0, 2), holdSeconds } });
  expect(res.status).toBe(201);
  const reservationId = res.body.reservation.id as string;
  const workflow = await engine.workflowOf(reservationId);
  return { customer, eventId, seats: seatIds.slice(0, 2), reservationId, workflow };
}

const crashedCheckout = (reservationId: string, steps: { charged: boolean; recorded?: boolean }) => crashedCheckoutOf(engine, reservationId, steps);
const reconcilerLooksAway = (reservationId: string) => looksAway(engine, reservationId);

const stateOf = async (workflow: Awaited<ReturnType<typeof heldReservation>>['workflow']) =>
  (await workflow.describe()).typedSearchAttributes.get(ReservationStateKey);

describe('checkouts cut off by a crash', () => {
  test('a charge taken but never recorded becomes the booking, and the workflow ends CONFIRMED', async () => {
    const { reservationId, seats, workflow } = await heldReservation();
    await crashedCheckout(reservationId, { charged: true });
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('PAYING');

    const result: ReservationSnapshot = await workflow.result();
    expect(result.state).toBe('CONFIRMED');
    expect(await stateOf(workflow)).toBe('CONFIRMED');
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('CONFIRMED');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['SOLD', 'SOLD']);
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([{ status: 'SUCCEEDED', amountCents: 10_000, declineCode: null, refunded: false }]);
  });

  test('an attempt opened but never charged is closed at the provider, so a late charge under its key takes nothing', async () => {
    const { reservationId, seats, workflow } = await heldReservation();
    const attempt = await crashedCheckout(reservationId, { charged: false });

    await eventually(async () => (await readSettlement(engine.db.pool, reservationId)).payment?.status === 'VOIDED', 10_000, 'the attempt voided');
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('HELD');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['HELD', 'HELD']);
    // the charge of the crashed process, arriving late, is refused by the provider
    await expect(attempt.provider.charge({ reservationId, amountCents: attempt.amountCents, paymentToken: attempt.paymentToken, idempotencyKey: attempt.idempotencyKey }))
      .rejects.toBeInstanceOf(PaymentAttemptClosedError);
    expect((await chargeRows(engine.db.pool, reservationId)).filter((c) => c.status !== 'VOIDED')).toEqual([]);
    expect(await stateOf(workflow)).toBe('HELD');

    // the customer can still pay, once, under a new attempt
    const paid = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: await ownerToken(reservationId), body: { card: { number: TEST_CARDS.success } } });
    expect(paid.status).toBe(200);
    expect((await chargeRows(engine.db.pool, reservationId)).map((c) => c.status).sort()).toEqual(['SUCCEEDED', 'VOIDED']);
  });

  test('a charge whose seats were lost while nobody was settling it is refunded, and the reservation ends FAILED', async () => {
    const { reservationId, eventId, seats, workflow } = await heldReservation();
    await crashedCheckout(reservationId, { charged: true });
    // long after the crash, passive expiry handed the seats to someone else
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = ANY(${sql.array(seats, 'uuid')})`);
    const rival = await engine.register();
    expect((await engine.request('POST', '/api/reservations', { token: rival.token, body: { eventId, seatIds: seats } })).status).toBe(201);

    const result: ReservationSnapshot = await workflow.result();
    expect(result.state).toBe('FAILED');
    expect(await stateOf(workflow)).toBe('FAILED');
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([{ status: 'REFUNDED', amountCents: 10_000, declineCode: null, refunded: true }]);
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['HELD', 'HELD']);
  });

  test('a booking recorded in PostgreSQL that the workflow never learned of is adopted by the workflow', async () => {
    const { reservationId, workflow } = await heldReservation();
    await crashedCheckout(reservationId, { charged: true, recorded: true });
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('CONFIRMED');

    const result: ReservationSnapshot = await workflow.result();
    expect(result).toMatchObject({ state: 'CONFIRMED', booking: { reference: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/) } });
    expect(await stateOf(workflow)).toBe('CONFIRMED');
    // and the attempt is acknowledged once the workflow has ended: no more nudges
    await eventually(async () => (await engine.db.pool.oneFirst(sql.type(z.object({ acknowledged: z.boolean() }))`
      SELECT acknowledged_at IS NOT NULL AS acknowledged FROM payment_intents WHERE reservation_id = ${reservationId}`)), 10_000, 'the acknowledgement');
  });

  test('the timer of a hold whose checkout was cut off settles the charge instead of declaring it expired', async () => {
    const { reservationId, workflow } = await heldReservation(2);
    await crashedCheckout(reservationId, { charged: true });
    await reconcilerLooksAway(reservationId);
    const result: ReservationSnapshot = await workflow.result();
    expect(result.state).toBe('CONFIRMED');
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('CONFIRMED');
    expect(await chargeRows(engine.db.pool, reservationId)).toHaveLength(1);
  });

  test('a checkout retried after a crash returns the booking its first attempt paid for, charging once', async () => {
    const { reservationId } = await heldReservation();
    await crashedCheckout(reservationId, { charged: true });
    await reconcilerLooksAway(reservationId);
    const token = await ownerToken(reservationId);
    const retried = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token, body: { card: { number: TEST_CARDS.success } } });
    expect(retried.status).toBe(200);
    expect(retried.body.reservation.status).toBe('CONFIRMED');
    expect(retried.body.booking.reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect((await chargeRows(engine.db.pool, reservationId)).map((c) => c.status)).toEqual(['SUCCEEDED']);
  });

  test('a checkout retried after its refund tells the customer the charge was refunded', async () => {
    const { reservationId, eventId, seats, workflow } = await heldReservation();
    await crashedCheckout(reservationId, { charged: true });
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = ANY(${sql.array(seats, 'uuid')})`);
    const rival = await engine.register();
    expect((await engine.request('POST', '/api/reservations', { token: rival.token, body: { eventId, seatIds: seats } })).status).toBe(201);
    await workflow.result();
    const token = await ownerToken(reservationId);
    const retried = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token, body: { card: { number: TEST_CARDS.success } } });
    expect(retried.status).toBe(409);
    expect(retried.body.error).toMatchObject({ code: 'HOLD_EXPIRED', details: { status: 'FAILED', charged: true, refunded: true, refundedCents: 10_000 } });
    expect(retried.body.error.message).toMatch(/refunded/);
  });
});

/** A fresh token of the reservation's customer (tests register customers with a known password). */
async function ownerToken(reservationId: string): Promise<string> {
  const email = await engine.db.pool.oneFirst(sql.type(z.object({ email: z.string() }))`
    SELECT c.email FROM reservations r JOIN customers c ON c.id = r.customer_id WHERE r.id = ${reservationId}`);
  const login = await engine.request('POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } });
  return login.body.token;
}
