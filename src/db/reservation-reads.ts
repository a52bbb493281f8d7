import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { sql } from './sql.ts';

/** What customers, support and the web client read about reservations and bookings. */

const iso = z.number().transform((ms) => new Date(ms).toISOString());

export const reservationView = z.object({
  id: z.string(),
  customerId: z.string(),
  customerEmail: z.string(),
  eventId: z.string(),
  eventName: z.string(),
  status: z.enum(['HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED']),
  seats: z.array(z.object({ id: z.string(), label: z.string(), sectionId: z.string(), sectionName: z.string(), priceCents: z.number() })),
  amountCents: z.number(),
  holdExpiresAt: iso,
  extensionCount: z.number().int(),
  createdAt: iso,
  booking: z.object({ id: z.string(), reference: z.string() }).nullable(),
  cancelReason: z.string().nullable(),
  cancelledBy: z.string().nullable(),
  failureReason: z.string().nullable(),
});
export type ReservationView = z.infer<typeof reservationView> & {
  workflowId?: string;
  /** Extensions this hold may still get, and how long each may be (from config). */
  extensions?: { remaining: number; maxSeconds: number };
};

/**
 * A hold whose workflow was lost reads as EXPIRED once its seats' own deadline has passed
 * (passive expiry), even before anything rewrites the row.
 */
const reservationSelect = sql.fragment`
  SELECT r.id, r.customer_id AS "customerId", c.email AS "customerEmail", r.event_id AS "eventId", e.name AS "eventName",
    CASE WHEN r.status IN ('HELD', 'PAYING') AND NOT EXISTS (
           SELECT 1 FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD' AND s.hold_expires_at >= now())
         THEN 'EXPIRED' ELSE r.status END AS status,
    COALESCE((SELECT json_agg(json_build_object('id', s.id, 'label', s.label, 'sectionId', sec.id, 'sectionName', sec.name,
                                                'priceCents', rs.price_cents) ORDER BY s.label)
              FROM reservation_seats rs JOIN seats s ON s.id = rs.seat_id JOIN sections sec ON sec.id = s.section_id
              WHERE rs.reservation_id = r.id), '[]') AS seats,
    r.amount_cents AS "amountCents", r.hold_expires_at AS "holdExpiresAt", r.extension_count AS "extensionCount", r.created_at AS "createdAt",
    (SELECT json_build_object('id', b.id, 'reference', b.reference) FROM bookings b WHERE b.reservation_id = r.id) AS booking,
    r.cancel_reason AS "cancelReason", r.cancelled_by AS "cancelledBy", r.failure_reason AS "failureReason"
  FROM reservations r JOIN events e ON e.id = r.event_id JOIN customers c ON c.id = r.customer_id
`;

export async function getReservation(db: CommonQueryMethods, reservationId: string) {
  return db.maybeOne(sql.type(reservationView)`${reservationSelect} WHERE r.id = ${reservationId}`);
}

export async function listReservations(db: CommonQueryMethods, filter: { customerId?: string; eventId?: string; status?: string; limit: number }) {
  const conditions = [sql.fragment`TRUE`];
  if (filter.customerId) conditions.push(sql.fragment`r.customer_id = ${filter.customerId}`);
  if (filter.eventId) conditions.push(sql.fragment`r.event_id = ${filter.eventId}`);
  if (filter.status) conditions.push(sql.fragment`r.status = ${filter.status}`);
  return [
    ...(await db.any(sql.type(reservationView)`
      ${reservationSelect} WHERE ${sql.join(conditions, sql.fragment` AND `)}
      ORDER BY r.created_at DESC LIMIT ${filter.limit}
    `)),
  ];
}

const bookingView = z.object({
  id: z.string(),
  reference: z.string(),
  reservationId: z.string(),
  eventId: z.string(),
  eventName: z.string(),
  startsAt: iso,
  amountCents: z.number(),
  seats: z.array(z.string()),
  createdAt: iso,
});

export async function listBookings(db: CommonQueryMethods, customerId: string) {
  return [
    ...(await db.any(sql.type(bookingView)`
      SELECT b.id, b.reference, b.reservation_id AS "reservationId", b.event_id AS "eventId", e.name AS "eventName",
             e.starts_at AS "startsAt", b.amount_cents AS "amountCents",
             (SELECT json_agg(s.label ORDER BY s.label) FROM booking_seats bs JOIN seats s ON s.id = bs.seat_id WHERE bs.booking_id = b.id) AS seats,
             b.created_at AS "createdAt"
      FROM bookings b JOIN events e ON e.id = b.event_id
      WHERE b.customer_id = ${customerId}
      ORDER BY b.created_at DESC
    `)),
  ];
}

/** Which of the given seat ids exist in the event (to tell unknown seats from taken ones). */
export async function knownSeatIds(db: CommonQueryMethods, eventId: string, seatIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM seats WHERE event_id = ${eventId} AND id = ANY(${sql.array([...seatIds], 'uuid')}) AND row_label IS NOT NULL
  `);
  return new Set(rows);
}

export async function sectionOfEvent(db: CommonQueryMethods, eventId: string, sectionId: string) {
  return db.maybeOne(sql.type(z.object({ kind: z.enum(['RESERVED', 'GA']) }))`
    SELECT kind FROM sections WHERE id = ${sectionId} AND event_id = ${eventId}
  `);
}

export async function eventStatus(db: CommonQueryMethods, eventId: string) {
  return db.maybeOneFirst(sql.type(z.object({ status: z.string() }))`SELECT status FROM events WHERE id = ${eventId}`);
}
