import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

/**
 * Event images and featured events (issue 10), against the real engine: an organizer gives an event
 * an https:// image (anything else is refused by the contract), customers see it in the summaries,
 * and admins feature events in an order customers read with GET /api/events?featured=true.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let organizer: Account;
let admin: Account;
let support: Account;
let venueId: string;

beforeAll(async () => {
  engine = await startTestEngine('featured');
  [organizer, admin, support] = [await engine.register('organizer'), await engine.register('admin'), await engine.register('support')];
  venueId = (await as(organizer, 'POST', '/api/organizer/venues', { name: 'Image Hall' })).body.venue.id;
});
afterAll(async () => { await engine?.close(); });

const as = (caller: Account | null, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller?.token, body });
const draftBody = (extra: Record<string, unknown> = {}) => ({
  venueId, name: `Poster ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 86_400_000).toISOString(),
  sections: [{ name: 'Floor', kind: 'GA', priceCents: 1500, capacity: 5 }], ...extra,
});
const imageOf = (id: string) => engine.db.pool.oneFirst(sql.type(z.object({ imageUrl: z.string().nullable() }))`SELECT image_url AS "imageUrl" FROM events WHERE id = ${id}`);
const feature = (eventId: string, position?: number) => as(admin, 'PUT', `/api/admin/events/${eventId}/featured`, position === undefined ? {} : { position });
const featuredIds = async (query = '') => {
  const res = await engine.request('GET', `/api/events?featured=true&pageSize=100${query}`);
  expect(res.status).toBe(200);
  return (res.body.items as Array<{ id: string }>).map((e) => e.id);
};

describe('event images', () => {
  test.each([
    ['plain http', 'http://images.example.com/poster.jpg'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['data:', 'data:image/png;base64,iVBORw0KGgo='],
    ['a private IPv4 address', 'https://192.168.1.20/poster.jpg'],
    ['a loopback address', 'https://127.0.0.1/poster.jpg'],
    ['the IPv6 loopback', 'https://[::1]/poster.jpg'],
    ['an IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/poster.jpg'],
    ['localhost', 'https://localhost/poster.jpg'],
    ['credentials', 'https://user:secret@images.example.com/poster.jpg'],
    ['not a URL', 'poster.jpg'],
    ['more than 2,000 characters', `https://images.example.com/${'a'.repeat(2000)}.jpg`],
  ])('refuses an image URL with %s (400, nothing created)', async (_what, imageUrl) => {
    const name = `Refused ${randomUUID().slice(0, 6)}`;
    const res = await as(organizer, 'POST', '/api/organizer/events', draftBody({ name, imageUrl }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain('body.imageUrl');
    const count = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM events WHERE name = ${name}`);
    expect(count).toBe(0);
  });

  test('keeps a good https image URL, shows it in the summaries, changes it and clears it on edit', async () => {
    const created = await as(organizer, 'POST', '/api/organizer/events', draftBody({ imageUrl: 'https://images.example.com/poster.jpg?w=800' }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(await imageOf(id)).toBe('https://images.example.com/poster.jpg?w=800');
    const mine = await as(organizer, 'GET', '/api/organizer/events?pageSize=100');
    expect(mine.body.items.find((e: { id: string }) => e.id === id).imageUrl).toBe('https://images.example.com/poster.jpg?w=800');

    expect((await as(organizer, 'PATCH', `/api/organizer/events/${id}`, { imageUrl: 'http://images.example.com/other.jpg' })).status).toBe(400);
    expect(await imageOf(id)).toBe('https://images.example.com/poster.jpg?w=800');
    expect((await as(organizer, 'PATCH', `/api/organizer/events/${id}`, { imageUrl: 'https://cdn.example.org/new.png' })).status).toBe(200);
    expect(await imageOf(id)).toBe('https://cdn.example.org/new.png');
    expect((await as(organizer, 'PATCH', `/api/organizer/events/${id}`, { imageUrl: null })).status).toBe(200);
    expect(await imageOf(id)).toBeNull();
  });

  test('an event without an image has imageUrl null in the public summary', async () => {
    const { eventId } = await engine.createEvent();
    const res = await engine.request('GET', `/api/events/${eventId}`);
    expect(res.body.imageUrl).toBeNull();
    expect(res.body.featuredPosition).toBeNull();
  });

  test('the content security policy lets the web client show https images, and no plain http ones', async () => {
    const res = await engine.request('GET', '/');
    const imgSrc = res.headers.get('content-security-policy')!.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src'));
    expect(imgSrc?.split(/\s+/).sort()).toEqual(["'self'", 'data:', 'https:', 'img-src'].sort());
  });
});

describe('featured events', () => {
  test('customers read the featured events in the order admins chose (position, then date), and featured=false leaves them out', async () => {
    const day = 86_400_000;
    const [late, early, middle] = await Promise.all([
      engine.createEvent({ startsAt: new Date(Date.now() + 9 * day) }),
      engine.createEvent({ startsAt: new Date(Date.now() + 2 * day) }),
      engine.createEvent({ startsAt: new Date(Date.now() + 5 * day) }),
    ]);
    const plain = await engine.createEvent();
    expect((await feature(late.eventId, 1)).status).toBe(200);
    expect((await feature(middle.eventId, 2)).status).toBe(200);
    const answer = await feature(early.eventId, 2);
    expect(answer.status).toBe(200);
    expect(answer.body.featured).toEqual(expect.objectContaining({ eventId: early.eventId, position: 2, featuredBy: admin.customerId }));

    const ours = [late.eventId, early.eventId, middle.eventId];
    expect((await featuredIds()).filter((id) => ours.includes(id))).toEqual([late.eventId, early.eventId, middle.eventId]);
    expect(await featuredIds()).not.toContain(plain.eventId);
    const others = await engine.request('GET', '/api/events?featured=false&pageSize=100');
    const otherIds = others.body.items.map((e: { id: string }) => e.id);
    expect(otherIds).toContain(plain.eventId);
    expect(otherIds).not.toContain(late.eventId);
    const summary = (await engine.request('GET', `/api/events/${late.eventId}`)).body;
    expect(summary.featuredPosition).toBe(1);

    // moving one: a PUT again changes its position; a DELETE takes it out
    expect((await feature(late.eventId, 3)).status).toBe(200);
    expect((await featuredIds()).filter((id) => ours.includes(id))).toEqual([early.eventId, middle.eventId, late.eventId]);
    const removed = await as(admin, 'DELETE', `/api/admin/events/${early.eventId}/featured`);
    expect(removed.status).toBe(200);
    expect(removed.body.featured.position).toBe(2);
    expect(await featuredIds()).not.toContain(early.eventId);
    expect((await as(admin, 'DELETE', `/api/admin/events/${early.eventId}/featured`)).status).toBe(404);
  });

  test('the featured filter combines with the other filters', async () => {
    const { eventId } = await engine.createEvent({ name: `Zebra featured ${randomUUID().slice(0, 6)}` });
    expect((await feature(eventId)).status).toBe(200);
    expect(await featuredIds('&q=Zebra%20featured')).toEqual([eventId]);
    expect(await featuredIds('&status=UPCOMING')).not.toContain(eventId);
  });

  test('drafts are never featured in public results: featuring one is refused, and a featured row of a draft stays hidden', async () => {
    const draft = await as(organizer, 'POST', '/api/organizer/events', draftBody({ imageUrl: 'https://images.example.com/secret.jpg' }));
    expect(draft.status).toBe(201);
    const refused = await feature(draft.body.id, 0);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INVALID_STATE');
    const rows = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM featured_events WHERE event_id = ${draft.body.id}`);
    expect(rows).toBe(0);
    // even a row put there by hand is not shown to customers while the event is a draft
    await engine.db.pool.query(sql.typeAlias('void')`INSERT INTO featured_events (event_id, position, featured_by) VALUES (${draft.body.id}, 0, ${admin.customerId})`);
    expect(await featuredIds()).not.toContain(draft.body.id);
    expect((await engine.request('GET', '/api/events?pageSize=100')).body.items.map((e: { id: string }) => e.id)).not.toContain(draft.body.id);
  });

  test('a cancelled or completed event leaves the featured results and cannot be featured', async () => {
    const { eventId } = await engine.createEvent();
    expect((await feature(eventId, 0)).status).toBe(200);
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE events SET status = 'CANCELLED', cancelled_at = now(), cancelled_by = 'test', cancel_reason = 'test' WHERE id = ${eventId}`);
    expect(await featuredIds()).not.toContain(eventId);
    expect((await feature(eventId, 0)).status).toBe(409);
    const { eventId: completed } = await engine.createEvent({ status: 'COMPLETED', startsAt: new Date(Date.now() + 3_600_000) });
    expect((await feature(completed, 0)).status).toBe(409);
  });

  test('only admins manage them: organizers and support get 403, and an unknown event is 404', async () => {
    const { eventId } = await engine.createEvent();
    for (const caller of [organizer, support]) {
      expect((await as(caller, 'PUT', `/api/admin/events/${eventId}/featured`, { position: 1 })).status).toBe(403);
    }
    expect(await featuredIds()).not.toContain(eventId);
    expect((await feature(randomUUID(), 1)).status).toBe(404);
    expect((await feature(eventId, -1)).status).toBe(400);
    expect((await feature(eventId, 1001)).status).toBe(400);
  });

  test('featuring and unfeaturing are in the audit trail, with the admin and the event; a refusal records nothing', async () => {
    const { eventId } = await engine.createEvent();
    expect((await feature(eventId, 4)).status).toBe(200);
    expect((await as(admin, 'DELETE', `/api/admin/events/${eventId}/featured`)).status).toBe(200);
    const entries = await engine.db.pool.any(sql.type(z.object({ action: z.string(), actorId: z.string(), actor: z.string(), details: z.record(z.string(), z.unknown()) }))`
      SELECT action, actor_id AS "actorId", actor, details FROM audit_log WHERE event_id = ${eventId} ORDER BY id
    `);
    expect(entries.map((e) => e.action)).toEqual(['event.featured', 'event.unfeatured']);
    expect(entries.every((e) => e.actorId === admin.customerId && e.actor === `admin:${admin.email}`)).toBe(true);
    expect(entries[0].details).toEqual({ position: 4 });

    const draft = (await as(organizer, 'POST', '/api/organizer/events', draftBody())).body.id as string;
    expect((await feature(draft, 1)).status).toBe(409);
    const actions = await engine.db.pool.anyFirst(sql.type(z.object({ action: z.string() }))`SELECT action FROM audit_log WHERE event_id = ${draft}`);
    expect(actions).toEqual(['event.created']);
  });
});
