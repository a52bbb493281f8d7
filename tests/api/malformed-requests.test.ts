/**
 * Property-based tests (fast-check) of the whole HTTP surface: malformed bodies, queries, path
 * parameters, headers, tokens, content encodings and methods, sent to every route. Whatever
 * arrives, the API answers below 500, every error has the one error shape (no stack, no
 * driver message), and nothing is stored or changed by a refused request.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync, unzipSync } from 'node:zlib';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { adminRoutes } from '../../src/api/routes/admin.ts';
import { authRoutes } from '../../src/api/routes/auth.ts';
import { organizerRoutes } from '../../src/api/routes/organizer.ts';
import { eventRoutes } from '../../src/api/routes/events.ts';
import { reservationRoutes } from '../../src/api/routes/reservations.ts';
import { supportRoutes } from '../../src/api/routes/support.ts';
import { discountRoutes } from '../../src/api/routes/discounts.ts';
import { ticketRoutes } from '../../src/api/routes/tickets.ts';
import { bookingRoutes } from '../../src/api/routes/bookings.ts';
import { appRoutes } from '../../src/api/routes/apps.ts';
import { organizerWebhookRoutes, paymentWebhookRoutes } from '../../src/api/routes/webhooks.ts';
import { STRIPE_WEBHOOK_TEST_SECRET } from '../helpers/stripe-webhooks.ts';
import { waitlistRoutes } from '../../src/api/routes/waitlist.ts';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
let fixture: { eventId: string; sectionId: string; seatIds: string[]; reservationId: string; customer: string; support: string; admin: string; organizer: string; userId: string; ghost: string; tenantId: string };

beforeAll(async () => {
  engine = await startTestEngine('malformed', { RATE_LIMIT_FAILED_LOGINS: '0', RATE_LIMIT_HOLDS_PER_MINUTE: '0', STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_TEST_SECRET });
  const event = await engine.createEvent();
  const customer = await engine.register();
  const support = await engine.register('support');
  const admin = await engine.register('admin');
  const organizer = await engine.register('organizer');
  const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } });
  expect(held.status).toBe(201);
  // a token with a valid signature whose account no longer exists
  const gone = await engine.register();
  await engine.db.pool.query(sql.typeAlias('void')`DELETE FROM customers WHERE id = ${gone.customerId}`);
  fixture = {
    eventId: event.eventId, sectionId: event.sectionIds[1], seatIds: event.seatIds, reservationId: held.body.reservation.id,
    customer: customer.token, support: support.token, admin: admin.token, organizer: organizer.token, userId: customer.customerId, ghost: gone.token,
    tenantId: await engine.createTenant(),
  };
});
afterAll(async () => {
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/malformed-requests.json', `${JSON.stringify(tally, null, 2)}\n`);
  await engine?.close();
});

// ---------------------------------------------------------------- the routes, with a valid request each

type Who = 'none' | 'customer' | 'support' | 'admin' | 'organizer';
interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  pattern: string;
  path: () => string;
  who: Who;
  /** a valid body; its string fields are the ones malformed variants replace */
  body?: () => Record<string, unknown>;
  /** the query parameters the route reads, with a valid value each */
  query?: Record<string, string>;
}

