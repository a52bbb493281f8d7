import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

/** `eventually` for a check made of expectations: retried until they pass. */
const until = (check: () => Promise<unknown>, timeoutMs: number, what: string) => eventually(async () => { await check(); return true; }, timeoutMs, what);

/**
 * The organizer API (issue 10): a tenant's organizer creates, edits, lays out, publishes, cancels
 * and deletes its events; nobody else's. Against the real engine: holds are claimed by claim_hold.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let organizerA: Account;
let organizerB: Account;
let customer: Account;
let venueA: string;
let venueB: string;

beforeAll(async () => {
  engine = await startTestEngine('organizer', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' });
  [organizerA, organizerB, customer] = [await engine.register('organizer'), await engine.register('organizer'), await engine.register()];
  venueA = (await as(organizerA, 'POST', '/api/organizer/venues', { name: 'Hall A' })).body.venue.id;
  venueB = (await as(organizerB, 'POST', '/api/organizer/venues', { name: 'Hall B' })).body.venue.id;
});
afterAll(async () => { await engine?.close(); });

const as = (caller: Account | null, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller?.token, body });
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();
/** Reserved seating and general admission, paid and free. */
const LAYOUT = [
  { name: 'Stalls', kind: 'RESERVED', priceCents: 4500, rows: 2, seatsPerRow: 5 },
  { name: 'Balcony', kind: 'RESERVED', priceCents: 0, rows: 1, seatsPerRow: 4 },
  { name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 12 },
];
async function draft(organizer = organizerA, venueId = venueA, extra: Record<string, unknown> = {}) {
  const res = await as(organizer, 'POST', '/api/organizer/events', { venueId, name: `Gig ${randomUUID().slice(0, 6)}`, description: 'Live', startsAt: tomorrow(), sections: LAYOUT, ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; sections: Array<{ id: string; kind: string; capacity: number; priceCents: number }>; seats: Array<{ id: string; row: string | null }> };
}
async function published(organizer = organizerA, venueId = venueA) {
  const event = await draft(organizer, venueId);
  expect((await as(organizer, 'POST', `/api/organizer/events/${event.id}/publish`)).status).toBe(200);
  return event;
}
const eventRow = (id: string) => engine.db.pool.maybeOne(sql.type(z.object({
  status: z.string(), name: z.string(), limit: z.number().nullable(), tenantId: z.string().nullable(), seats: z.number(), sections: z.number(),
}))`
  SELECT status, name, max_tickets_per_customer AS "limit", tenant_id AS "tenantId",
         (SELECT count(*) FROM seats WHERE event_id = e.id) AS seats, (SELECT count(*) FROM sections WHERE event_id = e.id) AS sections
  FROM events e WHERE id = ${id}
`);
const hold = (eventId: string, seatIds: string[]) => as(customer, 'POST', '/api/reservations', { eventId, seatIds });

describe('drafts', () => {
  test('an organizer creates a DRAFT with reserved and GA sections, paid and free, every seat generated, owned by its tenant', async () => {
    const event = await draft();
    expect(event.status).toBe('DRAFT');
    expect(event.sections.map((s) => [s.kind, s.capacity, s.priceCents])).toEqual([['RESERVED', 10, 4500], ['RESERVED', 4, 0], ['GA', 12, 2000]]);
    expect(event.seats).toHaveLength(26);
    const row = await eventRow(event.id);
    expect(row).toEqual(expect.objectContaining({ status: 'DRAFT', seats: 26, sections: 3 }));
    const tenantOfA = await engine.db.pool.oneFirst(sql.type(z.object({ t: z.string() }))`SELECT tenant_id AS t FROM customers WHERE id = ${organizerA.customerId}`);
    expect(row!.tenantId).toBe(tenantOfA);
  });

  test('customers never see a draft: not listed, its page and seat map are 404, and it cannot be held', async () => {
    const event = await draft();
    const listed = await engine.request('GET', '/api/events?pageSize=100');
    expect(listed.body.items.map((e: { id: string }) => e.id)).not.toContain(event.id);
    expect((await engine.request('GET', `/api/events/${event.id}`)).status).toBe(404);
    expect((await engine.request('GET', `/api/events/${event.id}/seats`)).status).toBe(404);
    const held = await hold(event.id, [event.seats[0].id]);
    expect(held.status).toBe(409);
    expect(held.body.error.code).toBe('EVENT_NOT_ON_SALE');
    // the organizer sees it, in its list and alone
    const mine = await as(organizerA, 'GET', '/api/organizer/events?status=DRAFT&pageSize=100');
    expect(mine.body.items.map((e: { id: string }) => e.id)).toContain(event.id);
    expect((await as(organizerA, 'GET', `/api/organizer/events/${event.id}`)).body.seats).toHaveLength(26);
  });

  test('bad layouts are a 400 naming the field, and store nothing', async () => {
    const before = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM events`);
    const cases: Array<[string, unknown, string]> = [
      ['a negative price', [{ name: 'A', kind: 'GA', priceCents: -1, capacity: 5 }], 'body.sections.0.priceCents'],
      ['a price that is not whole cents', [{ name: 'A', kind: 'GA', priceCents: 10.5, capacity: 5 }], 'body.sections.0.priceCents'],
      ['a section name used twice', [{ name: 'A', kind: 'GA', priceCents: 0, capacity: 5 }, { name: 'a', kind: 'GA', priceCents: 0, capacity: 5 }], 'body.sections.1.name'],
      ['rows for general admission', [{ name: 'A', kind: 'GA', priceCents: 0, capacity: 5, rows: 2 }], 'body.sections.0'],
      ['no sections', [], 'body.sections'],
    ];
    for (const [what, sections, path] of cases) {
      const res = await as(organizerA, 'POST', '/api/organizer/events', { venueId: venueA, name: 'Bad', startsAt: tomorrow(), sections });
      expect({ what, status: res.status, code: res.body.error.code }).toEqual({ what, status: 400, code: 'VALIDATION_FAILED' });
      expect({ what, paths: res.body.error.details.issues.map((i: { path: string }) => i.path) }).toEqual({ what, paths: expect.arrayContaining([path]) });
    }
    expect(await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM events`)).toBe(before);
  });
});

