import { z } from 'zod';
import { createEvent } from '../../src/db/events.ts';
import { sql } from '../../src/db/sql.ts';
import { createApi } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { pino } from 'pino';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Catalog search (issue 10): keyword (name, description, venue), date range, status, venue, pages;
 * drafts never. Only the read side is involved, so the API runs on a database of its own without
 * Temporal (the reservation service is never called).
 */
let db: TestDatabase;
let server: Server;
let url: string;
const ids: Record<string, string> = {};
const venues: Record<string, string> = {};
const at = (day: number) => new Date(Date.UTC(2031, 0, day, 20));

beforeAll(async () => {
  db = await createTestDatabase('search');
  const specs: Array<[key: string, name: string, venue: string, day: number, status: 'ON_SALE' | 'CLOSED' | 'CANCELLED' | 'DRAFT', description?: string]> = [
    ['jazz', 'Jazz at the Pier', 'Pier Nine', 3, 'ON_SALE'],
    ['strings', 'Poetry & Strings', 'Library Atrium', 10, 'ON_SALE', 'Cello and verse, 100% acoustic'],
    ['symphony', 'Symphony No. 9', 'Harbour Hall', 17, 'CLOSED'],
    ['harbourJazz', 'Late Jazz', 'Harbour Hall', 24, 'ON_SALE'],
    ['cancelled', 'Jazz Brunch', 'Pier Nine', 28, 'CANCELLED'],
    ['draft', 'Secret Jazz Session', 'Harbour Hall', 30, 'DRAFT'],
  ];
  for (const [key, name, venueName, day, status, description] of specs) {
    ids[key] = (await createEvent(db.pool, { venueName, name, description, startsAt: at(day), status, sections: [{ name: 'Floor', kind: 'GA', priceCents: 1000, capacity: 2 }] })).eventId;
    venues[key] = await db.pool.oneFirst(sql.type(z.object({ v: z.string() }))`SELECT venue_id AS v FROM events WHERE id = ${ids[key]}`);
  }
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
  const app = createApi({ config, pool: db.pool, service: {} as never, log: pino({ level: 'silent' }), health: {} });
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

async function search(query: string): Promise<{ keys: string[]; total: number; status: number; body: any }> {
  const res = await fetch(`${url}/api/events?${query}`);
  const body = await res.json();
  const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  return { status: res.status, body, total: body.total, keys: res.ok ? body.items.map((e: { id: string }) => byId[e.id]) : [] };
}

test('a keyword matches name, description or venue, case-insensitively, as a substring; drafts never', async () => {
  expect((await search('q=JAZZ')).keys).toEqual(['jazz', 'harbourJazz', 'cancelled']);
  expect((await search('q=harbour')).keys).toEqual(['symphony', 'harbourJazz']);
  expect((await search('q=cello')).keys).toEqual(['strings']);
  // LIKE's wildcards are plain characters
  expect((await search(`q=${encodeURIComponent('100%')}`)).keys).toEqual(['strings']);
  expect((await search('q=secret')).keys).toEqual([]);
});

test('date range, status and venue combine with the keyword; pages count the whole match', async () => {
  expect((await search('from=2031-01-05&to=2031-01-25')).keys).toEqual(['strings', 'symphony', 'harbourJazz']);
  expect((await search('q=jazz&status=ON_SALE')).keys).toEqual(['jazz', 'harbourJazz']);
  expect((await search(`venueId=${venues.harbourJazz}`)).keys).toEqual(['harbourJazz']);
  const page2 = await search('q=jazz&pageSize=2&page=2');
  expect({ keys: page2.keys, total: page2.total }).toEqual({ keys: ['cancelled'], total: 3 });
  // a draft is no status customers can ask for, and a bad venue id is a 400 naming it
  expect((await search('status=DRAFT')).status).toBe(400);
  const bad = await search('venueId=nope');
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.issues[0].path).toBe('query.venueId');
});

test("a renamed venue and an edited event are found by their new names (the search text follows)", async () => {
  await db.pool.query(sql.typeAlias('void')`UPDATE venues SET name = 'Quayside Dome' WHERE id = ${venues.jazz}`);
  expect((await search('q=quayside')).keys).toEqual(['jazz']); // (each seeded event has a venue of its own)
  await db.pool.query(sql.typeAlias('void')`UPDATE events SET name = 'Blues at the Pier' WHERE id = ${ids.jazz}`);
  expect((await search('q=blues')).keys).toEqual(['jazz']);
  expect((await search('q=jazz')).keys).not.toContain('jazz');
});

test('the keyword filter can be answered by the trigram index', async () => {
  const plan = await db.pool.transaction(async (tx) => {
    await tx.query(sql.typeAlias('void')`SET LOCAL enable_seqscan = off`);
    return tx.anyFirst(sql.type(z.object({ 'QUERY PLAN': z.string() }))`EXPLAIN SELECT id FROM events e WHERE e.search_text ILIKE ${'%orchestra%'}`);
  });
  expect(plan.join('\n')).toContain('events_search_trgm_idx');
});

test('"with places left" skips sold-out events and counts a hold past its deadline as a place on sale', async () => {
  const customerId = await db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`
    INSERT INTO customers (id, email, name, password_hash) VALUES (gen_random_uuid(), 'search-buyer@example.com', 'Buyer', 'x') RETURNING id
  `);
  // "jazz": both places sold; "strings": both held by a hold whose deadline has passed
  const own = async (eventId: string, state: 'SOLD' | 'HELD', status: 'CONFIRMED' | 'HELD') => {
    await db.pool.query(sql.typeAlias('void')`
      WITH r AS (
        INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key)
        VALUES (gen_random_uuid(), ${customerId}, ${eventId}, ${status}, 2000, 2, now() - interval '1 minute', ${`search-${eventId}`})
        RETURNING id)
      UPDATE seats SET state = ${state}, reservation_id = r.id, hold_expires_at = CASE WHEN ${state} = 'HELD' THEN now() - interval '1 minute' END
      FROM r WHERE seats.event_id = ${eventId}
    `);
  };
  await own(ids.jazz, 'SOLD', 'CONFIRMED');
  await own(ids.strings, 'HELD', 'HELD');
  const withPlaces = await search('available=true&pageSize=50');
  expect(withPlaces.status).toBe(200);
  expect(withPlaces.keys).not.toContain('jazz');
  expect(withPlaces.keys).toEqual(expect.arrayContaining(['strings', 'harbourJazz']));
  expect(withPlaces.total).toBe(withPlaces.keys.length);
  // the summaries of a later page are those of its own events
  const second = await search('available=true&pageSize=1&page=2');
  expect(second.keys).toEqual([withPlaces.keys[1]]);
  expect(second.body.items[0].availableCount).toBe(2);
});
