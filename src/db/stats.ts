import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { type EventStats, OrganizerEventStats, type OrganizerStats, SectionStats, StatsDay, StatsHour } from '../contract/stats.ts';
import { type TenantScope, tenantOf } from './events.ts';
import { sql } from './sql.ts';

/**
 * An event's sales figures, from PostgreSQL's truth: seats by state per section, reservations
 * by status, and the sale hour by hour (at most the last 30 days of it). A few aggregate
 * queries over the event's own rows (seats by section, reservations and bookings by event).
 * Null when there is no such event.
 */
export async function eventStats(pool: DatabasePool, eventId: string): Promise<EventStats | null> {
  const event = await pool.maybeOne(sql.type(z.object({ name: z.string() }))`SELECT name FROM events WHERE id = ${eventId}`);
  if (!event) return null;
  const [sections, statuses, timeline, sold] = await Promise.all([
    pool.any(sql.type(SectionStats.omit({ occupancy: true }))`
      SELECT sec.id AS "sectionId", sec.name, sec.kind, sec.price_cents AS "priceCents",
             count(s.id)::int AS capacity,
             count(s.id) FILTER (WHERE s.state = 'SOLD')::int AS sold,
             count(s.id) FILTER (WHERE s.state = 'HELD' AND s.hold_expires_at > now())::int AS held,
             count(s.id) FILTER (WHERE s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at <= now()))::int AS available
      FROM sections sec LEFT JOIN seats s ON s.section_id = sec.id
      WHERE sec.event_id = ${eventId}
      GROUP BY sec.id ORDER BY sec.sort_order, sec.name
    `),
    pool.any(sql.type(z.object({ status: z.string(), count: z.number() }))`
      SELECT status, count(*)::int AS count FROM reservations WHERE event_id = ${eventId} GROUP BY status
    `),
    pool.any(sql.type(StatsHour)`
      WITH holds AS (
        SELECT date_trunc('hour', created_at) AS hour, count(*) AS n FROM reservations
        WHERE event_id = ${eventId} AND created_at > now() - interval '30 days' GROUP BY 1
      ), sales AS (
        SELECT date_trunc('hour', b.created_at) AS hour, count(*) AS n, sum(r.seat_count) AS tickets, sum(b.amount_cents) AS revenue
        FROM bookings b JOIN reservations r ON r.id = b.reservation_id
        WHERE b.event_id = ${eventId} AND r.status = 'CONFIRMED' AND b.created_at > now() - interval '30 days' GROUP BY 1
      )
      SELECT iso_utc(hour) AS hour, COALESCE(h.n, 0)::int AS holds, COALESCE(s.n, 0)::int AS bookings,
             COALESCE(s.tickets, 0)::int AS tickets, COALESCE(s.revenue, 0)::bigint::float8 AS "revenueCents"
      FROM holds h FULL JOIN sales s USING (hour) ORDER BY hour
    `),
    pool.one(sql.type(z.object({ tickets: z.number(), revenue: z.number() }))`
      SELECT COALESCE(sum(r.seat_count), 0)::int AS tickets, COALESCE(sum(b.amount_cents), 0)::bigint::float8 AS revenue
      FROM bookings b JOIN reservations r ON r.id = b.reservation_id
      WHERE b.event_id = ${eventId} AND r.status = 'CONFIRMED'
    `),
  ]);
  const reservations = Object.fromEntries(statuses.map((s) => [s.status, s.count]));
  const over = ['CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED'].reduce((sum, s) => sum + (reservations[s] ?? 0), 0);
  const capacity = sections.reduce((sum, s) => sum + s.capacity, 0);
  return {
    eventId,
    eventName: event.name,
    generatedAt: new Date().toISOString(),
    capacity,
    ticketsSold: sold.tickets,
    revenueCents: sold.revenue,
    occupancy: capacity === 0 ? 0 : sold.tickets / capacity,
    sections: sections.map((s) => ({ ...s, occupancy: s.capacity === 0 ? 0 : s.sold / s.capacity })),
    reservations,
    conversionRate: over === 0 ? null : (reservations.CONFIRMED ?? 0) / over,
    timeline: [...timeline],
  };
}

