import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('concurrency'); });
afterAll(async () => { await engine?.close(); });

const workflowsOfEvent = async (eventId: string) => {
  const ids: string[] = [];
  for await (const wf of engine.client.workflow.list({ query: `WorkflowType="reservationWorkflow" AND BookingEventId="${eventId}"` })) ids.push(wf.workflowId);
  return ids;
};

describe('holds under contention', () => {
  test('50 concurrent holds on overlapping seats never hold a seat twice and start workflows only for the winners', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const buyers = await Promise.all(Array.from({ length: 50 }, () => engine.register()));
    // each buyer wants 2 adjacent seats out of the first 10: heavy overlap
    const wanted = buyers.map((_, i) => [seatIds[i % 10], seatIds[(i + 1) % 10]]);
    const results = await Promise.all(buyers.map((buyer, i) =>
      engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: wanted[i] } })));

    const winners = results.filter((r) => r.status === 201);
    const losers = results.filter((r) => r.status === 409);
    expect(winners.length + losers.length).toBe(50);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    expect(winners.length).toBeLessThanOrEqual(5);
    for (const loser of losers) {
      expect(loser.body.error.code).toBe('SEAT_TAKEN');
      expect(loser.body.error.details.seatIds.length).toBeGreaterThan(0);
    }
    const heldSeats = winners.flatMap((w) => w.body.reservation.seats.map((s: { id: string }) => s.id));
    expect(new Set(heldSeats).size).toBe(heldSeats.length);

    const rows = await engine.db.pool.any(sql.type(z.object({ id: z.string(), reservationId: z.string() }))`
      SELECT id, reservation_id AS "reservationId" FROM seats WHERE event_id = ${eventId} AND state = 'HELD'
    `);
    expect(rows.map((r) => r.id).sort()).toEqual([...heldSeats].sort());
    const winnerIds = winners.map((w) => `reservation-${w.body.reservation.id}`).sort();
    const started = await eventually(async () => {
      const ids = await workflowsOfEvent(eventId);
      return ids.length >= winnerIds.length ? ids : undefined;
    }, 10_000, 'visibility of the started workflows');
    expect(started.sort()).toEqual(winnerIds);
  });

  test('general admission holds by quantity share a section without overselling it', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    const floor = sectionIds[1]; // 30 places
    const buyers = await Promise.all(Array.from({ length: 20 }, () => engine.register()));
    const results = await Promise.all(buyers.map((buyer) =>
      engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, sectionId: floor, quantity: 2 } })));
    const winners = results.filter((r) => r.status === 201);
    expect(winners.length).toBe(15);
    for (const loser of results.filter((r) => r.status !== 201)) {
      expect(loser.status).toBe(409);
      expect(loser.body.error.code).toBe('SEAT_TAKEN');
    }
    const places = winners.flatMap((w) => w.body.reservation.seats.map((s: { id: string }) => s.id));
    expect(new Set(places).size).toBe(30);
    expect(winners.every((w) => w.body.reservation.amountCents === 4000)).toBe(true);
  });

  test('a retried hold with the same Idempotency-Key returns the same reservation instead of holding twice', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const buyer = await engine.register();
    const headers = { 'idempotency-key': 'double-click-0001' };
    const [a, b] = await Promise.all([
      engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: [seatIds[0]] }, headers }),
      engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: [seatIds[0]] }, headers }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.reservation.id).toBe(b.body.reservation.id);
    const count = await engine.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*) FROM reservations WHERE event_id = ${eventId}
    `);
    expect(count).toBe(1);

    // the same key for a different request is a client bug: refused, and nothing is held for it
    const other = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: [seatIds[1]] }, headers });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { header: 'Idempotency-Key', reservationId: a.body.reservation.id } });
    const seat = await engine.request('GET', `/api/events/${eventId}`);
    expect(seat.body.seats.find((s: { id: string }) => s.id === seatIds[1]).state).toBe('AVAILABLE');
    // the hold length is not part of what was asked: a retry with another one gets the same hold
    const reordered = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: [seatIds[0]], holdSeconds: 120 }, headers });
    expect(reordered.status).toBe(200);
    expect(reordered.body.reservation.id).toBe(a.body.reservation.id);
  });

  test('a seat whose hold deadline passed can be claimed again even though its workflow was lost', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const first = await engine.register();
    const held = await engine.request('POST', '/api/reservations', { token: first.token, body: { eventId, seatIds: [seatIds[5]] } });
    // let the seat's own deadline pass, and lose the workflow (as if it never started); a terminated
    // run's hold is released by the reconciler only while it is before its deadline, so this one is left to passive expiry
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = ${seatIds[5]}`);
    await (await engine.workflowOf(held.body.reservation.id)).terminate('simulating a lost workflow');
    const event = await engine.request('GET', `/api/events/${eventId}`);
    expect(event.body.seats.find((s: { id: string }) => s.id === seatIds[5]).state).toBe('AVAILABLE');
    expect((await engine.request('GET', `/api/reservations/${held.body.reservation.id}`, { token: first.token })).body.status).toBe('EXPIRED');

    const second = await engine.register();
    const again = await engine.request('POST', '/api/reservations', { token: second.token, body: { eventId, seatIds: [seatIds[5]] } });
    expect(again.status).toBe(201);
  });

  test('general admission places of a hold past its own deadline are claimed again, and a sold-out section answers 409', async () => {
    const { eventId, sectionIds } = await engine.createEvent();
    const floor = sectionIds[1]; // 30 places
    const buyers = await Promise.all(Array.from({ length: 16 }, () => engine.register()));
    const hold = (i: number, quantity: number) =>
      engine.request('POST', '/api/reservations', { token: buyers[i].token, body: { eventId, sectionId: floor, quantity } });
    const first = await Promise.all(Array.from({ length: 15 }, (_, i) => hold(i, 2)));
    expect(first.map((r) => r.status)).toEqual(Array(15).fill(201));
    const soldOut = await hold(15, 2);
    expect(soldOut.status).toBe(409);
    expect(soldOut.body.error).toMatchObject({ code: 'SEAT_TAKEN', details: { requested: 2, available: 0 } });

    // one hold's places pass their own deadline (its workflow did not end it): they are claimable
    const lapsed = first[3].body.reservation;
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE reservation_id = ${lapsed.id}`);
    const again = await hold(15, 2);
    expect(again.status).toBe(201);
    expect(again.body.reservation.seats.map((s: { id: string }) => s.id).sort()).toEqual(lapsed.seats.map((s: { id: string }) => s.id).sort());
    const owners = await engine.db.pool.anyFirst(sql.type(z.object({ reservationId: z.string() }))`
      SELECT reservation_id AS "reservationId" FROM seats WHERE section_id = ${floor} AND state = 'HELD'`);
    expect(owners).toHaveLength(30);
    expect(owners.filter((id) => id === lapsed.id)).toEqual([]);
  });
});
