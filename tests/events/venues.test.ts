import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

/**
 * Venues with reusable section templates (issue 10): an organizer keeps its venues' templates
 * (capacity, rows, seat numbering, price tier); an event created on the venue without sections
 * copies them, one with sections of its own uses those. Another tenant's venue is a 404.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let organizer: Account;
let other: Account;

beforeAll(async () => {
  engine = await startTestEngine('venues');
  [organizer, other] = [await engine.register('organizer'), await engine.register('organizer')];
});
afterAll(async () => { await engine?.close(); });

const as = (caller: Account, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller.token, body });
const venue = async (caller = organizer) => (await as(caller, 'POST', '/api/organizer/venues', { name: `Hall ${randomUUID().slice(0, 6)}` })).body.venue.id as string;
const TEMPLATES = [
  { name: 'Left', kind: 'RESERVED', priceCents: 6000, rows: 2, seatsPerRow: 3, numbering: 'ODD' },
  { name: 'Right', kind: 'RESERVED', priceCents: 6000, rows: 2, seatsPerRow: 3, numbering: 'EVEN' },
  { name: 'Standing', kind: 'GA', priceCents: 0, capacity: 5 },
];
const eventOn = (venueId: string, extra: Record<string, unknown> = {}) => as(organizer, 'POST', '/api/organizer/events', {
  venueId, name: `Gig ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 86_400_000).toISOString(), ...extra,
});
const seatNumbers = (eventId: string, section: string) => engine.db.pool.anyFirst(sql.type(z.object({ n: z.number() }))`
  SELECT s.seat_number AS n FROM seats s JOIN sections sec ON sec.id = s.section_id
  WHERE s.event_id = ${eventId} AND sec.name = ${section} AND s.row_label = 'A' ORDER BY s.seat_number
`);

test("an event created on a venue copies its templates: sections, capacities, prices and each section's seat numbering", async () => {
  const venueId = await venue();
  const put = await as(organizer, 'PUT', `/api/organizer/venues/${venueId}/templates`, { templates: TEMPLATES });
  expect(put.status).toBe(200);
  expect(put.body.templates).toEqual(TEMPLATES);
  expect((await as(organizer, 'GET', `/api/organizer/venues/${venueId}/templates`)).body.templates).toEqual(TEMPLATES);

  const created = await eventOn(venueId);
  expect(created.status).toBe(201);
  expect(created.body.sections.map((s: { name: string; capacity: number; priceCents: number }) => [s.name, s.capacity, s.priceCents]))
    .toEqual([['Left', 6, 6000], ['Right', 6, 6000], ['Standing', 5, 0]]);
  expect(await seatNumbers(created.body.id, 'Left')).toEqual([1, 3, 5]);
  expect(await seatNumbers(created.body.id, 'Right')).toEqual([2, 4, 6]);

  // custom sections instead of the templates
  const custom = await eventOn(venueId, { sections: [{ name: 'Floor', kind: 'GA', priceCents: 1500, capacity: 7 }] });
  expect(custom.status).toBe(201);
  expect(custom.body.sections.map((s: { name: string }) => s.name)).toEqual(['Floor']);

  // new templates never move an existing event's seats
  expect((await as(organizer, 'PUT', `/api/organizer/venues/${venueId}/templates`, { templates: [TEMPLATES[2]] })).status).toBe(200);
  expect((await as(organizer, 'GET', `/api/organizer/events/${created.body.id}`)).body.sections).toHaveLength(3);
});

test('a venue without templates needs sections (400); bad templates are a 400 and store nothing; another tenant sees 404', async () => {
  const venueId = await venue();
  const bare = await eventOn(venueId);
  expect(bare.status).toBe(400);
  expect(bare.body.error.code).toBe('VALIDATION_FAILED');
  const events = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM events WHERE venue_id = ${venueId}`);
  expect(events).toBe(0);

  for (const templates of [[], [{ ...TEMPLATES[0], numbering: 'RANDOM' }], [TEMPLATES[0], { ...TEMPLATES[1], name: 'left' }], [{ ...TEMPLATES[2], capacity: 0 }]]) {
    const res = await as(organizer, 'PUT', `/api/organizer/venues/${venueId}/templates`, { templates });
    expect(res.status).toBe(400);
  }
  expect((await as(organizer, 'GET', `/api/organizer/venues/${venueId}/templates`)).body.templates).toEqual([]);

  expect((await as(other, 'GET', `/api/organizer/venues/${venueId}/templates`)).status).toBe(404);
  expect((await as(other, 'PUT', `/api/organizer/venues/${venueId}/templates`, { templates: TEMPLATES })).status).toBe(404);
  expect((await as(organizer, 'GET', `/api/organizer/venues/${venueId}/templates`)).body.templates).toEqual([]);
});
