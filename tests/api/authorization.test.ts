import { randomUUID } from 'node:crypto';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { reservationRow } from '../helpers/queries.ts';
import { signedStripeEvent, STRIPE_WEBHOOK_TEST_SECRET } from '../helpers/stripe-webhooks.ts';

/**
 * The README's endpoint-by-role table, cell by cell: every route asked by an anonymous caller,
 * the reservation's own customer, another customer and support, with the status each must get.
 * A mutating call gets a fresh hold of its own, so one cell never depends on another.
 */
let engine: TestEngine;
let eventId: string;
let seats: string[];
let seatCursor = 0;
const discountCode = 'TABLE10';
type Caller = { token: string; customerId: string; email: string } | null;
let owner: Caller;
let stranger: Caller;
let support: Caller;
let organizer: Caller;
let admin: Caller;
let tenantId: string;
let venueId: string;

beforeAll(async () => {
  engine = await startTestEngine('authz', { HOLD_EXTENSIONS: '10', HOLD_EXTENSION_MAX_SECONDS: '60', RATE_LIMIT_HOLDS_PER_MINUTE: '0', STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_TEST_SECRET });
  // a week away: the owner may still cancel a booking under the default policy (until 24 hours before)
  ({ eventId, seatIds: seats } = await engine.createEvent({ startsAt: new Date(Date.now() + 7 * 86_400_000), sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 20, seatsPerRow: 10 }] }));
  [owner, stranger, support] = [await engine.register(), await engine.register(), await engine.register('support')];
  tenantId = await engine.createTenant();
  [organizer, admin] = [await engine.register('organizer', { tenantId }), await engine.register('admin')];
  venueId = (await as(organizer, 'POST', '/api/organizer/venues', { name: 'Cell Hall' })).body.venue.id;
  expect((await as(support, 'POST', `/api/support/events/${eventId}/discount-codes`, { code: discountCode, kind: 'FIXED', value: 500 })).status).toBe(201);
});
afterAll(async () => { await engine?.close(); });

const nextSeat = () => seats[seatCursor++];
async function ownersHold(): Promise<string> {
  const res = await engine.request('POST', '/api/reservations', { token: owner!.token, body: { eventId, seatIds: [nextSeat()] } });
  expect(res.status).toBe(201);
  return res.body.reservation.id;
}
/** A fresh confirmed booking of the owner's (hold + checkout); its reference. */
async function ownersBooking(): Promise<{ reference: string; reservationId: string }> {
  const reservationId = await ownersHold();
  const paid = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: owner!.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return { reference: paid.body.booking.reference, reservationId };
}
const as = (caller: Caller, method: string, path: string, body?: unknown) =>
  engine.request(method, path, { token: caller?.token, body });

type Who = 'anonymous' | 'owner' | 'stranger' | 'organizer' | 'support' | 'admin';
const callers = (): Record<Who, Caller> => ({ anonymous: null, owner, stranger, organizer, support, admin });
/** A refresh token of a fresh login of the caller's (the owner's for an anonymous caller: the refresh token is the credential). */
const refreshTokenOf = async (caller: Caller): Promise<string> =>
  (await as(null, 'POST', '/api/auth/login', { email: (caller ?? owner)!.email, password: 'correct horse battery' })).body.refreshToken;
