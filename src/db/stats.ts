import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { type EventStats, SectionStats, StatsHour } from '../contract/stats.ts';
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
