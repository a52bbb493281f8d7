import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { chargeRows, seatRows } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('lifecycle'); });
afterAll(async () => { await engine?.close(); });

const seatStates = async (seatIds: string[]) => (await seatRows(engine.db.pool, seatIds)).map(({ id, state, reservationId }) => ({ id, state, reservationId }));
const charges = async (reservationId: string) => (await chargeRows(engine.db.pool, reservationId)).map(({ status, amountCents }) => ({ status, amountCents }));

async function hold(token: string, body: object, headers: Record<string, string> = {}) {
  return engine.request('POST', '/api/reservations', { token, body, headers });
}
const reservationStatus = async (token: string, id: string) => (await engine.request('GET', `/api/reservations/${id}`, { token })).body.status;

describe('the reservation lifecycle', () => {
  test('a hold then checkout confirms the booking, sells the seats and charges once', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const alice = await engine.register();
    const held = await hold(alice.token, { eventId, seatIds: seatIds.slice(0, 2) });
    expect(held.status).toBe(201);
    expect(held.headers.get('location')).toBe(`/api/reservations/${held.body.reservation.id}`);
    expect(held.body.reservation).toMatchObject({ status: 'HELD', amountCents: 10000 });
    expect(Date.parse(held.body.reservation.holdExpiresAt)).toBeGreaterThan(Date.now() + 500_000);

    const paid = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, {
      token: alice.token, body: { card: { number: TEST_CARDS.success } },
    });
    expect(paid.status).toBe(200);
    expect(paid.body.booking.reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(paid.body.reservation.status).toBe('CONFIRMED');
    expect((await seatStates(seatIds.slice(0, 2))).map((s) => s.state)).toEqual(['SOLD', 'SOLD']);
    expect(await charges(held.body.reservation.id)).toEqual([{ status: 'SUCCEEDED', amountCents: 10000 }]);
    const bookings = await engine.request('GET', '/api/bookings', { token: alice.token });
    expect(bookings.body.items.map((b: { reference: string }) => b.reference)).toEqual([paid.body.booking.reference]);
  });

  test('a hold with a 2-second deadline expires and its seats are available again', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const bob = await engine.register();
    const held = await hold(bob.token, { eventId, seatIds: [seatIds[3]], holdSeconds: 2 });
    expect(held.status).toBe(201);
    expect((await seatStates([seatIds[3]]))[0].state).toBe('HELD');
    await eventually(async () => (await reservationStatus(bob.token, held.body.reservation.id)) === 'EXPIRED', 10_000, 'expiry');
    expect(await seatStates([seatIds[3]])).toEqual([{ id: seatIds[3], state: 'AVAILABLE', reservationId: null }]);
    const late = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, {
      token: bob.token, body: { card: { number: TEST_CARDS.success } },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('HOLD_EXPIRED');
    expect(await charges(held.body.reservation.id)).toEqual([]);
  });
});