const NO_EVENT = '7d9e6f1a-3b2c-4d5e-8f90-123456789abc';
const ROUTES: Route[] = [
  { method: 'POST', pattern: '/api/auth/register', path: () => '/api/auth/register', who: 'none', body: () => ({ email: 'new@example.com', password: 'correct horse battery', name: 'New Person' }) },
  { method: 'POST', pattern: '/api/auth/login', path: () => '/api/auth/login', who: 'none', body: () => ({ email: 'nobody@example.com', password: 'correct horse battery' }) },
  { method: 'POST', pattern: '/api/auth/refresh', path: () => '/api/auth/refresh', who: 'none', body: () => ({ refreshToken: 'aW52YWxpZCByZWZyZXNoIHRva2VuIG9mIDMyIGJ5dGVz' }) },
  { method: 'POST', pattern: '/api/auth/logout', path: () => '/api/auth/logout', who: 'none', body: () => ({ refreshToken: 'aW52YWxpZCByZWZyZXNoIHRva2VuIG9mIDMyIGJ5dGVz' }) },
  { method: 'GET', pattern: '/api/me', path: () => '/api/me', who: 'customer' },
  {
    method: 'GET', pattern: '/api/events', path: () => '/api/events', who: 'none',
    query: { q: 'test', from: '2024-01-01T00:00:00Z', to: '2099-12-31', available: 'true', minPrice: '0', maxPrice: '100000', status: 'ON_SALE', venueId: '00000000-0000-4000-8000-000000000000', featured: 'true', page: '1', pageSize: '20' },
  },
  { method: 'GET', pattern: '/api/events/:eventId', path: () => `/api/events/${fixture.eventId}`, who: 'none' },
  { method: 'GET', pattern: '/api/events/:eventId/seats', path: () => `/api/events/${fixture.eventId}/seats`, who: 'none' },
  { method: 'POST', pattern: '/api/reservations', path: () => '/api/reservations', who: 'customer', body: () => ({ eventId: fixture.eventId, seatIds: [fixture.seatIds[0]], holdSeconds: 60 }) },
  { method: 'GET', pattern: '/api/reservations', path: () => '/api/reservations', who: 'customer' },
  { method: 'GET', pattern: '/api/reservations/:id', path: () => `/api/reservations/${fixture.reservationId}`, who: 'customer' },
  { method: 'POST', pattern: '/api/reservations/:id/checkout', path: () => `/api/reservations/${fixture.reservationId}/checkout`, who: 'customer', body: () => ({ card: { number: '4242424242424242', cvc: '123' } }) },
  { method: 'POST', pattern: '/api/reservations/:id/extend', path: () => `/api/reservations/${fixture.reservationId}/extend`, who: 'customer', body: () => ({ seconds: 60 }) },
  { method: 'POST', pattern: '/api/reservations/:id/cancel', path: () => `/api/reservations/${fixture.reservationId}/cancel`, who: 'customer', body: () => ({ reason: 'changed my mind' }) },
  { method: 'GET', pattern: '/api/bookings', path: () => '/api/bookings', who: 'customer' },
  { method: 'GET', pattern: '/api/support/reservations', path: () => '/api/support/reservations', who: 'support', query: { eventId: '00000000-0000-4000-8000-000000000000', status: 'HELD', customerEmail: 'someone@example.com', page: '1', pageSize: '20' } },
  { method: 'POST', pattern: '/api/support/reservations/:id/cancel', path: () => `/api/support/reservations/${fixture.reservationId}/cancel`, who: 'support', body: () => ({ reason: 'customer called' }) },
  { method: 'POST', pattern: '/api/support/reservations/:id/extend', path: () => `/api/support/reservations/${fixture.reservationId}/extend`, who: 'support', body: () => ({ seconds: 60 }) },
  {
    method: 'POST', pattern: '/api/support/events/:eventId/discount-codes', path: () => `/api/support/events/${fixture.eventId}/discount-codes`, who: 'support',
    body: () => ({ code: 'SPRING', kind: 'PERCENT', value: 10, validFrom: '2024-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z', maxUses: 5 }),
  },
  { method: 'GET', pattern: '/api/support/events/:eventId/stats', path: () => `/api/support/events/${fixture.eventId}/stats`, who: 'support' },
  { method: 'GET', pattern: '/api/support/events/:eventId/discount-codes', path: () => `/api/support/events/${fixture.eventId}/discount-codes`, who: 'support' },
  { method: 'GET', pattern: '/api/events/:eventId/discount-codes/:code', path: () => `/api/events/${fixture.eventId}/discount-codes/SPRING`, who: 'customer', query: { amountCents: '5000' } },
  { method: 'GET', pattern: '/api/bookings/:reference/tickets', path: () => '/api/bookings/AB12-CD34/tickets', who: 'customer' },
  { method: 'GET', pattern: '/api/bookings/:reference/tickets.pdf', path: () => '/api/bookings/AB12-CD34/tickets.pdf', who: 'customer' },
  // a code of the right form that no one signed: its variants must never admit anything either
  { method: 'GET', pattern: '/api/bookings/:reference/calendar.ics', path: () => '/api/bookings/AB12-CD34/calendar.ics', who: 'customer' },
  { method: 'GET', pattern: '/api/support/events/:eventId/attendees.csv', path: () => `/api/support/events/${fixture.eventId}/attendees.csv`, who: 'support' },
  { method: 'GET', pattern: '/api/tickets', path: () => '/api/tickets', who: 'customer' },
  // a ticket id no ticket has: valid variants are 404, malformed ones 4xx, and nothing is transferred
  { method: 'POST', pattern: '/api/tickets/:ticketId/transfer', path: () => '/api/tickets/00000000-0000-4000-8000-000000000000/transfer', who: 'customer', body: () => ({ email: 'someone@example.com' }) },
  // a reference no booking has: valid variants are 404, malformed ones 400, and nothing is cancelled
  { method: 'POST', pattern: '/api/bookings/:reference/cancel', path: () => '/api/bookings/AB12-CD34/cancel', who: 'customer', body: () => ({ reason: 'changed my mind' }) },
  { method: 'POST', pattern: '/api/support/bookings/:reference/cancel', path: () => '/api/support/bookings/AB12-CD34/cancel', who: 'support', body: () => ({ reason: 'customer called' }) },
  { method: 'POST', pattern: '/api/checkin', path: () => '/api/checkin', who: 'support', body: () => ({ eventId: fixture.eventId, code: `T1.${'A'.repeat(64)}` }) },
  // the customer keeps its role: the variants below are all refused before anything changes
  { method: 'GET', pattern: '/api/admin/users', path: () => '/api/admin/users', who: 'admin', query: { email: 'someone@example.com' } },
  { method: 'GET', pattern: '/api/admin/users/:id', path: () => `/api/admin/users/${fixture.userId}`, who: 'admin' },
  { method: 'PUT', pattern: '/api/admin/users/:id/roles/:role', path: () => `/api/admin/users/${fixture.userId}/roles/customer`, who: 'admin', body: () => ({}) },
  { method: 'GET', pattern: '/api/admin/tenants', path: () => '/api/admin/tenants', who: 'admin' },
  { method: 'POST', pattern: '/api/admin/tenants', path: () => '/api/admin/tenants', who: 'admin', body: () => ({ name: 'Malformed Tenant' }) },
  // organizer routes on an event that does not exist: even a request that passes validation changes nothing
  { method: 'GET', pattern: '/api/organizer/venues', path: () => '/api/organizer/venues', who: 'organizer' },
  { method: 'POST', pattern: '/api/organizer/venues', path: () => '/api/organizer/venues', who: 'organizer', body: () => ({ name: 'Malformed Hall' }) },
  { method: 'GET', pattern: '/api/organizer/events', path: () => '/api/organizer/events', who: 'organizer', query: { status: 'DRAFT', page: '1', pageSize: '20' } },
  {
    method: 'POST', pattern: '/api/organizer/events', path: () => '/api/organizer/events', who: 'organizer',
    body: () => ({ venueId: NO_EVENT, name: 'Malformed', description: 'a draft', startsAt: '2031-01-01T20:00:00Z', sections: [{ name: 'Floor', kind: 'GA', priceCents: 0, capacity: 10 }] }),
  },
  { method: 'GET', pattern: '/api/organizer/events/:eventId', path: () => `/api/organizer/events/${NO_EVENT}`, who: 'organizer' },
  { method: 'PATCH', pattern: '/api/organizer/events/:eventId', path: () => `/api/organizer/events/${NO_EVENT}`, who: 'organizer', body: () => ({ name: 'Renamed', description: 'x' }) },
  {
    method: 'PUT', pattern: '/api/organizer/events/:eventId/sections', path: () => `/api/organizer/events/${NO_EVENT}/sections`, who: 'organizer',
    body: () => ({ sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 100, rows: 1, seatsPerRow: 2 }] }),
  },
  { method: 'POST', pattern: '/api/organizer/events/:eventId/publish', path: () => `/api/organizer/events/${NO_EVENT}/publish`, who: 'organizer' },
  { method: 'POST', pattern: '/api/organizer/events/:eventId/cancel', path: () => `/api/organizer/events/${NO_EVENT}/cancel`, who: 'organizer', body: () => ({ reason: 'the band split up' }) },
  { method: 'GET', pattern: '/api/organizer/venues/:venueId/templates', path: () => `/api/organizer/venues/${NO_EVENT}/templates`, who: 'organizer' },
  {
    method: 'PUT', pattern: '/api/organizer/venues/:venueId/templates', path: () => `/api/organizer/venues/${NO_EVENT}/templates`, who: 'organizer',
    body: () => ({ templates: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 4500, rows: 2, seatsPerRow: 4, numbering: 'ODD' }] }),
  },
  { method: 'GET', pattern: '/api/organizer/events/:eventId/stats', path: () => `/api/organizer/events/${NO_EVENT}/stats`, who: 'organizer' },
  { method: 'GET', pattern: '/api/organizer/events/:eventId/reservations', path: () => `/api/organizer/events/${NO_EVENT}/reservations`, who: 'organizer', query: { status: 'HELD', page: '1', pageSize: '20' } },
  { method: 'GET', pattern: '/api/organizer/events/:eventId/discount-codes', path: () => `/api/organizer/events/${NO_EVENT}/discount-codes`, who: 'organizer' },
  {
    method: 'POST', pattern: '/api/organizer/events/:eventId/discount-codes', path: () => `/api/organizer/events/${NO_EVENT}/discount-codes`, who: 'organizer',
    body: () => ({ code: 'SPRING', kind: 'PERCENT', value: 10, validFrom: '2024-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z', maxUses: 5 }),
  },
  { method: 'DELETE', pattern: '/api/organizer/events/:eventId', path: () => `/api/organizer/events/${NO_EVENT}`, who: 'organizer' },
  // webhook endpoints: an id no endpoint has (404 when valid); a registration is refused on its URL's variants
  { method: 'GET', pattern: '/api/organizer/webhooks', path: () => '/api/organizer/webhooks', who: 'organizer' },
  { method: 'POST', pattern: '/api/organizer/webhooks', path: () => '/api/organizer/webhooks', who: 'organizer', body: () => ({ url: 'https://hooks.example.com/booking-events', description: 'CRM', eventTypes: ['booking.confirmed'] }) },
  { method: 'PATCH', pattern: '/api/organizer/webhooks/:endpointId', path: () => `/api/organizer/webhooks/${NO_EVENT}`, who: 'organizer', body: () => ({ enabled: false }) },
  { method: 'DELETE', pattern: '/api/organizer/webhooks/:endpointId', path: () => `/api/organizer/webhooks/${NO_EVENT}`, who: 'organizer' },
  { method: 'GET', pattern: '/api/organizer/webhooks/:endpointId/deliveries', path: () => `/api/organizer/webhooks/${NO_EVENT}/deliveries`, who: 'organizer', query: { limit: '10' } },
  // the payment provider's webhook: nothing sent here is signed, so every variant is refused (400) before anything is stored
  { method: 'POST', pattern: '/api/payments/stripe/webhook', path: () => '/api/payments/stripe/webhook', who: 'none' },
  { method: 'DELETE', pattern: '/api/admin/users/:id/roles/:role', path: () => `/api/admin/users/${fixture.userId}/roles/support`, who: 'admin' },
  // featured events: an event that does not exist, so nothing is featured or unfeatured
  { method: 'PUT', pattern: '/api/admin/events/:eventId/featured', path: () => `/api/admin/events/${NO_EVENT}/featured`, who: 'admin', body: () => ({ position: 1 }) },
  { method: 'DELETE', pattern: '/api/admin/events/:eventId/featured', path: () => `/api/admin/events/${NO_EVENT}/featured`, who: 'admin' },
  // tenants' apps: a tenant that does not exist (admin) and an app that does not exist, so nothing is created or revoked
  { method: 'GET', pattern: '/api/admin/tenants/:tenantId/apps', path: () => `/api/admin/tenants/${fixture.tenantId}/apps`, who: 'admin' },
  { method: 'POST', pattern: '/api/admin/tenants/:tenantId/apps', path: () => `/api/admin/tenants/${NO_EVENT}/apps`, who: 'admin', body: () => ({ name: 'Box office', allowedOrigins: ['https://tickets.example.com'] }) },
  { method: 'DELETE', pattern: '/api/admin/tenants/:tenantId/apps/:appId', path: () => `/api/admin/tenants/${fixture.tenantId}/apps/${NO_EVENT}`, who: 'admin' },
  { method: 'GET', pattern: '/api/organizer/apps', path: () => '/api/organizer/apps', who: 'organizer' },
  { method: 'POST', pattern: '/api/organizer/apps', path: () => '/api/organizer/apps', who: 'organizer', body: () => ({ name: 'Box office', allowedOrigins: ['https://tickets.example.com'] }) },
  { method: 'DELETE', pattern: '/api/organizer/apps/:appId', path: () => `/api/organizer/apps/${NO_EVENT}`, who: 'organizer' },
  // the audit trail
  { method: 'GET', pattern: '/api/support/audit', path: () => '/api/support/audit', who: 'support', query: { eventId: '00000000-0000-4000-8000-000000000000', actorId: '00000000-0000-4000-8000-000000000000', before: '1000', limit: '10' } },
  { method: 'GET', pattern: '/api/organizer/events/:eventId/audit', path: () => `/api/organizer/events/${NO_EVENT}/audit`, who: 'organizer', query: { before: '1000', limit: '10' } },
  // waitlists: the fixture's section has free seats, so even a valid join is refused (409 SEATS_AVAILABLE) and nothing is stored
  { method: 'POST', pattern: '/api/events/:eventId/sections/:sectionId/waitlist', path: () => `/api/events/${fixture.eventId}/sections/${fixture.sectionId}/waitlist`, who: 'customer', body: () => ({ quantity: 1 }) },
  { method: 'DELETE', pattern: '/api/events/:eventId/sections/:sectionId/waitlist', path: () => `/api/events/${fixture.eventId}/sections/${fixture.sectionId}/waitlist`, who: 'customer' },
  { method: 'GET', pattern: '/api/waitlist', path: () => '/api/waitlist', who: 'customer' },
  { method: 'GET', pattern: '/api/support/events/:eventId/waitlist', path: () => `/api/support/events/${fixture.eventId}/waitlist`, who: 'support' },
  { method: 'GET', pattern: '/api/organizer/events/:eventId/waitlist', path: () => `/api/organizer/events/${NO_EVENT}/waitlist`, who: 'organizer' },
];
/** The routes that take a body (POST, PUT, PATCH; publish takes none, so an empty one, even a decoded one, is right there). */
const POSTS = ROUTES.filter((r) => r.body);
const token = (who: Who) => (who === 'none' ? undefined : { customer: fixture.customer, support: fixture.support, admin: fixture.admin, organizer: fixture.organizer }[who]);