/**
 * A tenant's figures across all its events: each event's capacity, tickets sold and revenue, the
 * tenant's holds by how they ended, and the sale day by day (UTC days, at most the last 365).
 * Three aggregate statements, each reaching the reservations through the tenant's events
 * (events_tenant_starts_idx, then reservations_event_status_idx and the bookings' reservation key),
 * run side by side. Null when the scope names no tenant (an organizer no longer in one, an unknown id),
 * or another tenant than `asked`.
 */
export async function tenantStats(pool: DatabasePool, scope: TenantScope, asked?: string): Promise<OrganizerStats | null> {
  // `asked`: the tenant the caller named, which must be the scope's own
  const tenantId = await pool.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM tenants WHERE id = ${tenantOf(scope)} AND (${asked ?? null}::uuid IS NULL OR id = ${asked ?? null}::uuid)
  `);
  if (!tenantId) return null;
  const [events, statuses, timeline] = await Promise.all([
    pool.any(sql.type(OrganizerEventStats.omit({ occupancy: true }))`
      SELECT e.id AS "eventId", e.name, iso_utc(e.starts_at) AS "startsAt", e.status,
             (SELECT count(*) FROM seats s WHERE s.event_id = e.id)::int AS capacity,
             COALESCE(sold.tickets, 0)::int AS sold, COALESCE(sold.revenue, 0)::bigint::float8 AS "revenueCents"
      FROM events e
      LEFT JOIN LATERAL (
        SELECT sum(r.seat_count) AS tickets, sum(b.amount_cents) AS revenue
        FROM reservations r JOIN bookings b ON b.reservation_id = r.id
        WHERE r.event_id = e.id AND r.status = 'CONFIRMED'
      ) sold ON true
      WHERE e.tenant_id = ${tenantId}
      ORDER BY e.starts_at, e.id
    `),
    pool.any(sql.type(z.object({ status: z.string(), count: z.number() }))`
      SELECT r.status, count(*)::int AS count
      FROM events e JOIN reservations r ON r.event_id = e.id
      WHERE e.tenant_id = ${tenantId}
      GROUP BY r.status
    `),
    pool.any(sql.type(StatsDay)`
      WITH tenant_reservations AS (
        SELECT r.id, r.status, r.seat_count, r.created_at
        FROM events e JOIN reservations r ON r.event_id = e.id
        WHERE e.tenant_id = ${tenantId}
      ), holds AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM tenant_reservations
        WHERE created_at > now() - interval '365 days' GROUP BY 1
      ), sales AS (
        SELECT (b.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n, sum(r.seat_count) AS tickets, sum(b.amount_cents) AS revenue
        FROM tenant_reservations r JOIN bookings b ON b.reservation_id = r.id
        WHERE r.status = 'CONFIRMED' AND b.created_at > now() - interval '365 days' GROUP BY 1
      )
      SELECT to_char(day, 'YYYY-MM-DD') AS day, COALESCE(h.n, 0)::int AS holds, COALESCE(s.n, 0)::int AS bookings,
             COALESCE(s.tickets, 0)::int AS tickets, COALESCE(s.revenue, 0)::bigint::float8 AS "revenueCents"
      FROM holds h FULL JOIN sales s USING (day) ORDER BY day
    `),
  ]);
  const by = Object.fromEntries(statuses.map((s) => [s.status, s.count]));
  const holds = {
    converted: by.CONFIRMED ?? 0, expired: by.EXPIRED ?? 0, cancelled: by.CANCELLED ?? 0, failed: by.FAILED ?? 0,
    refunded: by.REFUNDED ?? 0, live: (by.HELD ?? 0) + (by.PAYING ?? 0),
  };
  // a refunded booking was converted first: it counts as a converted hold
  const over = holds.converted + holds.refunded + holds.expired + holds.cancelled + holds.failed;
  const sum = (key: 'capacity' | 'sold' | 'revenueCents') => events.reduce((total, e) => total + e[key], 0);
  const [capacity, ticketsSold] = [sum('capacity'), sum('sold')];
  return {
    tenantId,
    generatedAt: new Date().toISOString(),
    totals: {
      events: events.length, capacity, ticketsSold, revenueCents: sum('revenueCents'),
      occupancy: capacity === 0 ? 0 : ticketsSold / capacity,
      holds,
      conversionRate: over === 0 ? null : (holds.converted + holds.refunded) / over,
    },
    events: events.map((e) => ({ ...e, occupancy: e.capacity === 0 ? 0 : e.sold / e.capacity })),
    timeline: [...timeline],
  };
}
