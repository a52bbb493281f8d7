import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { giveEventToTenant } from '../helpers/queries.ts';

/**
 * A tenant's figures across all its events (GET /api/organizer/stats) against the real engine:
 * after a sale with every ending a customer can give it (bought, expired, cancelled, refunded,
 * still held), for the tenant's organizer, its app and an admin; nothing of another tenant's.
 */
let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('orgstats-api'); });
afterAll(async () => { await engine?.close(); });

type Caller = { token: string };
const get = (who: Caller, path: string) => engine.request('GET', path, { token: who.token });

/** An event (the test layout: 20 stalls at 50.00, 30 floor places at 20.00, 5 free balcony seats) of the tenant. */
async function tenantEvent(tenantId: string, spec: { name: string; days: number; status?: 'DRAFT' }) {
  const created = await engine.createEvent({ name: spec.name, startsAt: new Date(Date.now() + spec.days * 86_400_000) });
  await giveEventToTenant(engine.db.pool, created.eventId, tenantId, spec.status);
  return created;
}

async function hold(who: Caller, body: object): Promise<string> {
  const res = await engine.request('POST', '/api/reservations', { token: who.token, body });
  expect(res.status).toBe(201);
  return res.body.reservation.id;
}
async function pay(who: Caller, reservationId: string): Promise<string> {
  const res = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: who.token, body: { card: { number: TEST_CARDS.success } } });
  expect(res.status).toBe(200);
  return res.body.booking.reference;
}

