import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { EventStatus, type SeatNumbering, type SectionSpec } from '../contract/catalog.ts';
import { isoTimestamp, sql } from './sql.ts';

/**
 * Events, their sections and seat maps: reads for customers (drafts never) and for an event's
 * organizer (drafts too), and the creation used by seeds, tests and the organizer API.
 */

export type { SectionSpec };

export interface EventSpec {
  venueName: string;
  name: string;
  description?: string;
  startsAt: Date;
  status?: EventStatus;
  /** Seats or places one customer may have in live holds and bookings of this event together (none: no limit). */
  maxTicketsPerCustomer?: number | null;
  /** Customers may cancel a booking until this many hours before the start (null: never themselves); 24 when absent. */
  refundCutoffHours?: number | null;
  sections: SectionSpec[];
}

/** The number of a row's i-th seat (from 1) under each numbering. */
const seatNumbers: Record<SeatNumbering, (i: number) => number> = { CONSECUTIVE: (i) => i, ODD: (i) => 2 * i - 1, EVEN: (i) => 2 * i };

const rowLabel = (index: number) => String.fromCharCode(65 + (index % 26)).repeat(1 + Math.floor(index / 26));

/** Creates a venue, an event, its sections and every seat (GA places are pre-generated). */
export async function createEvent(pool: DatabasePool, spec: EventSpec): Promise<{ eventId: string; sectionIds: string[] }> {
  return pool.transaction(async (tx) => {
    const venueId = randomUUID();
    const eventId = randomUUID();
    await tx.query(sql.typeAlias('void')`INSERT INTO venues (id, name) VALUES (${venueId}, ${spec.venueName})`);
    await tx.query(sql.typeAlias('void')`
      INSERT INTO events (id, venue_id, name, description, starts_at, status, max_tickets_per_customer, refund_cutoff_hours, sales_end_at)
      VALUES (${eventId}, ${venueId}, ${spec.name}, ${spec.description ?? ''}, ${spec.startsAt.toISOString()}, ${spec.status ?? 'ON_SALE'},
              ${spec.maxTicketsPerCustomer ?? null}, ${spec.refundCutoffHours === undefined ? 24 : spec.refundCutoffHours},
              -- an event created with its sales closed has had them end (its workflow, once started, keeps them closed)
              CASE WHEN ${spec.status ?? 'ON_SALE'} = 'CLOSED' THEN LEAST(now(), ${spec.startsAt.toISOString()}::timestamptz) END)
    `);
    return { eventId, sectionIds: await insertLayout(tx, eventId, spec.sections) };
  });
}

/** Inserts an event's sections and every seat of them (GA places pre-generated), in one statement per section. */
export async function insertLayout(tx: CommonQueryMethods, eventId: string, sections: SectionSpec[]): Promise<string[]> {
  const sectionIds: string[] = [];
  for (const [order, section] of sections.entries()) {
    const sectionId = randomUUID();
    sectionIds.push(sectionId);
    await tx.query(sql.typeAlias('void')`
      INSERT INTO sections (id, event_id, name, kind, price_cents, sort_order)
      VALUES (${sectionId}, ${eventId}, ${section.name}, ${section.kind}, ${section.priceCents}, ${order})
    `);
    const seats: [string, string | null, number | null, string][] = [];
    if (section.kind === 'RESERVED') {
      const numberOf = seatNumbers[section.numbering ?? 'CONSECUTIVE'];
      for (let r = 0; r < section.rows; r++) {
        for (let i = 1; i <= section.seatsPerRow; i++) {
          const n = numberOf(i);
          seats.push([randomUUID(), rowLabel(r), n, `${section.name} ${rowLabel(r)}${n}`]);
        }
      }
    } else {
      for (let n = 1; n <= section.capacity; n++) seats.push([randomUUID(), null, null, `${section.name} #${n}`]);
    }
    await tx.query(sql.typeAlias('void')`
      INSERT INTO seats (id, event_id, section_id, row_label, seat_number, label)
      SELECT id, ${eventId}, ${sectionId}, row_label, seat_number, label
      FROM ${sql.unnest(seats, ['uuid', 'text', 'int4', 'text'])} AS t(id, row_label, seat_number, label)
    `);
  }
  return sectionIds;
}

/** A seat's state as customers see it: a hold past its own deadline is available (passive expiry). */
const visibleState = sql.fragment`CASE WHEN s.state = 'HELD' AND s.hold_expires_at < now() THEN 'AVAILABLE' ELSE s.state END`;

export const seatView = z.object({
  id: z.string(),
  sectionId: z.string(),
  row: z.string().nullable(),
  number: z.number().nullable(),
  label: z.string(),
  state: z.enum(['AVAILABLE', 'HELD', 'SOLD']),
  version: z.number(),
});
export type SeatView = z.infer<typeof seatView>;

