import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

/**
 * GET /api/organizer/events/:eventId/reservations (issue 10): an event's reservations for its
 * tenant's organizers, newest first and paged, each with the customer, its seats or places, the
 * amount, and a link to its workflow in the Temporal Web UI. Another tenant's event is a 404.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let organizer: Account;
let otherTenant: Account;
let buyer: Account;
let eventId: string;
let otherEventId: string;
let seats: Array<{ id: string; label: string }>;
let floorId: string;
const UI = 'http://temporal-ui.example:8080';

type Row = {
  id: string; status: string; customerEmail: string; seats: Array<{ label: string; sectionId: string; sectionName: string }>; quantity: number;
  amountCents: number; createdAt: string; holdExpiresAt: string; bookingReference: string | null; workflowId: string; temporalUiUrl: string | null;
};
type Page = { items: Row[]; page: number; pageSize: number; total: number };

const as = (caller: Account, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller.token, body });
async function publishedEvent(owner: Account, name: string) {
  const venue = await as(owner, 'POST', '/api/organizer/venues', { name: `${name} Hall` });
  const created = await as(owner, 'POST', '/api/organizer/events', {
    venueId: venue.body.venue.id, name, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 1, seatsPerRow: 6 }, { name: 'Floor', kind: 'GA', priceCents: 1000, capacity: 20 }],
  });
  expect(created.status).toBe(201);
  expect((await as(owner, 'POST', `/api/organizer/events/${created.body.id}/publish`)).status).toBe(200);
  return created.body as { id: string; sections: Array<{ id: string; kind: string }>; seats: Array<{ id: string; label: string }> };
}
const list = async (caller: Account, id: string, query = '') => {
  const res = await as(caller, 'GET', `/api/organizer/events/${id}/reservations${query}`);
  expect(res.status).toBe(200);
  return res.body as Page;
};

const reservationIds: string[] = [];
beforeAll(async () => {
  engine = await startTestEngine('orgui_reservations', { TEMPORAL_UI_URL: `${UI}/`, RATE_LIMIT_HOLDS_PER_MINUTE: '0' });
  [organizer, otherTenant, buyer] = [await engine.register('organizer'), await engine.register('organizer'), await engine.register()];
  const event = await publishedEvent(organizer, 'Pier Night');
  const other = await publishedEvent(otherTenant, 'Elsewhere Night');
  [eventId, otherEventId, seats, floorId] = [event.id, other.id, event.seats, event.sections.find((s) => s.kind === 'GA')!.id];
  // a booking of two seats, then a GA hold of three places, then a hold of one seat: newest last
  await bookSeats(engine, buyer, eventId, [seats[0].id, seats[1].id]);
  reservationIds.push(((await as(buyer, 'GET', '/api/bookings')).body.items as Array<{ reservationId: string }>)[0].reservationId);
  for (const body of [{ eventId, sectionId: floorId, quantity: 3 }, { eventId, seatIds: [seats[2].id] }]) {
    const held = await as(buyer, 'POST', '/api/reservations', body);
    expect(held.status).toBe(201);
    reservationIds.push(held.body.reservation.id);
  }
  // another tenant's event has a reservation too: it is never listed here
  const foreign = await as(buyer, 'POST', '/api/reservations', { eventId: otherEventId, seatIds: [other.seats[0].id] });
  expect(foreign.status).toBe(201);
}, 60_000);
afterAll(async () => { await engine?.close(); });

test("lists the event's reservations newest first: customer, seats or places, amount, times, booking and the workflow's Temporal UI link", async () => {
  const page = await list(organizer, eventId);
  expect(page).toMatchObject({ page: 1, pageSize: 20, total: 3 });
  expect(page.items.map((r) => r.id)).toEqual([...reservationIds].reverse());
  const [seat, places, booked] = page.items;
  expect(booked).toMatchObject({
    status: 'CONFIRMED', customerEmail: buyer.email, quantity: 2, amountCents: 5000,
    seats: [{ label: seats[0].label, sectionName: 'Stalls' }, { label: seats[1].label, sectionName: 'Stalls' }],
  });
  expect(booked.bookingReference).toMatch(/\S/);
  expect(places).toMatchObject({ status: 'HELD', quantity: 3, amountCents: 3000, bookingReference: null });
  expect(places.seats.every((s) => s.sectionName === 'Floor')).toBe(true);
  expect(seat).toMatchObject({ status: 'HELD', quantity: 1, amountCents: 2500 });
  expect(Date.parse(seat.holdExpiresAt)).toBeGreaterThan(Date.parse(seat.createdAt));
  for (const row of page.items) {
    expect(row.workflowId).toBe(`reservation-${row.id}`);
    expect(row.temporalUiUrl).toBe(`${UI}/namespaces/default/workflows/reservation-${row.id}`);
  }
  // the link names the workflow that exists in Temporal for that reservation
  const handle = await engine.workflowOf(seat.id);
  expect((await handle.describe()).workflowId).toBe(seat.workflowId);
  expect((await reservationRow(engine.db.pool, booked.id)).status).toBe('CONFIRMED');
});

test('pages neither repeat nor skip a reservation, and filter by status', async () => {
  const first = await list(organizer, eventId, '?pageSize=2');
  const second = await list(organizer, eventId, '?pageSize=2&page=2');
  expect([first.total, second.total]).toEqual([3, 3]);
  expect([first.items.length, second.items.length]).toEqual([2, 1]);
  expect([...first.items, ...second.items].map((r) => r.id)).toEqual([...reservationIds].reverse());
  expect((await list(organizer, eventId, '?pageSize=2&page=3')).items).toEqual([]);
  const held = await list(organizer, eventId, '?status=HELD');
  expect(held.total).toBe(2);
  expect(held.items.every((r) => r.status === 'HELD')).toBe(true);
});

test("another tenant's organizer gets 404 for the event; each sees only its own event's reservations", async () => {
  const refused = await as(otherTenant, 'GET', `/api/organizer/events/${eventId}/reservations`);
  expect(refused.status).toBe(404);
  expect(refused.body.error.code).toBe('NOT_FOUND');
  const theirs = await list(otherTenant, otherEventId);
  expect(theirs.total).toBe(1);
  expect(theirs.items.filter((r) => reservationIds.includes(r.id))).toEqual([]);
  expect((await as(organizer, 'GET', `/api/organizer/events/${otherEventId}/reservations`)).status).toBe(404);
});

test('a bad page, page size or status is a 400 naming the field', async () => {
  for (const query of ['?page=0', '?pageSize=101', '?pageSize=two', '?status=SOLD']) {
    const res = await as(organizer, 'GET', `/api/organizer/events/${eventId}/reservations${query}`);
    expect({ query, status: res.status, code: res.body.error.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(res.body.error.details)).toContain(`query.${query.slice(1).split('=')[0]}`);
  }
  expect((await as(organizer, 'GET', '/api/organizer/events/not-an-id/reservations')).status).toBe(400);
});
