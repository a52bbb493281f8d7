import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { checkoutUpdate } from '../../workflows/messages.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

/**
 * Discount codes against the real engine: staff create them, customers check them, checkout
 * applies them (the charge is the price minus the discount, recorded in the workflow's checkout
 * input), and the usage limit holds under concurrent checkouts.
 */
let engine: TestEngine;
let staff: { token: string };
beforeAll(async () => {
  engine = await startTestEngine('discounts');
  staff = await engine.register('support');
});
afterAll(async () => { await engine?.close(); });

type Buyer = { token: string; customerId: string };
const createCode = (eventId: string, body: Record<string, unknown>) =>
  engine.request('POST', `/api/support/events/${eventId}/discount-codes`, { token: staff.token, body });
/** A hold of `quantity` places of the event's GA floor (20.00 each). */
async function holdFloor(buyer: Buyer, eventId: string, floor: string, quantity = 1): Promise<string> {
  const held = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, sectionId: floor, quantity } });
  expect(held.status).toBe(201);
  return held.body.reservation.id;
}
const checkout = (buyer: Buyer, reservationId: string, discountCode?: string, card: string = TEST_CARDS.success) =>
  engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: buyer.token, body: { card: { number: card }, ...(discountCode ? { discountCode } : {}) } });

/** What the provider took for the reservation, from its own records. */
const charged = (reservationId: string) => engine.db.pool.oneFirst(sql.type(z.object({ sum: z.number() }))`
  SELECT COALESCE(sum(amount_cents), 0)::int AS sum FROM payment_charges WHERE reservation_id = ${reservationId} AND status = 'SUCCEEDED'
`);