describe('statistics across a tenant\'s events', () => {
  test('totals, each event, holds by ending and the sale day by day, for the tenant only', async () => {
    const [tenantA, tenantB] = [await engine.createTenant(), await engine.createTenant()];
    const [organizerA, organizerB, admin, support] = [
      await engine.register('organizer', { tenantId: tenantA }), await engine.register('organizer', { tenantId: tenantB }),
      await engine.register('admin'), await engine.register('support'),
    ];
    const first = await tenantEvent(tenantA, { name: 'A first night', days: 7 });
    const second = await tenantEvent(tenantA, { name: 'A second night', days: 14 });
    const draft = await tenantEvent(tenantA, { name: 'A draft', days: 21, status: 'DRAFT' });
    const other = await tenantEvent(tenantB, { name: 'B only night', days: 7 });
    const [ana, ben, cleo, dan, eve] = await Promise.all([1, 2, 3, 4, 5].map(() => engine.register()));

    // tenant A: bought 2 stalls seats (2 × 50.00) and 3 floor places (3 × 20.00); one seat still held;
    // one hold expires, one is cancelled, one booking (a stalls seat) is refunded
    await pay(ana, await hold(ana, { eventId: first.eventId, seatIds: first.seatIds.slice(0, 2) }));
    await pay(ben, await hold(ben, { eventId: second.eventId, sectionId: second.sectionIds[1], quantity: 3 }));
    await hold(cleo, { eventId: first.eventId, seatIds: [first.seatIds[2]] });
    await hold(cleo, { eventId: second.eventId, sectionId: second.sectionIds[1], quantity: 1, holdSeconds: 2 });
    const cancelled = await hold(ben, { eventId: first.eventId, seatIds: [first.seatIds[3]] });
    expect((await engine.request('POST', `/api/reservations/${cancelled}/cancel`, { token: ben.token, body: {} })).status).toBe(202);
    const refunded = await pay(dan, await hold(dan, { eventId: second.eventId, seatIds: [second.seatIds[0]] }));
    expect([200, 202]).toContain((await engine.request('POST', `/api/bookings/${refunded}/cancel`, { token: dan.token, body: {} })).status);
    // tenant B: one stalls seat
    await pay(eve, await hold(eve, { eventId: other.eventId, seatIds: [other.seatIds[0]] }));

    const statsOf = async (who: Caller, query = '') => {
      const res = await get(who, `/api/organizer/stats${query}`);
      expect(res.status).toBe(200);
      return res.body;
    };
    await eventually(async () => {
      const { holds } = (await statsOf(organizerA)).totals;
      return holds.expired === 1 && holds.cancelled === 1 && holds.refunded === 1;
    }, 20_000, 'the hold expired, the other cancelled and the booking refunded');

    const a = await statsOf(organizerA);
    expect(a.tenantId).toBe(tenantA);
    expect(a.totals).toMatchObject({
      events: 3, capacity: 3 * 55, ticketsSold: 5, revenueCents: 16_000,
      holds: { converted: 2, expired: 1, cancelled: 1, failed: 0, refunded: 1, live: 1 },
    });
    expect(a.totals.occupancy).toBeCloseTo(5 / 165);
    // converted (with the refunded booking) of the holds that are over
    expect(a.totals.conversionRate).toBeCloseTo(3 / 5);
    // by date, with each event's own figures
    expect(a.events.map((e: { eventId: string }) => e.eventId)).toEqual([first.eventId, second.eventId, draft.eventId]);
    expect(a.events[0]).toMatchObject({ name: 'A first night', status: 'ON_SALE', capacity: 55, sold: 2, revenueCents: 10_000 });
    expect(a.events[1]).toMatchObject({ name: 'A second night', status: 'ON_SALE', capacity: 55, sold: 3, revenueCents: 6_000 });
    expect(a.events[2]).toMatchObject({ name: 'A draft', status: 'DRAFT', capacity: 55, sold: 0, revenueCents: 0, occupancy: 0 });
    expect(a.events[0].occupancy).toBeCloseTo(2 / 55);
    expect(Date.parse(a.events[0].startsAt)).toBeGreaterThan(Date.now());
    // the sale's days (today, or two across midnight UTC): 6 holds, 2 bookings that stand, of 5 tickets
    type Day = { day: string; holds: number; bookings: number; tickets: number; revenueCents: number };
    const total = (key: keyof Omit<Day, 'day'>) => (a.timeline as Day[]).reduce((sum, d) => sum + d[key], 0);
    expect([total('holds'), total('bookings'), total('tickets'), total('revenueCents')]).toEqual([6, 2, 5, 16_000]);
    expect(a.timeline.length).toBeLessThanOrEqual(2);
    expect(a.timeline.at(-1).day).toBe(new Date().toISOString().slice(0, 10));

    // an admin reads any tenant's, by its id; the tenant's app its own
    expect(await statsOf(admin, `?tenantId=${tenantA}`)).toMatchObject({ tenantId: tenantA, totals: a.totals, events: a.events });
    const app = await engine.request('POST', `/api/admin/tenants/${tenantA}/apps`, { token: admin.token, body: { name: 'Box office' } });
    expect(app.status).toBe(201);
    expect((await statsOf({ token: app.body.key })).totals).toEqual(a.totals);

    // tenant B sees its own sale only, and nothing of A's
    const b = await statsOf(organizerB);
    expect(b.totals).toMatchObject({ events: 1, capacity: 55, ticketsSold: 1, revenueCents: 5_000, holds: { converted: 1, expired: 0, cancelled: 0, refunded: 0, live: 0 } });
    expect(b.events.map((e: { eventId: string }) => e.eventId)).toEqual([other.eventId]);
    expect(await statsOf(organizerB, `?tenantId=${tenantB}`)).toMatchObject({ tenantId: tenantB });
    const refusal = await get(organizerB, `/api/organizer/stats?tenantId=${tenantA}`);
    expect([refusal.status, refusal.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await get({ token: app.body.key }, `/api/organizer/stats?tenantId=${tenantB}`)).status).toBe(404);

    // refusals, in the error shape
    const withoutTenant = await get(admin, '/api/organizer/stats');
    expect([withoutTenant.status, withoutTenant.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(withoutTenant.body.error.details.issues[0].path).toBe('query.tenantId');
    expect((await get(admin, '/api/organizer/stats?tenantId=not-a-uuid')).status).toBe(400);
    expect((await get(admin, '/api/organizer/stats?tenantId=00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get(support, '/api/organizer/stats')).status).toBe(403);
    expect((await get(ana, '/api/organizer/stats')).status).toBe(403);
    expect((await engine.request('GET', '/api/organizer/stats')).status).toBe(401);
  });

  test('a tenant without events has zeros, no conversion rate and no days', async () => {
    const tenant = await engine.createTenant();
    const organizer = await engine.register('organizer', { tenantId: tenant });
    const res = await get(organizer, '/api/organizer/stats');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tenantId: tenant, events: [], timeline: [],
      totals: { events: 0, capacity: 0, ticketsSold: 0, revenueCents: 0, occupancy: 0, conversionRate: null, holds: { converted: 0, live: 0 } },
    });
  });
});