/** Every seat of the event with its state and version (none for a draft, unless `drafts`: its organizer's read). */
export async function seatSnapshot(db: CommonQueryMethods, eventId: string, options: { drafts?: boolean } = {}): Promise<SeatView[]> {
  return [
    ...(await db.any(sql.type(seatView)`
      SELECT s.id, s.section_id AS "sectionId", s.row_label AS "row", s.seat_number AS "number", s.label,
             ${visibleState} AS state, s.version
      FROM seats s JOIN sections sec ON sec.id = s.section_id
      WHERE s.event_id = ${eventId}
        AND (${options.drafts ?? false} OR NOT EXISTS (SELECT 1 FROM events e WHERE e.id = ${eventId} AND e.status = 'DRAFT'))
      ORDER BY sec.sort_order, s.row_label NULLS LAST, s.seat_number, s.label
    `)),
  ];
}

export const sectionView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['RESERVED', 'GA']),
  priceCents: z.number(),
  capacity: z.number(),
  availableCount: z.number(),
});

export const eventSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  venue: z.object({ id: z.string(), name: z.string() }),
  startsAt: isoTimestamp,
  status: EventStatus,
  /** The sale window (null start: sales opened on publishing; null end: they run until the start). */
  salesStartAt: isoTimestamp.nullable(),
  salesEndAt: isoTimestamp.nullable(),
  /** Set once cancelled: when, by whom (`organizer:<email>`) and why. */
  cancelledAt: isoTimestamp.nullable(),
  cancelledBy: z.string().nullable(),
  cancelReason: z.string().nullable(),
  /** Checked when a hold is claimed (claim_hold); null: no limit. */
  maxTicketsPerCustomer: z.number().nullable(),
  /** The cancellation policy: customers may cancel and are refunded until this many hours before the start; null: only support can cancel. */
  refundCutoffHours: z.number().nullable(),
  /** The event's image (an https:// URL, src/contract/catalog.ts ImageUrl); null: none. */
  imageUrl: z.string().nullable(),
  /** Its place in the featured strip (lower first), chosen by an admin; null: not featured. */
  featuredPosition: z.number().nullable(),
  minPriceCents: z.number(),
  maxPriceCents: z.number(),
  availableCount: z.number(),
  totalCount: z.number(),
});

const summaryColumns = sql.fragment`
  e.id, e.name, e.description, json_build_object('id', v.id, 'name', v.name) AS venue, e.starts_at AS "startsAt", e.status,
  e.sales_start_at AS "salesStartAt", e.sales_end_at AS "salesEndAt",
  e.cancelled_at AS "cancelledAt", e.cancelled_by AS "cancelledBy", e.cancel_reason AS "cancelReason",
  e.max_tickets_per_customer AS "maxTicketsPerCustomer", e.refund_cutoff_hours AS "refundCutoffHours",
  e.image_url AS "imageUrl", (SELECT f.position FROM featured_events f WHERE f.event_id = e.id) AS "featuredPosition",
  COALESCE((SELECT min(price_cents) FROM sections WHERE event_id = e.id), 0) AS "minPriceCents",
  COALESCE((SELECT max(price_cents) FROM sections WHERE event_id = e.id), 0) AS "maxPriceCents",
  (SELECT count(*) FROM seats s WHERE s.event_id = e.id AND ${visibleState} = 'AVAILABLE') AS "availableCount",
  (SELECT count(*) FROM seats s WHERE s.event_id = e.id) AS "totalCount"
`;

export interface EventFilter {
  q?: string;
  from?: string;
  to?: string;
  available?: boolean;
  minPrice?: number;
  maxPrice?: number;
  status?: EventStatus;
  venueId?: string;
  /** true: only featured events that are published and not over, in the strip's order; false: only the others. */
  featured?: boolean;
  page: number;
  pageSize: number;
}

/**
 * Whose events a read sees: customers see every event but drafts; a tenant's organizer, or one
 * of its apps, sees the tenant's events, drafts included. An organizer's tenant is read in the
 * same statement, with the role (a revoked organizer sees nothing at once, whatever its access
 * token still says); an app's tenant comes from its key's row, read when the request arrived.
 */
export type TenantScope = { organizerId: string } | { tenantId: string };
export type Audience = { public: true } | TenantScope;

/** The tenant of the scope, as an SQL value (NULL for an account that is not an organizer now). */
export const tenantOf = (scope: TenantScope) => 'tenantId' in scope
  ? sql.fragment`${scope.tenantId}::uuid`
  : sql.fragment`(SELECT c.tenant_id FROM customers c WHERE c.id = ${scope.organizerId} AND c.role = 'organizer')`;

