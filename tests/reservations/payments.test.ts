import { sql } from '../../src/db/sql.ts';
import { createSimulatedProvider, TEST_CARDS } from '../../src/payments/simulated.ts';
import { checkoutUpdate, reservationWorkflowId } from '../../workflows/messages.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { chargeRows, reservationRow, seatRows } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('payments'); });
afterAll(async () => { await engine?.close(); });

async function holdSeats(seatCount = 1, holdSeconds?: number) {
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const seats = seatIds.slice(0, seatCount);
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seats, holdSeconds } });
  expect(res.status).toBe(201);
  return { customer, seats, eventId, reservationId: res.body.reservation.id as string };
}
const checkout = (token: string, id: string, card: string, key?: string) =>
  engine.request('POST', `/api/reservations/${id}/checkout`, { token, body: { card: { number: card } }, headers: key ? { 'idempotency-key': key } : {} });

/** Every payload of a workflow history (inputs, results, update arguments) as text. */
function payloadTexts(node: unknown): string[] {
  if (node instanceof Uint8Array) return [Buffer.from(node).toString('utf8')];
  if (Array.isArray(node)) return node.flatMap(payloadTexts);
  if (node && typeof node === 'object') return Object.values(node).flatMap(payloadTexts);
  return [];
}

describe('payment at checkout', () => {
  test('a declined card leaves the hold HELD and charges nothing, and a retry with a good card confirms', async () => {
    const { customer, seats, reservationId } = await holdSeats(2);
    const declined = await checkout(customer.token, reservationId, TEST_CARDS.declined);
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({ code: 'PAYMENT_DECLINED', details: { declineCode: 'card_declined' } });
    expect((await engine.request('GET', `/api/reservations/${reservationId}`, { token: customer.token })).body.status).toBe('HELD');
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('HELD'); // PAYING while charging, HELD again after
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['HELD', 'HELD']);
    expect((await chargeRows(engine.db.pool, reservationId)).filter((c) => c.status !== 'DECLINED')).toEqual([]);

    const retried = await checkout(customer.token, reservationId, TEST_CARDS.success);
    expect(retried.status).toBe(200);
    expect(retried.body.reservation.status).toBe('CONFIRMED');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['SOLD', 'SOLD']);
    expect((await chargeRows(engine.db.pool, reservationId)).map((c) => c.status)).toEqual(['DECLINED', 'SUCCEEDED']);

    // operators read workflow histories: only payment-method tokens are in them, no card number
    const history = await engine.client.workflow.getHandle(reservationWorkflowId(reservationId)).fetchHistory();
    const decoded = payloadTexts(history).join('\n');
    expect(decoded).toMatch(/pm_sim_[0-9a-f-]{36}/);
    for (const card of [TEST_CARDS.declined, TEST_CARDS.success]) {
      expect(decoded).not.toContain(card);
    }
  });

  test('a repeated checkout with the same idempotency key charges once', async () => {
    const { customer, reservationId } = await holdSeats(1);
    const key = `checkout-${reservationId}`;
    const [first, second] = await Promise.all([
      checkout(customer.token, reservationId, TEST_CARDS.success, key),
      checkout(customer.token, reservationId, TEST_CARDS.success, key),
    ]);
    const third = await checkout(customer.token, reservationId, TEST_CARDS.success, key);
    for (const res of [first, second, third]) expect(res.status).toBe(200);
    expect(new Set([first, second, third].map((r) => r.body.booking.reference)).size).toBe(1);
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([{ status: 'SUCCEEDED', amountCents: 5000, declineCode: null, refunded: false }]);
  });

  test('a charge whose confirm fails is refunded and the reservation ends FAILED with its seats released', async () => {
    const { customer, seats, reservationId, eventId } = await holdSeats(1);
    const paying = checkout(customer.token, reservationId, TEST_CARDS.slow); // settles after 2.5 s
    // the reservation reads PAYING once the charge is about to start, for the customer and for support
    await eventually(async () => (await reservationRow(engine.db.pool, reservationId)).status === 'PAYING', 2000, 'PAYING');
    expect((await engine.request('GET', `/api/reservations/${reservationId}`, { token: customer.token })).body.status).toBe('PAYING');
    // while the charge is in flight the hold passively expires in PostgreSQL and another customer takes the seat
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = ${seats[0]}`);
    const rival = await engine.register();
    const taken = await engine.request('POST', '/api/reservations', { token: rival.token, body: { eventId, seatIds: seats } });
    expect(taken.status).toBe(201);

    const late = await paying;
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('HOLD_EXPIRED');
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([{ status: 'REFUNDED', amountCents: 5000, declineCode: null, refunded: true }]);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ status: 'FAILED' });
    // the rival's hold is untouched by the failed reservation's release
    expect((await seatRows(engine.db.pool, seats))[0]).toMatchObject({ state: 'HELD', reservationId: taken.body.reservation.id });
  });

  test('checkout of a hold that already lost its seats is refused before any charge', async () => {
    const { customer, seats, reservationId, eventId } = await holdSeats(1);
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = ${seats[0]}`);
    const rival = await engine.register();
    expect((await engine.request('POST', '/api/reservations', { token: rival.token, body: { eventId, seatIds: seats } })).status).toBe(201);
    const late = await checkout(customer.token, reservationId, TEST_CARDS.success);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('HOLD_EXPIRED');
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([]);

    // the workflow checks too, for a checkout that gets past the API's check (or comes from an operator's client)
    const direct = engine.client.workflow.getHandle(reservationWorkflowId(reservationId))
      .executeUpdate(checkoutUpdate, { args: [{ paymentToken: 'pm_sim_00000000-0000-0000-0000-000000000000' }] });
    await expect(direct).rejects.toMatchObject({ cause: { type: 'HoldExpired' } });
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([]);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ status: 'EXPIRED' });
    expect((await seatRows(engine.db.pool, seats))[0]).toMatchObject({ state: 'HELD' });
    expect((await seatRows(engine.db.pool, seats))[0].reservationId).not.toBe(reservationId);
  });

  test('a transient provider failure is retried with the same key and charges once', async () => {
    const { customer, reservationId } = await holdSeats(1);
    const res = await checkout(customer.token, reservationId, TEST_CARDS.transientFailure);
    expect(res.status).toBe(200);
    expect((await chargeRows(engine.db.pool, reservationId)).map((c) => c.status)).toEqual(['SUCCEEDED']);
  });

  test('the timer firing during a slow charge waits for the charge to settle, then confirms', async () => {
    const { customer, seats, reservationId } = await holdSeats(1, 2);
    // sent at once, the charge (2.5 s) is still in flight when the 2-second hold deadline passes
    const res = await checkout(customer.token, reservationId, TEST_CARDS.slow);
    expect(res.status).toBe(200);
    expect((await seatRows(engine.db.pool, seats))[0].state).toBe('SOLD');
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ status: 'CONFIRMED' });
  });

  test('a free reservation confirms without charging', async () => {
    const { eventId, seatIds } = await engine.createEvent({
      sections: [{ name: 'Free', kind: 'RESERVED', priceCents: 0, rows: 1, seatsPerRow: 4 }],
    });
    const customer = await engine.register();
    const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(0, 2) } });
    expect(held.body.reservation.amountCents).toBe(0);
    const res = await checkout(customer.token, held.body.reservation.id, TEST_CARDS.success);
    expect(res.status).toBe(200);
    expect(res.body.booking.amountCents).toBe(0);
    expect(await chargeRows(engine.db.pool, held.body.reservation.id)).toEqual([]);
  });

  test('support may not check out a customer\'s hold (support never pays)', async () => {
    const { reservationId } = await holdSeats(1);
    const support = await engine.register('support');
    const checkedOut = await checkout(support.token, reservationId, TEST_CARDS.success);
    expect(checkedOut.status).toBe(404);
    expect(await chargeRows(engine.db.pool, reservationId)).toEqual([]);
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('HELD');
  });

  test('a checkout Update with an input the workflow does not accept (sent by hand) is refused, and the hold carries on', async () => {
    const { customer, reservationId } = await holdSeats(1);
    const handle = await engine.workflowOf(reservationId);
    for (const bad of [null, {}, { paymentToken: 42 }, { paymentToken: 'x'.repeat(500) }]) {
      await expect(handle.executeUpdate(checkoutUpdate, { args: [bad as never] })).rejects.toMatchObject({ cause: { type: 'InvalidRequest' } });
    }
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('HELD');
    const paid = await checkout(customer.token, reservationId, TEST_CARDS.success);
    expect(paid.status).toBe(200);
  });

  test('a checkout may bring a payment method made in the browser (paymentMethodId) instead of a card', async () => {
    const { customer, reservationId } = await holdSeats(1);
    const { paymentToken } = await createSimulatedProvider(engine.db.pool, { slowMs: 0 }).tokenize({ number: TEST_CARDS.success });
    const paid = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: customer.token, body: { paymentMethodId: paymentToken } });
    expect(paid.status).toBe(200);
    expect(paid.body.reservation.status).toBe('CONFIRMED');
    const both = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: customer.token, body: { paymentMethodId: paymentToken, card: { number: TEST_CARDS.success } } });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
  });
});