describe('discount codes', () => {
  test('staff create a percentage code; a customer checks it and pays the price minus it; the workflow records the discount with the checkout', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    const created = await createCode(eventId, { code: 'spring25', kind: 'PERCENT', value: 25 });
    expect(created.status).toBe(201);
    expect(created.body.discountCode).toMatchObject({ code: 'SPRING25', kind: 'PERCENT', value: 25, uses: 0, maxUses: null, createdBy: expect.stringMatching(/^support:/) });

    const buyer = await engine.register();
    const quote = await engine.request('GET', `/api/events/${eventId}/discount-codes/Spring25?amountCents=4000`, { token: buyer.token });
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ code: 'SPRING25', usable: true, refusal: null, amountCents: 4000, discountCents: 1000 });

    const reservationId = await holdFloor(buyer, eventId, sectionIds[1], 2);
    const paid = await checkout(buyer, reservationId, 'spring25');
    expect(paid.status).toBe(200);
    expect(paid.body.discount).toEqual({ code: 'SPRING25', discountCents: 1000, amountDueCents: 3000 });
    expect(paid.body.booking.amountCents).toBe(3000);
    expect(await charged(reservationId)).toBe(3000);

    // the checkout Update's input in the workflow's history carries the discount
    const history = await (await engine.workflowOf(reservationId)).fetchHistory();
    const inputs = (history.events ?? []).flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? [])
      .map((p) => JSON.parse(Buffer.from(p.data!).toString('utf8')));
    expect(inputs).toEqual([expect.objectContaining({ discount: { code: 'SPRING25', discountCents: 1000, amountDueCents: 3000 } })]);

    const listed = await engine.request('GET', `/api/support/events/${eventId}/discount-codes`, { token: staff.token });
    expect(listed.body.items).toEqual([expect.objectContaining({ code: 'SPRING25', uses: 1 })]);
  });

  test('a fixed amount larger than the price makes the booking free, and nothing is charged', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    expect((await createCode(eventId, { code: 'COMP', kind: 'FIXED', value: 100_000 })).status).toBe(201);
    const buyer = await engine.register();
    const reservationId = await holdFloor(buyer, eventId, sectionIds[1]);
    const paid = await checkout(buyer, reservationId, 'COMP');
    expect(paid.status).toBe(200);
    expect(paid.body.discount).toEqual({ code: 'COMP', discountCents: 2000, amountDueCents: 0 });
    expect(paid.body.booking.amountCents).toBe(0);
    expect(await charged(reservationId)).toBe(0);
  });

  test('a code with 2 uses and 5 customers checking out with it at once: exactly 2 pay less, 3 are refused with nothing charged and keep their holds', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    expect((await createCode(eventId, { code: 'FIRST2', kind: 'FIXED', value: 500, maxUses: 2 })).status).toBe(201);
    const buyers = await Promise.all(Array.from({ length: 5 }, () => engine.register()));
    const holds = await Promise.all(buyers.map((b) => holdFloor(b, eventId, sectionIds[1])));
    const results = await Promise.all(buyers.map((b, i) => checkout(b, holds[i], 'FIRST2')));

    expect(results.map((r) => [r.status, r.body.error?.code]).sort()).toEqual([[200, undefined], [200, undefined], [409, "DISCOUNT_CODE_REFUSED"], [409, "DISCOUNT_CODE_REFUSED"], [409, "DISCOUNT_CODE_REFUSED"]]);
    for (const [i, r] of results.entries()) {
      if (r.status === 200) {
        expect(r.body.booking.amountCents).toBe(1500);
        expect(await charged(holds[i])).toBe(1500);
      } else {
        expect(r.body.error).toMatchObject({ code: 'DISCOUNT_CODE_REFUSED', details: { refusal: 'USED_UP', code: 'FIRST2' } });
        expect(await charged(holds[i])).toBe(0);
        expect((await engine.request('GET', `/api/reservations/${holds[i]}`, { token: buyers[i].token })).body.status).toBe('HELD');
      }
    }
    const quote = await engine.request('GET', `/api/events/${eventId}/discount-codes/FIRST2`, { token: buyers[0].token });
    expect(quote.body).toMatchObject({ usable: false, refusal: 'USED_UP' });
  });

  test('a hold that ends gives its use back: after a cancellation the code is usable again', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    expect((await createCode(eventId, { code: 'ONLY1', kind: 'PERCENT', value: 50, maxUses: 1 })).status).toBe(201);
    const [ana, ben] = await Promise.all([engine.register(), engine.register()]);
    const anaHold = await holdFloor(ana, eventId, sectionIds[1]);
    // Ana's card is declined: the code stays on her hold, and so does its use
    expect((await checkout(ana, anaHold, 'ONLY1', TEST_CARDS.declined)).status).toBe(402);
    const benHold = await holdFloor(ben, eventId, sectionIds[1]);
    expect((await checkout(ben, benHold, 'ONLY1')).body.error.details.refusal).toBe('USED_UP');

    expect((await engine.request('POST', `/api/reservations/${anaHold}/cancel`, { token: ana.token, body: {} })).status).toBe(202);
    let paid: Awaited<ReturnType<typeof checkout>> | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      paid = await checkout(ben, benHold, 'ONLY1');
      if (paid.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(paid?.status).toBe(200);
    expect(paid?.body.booking.amountCents).toBe(1000);
  });

  test('refusals: an unknown code, a code of another event, a window not open yet or closed, a duplicate, and bad bodies, each with its error', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    const other = await engine.createEvent();
    const hour = 3_600_000;
    expect((await createCode(other.eventId, { code: 'ELSEWHERE', kind: 'PERCENT', value: 10 })).status).toBe(201);
    expect((await createCode(eventId, { code: 'LATER', kind: 'PERCENT', value: 10, validFrom: new Date(Date.now() + hour).toISOString() })).status).toBe(201);
    expect((await createCode(eventId, { code: 'GONE', kind: 'PERCENT', value: 10, validUntil: new Date(Date.now() - hour).toISOString(), validFrom: new Date(Date.now() - 2 * hour).toISOString() })).status).toBe(201);

    const dup = await createCode(eventId, { code: 'later', kind: 'FIXED', value: 1 });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('DISCOUNT_CODE_TAKEN');
    for (const body of [{ code: 'X', kind: 'PERCENT', value: 10 }, { code: 'BIG', kind: 'PERCENT', value: 150 }, { code: 'NEG', kind: 'FIXED', value: -5 },
      { code: 'WIN', kind: 'FIXED', value: 5, validFrom: '2030-01-02T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }, { code: 'EXTRA', kind: 'FIXED', value: 5, uses: 3 }]) {
      const refused = await createCode(eventId, body);
      expect([refused.status, refused.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }

    const buyer = await engine.register();
    const reservationId = await holdFloor(buyer, eventId, sectionIds[1]);
    const cases: Array<[string, number, string, string | undefined]> = [
      ['NOPE', 422, 'DISCOUNT_CODE_UNKNOWN', undefined],
      ['ELSEWHERE', 422, 'DISCOUNT_CODE_UNKNOWN', undefined],
      ['LATER', 409, 'DISCOUNT_CODE_REFUSED', 'NOT_YET_VALID'],
      ['GONE', 409, 'DISCOUNT_CODE_REFUSED', 'EXPIRED'],
    ];
    for (const [code, status, error, refusal] of cases) {
      const res = await checkout(buyer, reservationId, code);
      expect([code, res.status, res.body.error.code, res.body.error.details.refusal]).toEqual([code, status, error, refusal]);
    }
    expect(await charged(reservationId)).toBe(0);
    expect((await engine.request('GET', `/api/events/${eventId}/discount-codes/NOPE`, { token: buyer.token })).status).toBe(404);
    expect((await engine.request('GET', `/api/events/${eventId}/discount-codes/GONE`, { token: buyer.token })).body).toMatchObject({ usable: false, refusal: 'EXPIRED' });
    // a customer may check codes, not make them
    expect((await engine.request('POST', `/api/support/events/${eventId}/discount-codes`, { token: buyer.token, body: { code: 'MINE', kind: 'FIXED', value: 1 } })).status).toBe(403);
    // and still pays in full without a code
    expect((await checkout(buyer, reservationId)).body.booking.amountCents).toBe(2000);
  });

  test("an organizer makes a code for their tenant's event and sees its live sales; another tenant's organizer gets 404", async () => {
    const tenantId = await engine.createTenant();
    const [organizer, rival] = [await engine.register('organizer', { tenantId }), await engine.register('organizer')];
    const { eventId, sectionIds } = await engine.createEvent();
    // the event (and its venue) become the tenant's
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE venues SET tenant_id = ${tenantId} WHERE id = (SELECT venue_id FROM events WHERE id = ${eventId})`);
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE events SET tenant_id = ${tenantId} WHERE id = ${eventId}`);
    const made = await engine.request('POST', `/api/organizer/events/${eventId}/discount-codes`, { token: organizer.token, body: { code: 'ORGANIZER5', kind: 'FIXED', value: 500 } });
    expect(made.status).toBe(201);
    expect(made.body.discountCode).toMatchObject({ code: 'ORGANIZER5', createdBy: `organizer:${organizer.email}` });

    const buyer = await engine.register();
    const paid = await checkout(buyer, await holdFloor(buyer, eventId, sectionIds[1]), 'ORGANIZER5');
    expect(paid.body.booking.amountCents).toBe(1500);
    const stats = await engine.request('GET', `/api/organizer/events/${eventId}/stats`, { token: organizer.token });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ eventId, ticketsSold: 1, revenueCents: 1500 });
    const codes = await engine.request('GET', `/api/organizer/events/${eventId}/discount-codes`, { token: organizer.token });
    expect(codes.body.items).toEqual([expect.objectContaining({ code: 'ORGANIZER5', uses: 1 })]);

    for (const [method, path] of [['GET', 'stats'], ['GET', 'discount-codes'], ['POST', 'discount-codes']]) {
      const refused = await engine.request(method, `/api/organizer/events/${eventId}/${path}`, { token: rival.token, body: method === 'POST' ? { code: 'RIVAL', kind: 'FIXED', value: 1 } : undefined });
      expect([method, path, refused.status]).toEqual([method, path, 404]);
    }
    expect((await engine.request('GET', `/api/organizer/events/${eventId}/discount-codes`, { token: organizer.token })).body.items).toHaveLength(1);
  });

  test('a checkout Update with a discount the workflow does not accept (sent by hand) is refused, and the hold carries on', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    const buyer = await engine.register();
    const reservationId = await holdFloor(buyer, eventId, sectionIds[1]);
    const handle = await engine.workflowOf(reservationId);
    for (const discount of [null, 'TEN', { code: 'lower', discountCents: 1, amountDueCents: 1 }, { code: 'OK1', discountCents: -1, amountDueCents: 1 }, { code: 'OK1', discountCents: 1.5, amountDueCents: 1 }]) {
      await expect(handle.executeUpdate(checkoutUpdate, { args: [{ paymentToken: 'tok_test', discount } as never] }))
        .rejects.toMatchObject({ cause: { type: 'InvalidRequest', message: expect.stringMatching(/discount/) } });
    }
    expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('HELD');
    expect((await checkout(buyer, reservationId)).status).toBe(200);
  });
});