const seenBy = (audience: Audience) =>
  'public' in audience ? sql.fragment`e.status <> 'DRAFT'` : sql.fragment`e.tenant_id = ${tenantOf(audience)}`;

export async function listEvents(pool: DatabasePool, filter: EventFilter, audience: Audience = { public: true }) {
  const conditions = [seenBy(audience)];
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // name, description and venue name in one column (trigger-kept), under a trigram index
    conditions.push(sql.fragment`e.search_text ILIKE ${pattern}`);
  }
  if (filter.venueId) conditions.push(sql.fragment`e.venue_id = ${filter.venueId}`);
  if (filter.from) conditions.push(sql.fragment`e.starts_at >= ${filter.from}`);
  if (filter.to) conditions.push(sql.fragment`e.starts_at <= ${filter.to}`);
  if (filter.status) conditions.push(sql.fragment`e.status = ${filter.status}`);
  if (filter.minPrice !== undefined) conditions.push(sql.fragment`EXISTS (SELECT 1 FROM sections WHERE event_id = e.id AND price_cents >= ${filter.minPrice})`);
  if (filter.maxPrice !== undefined) conditions.push(sql.fragment`EXISTS (SELECT 1 FROM sections WHERE event_id = e.id AND price_cents <= ${filter.maxPrice})`);
  if (filter.available) {
    // a place AVAILABLE, or HELD past its deadline (what visibleState shows as available), each
    // under an index of its own (seats_event_available_idx, seats_held_deadline_idx)
    conditions.push(sql.fragment`(EXISTS (SELECT 1 FROM seats s WHERE s.event_id = e.id AND s.state = 'AVAILABLE')
      OR EXISTS (SELECT 1 FROM sections sec JOIN seats s ON s.section_id = sec.id WHERE sec.event_id = e.id AND s.state = 'HELD' AND s.hold_expires_at < now()))`);
  }
  if (filter.featured === true) {
    conditions.push(sql.fragment`EXISTS (SELECT 1 FROM featured_events f WHERE f.event_id = e.id) AND e.status NOT IN ('DRAFT', 'COMPLETED', 'CANCELLED')`);
  }
  if (filter.featured === false) conditions.push(sql.fragment`NOT EXISTS (SELECT 1 FROM featured_events f WHERE f.event_id = e.id)`);
  // featured: the admins' order first (position, then date)
  const order = filter.featured
    ? sql.fragment`(SELECT f.position FROM featured_events f WHERE f.event_id = e.id), e.starts_at, e.id`
    : sql.fragment`e.starts_at, e.id`;
  const where = sql.join(conditions, sql.fragment` AND `);
  const total = await pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*) FROM events e JOIN venues v ON v.id = e.venue_id WHERE ${where}
  `);
  // the page's events first, then their summaries: a summary's counts are computed for the page's
  // rows only, not for every row an OFFSET skips (bench/catalog.ts: page 200 of 10,000 events)
  const items = await pool.any(sql.type(eventSummary)`
    SELECT ${summaryColumns}
    FROM (
      SELECT e.id FROM events e JOIN venues v ON v.id = e.venue_id
      WHERE ${where}
      ORDER BY ${order}
      LIMIT ${filter.pageSize} OFFSET ${(filter.page - 1) * filter.pageSize}
    ) page
    JOIN events e ON e.id = page.id JOIN venues v ON v.id = e.venue_id
    ORDER BY ${order}
  `);
  return { items: [...items], page: filter.page, pageSize: filter.pageSize, total };
}

/** Whether the audience may see the event (its tenant's, or published): one index lookup, no seats read. */
export async function eventVisibleTo(db: CommonQueryMethods, eventId: string, audience: Audience): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ visible: z.boolean() }))`
    SELECT EXISTS (SELECT 1 FROM events e WHERE e.id = ${eventId} AND ${seenBy(audience)}) AS visible
  `);
}

export async function getEvent(pool: DatabasePool, eventId: string, audience: Audience = { public: true }) {
  const event = await pool.maybeOne(sql.type(eventSummary)`
    SELECT ${summaryColumns} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = ${eventId} AND ${seenBy(audience)}
  `);
  if (!event) return null;
  const sections = await pool.any(sql.type(sectionView)`
    SELECT sec.id, sec.name, sec.kind, sec.price_cents AS "priceCents",
           count(s.id) AS capacity, count(s.id) FILTER (WHERE ${visibleState} = 'AVAILABLE') AS "availableCount"
    FROM sections sec JOIN seats s ON s.section_id = sec.id
    WHERE sec.event_id = ${eventId}
    GROUP BY sec.id ORDER BY sec.sort_order
  `);
  return { ...event, sections: [...sections], seats: await seatSnapshot(pool, eventId, { drafts: true }) };
}
