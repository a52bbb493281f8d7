import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';

/**
 * Tenants' client apps (issue 10): an app's API key acts for its tenant on the organizer routes,
 * like the tenant's organizers, and nowhere else; it is stored hashed and shown once; CORS lets a
 * key's requests come from its app's origins only. Isolation: nothing of tenant A is readable or
 * writable through tenant B's key or B's organizer (events, stats, discount codes, audit, attendee
 * lists, reservations).
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let admin: Account;
let support: Account;
let buyer: Account;
let tenantA: string;
let tenantB: string;
let organizerA: Account;
let organizerB: Account;
let keyA: string;
let keyB: string;
let appA: { id: string; keyPrefix: string };
/** Tenant A's published event with a booking and a live hold. */
let eventA: { id: string; seatIds: string[]; reservationId: string; reference: string };

const LISTED = 'https://listed.example.com';
const ORIGIN_A = 'https://box-office-a.example.com';
const ORIGIN_B = 'https://shop-b.example.com';

const as = (token: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  engine.request(method, path, { token, body, headers });
const LAYOUT = [{ name: 'Stalls', kind: 'RESERVED', priceCents: 3000, rows: 2, seatsPerRow: 5 }];
const draftBody = (venueId: string) => ({ venueId, name: `Gig ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), sections: LAYOUT });

async function createApp(token: string, path: string, body: unknown) {
  const res = await as(token, 'POST', path, body);
  expect(res.status).toBe(201);
  return res.body as { app: { id: string; keyPrefix: string; allowedOrigins: string[]; tenantId: string }; key: string };
}

beforeAll(async () => {
  engine = await startTestEngine('tenantapps', { RATE_LIMIT_HOLDS_PER_MINUTE: '0', CORS_ORIGINS: LISTED });
  [admin, support, buyer] = [await engine.register('admin'), await engine.register('support'), await engine.register()];
  [tenantA, tenantB] = [await engine.createTenant('Tenant A'), await engine.createTenant('Tenant B')];
  [organizerA, organizerB] = [await engine.register('organizer', { tenantId: tenantA }), await engine.register('organizer', { tenantId: tenantB })];
  const createdA = await createApp(admin.token, `/api/admin/tenants/${tenantA}/apps`, { name: 'Box office A', allowedOrigins: [ORIGIN_A] });
  const createdB = await createApp(organizerB.token, '/api/organizer/apps', { name: 'Shop B', allowedOrigins: [ORIGIN_B] });
  [keyA, keyB, appA] = [createdA.key, createdB.key, createdA.app];

  const venue = (await as(organizerA.token, 'POST', '/api/organizer/venues', { name: 'Hall A' })).body.venue.id;
  const draft = await as(organizerA.token, 'POST', '/api/organizer/events', draftBody(venue));
  expect((await as(organizerA.token, 'POST', `/api/organizer/events/${draft.body.id}/publish`)).status).toBe(200);
  const seatIds = (draft.body.seats as Array<{ id: string }>).map((s) => s.id);
  const reference = await bookSeats(engine, buyer, draft.body.id, [seatIds[0]]);
  const held = await as(buyer.token, 'POST', '/api/reservations', { eventId: draft.body.id, seatIds: [seatIds[1]] });
  expect(held.status).toBe(201);
  expect((await as(organizerA.token, 'POST', `/api/organizer/events/${draft.body.id}/discount-codes`, { code: 'AONLY', kind: 'PERCENT', value: 10 })).status).toBe(201);
  eventA = { id: draft.body.id, seatIds, reservationId: held.body.reservation.id, reference };
});
afterAll(async () => { await engine?.close(); });

describe('app keys', () => {
  test('the key is shown once and only its SHA-256 is stored, under its lookup prefix', async () => {
    expect(keyA).toMatch(/^bk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(keyA.startsWith(`${appA.keyPrefix}_`)).toBe(true);
    const listed = await as(admin.token, 'GET', `/api/admin/tenants/${tenantA}/apps`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(keyA.slice(appA.keyPrefix.length + 1));
    expect(listed.body.items).toEqual([expect.objectContaining({ id: appA.id, name: 'Box office A', keyPrefix: appA.keyPrefix, allowedOrigins: [ORIGIN_A], revokedAt: null })]);
    const row = await engine.db.pool.one(sql.type(z.object({ hash: z.instanceof(Buffer), everything: z.string() }))`
      SELECT key_hash AS hash, t::text AS everything FROM tenant_apps t WHERE id = ${appA.id}
    `);
    expect(row.hash.equals(createHash('sha256').update(keyA).digest())).toBe(true);
    expect(row.everything).not.toContain(keyA.slice(appA.keyPrefix.length + 1));
  });

  test("a key acts for its tenant on the organizer routes: lists, creates, edits, publishes and reads its events' figures", async () => {
    const listed = await as(keyA, 'GET', '/api/organizer/events');
    expect(listed.status).toBe(200);
    expect((listed.body.items as Array<{ id: string }>).map((e) => e.id)).toEqual([eventA.id]);
    const venue = (await as(keyA, 'GET', '/api/organizer/venues')).body.items[0].id;
    const draft = await as(keyA, 'POST', '/api/organizer/events', draftBody(venue));
    expect(draft.status).toBe(201);
    expect((await as(keyA, 'PATCH', `/api/organizer/events/${draft.body.id}`, { name: 'Renamed by the app' })).body.name).toBe('Renamed by the app');
    expect((await as(keyA, 'POST', `/api/organizer/events/${draft.body.id}/publish`)).body.status).toBe('ON_SALE');
    expect((await as(keyA, 'GET', `/api/organizer/events/${eventA.id}/stats`)).body.ticketsSold).toBe(1);
    const code = await as(keyA, 'POST', `/api/organizer/events/${draft.body.id}/discount-codes`, { code: 'APP5', kind: 'FIXED', value: 500 });
    expect(code.status).toBe(201);
    // recorded as the app, in the event's audit trail and on the code
    const audit = await as(organizerA.token, 'GET', `/api/organizer/events/${draft.body.id}/audit`);
    expect((audit.body.items as Array<{ action: string; actorKind: string; actorId: string; actor: string }>).map((e) => [e.action, e.actorKind, e.actorId, e.actor])).toEqual(
      ['discount_code.created', 'event.published', 'event.edited', 'event.created'].map((action) => [action, 'app', appA.id, `app:Box office A (${appA.keyPrefix})`]),
    );
    const createdBy = await engine.db.pool.oneFirst(sql.type(z.object({ by: z.string() }))`SELECT created_by AS by FROM discount_codes WHERE code = 'APP5'`);
    expect(createdBy).toBe(`app:Box office A (${appA.keyPrefix})`);
  });

  test('a key is refused everywhere else: buying, support, admin, account and app routes', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/me'], ['POST', '/api/reservations', { eventId: eventA.id, seatIds: [eventA.seatIds[5]] }], ['GET', '/api/reservations'],
      ['GET', `/api/reservations/${eventA.reservationId}`], ['POST', `/api/reservations/${eventA.reservationId}/cancel`, {}],
      ['GET', `/api/support/reservations?eventId=${eventA.id}`], ['GET', `/api/support/events/${eventA.id}/attendees.csv`], ['GET', `/api/support/audit?eventId=${eventA.id}`],
      ['GET', `/api/admin/tenants/${tenantA}/apps`], ['GET', '/api/organizer/apps'], ['POST', '/api/organizer/apps', { name: 'More keys' }],
      ['DELETE', `/api/organizer/apps/${appA.id}`], ['GET', '/api/bookings'], ['GET', '/api/tickets'],
    ] as Array<[string, string, unknown?]>) {
      const res = await as(keyA, method, path, body);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
    }
    expect((await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM tenant_apps WHERE tenant_id = ${tenantA}`))).toBe(1);
    expect((await as(undefined, 'GET', `/api/reservations/${eventA.reservationId}`, undefined)).status).toBe(401);
    // public routes answer as for anyone
    expect((await as(keyA, 'GET', `/api/events/${eventA.id}`)).status).toBe(200);
  });

  test('a wrong, malformed or revoked key is 401', async () => {
    const wrong = `${appA.keyPrefix}_${'A'.repeat(43)}`;
    for (const key of [wrong, 'bk_nothing', `bk_000000000000_${'A'.repeat(43)}`]) {
      const res = await as(key, 'GET', '/api/organizer/events');
      expect({ key, status: res.status, code: res.body.error.code }).toEqual({ key, status: 401, code: 'UNAUTHENTICATED' });
    }
    const spare = await createApp(organizerA.token, '/api/organizer/apps', { name: 'Spare' });
    expect((await as(spare.key, 'GET', '/api/organizer/events')).status).toBe(200);
    const revoked = await as(organizerA.token, 'DELETE', `/api/organizer/apps/${spare.app.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.app.revokedBy).toBe(`organizer:${organizerA.email}`);
    expect((await as(spare.key, 'GET', '/api/organizer/events')).status).toBe(401);
    // revoking again answers the same app and records nothing more
    expect((await as(admin.token, 'DELETE', `/api/admin/tenants/${tenantA}/apps/${spare.app.id}`)).body.app.revokedAt).toBe(revoked.body.app.revokedAt);
    const trail = await as(admin.token, 'GET', `/api/support/audit?actorId=${organizerA.customerId}`);
    expect((trail.body.items as Array<{ action: string; subjectId: string }>).filter((e) => e.subjectId === spare.app.id).map((e) => e.action)).toEqual(['app.revoked', 'app.created']);
  });

  test("a key's last use is listed: recorded by a right key at most once a minute, never by a wrong one", async () => {
    const counted = await createApp(organizerA.token, '/api/organizer/apps', { name: 'Counted' });
    const lastUse = async () => ((await as(organizerA.token, 'GET', '/api/organizer/apps')).body.items as Array<{ id: string; lastUsedAt: string | null }>)
      .find((a) => a.id === counted.app.id)!.lastUsedAt;
    expect(await lastUse()).toBeNull();
    // a wrong key with the app's prefix is refused and records nothing
    expect((await as(`${counted.app.keyPrefix}_${'B'.repeat(43)}`, 'GET', '/api/organizer/events')).status).toBe(401);
    expect(await lastUse()).toBeNull();
    expect((await as(counted.key, 'GET', '/api/organizer/events')).status).toBe(200);
    const first = await lastUse();
    expect(Date.now() - Date.parse(first!)).toBeLessThan(60_000);
    // within the minute, another request writes nothing
    expect((await as(counted.key, 'GET', '/api/organizer/venues')).status).toBe(200);
    expect(await lastUse()).toBe(first);
    // a use older than a minute is recorded again
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE tenant_apps SET last_used_at = now() - interval '5 minutes' WHERE id = ${counted.app.id}`);
    const stale = await lastUse();
    expect((await as(counted.key, 'GET', '/api/organizer/events')).status).toBe(200);
    const again = await lastUse();
    expect(Date.parse(again!)).toBeGreaterThan(Date.parse(stale!) + 4 * 60_000);
    // the admin's list shows it too
    const adminList = (await as(admin.token, 'GET', `/api/admin/tenants/${tenantA}/apps`)).body.items as Array<{ id: string; lastUsedAt: string | null }>;
    expect(adminList.find((a) => a.id === counted.app.id)!.lastUsedAt).toBe(again);
  });

  test('an app is registered with well-formed origins only', async () => {
    for (const origin of ['https://x.example.com/', 'https://x.example.com/path', 'ftp://x.example.com', 'not an origin', 'null']) {
      const res = await as(admin.token, 'POST', `/api/admin/tenants/${tenantA}/apps`, { name: 'Bad', allowedOrigins: [origin] });
      expect({ origin, status: res.status }).toEqual({ origin, status: 400 });
    }
    expect((await as(admin.token, 'POST', `/api/admin/tenants/${randomUUID()}/apps`, { name: 'Nobody' })).status).toBe(404);
  });
});

