import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

/** An event's sales figures (GET /api/support/events/:eventId/stats) against the real engine, after a sale with every ending. */
let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('stats'); });
afterAll(async () => { await engine?.close(); });

describe('event statistics', () => {
  test('tickets sold, revenue, occupancy by section, holds converted against expired and cancelled, and the sale hour by hour', async () => {
    const { eventId, sectionIds, seatIds } = await engine.createEvent();
    const [stalls, floor] = sectionIds;
    const [ana, ben, cleo] = await Promise.all([engine.register(), engine.register(), engine.register()]);
    const staff = await engine.register('support');
    const hold = async (who: { token: string }, body: object, holdSeconds?: number) => {
      const res = await engine.request('POST', '/api/reservations', { token: who.token, body: { eventId, ...body, ...(holdSeconds ? { holdSeconds } : {}) } });
      expect(res.status).toBe(201);
      return res.body.reservation.id as string;
    };
    const pay = async (who: { token: string }, id: string) =>
      expect((await engine.request('POST', `/api/reservations/${id}/checkout`, { token: who.token, body: { card: { number: TEST_CARDS.success } } })).status).toBe(200);

    // sold: 2 stalls seats (2 × 50.00) and 3 floor places (3 × 20.00); live: 1 stalls seat; expired: 1; cancelled: 1
    await pay(ana, await hold(ana, { seatIds: seatIds.slice(0, 2) }));
    await pay(ben, await hold(ben, { sectionId: floor, quantity: 3 }));
    await hold(cleo, { seatIds: [seatIds[2]] });
    const expiring = await hold(cleo, { sectionId: floor, quantity: 1 }, 2);
    const cancelled = await hold(ben, { seatIds: [seatIds[3]] });
    expect((await engine.request('POST', `/api/reservations/${cancelled}/cancel`, { token: ben.token, body: {} })).status).toBe(202);
    const stats = async () => {
      const res = await engine.request('GET', `/api/support/events/${eventId}/stats`, { token: staff.token });
      expect(res.status).toBe(200);
      return res.body;
    };
    await eventually(async () => {
      const s = await stats();
      return s.reservations.EXPIRED === 1 && s.reservations.CANCELLED === 1;
    }, 15_000, `${expiring} expired and ${cancelled} cancelled`);

    const s = await stats();
    expect(s).toMatchObject({ eventId, ticketsSold: 5, revenueCents: 16_000, capacity: 20 + 30 + 5 });
    expect(s.occupancy).toBeCloseTo(5 / 55);
    expect(s.reservations).toEqual({ CONFIRMED: 2, HELD: 1, EXPIRED: 1, CANCELLED: 1 });
    expect(s.conversionRate).toBeCloseTo(2 / 4);
    const section = (id: string) => s.sections.find((x: { sectionId: string }) => x.sectionId === id);
    expect(section(stalls)).toMatchObject({ name: 'Stalls', capacity: 20, sold: 2, held: 1, available: 17, occupancy: 0.1 });
    expect(section(floor)).toMatchObject({ name: 'Floor', capacity: 30, sold: 3, held: 0, available: 27, occupancy: 0.1 });
    // the sale's hours (one, or two across an hour's turn): 5 holds, 2 bookings of 5 tickets
    type Hour = { hour: string; holds: number; bookings: number; tickets: number; revenueCents: number };
    const total = (key: keyof Omit<Hour, 'hour'>) => (s.timeline as Hour[]).reduce((sum, h) => sum + h[key], 0);
    expect([total('holds'), total('bookings'), total('tickets'), total('revenueCents')]).toEqual([5, 2, 5, 16_000]);
    expect(s.timeline.length).toBeLessThanOrEqual(2);
    expect(Date.now() - Date.parse(s.timeline[0].hour)).toBeLessThan(2 * 3_600_000);
    expect((await engine.request('GET', `/api/support/events/${eventId}/stats`, { token: ana.token })).status).toBe(403);
    expect((await engine.request('GET', '/api/support/events/00000000-0000-4000-8000-000000000000/stats', { token: staff.token })).status).toBe(404);
  });
});
