import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('ticket_limits'); });
afterAll(async () => { await engine?.close(); });

type Buyer = { token: string; customerId: string };
type HoldBody = { seatIds: string[] } | { sectionId: string; quantity: number };

const hold = (buyer: Buyer, eventId: string, body: HoldBody, options: { key?: string; holdSeconds?: number } = {}) =>
  engine.request('POST', '/api/reservations', {
    token: buyer.token,
    body: { eventId, ...body, ...(options.holdSeconds ? { holdSeconds: options.holdSeconds } : {}) },
    headers: options.key ? { 'idempotency-key': options.key } : {},
  });

/** An event with a limit, its GA floor (30 places) and its reserved seats (25). */
async function limitedEvent(maxTicketsPerCustomer: number | null = 4) {
  const { eventId, sectionIds, seatIds } = await engine.createEvent({ maxTicketsPerCustomer });
  return { eventId, floor: sectionIds[1], seatIds };
}

/** PostgreSQL's truth: the customer's reservations of the event, and the seats each one holds or bought. */
const reservationsOf = (customerId: string, eventId: string) =>
  engine.db.pool.any(sql.type(z.object({ id: z.string(), status: z.string(), seatCount: z.number(), seatsOwned: z.number() }))`
    SELECT r.id, r.status, r.seat_count AS "seatCount",
           (SELECT count(*) FROM seats s WHERE s.reservation_id = r.id AND s.state IN ('HELD', 'SOLD')) AS "seatsOwned"
    FROM reservations r WHERE r.customer_id = ${customerId} AND r.event_id = ${eventId} ORDER BY r.created_at
  `);