describe('editing, the ticket limit and publishing', () => {
  test('details and the per-customer ticket limit change; published, the limit is enforced on holds', async () => {
    const event = await draft();
    const edited = await as(organizerA, 'PATCH', `/api/organizer/events/${event.id}`, { name: 'Renamed gig', maxTicketsPerCustomer: 2 });
    expect(edited.status).toBe(200);
    expect(edited.body).toEqual(expect.objectContaining({ name: 'Renamed gig', maxTicketsPerCustomer: 2 }));
    expect(await eventRow(event.id)).toEqual(expect.objectContaining({ name: 'Renamed gig', limit: 2 }));

    const live = await as(organizerA, 'POST', `/api/organizer/events/${event.id}/publish`);
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('ON_SALE');
    expect((await engine.request('GET', `/api/events/${event.id}`)).body.maxTicketsPerCustomer).toBe(2);
    const reserved = event.seats.filter((s) => s.row !== null).map((s) => s.id);
    expect((await hold(event.id, reserved.slice(0, 2))).status).toBe(201);
    const over = await hold(event.id, [reserved[2]]);
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('TICKET_LIMIT_REACHED');

    // null lifts the limit
    expect((await as(organizerA, 'PATCH', `/api/organizer/events/${event.id}`, { maxTicketsPerCustomer: null })).body.maxTicketsPerCustomer).toBeNull();
    expect((await hold(event.id, [reserved[2]])).status).toBe(201);
  });

  test('an empty edit, or a limit of 0, is a 400; an event that has started cannot be published', async () => {
    const event = await draft();
    expect((await as(organizerA, 'PATCH', `/api/organizer/events/${event.id}`, {})).status).toBe(400);
    expect((await as(organizerA, 'PATCH', `/api/organizer/events/${event.id}`, { maxTicketsPerCustomer: 0 })).status).toBe(400);
    expect((await as(organizerA, 'PATCH', `/api/organizer/events/${event.id}`, { startsAt: new Date(Date.now() - 60_000).toISOString() })).status).toBe(200);
    const refused = await as(organizerA, 'POST', `/api/organizer/events/${event.id}/publish`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual(expect.objectContaining({ code: 'INVALID_STATE', details: { status: 'DRAFT' } }));
    expect((await eventRow(event.id))!.status).toBe('DRAFT');
  });

  test('publish takes no body and cancel only a reason: anything else is refused and the event stays as it was', async () => {
    const event = await draft();
    const text = await engine.request('POST', `/api/organizer/events/${event.id}/publish`, { token: organizerA.token, raw: 'now', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const extra = await as(organizerA, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 'bored', refund: false });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('VALIDATION_FAILED');
    expect((await eventRow(event.id))!.status).toBe('DRAFT');
  });
});

describe('the layout', () => {
  test('a draft without holds gets a new layout: its seats are regenerated', async () => {
    const event = await draft();
    const res = await as(organizerA, 'PUT', `/api/organizer/events/${event.id}/sections`, { sections: [{ name: 'Standing', kind: 'GA', priceCents: 1500, capacity: 40 }] });
    expect(res.status).toBe(200);
    expect(res.body.sections).toEqual([expect.objectContaining({ name: 'Standing', kind: 'GA', capacity: 40, priceCents: 1500 })]);
    expect(await eventRow(event.id)).toEqual(expect.objectContaining({ seats: 40, sections: 1 }));
  });

  test('is refused with 409 LAYOUT_LOCKED while a seat is held, and once the event has had reservations; nothing changes', async () => {
    const event = await published();
    const seat = event.seats.find((s) => s.row !== null)!.id;
    const held = await hold(event.id, [seat]);
    expect(held.status).toBe(201);
    const refused = await as(organizerA, 'PUT', `/api/organizer/events/${event.id}/sections`, { sections: [{ name: 'Standing', kind: 'GA', priceCents: 0, capacity: 5 }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual(expect.objectContaining({ code: 'LAYOUT_LOCKED', details: expect.objectContaining({ heldSeats: 1, soldSeats: 0, liveHolds: 1 }) }));
    expect(await eventRow(event.id)).toEqual(expect.objectContaining({ seats: 26, sections: 3 }));
    // the hold ends; its history still names the seat
    expect((await as(customer, 'POST', `/api/reservations/${held.body.reservation.id}/cancel`, {})).status).toBe(202);
    const later = await as(organizerA, 'PUT', `/api/organizer/events/${event.id}/sections`, { sections: [{ name: 'Standing', kind: 'GA', priceCents: 0, capacity: 5 }] });
    expect(later.status).toBe(409);
    expect(later.body.error.code).toBe('LAYOUT_LOCKED');
    expect(later.body.error.details.reservations).toBe(1);
    expect(await eventRow(event.id)).toEqual(expect.objectContaining({ seats: 26 }));
  });
});

describe('cancelling and deleting', () => {
  test('an event with a live hold is cancelled with it (the hold is cancelled); without sales it is too, and then takes no holds', async () => {
    const event = await published();
    const [first] = event.seats.filter((s) => s.row !== null).map((s) => s.id);
    const held = await hold(event.id, [first]);
    expect(held.status).toBe(201);
    const withHold = await as(organizerA, 'POST', `/api/organizer/events/${event.id}/cancel`);
    expect(withHold.status).toBe(200);
    expect(withHold.body.cancellation.holdsCancelled.map((h: { reservationId: string }) => h.reservationId)).toEqual([held.body.reservation.id]);
    expect((await eventRow(event.id))!.status).toBe('CANCELLED');
    await until(async () => expect((await as(customer, 'GET', `/api/reservations/${held.body.reservation.id}`)).body.status).toBe('CANCELLED'), 10_000, 'the hold is cancelled');

    const quiet = await published();
    const cancelled = await as(organizerA, 'POST', `/api/organizer/events/${quiet.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await eventRow(quiet.id))!.status).toBe('CANCELLED');
    const late = await hold(quiet.id, [quiet.seats.find((s) => s.row !== null)!.id]);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('EVENT_NOT_ON_SALE');
    // a cancelled event changes no more, and does not go on sale again
    expect((await as(organizerA, 'PATCH', `/api/organizer/events/${quiet.id}`, { name: 'Back' })).status).toBe(409);
    expect((await as(organizerA, 'POST', `/api/organizer/events/${quiet.id}/publish`)).status).toBe(409);
  });

  test('an event that has had a reservation cannot be deleted (409), only cancelled; one without is deleted with its seats', async () => {
    const event = await published();
    const held = await hold(event.id, [event.seats.find((s) => s.row !== null)!.id]);
    expect(held.status).toBe(201);
    const refused = await as(organizerA, 'DELETE', `/api/organizer/events/${event.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('EVENT_HAS_SALES');
    expect(await eventRow(event.id)).not.toBeNull();

    const unsold = await published();
    expect((await as(organizerA, 'DELETE', `/api/organizer/events/${unsold.id}`)).status).toBe(204);
    expect(await eventRow(unsold.id)).toBeNull();
    expect(await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM seats WHERE event_id = ${unsold.id}`)).toBe(0);
  });
});

describe('tenant isolation', () => {
  test("an organizer of tenant B can neither read nor change tenant A's drafts and events: 404 everywhere, nothing changes", async () => {
    const draftOfA = await draft();
    const liveOfA = await published();
    for (const event of [draftOfA, liveOfA]) {
      const before = await eventRow(event.id);
      const calls: Array<[string, string, unknown?]> = [
        ['GET', `/api/organizer/events/${event.id}`],
        ['PATCH', `/api/organizer/events/${event.id}`, { name: 'Hijacked', maxTicketsPerCustomer: 1 }],
        ['PUT', `/api/organizer/events/${event.id}/sections`, { sections: [{ name: 'Mine', kind: 'GA', priceCents: 1, capacity: 1 }] }],
        ['POST', `/api/organizer/events/${event.id}/publish`],
        ['POST', `/api/organizer/events/${event.id}/cancel`],
        ['DELETE', `/api/organizer/events/${event.id}`],
      ];
      for (const [method, path, body] of calls) {
        const res = await as(organizerB, method, path, body);
        expect({ method, path, status: res.status, code: res.body.error?.code }).toEqual({ method, path, status: 404, code: 'NOT_FOUND' });
      }
      expect(await eventRow(event.id)).toEqual(before);
    }
    const listOfB = await as(organizerB, 'GET', '/api/organizer/events?pageSize=100');
    expect(listOfB.body.items.map((e: { id: string }) => e.id)).not.toContain(draftOfA.id);
    expect(listOfB.body.items.map((e: { id: string }) => e.id)).not.toContain(liveOfA.id);
    expect((await as(organizerB, 'GET', '/api/organizer/venues')).body.items.map((v: { id: string }) => v.id)).toEqual([venueB]);
  });

  test("an organizer cannot put an event at another tenant's venue, creating or editing", async () => {
    const created = await as(organizerB, 'POST', '/api/organizer/events', { venueId: venueA, name: 'Squat', startsAt: tomorrow(), sections: LAYOUT });
    expect(created.status).toBe(404);
    expect(created.body.error.details).toEqual({ venueId: venueA });
    const ofB = await draft(organizerB, venueB);
    const moved = await as(organizerB, 'PATCH', `/api/organizer/events/${ofB.id}`, { venueId: venueA });
    expect(moved.status).toBe(404);
    const venue = await engine.db.pool.oneFirst(sql.type(z.object({ v: z.string() }))`SELECT venue_id AS v FROM events WHERE id = ${ofB.id}`);
    expect(venue).toBe(venueB);
  });

  test('an organizer whose role was revoked manages nothing at once, though its access token still says organizer', async () => {
    const tenantId = await engine.createTenant();
    const colleague = await engine.register('organizer', { tenantId });
    const venue = (await as(colleague, 'POST', '/api/organizer/venues', { name: 'Shared' })).body.venue.id;
    const event = await draft(colleague, venue);
    const admin = await engine.register('admin');
    expect((await as(admin, 'DELETE', `/api/admin/users/${colleague.customerId}/roles/organizer`)).status).toBe(200);
    expect((await as(colleague, 'GET', `/api/organizer/events/${event.id}`)).status).toBe(404);
    expect((await as(colleague, 'GET', '/api/organizer/events')).body.items).toEqual([]);
    expect((await as(colleague, 'POST', '/api/organizer/venues', { name: 'Again' })).status).toBe(403);
  });
});