// ---------------------------------------------------------------- sending, and what every answer must be

interface Reply { status: number; headers: IncomingHttpHeaders; text: string }
interface Sent { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer; who?: Who }

const tally: Record<string, Record<string, number>> = {};

function send(kind: string, req: Sent): Promise<Reply> {
  const url = new URL(engine.url);
  const headers: Record<string, string> = { ...req.headers };
  const bearer = req.who ? token(req.who) : undefined;
  if (bearer && headers.authorization === undefined) headers.authorization = `Bearer ${bearer}`;
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const reply = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
        (tally[kind] ??= {})[reply.status] = (tally[kind][reply.status] ?? 0) + 1;
        resolve(reply);
      });
      res.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** One raw HTTP/1.1 exchange over a socket, for what an HTTP client refuses to send. */
function sendRaw(kind: string, raw: string): Promise<Reply> {
  const url = new URL(engine.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const headers: IncomingHttpHeaders = {};
      for (const line of head.split('\r\n').slice(1)) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      (tally[kind] ??= {})[status] = (tally[kind][status] ?? 0) + 1;
      resolve({ status, headers, text: rest.join('\r\n\r\n') });
    });
  });
}

const ErrorShape = z.object({
  error: z.object({ code: z.string().regex(/^[A-Z][A-Z_]+$/), message: z.string().min(1), details: z.record(z.string(), z.unknown()) }).strict(),
}).strict();