describe('CORS for app keys', () => {
  test("a key's request from its app's origin gets CORS headers; from any other origin, even a listed one, it is refused", async () => {
    const ok = await as(keyA, 'GET', '/api/organizer/events', undefined, { origin: ORIGIN_A });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN_A);
    for (const origin of [ORIGIN_B, LISTED, 'https://evil.example.com']) {
      const refused = await as(keyA, 'GET', '/api/organizer/events', undefined, { origin });
      expect({ origin, status: refused.status, acao: refused.headers.get('access-control-allow-origin') }).toEqual({ origin, status: 403, acao: null });
    }
    const refusedWrite = await as(keyA, 'PATCH', `/api/organizer/events/${eventA.id}`, { name: 'From B' }, { origin: ORIGIN_B });
    expect(refusedWrite.status).toBe(403);
    expect((await as(organizerA.token, 'GET', `/api/organizer/events/${eventA.id}`)).body.name).not.toBe('From B');
    // servers send no Origin
    expect((await as(keyA, 'GET', '/api/organizer/events')).status).toBe(200);
    // a signed-in person's request from an app origin is not made cross-origin-readable by it
    const person = await as(organizerA.token, 'GET', '/api/organizer/events', undefined, { origin: ORIGIN_A });
    expect(person.headers.get('access-control-allow-origin')).toBeNull();
  });

  test("a preflight from a live app's origin allows the organizer routes' methods; an unknown or revoked app's origin is refused", async () => {
    const preflight = (origin: string) => engine.request('OPTIONS', '/api/organizer/events/x', {
      headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });
    const allowed = await preflight(ORIGIN_A);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN_A);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect((await preflight('https://unknown.example.com')).status).toBe(403);
    const gone = await createApp(admin.token, `/api/admin/tenants/${tenantB}/apps`, { name: 'Gone', allowedOrigins: ['https://gone.example.com'] });
    expect((await preflight('https://gone.example.com')).status).toBe(204);
    expect((await as(admin.token, 'DELETE', `/api/admin/tenants/${tenantB}/apps/${gone.app.id}`)).status).toBe(200);
    expect((await preflight('https://gone.example.com')).status).toBe(403);
  });
});

