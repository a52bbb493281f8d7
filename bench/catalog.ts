/**
 * `npm run bench:catalog`: the catalog's search (GET /api/events: src/db/events.ts listEvents)
 * on a catalog of N events (default 10,000), one query shape at a time.
 *
 * It fills a fresh database in a few statements: 50 venues, N events over two years (names
 * and descriptions drawn from word lists, so a keyword matches a realistic share), two
 * general-admission sections of 25 places each per event, a fifth of the events sold out and
 * a tenth drafts. Then every query shape runs `--runs` times, one after another, through
 * listEvents (the same function the route calls, so the same SQL), page size 20. For each it
 * prints the matches and the latency (p50, p99, max).
 *
 *   npm run bench:catalog -- [--events 10000] [--runs 30] [--out bench-results]
 *
 * Output: progress lines, a Markdown table on stdout, JSON in --out. The database is dropped
 * at the end, however the run ends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type EventFilter, listEvents } from '../src/db/events.ts';
import { sql } from '../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/database.ts';
import { progress, summarize, type Summary } from './lib/run.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '30' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const EVENTS = Number(flags.events);
const RUNS = Number(flags.runs);
if (!Number.isInteger(EVENTS) || EVENTS < 100 || !Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('--events must be an integer of at least 100 and --runs at least 1\n');
  process.exit(2);
}
const PAGE_SIZE = 20;
const PLACES_PER_SECTION = 25;

const GENRES = ['Jazz', 'Opera', 'Rock', 'Comedy', 'Ballet', 'Folk', 'Techno', 'Chamber', 'Blues', 'Hip-hop'];
const WORDS = ['Night', 'Festival', 'Gala', 'Session', 'Tour', 'Evening', 'Matinee', 'Showcase', 'Marathon', 'Premiere'];
const CITIES = ['Lisbon', 'Oslo', 'Porto', 'Vienna', 'Lyon', 'Ghent', 'Krakow', 'Turin', 'Bergen', 'Leeds'];

async function fill(db: TestDatabase): Promise<{ venueId: string; firstStart: number }> {
  const words = (list: string[]) => sql.array(list, 'text');
  const tenantId = await db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`
    INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 'Bench tenant') RETURNING id
  `);
  await db.pool.query(sql.typeAlias('void')`
    INSERT INTO venues (id, name, tenant_id)
    SELECT gen_random_uuid(), (${words(CITIES)})[1 + i % 10] || ' Hall ' || i, ${tenantId} FROM generate_series(1, 50) i
  `);
  progress('50 venues');
  // events i = 1..N, every 1.75 hours from tomorrow on; venue, genre and word drawn from i
  await db.pool.query(sql.typeAlias('void')`
    WITH v AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM venues)
    INSERT INTO events (id, venue_id, tenant_id, name, description, starts_at, status)
    SELECT gen_random_uuid(), v.id, ${tenantId},
           (${words(GENRES)})[1 + (i * 7) % 10] || ' ' || (${words(WORDS)})[1 + (i * 3) % 10] || ' #' || i,
           'A ' || lower((${words(WORDS)})[1 + i % 10]) || ' of ' || lower((${words(GENRES)})[1 + (i * 11) % 10]) || ' in ' || (${words(CITIES)})[1 + (i * 13) % 10],
           date_trunc('day', now()) + interval '1 day' + i * interval '105 minutes',
           CASE WHEN i % 10 = 3 THEN 'DRAFT' ELSE 'ON_SALE' END
    FROM generate_series(1, ${EVENTS}) i JOIN v ON v.n = i % 50
  `);
  progress(`${EVENTS} events`);
  // sections and places a thousand events at a time (each statement well inside the pool's statement timeout)
  const CHUNK = 1000;
  for (let offset = 0; offset < EVENTS; offset += CHUNK) {
    await db.pool.query(sql.typeAlias('void')`
      WITH chunk AS (SELECT id FROM events ORDER BY id LIMIT ${CHUNK} OFFSET ${offset}),
      sec AS (
        INSERT INTO sections (id, event_id, name, kind, price_cents, sort_order)
        SELECT gen_random_uuid(), chunk.id, s.name, 'GA', s.base + (abs(hashtext(chunk.id::text)) % 20) * 500, s.ord
        FROM chunk, (VALUES ('Stalls', 2000, 0), ('Balcony', 0, 1)) AS s(name, base, ord)
        RETURNING id, event_id, name)
      INSERT INTO seats (id, event_id, section_id, label)
      SELECT gen_random_uuid(), sec.event_id, sec.id, sec.name || ' ' || n FROM sec, generate_series(1, ${PLACES_PER_SECTION}) n
    `);
    progress(`  sections and places of ${Math.min(EVENTS, offset + CHUNK)}/${EVENTS} events`);
  }
  progress(`${EVENTS * 2} sections, ${EVENTS * 2 * PLACES_PER_SECTION} places`);
  // a fifth sold out: one confirmed reservation owns every place of the event
  const customerId = await db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`
    INSERT INTO customers (id, email, name, password_hash) VALUES (gen_random_uuid(), 'bench-buyer@example.com', 'Bench buyer', 'x') RETURNING id
  `);
  await db.pool.query(sql.typeAlias('void')`
    WITH sold AS (
      INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key)
      SELECT gen_random_uuid(), ${customerId}, e.id, 'CONFIRMED', 0, ${PLACES_PER_SECTION * 2}, now(), 'bench-' || e.id
      FROM events e WHERE abs(hashtext(e.id::text)) % 5 = 0
      RETURNING id, event_id)
    UPDATE seats s SET state = 'SOLD', reservation_id = sold.id FROM sold WHERE s.event_id = sold.event_id
  `);
  await db.pool.query(sql.typeAlias('void')`ANALYZE`);
  const soldOut = await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*) FROM reservations`);
  progress(`${soldOut} events sold out; analyzed`);
  return db.pool.one(sql.type(z.object({ venueId: z.string(), firstStart: z.number() }))`
    SELECT (SELECT id FROM venues ORDER BY name LIMIT 1) AS "venueId", (SELECT min(starts_at) FROM events) AS "firstStart"
  `);
}

interface Shape { name: string; filter: Omit<EventFilter, 'pageSize'> }
interface ShapeResult { name: string; filter: Shape['filter']; total: number; latencyMs: Summary }

async function main() {
  progress(`catalog search bench: ${EVENTS} events, ${RUNS} runs per query, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const db = await createTestDatabase('bench_catalog');
  const stop = async () => { await db.drop().catch(() => undefined); };
  process.once('SIGINT', () => { void stop().then(() => process.exit(130)); });
  try {
    const { venueId, firstStart } = await fill(db);
    const day = (n: number) => new Date(firstStart + n * 86_400_000).toISOString();
    const shapes: Shape[] = [
      { name: 'everything on sale, first page', filter: { page: 1 } },
      { name: 'a deep page (page 200)', filter: { page: 200 } },
      { name: 'keyword matching a tenth ("jazz")', filter: { q: 'jazz', page: 1 } },
      { name: 'keyword matching one event ("#4242")', filter: { q: '#4242', page: 1 } },
      { name: 'keyword in the venue name ("bergen")', filter: { q: 'bergen', page: 1 } },
      { name: 'date range of a month', filter: { from: day(30), to: day(60), page: 1 } },
      { name: 'with places left', filter: { available: true, page: 1 } },
      { name: 'price range 30–40', filter: { minPrice: 3000, maxPrice: 4000, page: 1 } },
      { name: 'status ON_SALE', filter: { status: 'ON_SALE', page: 1 } },
      { name: 'one venue', filter: { venueId, page: 1 } },
      { name: 'keyword + month + places left + price', filter: { q: 'opera', from: day(30), to: day(120), available: true, minPrice: 2000, maxPrice: 6000, page: 1 } },
    ];
    const results: ShapeResult[] = [];
    for (const shape of shapes) {
      const times: number[] = [];
      let total = 0;
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const page = await listEvents(db.pool, { ...shape.filter, pageSize: PAGE_SIZE });
        times.push(performance.now() - started);
        total = page.total;
      }
      results.push({ name: shape.name, filter: shape.filter, total, latencyMs: summarize(times) });
      progress(`  ${shape.name}: ${total} matches, p50 ${summarize(times).p50.toFixed(1)} ms`);
    }
    const fmt = (v: number) => (v < 10 ? v.toFixed(1) : Math.round(v).toString());
    const lines = [
      `## Catalog search: ${EVENTS.toLocaleString('en-US')} events, ${RUNS} runs per query, page size ${PAGE_SIZE}`,
      `Load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (the machine is shared). Latency of listEvents (both statements: the count and the page) in ms.`,
      '',
      '| query | matches | p50 | p99 | max |',
      '|---|---:|---:|---:|---:|',
      ...results.map((r) => `| ${r.name} | ${r.total} | ${fmt(r.latencyMs.p50)} | ${fmt(r.latencyMs.p99)} | ${fmt(r.latencyMs.max)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    mkdirSync(flags.out, { recursive: true });
    const file = join(flags.out, `catalog-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ events: EVENTS, runs: RUNS, pageSize: PAGE_SIZE, load: loadavg(), results }, null, 2));
    progress(`results: ${file}`);
  } finally {
    await stop();
  }
}

await main();