/** What is wrong with an answer: a 5xx, an error without the error shape, or internals in it. */
function problems(req: Pick<Sent, 'method' | 'path'>, reply: Reply): string[] {
  const found: string[] = [];
  const where = `${req.method} ${req.path.slice(0, 120)} → ${reply.status}`;
  if (reply.status >= 500 || reply.status < 100) found.push(`${where}: server error ${reply.text.slice(0, 200)}`);
  if (reply.status >= 400 && req.method !== 'HEAD') {
    if (!String(reply.headers['content-type']).startsWith('application/json')) found.push(`${where}: content-type ${reply.headers['content-type']}`);
    let body: unknown;
    try { body = JSON.parse(reply.text); } catch { found.push(`${where}: not JSON: ${JSON.stringify(reply.text.slice(0, 120))}`); }
    if (body !== undefined && !ErrorShape.safeParse(body).success) found.push(`${where}: not the error shape: ${reply.text.slice(0, 200)}`);
    if (/\bat .+:\d+:\d+|node_modules|\.ts:\d+|stack/.test(reply.text)) found.push(`${where}: internals in the body: ${reply.text.slice(0, 200)}`);
  }
  return found;
}

async function expectSafe(kind: string, req: Sent): Promise<Reply> {
  const reply = await send(kind, req);
  expect(problems(req, reply)).toEqual([]);
  return reply;
}

