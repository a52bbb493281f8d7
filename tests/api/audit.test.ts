import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { bookSeats, eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

/**
 * The audit trail (issue 10): who did what to which event, reservation, booking, account or app,
 * in PostgreSQL's append-only audit_log, read by staff (by event, reservation, booking, actor) and
 * by organizers (their tenant's events only), newest first, page by page.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let admin: Account;
let support: Account;
let buyer: Account;
let organizer: Account;
let otherOrganizer: Account;
let tenantId: string;
let venueId: string;

type Entry = { id: string; action: string; actorKind: string; actorId: string; actor: string; eventId: string | null; reservationId: string | null; bookingId: string | null; subjectId: string | null; reason: string | null; tenantId: string | null; details: Record<string, unknown> };
const as = (caller: Account | undefined, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller?.token, body });
const LAYOUT = [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 2, seatsPerRow: 5 }];

beforeAll(async () => {
  engine = await startTestEngine('audit', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' });
  [admin, support, buyer] = [await engine.register('admin'), await engine.register('support'), await engine.register()];
  tenantId = await engine.createTenant();
  [organizer, otherOrganizer] = [await engine.register('organizer', { tenantId }), await engine.register('organizer')];
  venueId = (await as(organizer, 'POST', '/api/organizer/venues', { name: 'Audit Hall' })).body.venue.id;
});
afterAll(async () => { await engine?.close(); });

async function publishedEvent() {
  const draft = await as(organizer, 'POST', '/api/organizer/events', { venueId, name: `Audited ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), sections: LAYOUT });
  expect(draft.status).toBe(201);
  expect((await as(organizer, 'POST', `/api/organizer/events/${draft.body.id}/publish`)).status).toBe(200);
  return { id: draft.body.id as string, seatIds: (draft.body.seats as Array<{ id: string }>).map((s) => s.id) };
}
const trail = async (caller: Account, query: string) => {
  const res = await as(caller, 'GET', `/api/support/audit?${query}`);
  expect(res.status).toBe(200);
  return res.body.items as Entry[];
};

describe('the audit trail', () => {
  test("an organizer's changes to an event are recorded with who, in order, and readable by its tenant's organizers only", async () => {
    const draft = await as(organizer, 'POST', '/api/organizer/events', { venueId, name: 'Trail gig', startsAt: new Date(Date.now() + 86_400_000).toISOString(), sections: LAYOUT });
    const id = draft.body.id as string;
    expect((await as(organizer, 'PATCH', `/api/organizer/events/${id}`, { name: 'Trail gig (renamed)', maxTicketsPerCustomer: 4 })).status).toBe(200);
    expect((await as(organizer, 'PUT', `/api/organizer/events/${id}/sections`, { sections: [{ name: 'Floor', kind: 'GA', priceCents: 0, capacity: 10 }] })).status).toBe(200);
    expect((await as(organizer, 'POST', `/api/organizer/events/${id}/publish`)).status).toBe(200);
    expect((await as(organizer, 'POST', `/api/organizer/events/${id}/discount-codes`, { code: 'TRAIL', kind: 'PERCENT', value: 20 })).status).toBe(201);
    expect((await as(organizer, 'POST', `/api/organizer/events/${id}/cancel`)).status).toBe(200);

    const res = await as(organizer, 'GET', `/api/organizer/events/${id}/audit`);
    expect(res.status).toBe(200);
    const items = res.body.items as Entry[];
    expect(items.map((e) => e.action)).toEqual(['event.cancelled', 'discount_code.created', 'event.published', 'event.layout_replaced', 'event.edited', 'event.created']);
    for (const entry of items) {
      expect(entry).toMatchObject({ actorKind: 'organizer', actorId: organizer.customerId, actor: `organizer:${organizer.email}`, eventId: id, tenantId });
    }
    expect(items[4].details).toEqual({ changes: { name: 'Trail gig (renamed)', maxTicketsPerCustomer: 4 } });
    expect(items[1].details).toMatchObject({ code: 'TRAIL', kind: 'PERCENT', value: 20 });
    // staff read the same by event; another tenant's organizer does not find the event
    expect((await trail(support, `eventId=${id}`)).map((e) => e.id)).toEqual(items.map((e) => e.id));
    expect((await as(otherOrganizer, 'GET', `/api/organizer/events/${id}/audit`)).status).toBe(404);
  });

  test('a refused change records nothing, and a deleted draft keeps the entry of who deleted it', async () => {
    const event = await publishedEvent();
    await bookSeats(engine, buyer, event.id, [event.seatIds[0]]);
    expect((await as(organizer, 'PUT', `/api/organizer/events/${event.id}/sections`, { sections: LAYOUT })).status).toBe(409);
    expect((await trail(support, `eventId=${event.id}`)).map((e) => e.action)).toEqual(['event.published', 'event.created']);

    const draft = await as(organizer, 'POST', '/api/organizer/events', { venueId, name: 'Short-lived', startsAt: new Date(Date.now() + 86_400_000).toISOString(), sections: LAYOUT });
    expect((await as(organizer, 'DELETE', `/api/organizer/events/${draft.body.id}`)).status).toBe(204);
    expect((await trail(admin, `eventId=${draft.body.id}`)).map((e) => e.action)).toEqual(['event.deleted', 'event.created']);
  });

  test("support's cancel of a hold says who and why, on the reservation's trail; so does the refund of a booking", async () => {
    const event = await publishedEvent();
    const held = await as(buyer, 'POST', '/api/reservations', { eventId: event.id, seatIds: [event.seatIds[1]] });
    expect(held.status).toBe(201);
    const reservationId = held.body.reservation.id as string;
    expect((await as(support, 'POST', `/api/support/reservations/${reservationId}/extend`, { seconds: 30 })).status).toBe(200);
    expect((await as(support, 'POST', `/api/support/reservations/${reservationId}/cancel`, { reason: 'customer called: wrong date' })).status).toBe(202);
    await eventually(async () => (await reservationRow(engine.db.pool, reservationId)).status === 'CANCELLED', 15_000, 'the cancelled hold');

    const entries = await trail(support, `reservationId=${reservationId}`);
    expect(entries.map((e) => [e.action, e.actorKind, e.actor, e.reason, e.eventId, e.tenantId])).toEqual([
      ['reservation.cancel_requested', 'support', `support:${support.email}`, 'customer called: wrong date', event.id, tenantId],
      ['reservation.extend_requested', 'support', `support:${support.email}`, null, event.id, tenantId],
    ]);
    // the organizer sees support's work on its event's reservations
    expect(((await as(organizer, 'GET', `/api/organizer/events/${event.id}/audit`)).body.items as Entry[]).map((e) => e.action)).toContain('reservation.cancel_requested');

    const reference = await bookSeats(engine, buyer, event.id, [event.seatIds[2]]);
    const refunded = await as(admin, 'POST', `/api/support/bookings/${reference}/cancel`, { reason: 'venue flooded' });
    expect([200, 202]).toContain(refunded.status);
    const bookingId = refunded.body.cancellation.bookingId as string;
    const byBooking = await trail(support, `bookingId=${bookingId}`);
    expect(byBooking).toEqual([expect.objectContaining({ action: 'booking.refund_requested', actorKind: 'admin', actorId: admin.customerId, reason: 'venue flooded', eventId: event.id, bookingId })]);
    // the reservation's trail includes its booking's
    expect((await trail(support, `reservationId=${byBooking[0].reservationId}`)).map((e) => e.action)).toEqual(['booking.refund_requested']);
    // a second cancel of the same booking opens nothing and records nothing
    await as(admin, 'POST', `/api/support/bookings/${reference}/cancel`, { reason: 'again' });
    expect(await trail(support, `bookingId=${bookingId}`)).toHaveLength(1);
  });

  test('a check-in at the door is recorded once, with the booking and who admitted it', async () => {
    const event = await publishedEvent();
    const reference = await bookSeats(engine, buyer, event.id, [event.seatIds[5]]);
    const { tickets, bookingId } = (await as(buyer, 'GET', `/api/bookings/${reference}/tickets`)).body as { tickets: Array<{ code: string }>; bookingId?: string };
    expect((await as(support, 'POST', '/api/checkin', { eventId: event.id, code: tickets[0].code })).status).toBe(200);
    expect((await as(support, 'POST', '/api/checkin', { eventId: event.id, code: tickets[0].code })).status).toBe(409);
    const entries = (await trail(support, `eventId=${event.id}`)).filter((e) => e.action === 'ticket.checked_in');
    expect(entries).toEqual([expect.objectContaining({ actorKind: 'support', actorId: support.customerId, eventId: event.id, tenantId, details: expect.objectContaining({ reference }) })]);
    expect(entries[0].bookingId).toEqual(bookingId ?? expect.any(String));
  });

  test('roles granted and revoked are recorded by actor and by the account they concern', async () => {
    const someone = await engine.register();
    expect((await as(admin, 'PUT', `/api/admin/users/${someone.customerId}/roles/organizer`, { tenantId })).status).toBe(200);
    expect((await as(admin, 'DELETE', `/api/admin/users/${someone.customerId}/roles/organizer`)).status).toBe(200);
    // refused: the account is no organizer any more
    expect((await as(admin, 'DELETE', `/api/admin/users/${someone.customerId}/roles/organizer`)).status).toBe(409);
    const mine = (await trail(support, `actorId=${admin.customerId}`)).filter((e) => e.subjectId === someone.customerId);
    expect(mine.map((e) => [e.action, e.details.role, e.tenantId])).toEqual([['role.revoked', 'organizer', tenantId], ['role.granted', 'organizer', tenantId]]);
  });

  test('pages newest first by the `before` cursor, and refuses a search without a subject', async () => {
    const id = (await publishedEvent()).id;
    for (const value of [5, 6, 7]) {
      expect((await as(organizer, 'POST', `/api/organizer/events/${id}/discount-codes`, { code: `PAGE${value}`, kind: 'PERCENT', value })).status).toBe(201);
    }
    const all = await trail(support, `eventId=${id}`);
    expect(all).toHaveLength(5);
    const first = await as(support, 'GET', `/api/support/audit?eventId=${id}&limit=2`);
    expect(first.body.items.map((e: Entry) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    const second = await as(support, 'GET', `/api/support/audit?eventId=${id}&limit=2&before=${first.body.nextBefore}`);
    expect(second.body.items.map((e: Entry) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
    const last = await as(organizer, 'GET', `/api/organizer/events/${id}/audit?limit=2&before=${second.body.nextBefore}`);
    expect(last.body).toEqual({ items: [all[4]], nextBefore: null });
    expect((await as(support, 'GET', '/api/support/audit')).status).toBe(400);
    expect((await as(support, 'GET', `/api/support/audit?eventId=${id}&limit=0`)).status).toBe(400);
  });

  test('the table is append-only: PostgreSQL refuses to update, delete or truncate it', async () => {
    const count = () => engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM audit_log`);
    const before = await count();
    await expect(engine.db.pool.query(sql.typeAlias('void')`UPDATE audit_log SET reason = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(engine.db.pool.query(sql.typeAlias('void')`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(engine.db.pool.query(sql.typeAlias('void')`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    expect(await count()).toBe(before);
    expect(await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM audit_log WHERE reason = 'rewritten'`)).toBe(0);
  });

  test("the customers' holds and checkouts write no audit entry", async () => {
    const event = await publishedEvent();
    const before = await trail(support, `eventId=${event.id}`);
    await bookSeats(engine, buyer, event.id, [event.seatIds[3]]);
    const held = await as(buyer, 'POST', '/api/reservations', { eventId: event.id, seatIds: [event.seatIds[4]] });
    expect(held.status).toBe(201);
    expect(await trail(support, `eventId=${event.id}`)).toEqual(before);
    expect(await trail(support, `actorId=${buyer.customerId}`)).toEqual([]);
  });
});