describe("isolation: nothing of tenant A through tenant B's key or organizer", () => {
  const eventRow = () => engine.db.pool.one(sql.type(z.object({ state: z.string() }))`
    SELECT concat_ws('|', e.name, e.status, e.max_tickets_per_customer, (SELECT count(*) FROM seats WHERE event_id = e.id),
      (SELECT count(*) FROM discount_codes WHERE event_id = e.id), (SELECT string_agg(status, ',' ORDER BY id) FROM reservations WHERE event_id = e.id)) AS state
    FROM events e WHERE e.id = ${eventA.id}
  `);

  test("A's events are not found, read or changed through B (every organizer route), and A's rows are unchanged", async () => {
    const before = await eventRow();
    const e = `/api/organizer/events/${eventA.id}`;
    for (const who of [keyB, organizerB.token]) {
      for (const [method, path, body] of [
        ['GET', e], ['PATCH', e, { name: 'Taken over' }], ['PUT', `${e}/sections`, { sections: LAYOUT }], ['POST', `${e}/publish`], ['POST', `${e}/cancel`],
        ['DELETE', e], ['GET', `${e}/stats`], ['GET', `${e}/discount-codes`], ['POST', `${e}/discount-codes`, { code: 'BSTEAL', kind: 'PERCENT', value: 100 }], ['GET', `${e}/audit`],
      ] as Array<[string, string, unknown?]>) {
        const res = await as(who, method, path, body);
        expect({ who: who === keyB ? 'key B' : 'organizer B', method, path, status: res.status }).toEqual({ who: who === keyB ? 'key B' : 'organizer B', method, path, status: 404 });
        expect(JSON.stringify(res.body)).not.toContain('AONLY');
      }
      const listed = await as(who, 'GET', '/api/organizer/events');
      expect((listed.body.items as Array<{ id: string }>).map((x) => x.id)).not.toContain(eventA.id);
      // A's venue is not B's to build on
      const venueA = (await as(keyA, 'GET', '/api/organizer/venues')).body.items[0].id;
      expect((await as(who, 'POST', '/api/organizer/events', draftBody(venueA))).status).toBe(404);
    }
    expect(await eventRow()).toEqual(before);
  });

  test("A's attendees, reservations and bookings are not readable or cancellable through B", async () => {
    const before = await eventRow();
    for (const who of [keyB, organizerB.token]) {
      for (const [method, path, body] of [
        ['GET', `/api/support/events/${eventA.id}/attendees.csv`], ['GET', `/api/support/reservations?eventId=${eventA.id}`],
        ['POST', `/api/support/reservations/${eventA.reservationId}/cancel`, { reason: 'B says so' }], ['GET', `/api/support/events/${eventA.id}/stats`],
        ['POST', `/api/support/bookings/${eventA.reference}/cancel`, { reason: 'B says so' }], ['GET', `/api/support/audit?eventId=${eventA.id}`],
      ] as Array<[string, string, unknown?]>) {
        expect({ path, status: (await as(who, method, path, body)).status }).toEqual({ path, status: 403 });
      }
      const own = await as(who, 'GET', `/api/reservations/${eventA.reservationId}`);
      expect(own.status).toBe(who === keyB ? 403 : 404);
      expect((await as(who, 'POST', `/api/bookings/${eventA.reference}/cancel`, {})).status).toBe(who === keyB ? 403 : 404);
    }
    expect(await eventRow()).toEqual(before);
  });

  test("A's apps are not listed or revoked through B", async () => {
    const listed = await as(organizerB.token, 'GET', '/api/organizer/apps');
    expect((listed.body.items as Array<{ id: string }>).map((a) => a.id)).not.toContain(appA.id);
    expect((await as(organizerB.token, 'DELETE', `/api/organizer/apps/${appA.id}`)).status).toBe(404);
    expect((await as(admin.token, 'DELETE', `/api/admin/tenants/${tenantB}/apps/${appA.id}`)).status).toBe(404);
    expect((await as(keyA, 'GET', '/api/organizer/events')).status).toBe(200);
  });

  test("an organizer whose role is revoked loses the tenant at once, and the tenant's keys keep working", async () => {
    const leaving = await engine.register('organizer', { tenantId: tenantA });
    expect((await as(leaving.token, 'GET', `/api/organizer/events/${eventA.id}`)).status).toBe(200);
    expect((await as(admin.token, 'DELETE', `/api/admin/users/${leaving.customerId}/roles/organizer`)).status).toBe(200);
    // the access token still says organizer; the tenant is read with the role in SQL
    expect((await as(leaving.token, 'GET', `/api/organizer/events/${eventA.id}`)).status).toBe(404);
    expect((await as(leaving.token, 'GET', '/api/organizer/apps')).status).toBe(403);
    expect((await as(keyA, 'GET', `/api/organizer/events/${eventA.id}`)).status).toBe(200);
  });

  test('support and admin still see every tenant', async () => {
    expect((await as(support.token, 'GET', `/api/support/events/${eventA.id}/attendees.csv`)).status).toBe(200);
    expect((await as(support.token, 'GET', `/api/support/audit?eventId=${eventA.id}`)).body.items.length).toBeGreaterThan(0);
  });
});