/** Rows and seat states that no refused request may change. */
async function storedState() {
  return engine.db.pool.one(sql.type(z.object({ state: z.string() }))`
    SELECT concat_ws('|',
      (SELECT count(*) FROM customers), (SELECT md5(string_agg(id || role, ',' ORDER BY id)) FROM customers), (SELECT count(*) FROM tenants),
      (SELECT count(*) FROM venues), (SELECT md5(string_agg(id || status || name || coalesce(max_tickets_per_customer, 0), ',' ORDER BY id)) FROM events),
      (SELECT count(*) FROM refresh_tokens), (SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NOT NULL OR rotated_at IS NOT NULL), (SELECT count(*) FROM reservations), (SELECT count(*) FROM payment_charges),
      (SELECT count(*) FROM payment_methods), (SELECT count(*) FROM payment_attempts), (SELECT count(*) FROM bookings), (SELECT count(*) FROM outbox), (SELECT count(*) FROM discount_codes), (SELECT count(*) FROM tenant_apps), (SELECT count(*) FROM tenant_apps WHERE revoked_at IS NOT NULL), (SELECT count(*) FROM audit_log),
      (SELECT md5(string_agg(id || state || version, ',' ORDER BY id)) FROM seats),
      (SELECT count(*) FROM payment_methods), (SELECT count(*) FROM payment_attempts), (SELECT count(*) FROM bookings), (SELECT count(*) FROM outbox), (SELECT count(*) FROM discount_codes),
      (SELECT md5(string_agg(id || state || version, ',' ORDER BY id)) FROM seats), (SELECT md5(string_agg(id || status, ',' ORDER BY id)) FROM waitlist_entries),
      (SELECT md5(string_agg(id || status || hold_expires_at::text || coalesce(cancel_reason, ''), ',' ORDER BY id)) FROM reservations)
    ) AS state
  `);
}

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const RUNS = 20;

/** Every string leaf of a body, as a path of keys. */
function stringPaths(value: unknown, at: string[] = []): string[][] {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...at, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...at, k]));
  return [];
}
function leafPaths(value: unknown, at: string[] = []): string[][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...at, k]));
  return [at];
}
function replaced(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
  return copy;
}