const seatsOwnedBy = (customerId: string, eventId: string) =>
  engine.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*) FROM seats s JOIN reservations r ON r.id = s.reservation_id
    WHERE r.customer_id = ${customerId} AND s.event_id = ${eventId} AND s.state IN ('HELD', 'SOLD')
  `);

const statuses = (results: { status: number }[]) => results.map((r) => r.status).sort();

describe('per-customer ticket limits', () => {
  test('the event says its limit, and an event without one says null', async () => {
    const limited = await limitedEvent(4);
    const unlimited = await limitedEvent(null);
    expect((await engine.request('GET', `/api/events/${limited.eventId}`)).body.maxTicketsPerCustomer).toBe(4);
    expect((await engine.request('GET', `/api/events/${unlimited.eventId}`)).body.maxTicketsPerCustomer).toBeNull();
    const listed = await engine.request('GET', `/api/events?pageSize=100`);
    expect(listed.body.items.find((e: { id: string }) => e.id === limited.eventId).maxTicketsPerCustomer).toBe(4);
  });

  test('one customer sending 5 concurrent general-admission holds of 2 places with a limit of 4 gets exactly 2 holds', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const buyer = await engine.register();
    const results = await Promise.all(Array.from({ length: 5 }, () => hold(buyer, eventId, { sectionId: floor, quantity: 2 })));

    expect(statuses(results)).toEqual([201, 201, 409, 409, 409]);
    for (const refused of results.filter((r) => r.status === 409)) {
      expect(refused.body.error).toMatchObject({
        code: 'TICKET_LIMIT_REACHED',
        details: { limit: 4, held: 4, booked: 0, requested: 2, remaining: 0 },
      });
    }
    const rows = await reservationsOf(buyer.customerId, eventId);
    expect(rows.map((r) => [r.status, r.seatCount, r.seatsOwned])).toEqual([['HELD', 2, 2], ['HELD', 2, 2]]);
    expect(rows.map((r) => r.id).sort()).toEqual(results.filter((r) => r.status === 201).map((r) => r.body.reservation.id).sort());
    expect(await seatsOwnedBy(buyer.customerId, eventId)).toBe(4);
    // the refusals wrote nothing (a request to start a workflow needs a reservation row)
    const written = await engine.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*) FROM reservations WHERE event_id = ${eventId}`);
    expect(written).toBe(2);
  });

  test('one customer sending 5 concurrent reserved-seat holds of 2 seats with a limit of 4 gets exactly 2, and the refused seats stay available', async () => {
    const { eventId, seatIds } = await limitedEvent(4);
    const buyer = await engine.register();
    const pairs = Array.from({ length: 5 }, (_, i) => [seatIds[2 * i], seatIds[2 * i + 1]]);
    const results = await Promise.all(pairs.map((seats) => hold(buyer, eventId, { seatIds: seats })));

    expect(statuses(results)).toEqual([201, 201, 409, 409, 409]);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(3).fill('TICKET_LIMIT_REACHED'));
    const rows = await reservationsOf(buyer.customerId, eventId);
    expect(rows.map((r) => [r.status, r.seatCount, r.seatsOwned])).toEqual([['HELD', 2, 2], ['HELD', 2, 2]]);
    const won = new Set(results.filter((r) => r.status === 201).flatMap((r) => r.body.reservation.seats.map((s: { id: string }) => s.id)));
    const states = await engine.db.pool.any(sql.type(z.object({ id: z.string(), state: z.string() }))`
      SELECT id, state FROM seats WHERE id = ANY(${sql.array(pairs.flat(), 'uuid')})`);
    for (const seat of states) expect([seat.id, seat.state]).toEqual([seat.id, won.has(seat.id) ? 'HELD' : 'AVAILABLE']);
    expect(won.size).toBe(4);
  });

  test('a hold that alone asks for more than the limit is refused, and one that fits is not', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const buyer = await engine.register();
    const tooMany = await hold(buyer, eventId, { sectionId: floor, quantity: 5 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error).toMatchObject({ code: 'TICKET_LIMIT_REACHED', details: { limit: 4, held: 0, booked: 0, requested: 5, remaining: 4 } });
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 3 })).status).toBe(201);
    const over = await hold(buyer, eventId, { sectionId: floor, quantity: 2 });
    expect(over.body.error).toMatchObject({ code: 'TICKET_LIMIT_REACHED', details: { held: 3, remaining: 1, requested: 2 } });
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 1 })).status).toBe(201);
    expect(await seatsOwnedBy(buyer.customerId, eventId)).toBe(4);
  });

  test('customers are limited independently, and a limit of one event does not touch another', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const other = await limitedEvent(null);
    const buyers = await Promise.all([engine.register(), engine.register()]);
    const results = await Promise.all(buyers.flatMap((buyer) => Array.from({ length: 3 }, () => hold(buyer, eventId, { sectionId: floor, quantity: 2 }))));
    expect(statuses(results.slice(0, 3))).toEqual([201, 201, 409]);
    expect(statuses(results.slice(3))).toEqual([201, 201, 409]);
    for (const buyer of buyers) expect(await seatsOwnedBy(buyer.customerId, eventId)).toBe(4);

    // the same customer, at their limit on the first event, holds freely on an event without one
    const elsewhere = await Promise.all(Array.from({ length: 5 }, () => hold(buyers[0], other.eventId, { sectionId: other.floor, quantity: 2 })));
    expect(statuses(elsewhere)).toEqual([201, 201, 201, 201, 201]);
    expect(await seatsOwnedBy(buyers[0].customerId, other.eventId)).toBe(10);
  });

  test('the limit frees up when a hold is cancelled', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const buyer = await engine.register();
    const first = await hold(buyer, eventId, { sectionId: floor, quantity: 4 });
    expect(first.status).toBe(201);
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 1 })).body.error?.code).toBe('TICKET_LIMIT_REACHED');

    const cancelled = await engine.request('POST', `/api/reservations/${first.body.reservation.id}/cancel`, { token: buyer.token, body: {} });
    expect(cancelled.status).toBe(202);
    await eventually(async () => (await reservationRow(engine.db.pool, first.body.reservation.id)).status === 'CANCELLED', 10_000, 'the cancellation');
    const again = await hold(buyer, eventId, { sectionId: floor, quantity: 4 });
    expect(again.status).toBe(201);
    expect((await reservationsOf(buyer.customerId, eventId)).map((r) => [r.status, r.seatsOwned])).toEqual([['CANCELLED', 0], ['HELD', 4]]);
  });

  test('the limit frees up when a hold expires, by its workflow\'s timer or past its seats\' own deadline', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const buyer = await engine.register();
    const short = await hold(buyer, eventId, { sectionId: floor, quantity: 2 }, { holdSeconds: 2 });
    const long = await hold(buyer, eventId, { sectionId: floor, quantity: 2 });
    expect([short.status, long.status]).toEqual([201, 201]);
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 2 })).body.error?.code).toBe('TICKET_LIMIT_REACHED');

    // the workflow's timer ends the short hold
    await eventually(async () => (await reservationRow(engine.db.pool, short.body.reservation.id)).status === 'EXPIRED', 15_000, 'the expiry');
    const afterTimer = await hold(buyer, eventId, { sectionId: floor, quantity: 2 });
    expect(afterTimer.status).toBe(201);

    // passive expiry: the long hold's seats pass their own deadline while its row still says HELD
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 1 })).body.error?.code).toBe('TICKET_LIMIT_REACHED');
    await engine.db.pool.query(sql.typeAlias('void')`
      UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE reservation_id = ${long.body.reservation.id}`);
    expect((await reservationRow(engine.db.pool, long.body.reservation.id)).status).toBe('HELD');
    const afterDeadline = await hold(buyer, eventId, { sectionId: floor, quantity: 2 });
    expect(afterDeadline.status).toBe(201);
  });

  test('a hold being paid and a confirmed booking count against the limit', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const buyer = await engine.register();
    const first = await hold(buyer, eventId, { sectionId: floor, quantity: 2 });
    const id = first.body.reservation.id;
    // a card that settles slowly (PAYMENT_SLOW_MS, 2.5 s in tests) keeps the reservation PAYING meanwhile
    const checkout = engine.request('POST', `/api/reservations/${id}/checkout`, { token: buyer.token, body: { card: { number: '4000000000000259' } } });
    await eventually(async () => (await reservationRow(engine.db.pool, id)).status === 'PAYING', 10_000, 'the payment in flight');
    const whilePaying = await hold(buyer, eventId, { sectionId: floor, quantity: 3 });
    expect(whilePaying.body.error).toMatchObject({ code: 'TICKET_LIMIT_REACHED', details: { held: 2, booked: 0, requested: 3 } });

    expect((await checkout).status).toBe(200);
    expect((await reservationRow(engine.db.pool, id)).status).toBe('CONFIRMED');
    const afterBooking = await hold(buyer, eventId, { sectionId: floor, quantity: 3 });
    expect(afterBooking.body.error).toMatchObject({ code: 'TICKET_LIMIT_REACHED', details: { held: 0, booked: 2, requested: 3, remaining: 2 } });
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 2 })).status).toBe(201);
    expect((await reservationsOf(buyer.customerId, eventId)).map((r) => [r.status, r.seatsOwned])).toEqual([['CONFIRMED', 2], ['HELD', 2]]);
  });

  test('a replayed Idempotency-Key returns its hold even at the limit, and twins sent at once get one hold', async () => {
    const { eventId, floor } = await limitedEvent(4);
    const buyer = await engine.register();
    const first = await hold(buyer, eventId, { sectionId: floor, quantity: 4 }, { key: 'limit-replay-0001' });
    expect(first.status).toBe(201);
    const replay = await hold(buyer, eventId, { sectionId: floor, quantity: 4 }, { key: 'limit-replay-0001' });
    expect(replay.status).toBe(200);
    expect(replay.body.reservation.id).toBe(first.body.reservation.id);
    // a new key is over the limit; the old key for another request is still a reused key, not a limit
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 4 }, { key: 'limit-replay-0002' })).body.error?.code).toBe('TICKET_LIMIT_REACHED');
    expect((await hold(buyer, eventId, { sectionId: floor, quantity: 1 }, { key: 'limit-replay-0001' })).body.error?.code).toBe('IDEMPOTENCY_KEY_REUSED');

    // twins with one key asking for the whole limit at once: the one that waited for the other's lock is a replay, not a refusal
    for (let round = 0; round < 5; round++) {
      const twin = await engine.register();
      const key = `limit-twins-${round}`;
      const [a, b] = await Promise.all([hold(twin, eventId, { sectionId: floor, quantity: 4 }, { key }), hold(twin, eventId, { sectionId: floor, quantity: 4 }, { key })]);
      expect(statuses([a, b])).toEqual([200, 201]);
      expect(a.body.reservation.id).toBe(b.body.reservation.id);
      expect((await reservationsOf(twin.customerId, eventId)).map((r) => [r.status, r.seatsOwned])).toEqual([['HELD', 4]]);
    }
  });
});