/** A layout with reserved seating and general admission, paid and free. */
const layout = () => [
  { name: 'Stalls', kind: 'RESERVED', priceCents: 4000, rows: 2, seatsPerRow: 5 },
  { name: 'Floor', kind: 'GA', priceCents: 0, capacity: 20 },
];
const draftBody = () => ({ venueId, name: `Cell ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 86_400_000).toISOString(), sections: layout() });
/** A fresh draft of the organizer's tenant, for a call that changes one. */
async function organizersDraft(): Promise<string> {
  const res = await as(organizer, 'POST', '/api/organizer/events', draftBody());
  expect(res.status).toBe(201);
  return res.body.id;
}
const draftRow = (id: string) => engine.db.pool.maybeOne(sql.type(z.object({ status: z.string(), name: z.string(), limit: z.number().nullable(), seats: z.number() }))`
  SELECT status, name, max_tickets_per_customer AS "limit", (SELECT count(*) FROM seats WHERE event_id = e.id) AS seats FROM events e WHERE id = ${id}
`);
/** A fresh live app of the organizer's tenant, for a call that revokes one; its id. */
async function tenantsApp(): Promise<string> {
  const res = await as(admin, 'POST', `/api/admin/tenants/${tenantId}/apps`, { name: 'Cell app' });
  expect(res.status).toBe(201);
  return res.body.app.id;
}
/** A fresh webhook endpoint of the organizer's tenant, for a call that changes or reads one. */
async function organizersEndpoint(): Promise<string> {
  const res = await as(organizer, 'POST', '/api/organizer/webhooks', { url: 'http://127.0.0.1:9/cell' });
  expect(res.status).toBe(201);
  return res.body.endpoint.id;
}
let soldOut: Promise<{ eventId: string; sectionId: string }> | undefined;
/** A general-admission section of one place, held by another customer: sold out, so anyone may join its waitlist. */
const soldOutSection = () => (soldOut ??= (async () => {
  const event = await engine.createEvent({ sections: [{ name: 'Tiny', kind: 'GA', priceCents: 1000, capacity: 1 }] });
  const held = await as(await engine.register(), 'POST', '/api/reservations', { eventId: event.eventId, sectionId: event.sectionIds[0], quantity: 1 });
  expect(held.status).toBe(201);
  return { eventId: event.eventId, sectionId: event.sectionIds[0] };
})());
const waitlistOf = async () => {
  const { eventId: id, sectionId } = await soldOutSection();
  return `/api/events/${id}/sections/${sectionId}/waitlist`;
};
/** An account of its own for each call that changes one (admin routes). */
const someone = async () => (await engine.register()).customerId;

/** One row of the table: how to make the call (on a fresh hold of the owner's when it needs one) and what each caller gets. */
const table: Array<{ route: string; call: (caller: Caller, id: string) => ReturnType<typeof as> | Promise<Awaited<ReturnType<typeof as>>>; needsHold?: boolean; needsDraft?: boolean; needsBooking?: boolean; expect: Record<Who, number> }> = [
  { route: 'POST /api/auth/register', call: (c) => as(c, 'POST', '/api/auth/register', { email: `authz-${randomUUID()}@example.com`, password: 'correct horse battery', name: 'Cell' }),
    expect: { anonymous: 201, owner: 201, stranger: 201, organizer: 201, support: 201, admin: 201 } },
  { route: 'POST /api/auth/login', call: (c) => as(c, 'POST', '/api/auth/login', { email: owner!.email, password: 'correct horse battery' }),
    expect: { anonymous: 200, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'POST /api/auth/refresh', call: async (c) => as(c, 'POST', '/api/auth/refresh', { refreshToken: await refreshTokenOf(c) }),
    expect: { anonymous: 200, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'POST /api/auth/logout', call: async (c) => as(c, 'POST', '/api/auth/logout', { refreshToken: await refreshTokenOf(c) }),
    expect: { anonymous: 204, owner: 204, stranger: 204, organizer: 204, support: 204, admin: 204 } },
  { route: 'GET /api/events', call: (c) => as(c, 'GET', '/api/events'), expect: { anonymous: 200, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/events/:id', call: (c) => as(c, 'GET', `/api/events/${eventId}`), expect: { anonymous: 200, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/events/:id/seats', call: (c) => as(c, 'GET', `/api/events/${eventId}/seats`), expect: { anonymous: 200, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/me', call: (c) => as(c, 'GET', '/api/me'), expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'POST /api/reservations', call: (c) => as(c, 'POST', '/api/reservations', { eventId, seatIds: [nextSeat()] }),
    expect: { anonymous: 401, owner: 201, stranger: 201, organizer: 201, support: 201, admin: 201 } },
  { route: 'GET /api/reservations', call: (c) => as(c, 'GET', '/api/reservations'), expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/bookings', call: (c) => as(c, 'GET', '/api/bookings'), expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/reservations/:id', needsHold: true, call: (c, id) => as(c, 'GET', `/api/reservations/${id}`),
    expect: { anonymous: 401, owner: 200, stranger: 404, organizer: 404, support: 200, admin: 200 } },
  { route: 'POST /api/reservations/:id/checkout', needsHold: true, call: (c, id) => as(c, 'POST', `/api/reservations/${id}/checkout`, { card: { number: '4242424242424242' } }),
    expect: { anonymous: 401, owner: 200, stranger: 404, organizer: 404, support: 404, admin: 404 } },
  { route: 'POST /api/reservations/:id/extend', needsHold: true, call: (c, id) => as(c, 'POST', `/api/reservations/${id}/extend`, { seconds: 10 }),
    expect: { anonymous: 401, owner: 200, stranger: 404, organizer: 404, support: 200, admin: 200 } },
  { route: 'POST /api/reservations/:id/cancel', needsHold: true, call: (c, id) => as(c, 'POST', `/api/reservations/${id}/cancel`, {}),
    expect: { anonymous: 401, owner: 202, stranger: 404, organizer: 404, support: 202, admin: 202 } },
  { route: 'GET /api/support/reservations', call: (c) => as(c, 'GET', `/api/support/reservations?eventId=${eventId}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/support/reservations?customerEmail=&page=', call: (c) => as(c, 'GET', `/api/support/reservations?customerEmail=${encodeURIComponent(owner!.email.toUpperCase())}&page=1&pageSize=5`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'POST /api/support/reservations/:id/cancel', needsHold: true, call: (c, id) => as(c, 'POST', `/api/support/reservations/${id}/cancel`, { reason: 'cell' }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 202, admin: 202 } },
  { route: 'POST /api/support/reservations/:id/extend', needsHold: true, call: (c, id) => as(c, 'POST', `/api/support/reservations/${id}/extend`, { seconds: 10 }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/admin/users?email=', call: (c) => as(c, 'GET', `/api/admin/users?email=${encodeURIComponent(owner!.email)}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'POST /api/support/events/:id/discount-codes', call: (c) => as(c, 'POST', `/api/support/events/${eventId}/discount-codes`, { code: `CELL${randomUUID().slice(0, 8).toUpperCase()}`, kind: 'PERCENT', value: 10 }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 201, admin: 201 } },
  { route: 'GET /api/support/events/:id/stats', call: (c) => as(c, 'GET', `/api/support/events/${eventId}/stats`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/support/events/:id/discount-codes', call: (c) => as(c, 'GET', `/api/support/events/${eventId}/discount-codes`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/events/:id/discount-codes/:code', call: (c) => as(c, 'GET', `/api/events/${eventId}/discount-codes/${discountCode}?amountCents=5000`),
    expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/bookings/:reference/calendar.ics', needsBooking: true, call: (c, reference) => as(c, 'GET', `/api/bookings/${reference}/calendar.ics`),
    expect: { anonymous: 401, owner: 200, stranger: 404, organizer: 404, support: 404, admin: 404 } },
  { route: 'GET /api/support/events/:eventId/attendees.csv', call: (c) => as(c, 'GET', `/api/support/events/${eventId}/attendees.csv`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/tickets', call: (c) => as(c, 'GET', '/api/tickets'), expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'POST /api/tickets/:ticketId/transfer', needsBooking: true, call: async (c, reference) => {
    const [ticket] = (await as(owner, 'GET', `/api/bookings/${reference}/tickets`)).body.tickets as Array<{ id: string }>;
    return as(c, 'POST', `/api/tickets/${ticket.id}/transfer`, { email: (c === stranger ? owner : stranger)!.email });
  }, expect: { anonymous: 401, owner: 200, stranger: 404, organizer: 404, support: 404, admin: 404 } },
  { route: 'POST /api/bookings/:reference/cancel', needsBooking: true, call: (c, reference) => as(c, 'POST', `/api/bookings/${reference}/cancel`, {}),
    expect: { anonymous: 401, owner: 200, stranger: 404, organizer: 404, support: 404, admin: 404 } },
  { route: 'POST /api/support/bookings/:reference/cancel', needsBooking: true, call: (c, reference) => as(c, 'POST', `/api/support/bookings/${reference}/cancel`, { reason: 'cell' }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/admin/users/:id', call: async (c) => as(c, 'GET', `/api/admin/users/${await someone()}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'PUT /api/admin/users/:id/roles/:role', call: async (c) => as(c, 'PUT', `/api/admin/users/${await someone()}/roles/organizer`, { tenantId }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'DELETE /api/admin/users/:id/roles/:role', call: async (c) => {
    const id = (await engine.register('support')).customerId;
    return as(c, 'DELETE', `/api/admin/users/${id}/roles/support`);
  }, expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'GET /api/admin/tenants', call: (c) => as(c, 'GET', '/api/admin/tenants'),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'POST /api/admin/tenants', call: (c) => as(c, 'POST', '/api/admin/tenants', { name: `Cell tenant ${randomUUID()}` }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 201 } },
  { route: 'PUT /api/admin/events/:eventId/featured', call: (c) => as(c, 'PUT', `/api/admin/events/${eventId}/featured`, { position: 3 }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'DELETE /api/admin/events/:eventId/featured', call: async (c) => {
    expect((await as(admin, 'PUT', `/api/admin/events/${eventId}/featured`, { position: 3 })).status).toBe(200);
    return as(c, 'DELETE', `/api/admin/events/${eventId}/featured`);
  }, expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  // the organizer column: an organizer of the event's tenant (another tenant's organizer gets 404: tests/catalog/organizer.test.ts)
  { route: 'GET /api/organizer/venues', call: (c) => as(c, 'GET', '/api/organizer/venues'),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/venues', call: (c) => as(c, 'POST', '/api/organizer/venues', { name: 'Another hall' }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 201, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/venues/:venueId/templates', call: (c) => as(c, 'GET', `/api/organizer/venues/${venueId}/templates`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'PUT /api/organizer/venues/:venueId/templates', call: (c) => as(c, 'PUT', `/api/organizer/venues/${venueId}/templates`, { templates: [layout()[1]] }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/events', call: (c) => as(c, 'GET', '/api/organizer/events'),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/events', call: (c) => as(c, 'POST', '/api/organizer/events', draftBody()),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 201, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/events/:id', needsDraft: true, call: (c, id) => as(c, 'GET', `/api/organizer/events/${id}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'PATCH /api/organizer/events/:id', needsDraft: true, call: (c, id) => as(c, 'PATCH', `/api/organizer/events/${id}`, { name: 'Renamed', maxTicketsPerCustomer: 4 }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'PUT /api/organizer/events/:id/sections', needsDraft: true, call: (c, id) => as(c, 'PUT', `/api/organizer/events/${id}/sections`, { sections: [layout()[1]] }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/events/:id/publish', needsDraft: true, call: (c, id) => as(c, 'POST', `/api/organizer/events/${id}/publish`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/events/:id/cancel', needsDraft: true, call: (c, id) => as(c, 'POST', `/api/organizer/events/${id}/cancel`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/events/:id/stats', needsDraft: true, call: (c, id) => as(c, 'GET', `/api/organizer/events/${id}/stats`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/events/:id/reservations', needsDraft: true, call: (c, id) => as(c, 'GET', `/api/organizer/events/${id}/reservations`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/events/:id/discount-codes', needsDraft: true, call: (c, id) => as(c, 'GET', `/api/organizer/events/${id}/discount-codes`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/events/:id/discount-codes', needsDraft: true, call: (c, id) => as(c, 'POST', `/api/organizer/events/${id}/discount-codes`, { code: 'ORG10', kind: 'PERCENT', value: 10 }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 201, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/webhooks', call: (c) => as(c, 'GET', '/api/organizer/webhooks'),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/webhooks', call: (c) => as(c, 'POST', '/api/organizer/webhooks', { url: 'http://127.0.0.1:9/cell', eventTypes: ['booking.confirmed'] }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 201, support: 403, admin: 403 } },
  { route: 'PATCH /api/organizer/webhooks/:endpointId', call: async (c) => as(c, 'PATCH', `/api/organizer/webhooks/${await organizersEndpoint()}`, { enabled: false }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'DELETE /api/organizer/webhooks/:endpointId', call: async (c) => as(c, 'DELETE', `/api/organizer/webhooks/${await organizersEndpoint()}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 204, support: 403, admin: 403 } },
  { route: 'GET /api/organizer/webhooks/:endpointId/deliveries', call: async (c) => as(c, 'GET', `/api/organizer/webhooks/${await organizersEndpoint()}/deliveries`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  // the payment provider's webhook needs no account: Stripe's signature is the credential (tests/webhooks/inbound.test.ts refuses bad ones)
  { route: 'POST /api/payments/stripe/webhook', call: (c) => {
    const event = signedStripeEvent();
    return engine.request('POST', '/api/payments/stripe/webhook', { token: c?.token, raw: event.body, headers: { 'stripe-signature': event.header } });
  }, expect: { anonymous: 200, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'POST /api/events/:id/sections/:sectionId/waitlist', call: async (c) => as(c, 'POST', await waitlistOf(), { quantity: 1 }),
    expect: { anonymous: 401, owner: 201, stranger: 201, organizer: 201, support: 201, admin: 201 } },
  { route: 'DELETE /api/events/:id/sections/:sectionId/waitlist', call: async (c) => {
    await as(c, 'POST', await waitlistOf(), { quantity: 1 });
    return as(c, 'DELETE', await waitlistOf());
  }, expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/waitlist', call: (c) => as(c, 'GET', '/api/waitlist'), expect: { anonymous: 401, owner: 200, stranger: 200, organizer: 200, support: 200, admin: 200 } },
  { route: 'GET /api/support/events/:id/waitlist', call: async (c) => as(c, 'GET', `/api/support/events/${(await soldOutSection()).eventId}/waitlist`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
  { route: 'GET /api/organizer/events/:id/waitlist', needsDraft: true, call: (c, id) => as(c, 'GET', `/api/organizer/events/${id}/waitlist`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'DELETE /api/organizer/events/:id', needsDraft: true, call: (c, id) => as(c, 'DELETE', `/api/organizer/events/${id}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 204, support: 403, admin: 403 } },
  // figures across a tenant's events: organizers their own tenant's, admins any tenant's (named)
  { route: 'GET /api/organizer/stats', call: (c) => as(c, 'GET', `/api/organizer/stats?tenantId=${tenantId}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 200 } },
  { route: "GET /api/organizer/stats (another tenant's)", call: async (c) => as(c, 'GET', `/api/organizer/stats?tenantId=${await engine.createTenant()}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 404, support: 403, admin: 200 } },
  { route: 'GET /api/organizer/events/:id/audit', needsDraft: true, call: (c, id) => as(c, 'GET', `/api/organizer/events/${id}/audit`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  // tenants' apps: admins manage any tenant's, organizers their own tenant's (an app's own key: tests/accounts/tenant-apps.test.ts)
  { route: 'GET /api/admin/tenants/:tenantId/apps', call: (c) => as(c, 'GET', `/api/admin/tenants/${tenantId}/apps`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'POST /api/admin/tenants/:tenantId/apps', call: (c) => as(c, 'POST', `/api/admin/tenants/${tenantId}/apps`, { name: 'Cell app', allowedOrigins: ['https://cell.example.com'] }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 201 } },
  { route: 'DELETE /api/admin/tenants/:tenantId/apps/:appId', call: async (c) => as(c, 'DELETE', `/api/admin/tenants/${tenantId}/apps/${await tenantsApp()}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 403, admin: 200 } },
  { route: 'GET /api/organizer/apps', call: (c) => as(c, 'GET', '/api/organizer/apps'),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'POST /api/organizer/apps', call: (c) => as(c, 'POST', '/api/organizer/apps', { name: 'Cell app' }),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 201, support: 403, admin: 403 } },
  { route: 'DELETE /api/organizer/apps/:appId', call: async (c) => as(c, 'DELETE', `/api/organizer/apps/${await tenantsApp()}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 200, support: 403, admin: 403 } },
  { route: 'GET /api/support/audit', call: (c) => as(c, 'GET', `/api/support/audit?eventId=${eventId}`),
    expect: { anonymous: 401, owner: 403, stranger: 403, organizer: 403, support: 200, admin: 200 } },
];

describe('every endpoint by role (the README table)', () => {
  test.each(table.map((row) => [row.route, row] as const))('%s', async (_route, row) => {
    for (const [who, caller] of Object.entries(callers()) as Array<[Who, Caller]>) {
      const booking = row.needsBooking ? await ownersBooking() : undefined;
      const reservationId = row.needsHold ? await ownersHold() : booking?.reservationId ?? '';
      const draftId = row.needsDraft ? await organizersDraft() : '';
      const before = row.needsDraft ? await draftRow(draftId) : null;
      const res = await row.call(caller, row.needsDraft ? draftId : booking?.reference ?? reservationId);
      expect({ who, status: res.status }).toEqual({ who, status: row.expect[who] });
      if (res.status >= 400) {
        expect(res.body.error.code).toBe({ 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }[res.status as 401 | 403 | 404]);
        // a refused call changed nothing
        if (row.needsHold) expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('HELD');
        if (row.needsDraft) expect(await draftRow(draftId)).toEqual(before);
        if (row.needsBooking) expect((await reservationRow(engine.db.pool, reservationId)).status).toBe('CONFIRMED');
      }
    }
  });

  test('lists show only the caller\'s own reservations, for customers and support alike', async () => {
    const id = await ownersHold();
    const ids = async (caller: Caller) => ((await as(caller, 'GET', '/api/reservations')).body.items as Array<{ id: string }>).map((r) => r.id);
    expect(await ids(owner)).toContain(id);
    expect(await ids(stranger)).not.toContain(id);
    expect(await ids(support)).not.toContain(id);
    // support finds it through the support list
    const listed = await as(support, 'GET', `/api/support/reservations?eventId=${eventId}&status=HELD`);
    expect((listed.body.items as Array<{ id: string }>).map((r) => r.id)).toContain(id);
  });
});