const withNul = fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`);
// an array field (e.g. an app's allowedOrigins) may rightly take an empty array: no arrays for it
const wrongType = (current: unknown) => fc.oneof(
  fc.constant(null), fc.boolean(), fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  Array.isArray(current) ? fc.string({ maxLength: 12 }) : fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  typeof current === 'number' ? fc.string({ maxLength: 12 }) : fc.double(),
);

// ---------------------------------------------------------------- the properties

describe('malformed requests to every route answer below 500, in the error shape, and store nothing', () => {
  let before: { state: string };
  beforeAll(async () => { before = await storedState(); });
  afterAll(async () => { expect(await storedState()).toEqual(before); });

  test('the route table here covers every route the API registers', () => {
    const deps = {} as never;
    const registered = [authRoutes(deps), eventRoutes(deps), adminRoutes(deps), organizerRoutes(deps), reservationRoutes({ service: deps, config: { HOLD_MIN_SECONDS: 1, HOLD_MAX_SECONDS: 2, HOLD_MAX_SEATS: 1 } as never }), supportRoutes(deps), ticketRoutes(deps), bookingRoutes(deps), discountRoutes(deps), waitlistRoutes(deps), appRoutes(deps),
      organizerWebhookRoutes({ pool: deps, settings: { secretKey: undefined, allowHttpLoopback: false } }), paymentWebhookRoutes({ pool: deps, secret: undefined, toleranceSeconds: 300 })]
      .flatMap((router) => router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`)));
    expect(new Set(registered)).toEqual(new Set(ROUTES.map((r) => `${r.method} ${r.pattern}`)));
  });

  test('a NUL byte in any text field of a body is refused with 400 VALIDATION_FAILED naming the field', async () => {
    const cases = POSTS.flatMap((route) => stringPaths(route.body!()).map((path) => ({ route, path })));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...cases), withNul, async ({ route, path }, text) => {
      const reply = await expectSafe('body: NUL byte', { method: route.method, path: route.path(), who: route.who, ...json(replaced(route.body!(), path, text)) });
      expect(reply.status).toBe(400);
      const { error } = JSON.parse(reply.text);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain(path.filter((k) => !/^\d+$/.test(k)).at(-1));
    }), { numRuns: cases.length * 4 });
  });

  test('a value of the wrong type in any body field is a 4xx', async () => {
    const cases = POSTS.flatMap((route) => leafPaths(route.body!()).map((path) => ({ route, path })));
    const arbitrary = fc.constantFrom(...cases).chain((c) => fc.tuple(fc.constant(c), wrongType(replacedValue(c.route.body!(), c.path))));
    await fc.assert(fc.asyncProperty(arbitrary, async ([{ route, path }, value]) => {
      const reply = await expectSafe('body: wrong type', { method: route.method, path: route.path(), who: route.who, ...json(replaced(route.body!(), path, value)) });
      expect(reply.status).toBeGreaterThanOrEqual(400);
    }), { numRuns: cases.length * 6 });
  });

  test('bodies that are not a JSON object (garbage, other JSON, deep nesting, too large) are a 4xx', async () => {
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
      fc.json({ maxDepth: 3 }).filter((s) => !s.startsWith('{')),
      fc.integer({ min: 1, max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc.integer({ min: 1, max: 5000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
      // (an empty object, with or without a BOM, is a valid body for cancel and extend: not here)
      fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}', '{"unknown":1}', '\uFEFF{"unknown":1}', '{', '{}}', 'null'),
      fc.constant(`{"pad":"${'x'.repeat(70 * 1024)}"}`),
    );
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream');
    await fc.assert(fc.asyncProperty(fc.constantFrom(...POSTS), garbage, contentType, async (route, body, type) => {
      const reply = await expectSafe('body: not a JSON object', { method: route.method, path: route.path(), who: route.who, body, headers: { 'content-type': type } });
      expect(reply.status).toBeGreaterThanOrEqual(400);
    }), { numRuns: POSTS.length * RUNS });
  });

  test('a body that does not match its Content-Encoding is a 400 or 415', async () => {
    const valid = (route: Route) => Buffer.from(JSON.stringify(route.body!()));
    const mismatch = fc.oneof(
      fc.constantFrom('gzip', 'deflate', 'br').map((encoding) => ({ encoding, body: (route: Route) => valid(route) })),
      fc.constantFrom('gzip', 'deflate', 'br').map((encoding) => ({ encoding, body: (route: Route) => truncated(compress(encoding, valid(route))) })),
      fc.constantFrom('gzip', 'deflate', 'br').map((encoding) => ({ encoding, body: (_: Route) => compress(encoding, Buffer.from('not json at all')) })),
      // random bytes, except the few that happen to be a valid stream (a one-byte br stream decodes to an empty body)
      fc.tuple(fc.constantFrom('gzip', 'deflate', 'br'), fc.uint8Array({ minLength: 1, maxLength: 64 }))
        .filter(([encoding, bytes]) => !decodes(encoding, Buffer.from(bytes)))
        .map(([encoding, bytes]) => ({ encoding, body: (_: Route) => Buffer.from(bytes) })),
      fc.constantFrom('compress', 'zstd', 'x-gzip, br', 'identity, gzip', 'gzip, gzip').map((encoding) => ({ encoding, body: (route: Route) => valid(route) })),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...POSTS), mismatch, async (route, { encoding, body }) => {
      const reply = await expectSafe('body: Content-Encoding mismatch', { method: route.method, path: route.path(), who: route.who, body: body(route), headers: { 'content-type': 'application/json', 'content-encoding': encoding } });
      expect([400, 415]).toContain(reply.status);
    }), { numRuns: POSTS.length * RUNS });
  });

  test('query parameters with NUL bytes, out-of-range integers and dates PostgreSQL cannot store are a 400 naming the parameter', async () => {
    const bad = fc.oneof(
      fc.record({ params: fc.constant(['q', 'from', 'to', 'available', 'minPrice', 'maxPrice', 'status', 'venueId', 'page', 'pageSize', 'eventId', 'email', 'customerEmail']), value: withNul }),
      fc.record({ params: fc.constant(['minPrice', 'maxPrice', 'page', 'pageSize']), value: fc.bigInt({ min: 2n ** 31n, max: 10n ** 40n }).map(String) }),
      fc.record({ params: fc.constant(['minPrice', 'maxPrice', 'page', 'pageSize']), value: fc.constantFrom('-1', '1.5', '1e3', 'Infinity', 'NaN', '0x10', '', ' 1') }),
      fc.record({ params: fc.constant(['from', 'to']), value: fc.constantFrom('0000-01-01', '0000-01-01T00:00:00Z', '0000-02-29T12:00:00+01:00') }),
      fc.record({
        params: fc.constant(['from', 'to']),
        value: fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 16, max: 23 }), fc.integer({ min: 0, max: 59 }))
          .map(([sign, h, m]) => `2030-06-01T12:00:00${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
      }),
    );
    const routes = ROUTES.filter((r) => r.query);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), bad, fc.nat(), async (route, { params, value: text }, pick) => {
      const readable = params.filter((p) => p in route.query!);
      if (readable.length === 0) return;
      const param = readable[pick % readable.length];
      const query = new URLSearchParams({ ...route.query, [param]: text });
      const reply = await expectSafe('query: unstorable value', { method: 'GET', path: `${route.path()}?${query}`, who: route.who });
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.text).error.message).toContain(param);
    }), { numRuns: routes.length * RUNS * 3 });
  });

  test('any query string at all is answered below 500', async () => {
    const routes = ROUTES.filter((r) => r.method === 'GET');
    const raw = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => encodeURIComponent(s)),
      fc.constantFrom('%', '%E0%A4%A', '%FF%FE', 'a=%00', 'page=1&page=2', 'q[]=x', 'q[a]=b', '__proto__=1', 'from=2030-02-30', 'to=9999-12-31T23:59:59-15:59', 'from=2024-13-01'),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), fc.dictionary(fc.constantFrom('q', 'from', 'to', 'available', 'minPrice', 'maxPrice', 'status', 'page', 'pageSize', 'eventId'), raw, { maxKeys: 3 }), async (route, params) => {
      const query = Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&');
      await expectSafe('query: anything', { method: 'GET', path: `${route.path()}?${query}`, who: route.who });
    }), { numRuns: routes.length * RUNS });
  });

  test('malformed path parameters are a 400 or 404', async () => {
    const routes = ROUTES.filter((r) => r.pattern.includes(':'));
    const param = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map(encodeURIComponent),
      fc.constantFrom('%00', '%E0%A4%A', '..%2F..%2F', '00000000-0000-0000-0000-000000000000', 'x'.repeat(2000), '%F0%9F%98%80'),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), param, async (route, value) => {
      const path = route.pattern.replace(/:\w+/, value);
      const reply = await expectSafe('path: malformed parameter', { method: route.method, path, who: route.who, ...(route.body ? json(route.body()) : {}) });
      expect([400, 404]).toContain(reply.status);
    }), { numRuns: routes.length * RUNS });
  });

  test('a bad Authorization header is a 401 on every route', async () => {
    const secret = engine.config.JWT_SECRET;
    const claims = { email: 'x@example.com', role: 'support' };
    const bad = fc.oneof(
      fc.string({ maxLength: 60 }).filter((s) => !/[\r\n\0]/.test(s) && s.trim() === s && s.length > 0).map((s) => `Bearer ${s}`),
      fc.constantFrom(
        'Bearer', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c',
        `Bearer ${jwt.sign(claims, 'another-secret-of-at-least-thirty-two-chars', { subject: '00000000-0000-4000-8000-000000000000' })}`,
        `Bearer ${jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, secret, { subject: '00000000-0000-4000-8000-000000000000' })}`,
        `Bearer ${jwt.sign(claims, secret, { subject: 'not-a-uuid' })}`,
        `Bearer ${jwt.sign({ ...claims, role: 'superuser' }, secret, { subject: '00000000-0000-4000-8000-000000000000' })}`,
        `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.`,
      ),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ROUTES), bad, async (route, authorization) => {
      const reply = await expectSafe('header: bad token', { method: route.method, path: route.path(), headers: { authorization, ...(route.body ? json(route.body()).headers : {}) }, body: route.body ? JSON.stringify(route.body()) : undefined });
      expect(reply.status).toBe(401);
    }), { numRuns: ROUTES.length * 8 });
  });

  test('a valid token whose account no longer exists is a 401 on a hold, and below 500 everywhere', async () => {
    for (const route of ROUTES) {
      const hold = route.method === 'POST' && route.pattern === '/api/reservations';
      const reply = await expectSafe('header: token of a deleted account', {
        method: route.method, path: route.path(), headers: { authorization: `Bearer ${fixture.ghost}`, 'content-type': 'application/json' },
        body: route.method === 'POST' ? JSON.stringify(hold ? { eventId: fixture.eventId, seatIds: [fixture.seatIds[9]] } : {}) : undefined,
      });
      if (hold) expect(reply.status).toBe(401);
    }
  });

  test('odd Idempotency-Key and Content-Type headers are answered below 500', async () => {
    const key = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((s) => s.replace(/[\r\n]/g, '').trim()), fc.constantFrom('é'.repeat(20), 'x', '\u00ff'.repeat(8)));
    const routes = POSTS.filter((r) => r.who === 'customer');
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), key, async (route, idempotencyKey) => {
      // a hold of a seat that is taken, or a body that is refused: nothing may change either way
      const body = route.pattern === '/api/reservations' ? { eventId: fixture.eventId, seatIds: [fixture.seatIds[0]] } : replaced(route.body!(), leafPaths(route.body!())[0], null);
      await expectSafe('header: odd idempotency key', { method: route.method, path: route.path(), who: route.who, body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey } });
    }), { numRuns: routes.length * RUNS });
  });

  test('methods a route does not have, known or not (PROPFIND, TRACE, ...), are a 405 in the error shape, on API and web paths', async () => {
    const paths = [...ROUTES.map((r) => r.path()), '/', '/events/whatever', '/api', '/api/nothing-here', '/metrics'];
    const methods = fc.constantFrom('PUT', 'PATCH', 'DELETE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'TRACE', 'SEARCH', 'PURGE', 'REPORT', 'MKCALENDAR', 'LINK', 'QUERY');
    // a path's own methods (PUT, PATCH and DELETE of the admin and organizer routes) are not among the ones it lacks
    const has = (path: string, method: string) =>
      ROUTES.some((r) => r.method === method && new RegExp(`^${r.pattern.replace(/:\w+/g, '[^/]+')}$`).test(path));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), methods, async (path, method) => {
      if (has(path, method)) return;
      const reply = await expectSafe('method: not allowed', { method, path, who: 'customer' });
      expect(reply.status).toBe(path === '/api' || path === '/api/nothing-here' ? 404 : 405);
      if (reply.status === 405) expect(reply.headers.allow).toBeTruthy();
    }), { numRuns: paths.length * 8 });
    // a POST to a page of the web client, and a GET to a POST-only API route
    expect((await expectSafe('method: not allowed', { method: 'POST', path: '/', ...json({}) })).status).toBe(405);
    const get = await expectSafe('method: not allowed', { method: 'GET', path: '/api/auth/login' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toContain('POST');
  });

  test('what the HTTP parser refuses (oversized headers, unknown method tokens, broken request lines) still gets the error shape', async () => {
    const url = new URL(engine.url);
    const host = `Host: ${url.host}\r\n`;
    const cases: Array<{ raw: string; status: number[] }> = [
      { raw: `GET /api/events HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, status: [431] },
      { raw: `GET /api/events HTTP/1.1\r\n${host}${Array.from({ length: 3000 }, (_, i) => `X-${i}: y`).join('\r\n')}\r\n\r\n`, status: [431] },
      { raw: `FROBNICATE /api/events HTTP/1.1\r\n${host}\r\n`, status: [400] },
      { raw: `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host}\r\n`, status: [405] },
      { raw: `GET /api/events HTTP/9.9\r\n${host}\r\n`, status: [400, 505] },
      { raw: `GET /api/events HTTP/1.1\r\n${host}Bad Header\r\n\r\n`, status: [400] },
      { raw: `POST /api/auth/login HTTP/1.1\r\n${host}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: [400] },
      { raw: `GET /api/events\0 HTTP/1.1\r\n${host}\r\n`, status: [400] },
    ];
    for (const { raw, status } of cases) {
      const reply = await sendRaw('parser: refused request', raw);
      expect(problems({ method: raw.split(' ')[0], path: raw.split(' ')[1] }, reply)).toEqual([]);
      expect(status).toContain(reply.status);
    }
  });
});

function replacedValue(body: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<any>((node, key) => node?.[key], body);
}

/** Whether the bytes are a valid stream of the encoding (any zlib flavour the server might accept for deflate). */
function decodes(encoding: string, data: Buffer): boolean {
  const decoders = encoding === 'gzip' ? [gunzipSync, unzipSync] : encoding === 'deflate' ? [inflateSync, inflateRawSync, unzipSync] : [brotliDecompressSync];
  return decoders.some((decode) => {
    try {
      decode(data);
      return true;
    } catch {
      return false;
    }
  });
}

/** The first 12 bytes of a compressed body, and never all of it (a tiny body such as `{}` compresses to fewer). */
function truncated(compressed: Buffer): Buffer {
  return compressed.subarray(0, Math.min(12, compressed.length - 1));
}

function compress(encoding: string, data: Buffer): Buffer {
  return encoding === 'gzip' ? gzipSync(data) : encoding === 'deflate' ? deflateSync(data) : brotliCompressSync(data);
}
