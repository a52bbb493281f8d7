import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { isoTimestamp, sql } from './sql.ts';
import { ReservationStatus } from '../contract/reservations.ts';

/** What customers, support and the web client read about reservations and bookings. */

/** One reservation as `reservation_view()` (migrations/1733000000000) builds it. */
export const reservationView = z.object({
  id: z.string(),
  customerId: z.string(),
  customerEmail: z.string(),
  eventId: z.string(),
  eventName: z.string(),
  status: ReservationStatus,
  seats: z.array(z.object({ id: z.string(), label: z.string(), sectionId: z.string(), sectionName: z.string(), priceCents: z.number() })),
  amountCents: z.number(),
  holdExpiresAt: z.string(),
  extensionCount: z.number().int(),
  createdAt: z.string(),
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
 * A reservation as the reads answer it (one, a list, and what checkout, extend and cancel answer):
 * the view plus the event's date and venue, which checkout and the confirmation show. The hold's
 * own answer is the bare view: `claim_hold` builds it, and the hold's one statement stays as it is.
 */
export const reservationRead = reservationView.extend({
  eventStartsAt: z.string().meta({ description: 'When the event starts (ISO 8601, UTC)', format: 'date-time' }),
  venueName: z.string(),
});
export type ReservationRead = ReservationView & Pick<z.infer<typeof reservationRead>, 'eventStartsAt' | 'venueName'>;

const readRow = z.object({ view: reservationRead });
const readColumn = sql.fragment`reservation_view(r.id) || jsonb_build_object('eventStartsAt', iso_utc(e.starts_at), 'venueName', v.name)`;

export async function getReservation(db: CommonQueryMethods, reservationId: string): Promise<ReservationRead | null> {
  return db.maybeOneFirst(sql.type(readRow)`
    SELECT ${readColumn} AS view
    FROM reservations r JOIN events e ON e.id = r.event_id JOIN venues v ON v.id = e.venue_id
    WHERE r.id = ${reservationId}
  `);
}

export interface ReservationFilter {
  customerId?: string;
  /** The customer's email, exact and case-insensitive (under customers_email_key, on lower(email)). */
  customerEmail?: string;
  eventId?: string;
  status?: string;
}

const whereOf = (filter: ReservationFilter) => {
  const conditions = [sql.fragment`TRUE`];
  if (filter.customerId) conditions.push(sql.fragment`r.customer_id = ${filter.customerId}`);
  if (filter.customerEmail) conditions.push(sql.fragment`r.customer_id = (SELECT c.id FROM customers c WHERE lower(c.email) = lower(${filter.customerEmail}))`);
  if (filter.eventId) conditions.push(sql.fragment`r.event_id = ${filter.eventId}`);
  if (filter.status) conditions.push(sql.fragment`r.status = ${filter.status}`);
  return sql.join(conditions, sql.fragment` AND `);
};

/** Newest first; the id breaks ties, so pages neither repeat nor skip a reservation. */
export async function listReservations(db: CommonQueryMethods, filter: ReservationFilter & { limit: number; offset?: number }): Promise<ReservationRead[]> {
  return [
    ...(await db.anyFirst(sql.type(readRow)`
      SELECT ${readColumn} AS view
      FROM reservations r JOIN events e ON e.id = r.event_id JOIN venues v ON v.id = e.venue_id
      WHERE ${whereOf(filter)}
      ORDER BY r.created_at DESC, r.id DESC LIMIT ${filter.limit} OFFSET ${filter.offset ?? 0}
    `)),
  ];
}

/** How many reservations the filter matches (the total of a paged list). */
export async function countReservations(db: CommonQueryMethods, filter: ReservationFilter): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*) FROM reservations r WHERE ${whereOf(filter)}`);
}

export const bookingView = z.object({
  id: z.string(),
  reference: z.string(),
  reservationId: z.string(),
  /** CONFIRMED, or REFUNDED once cancelled (see src/db/refunds.ts). */
  status: ReservationStatus,
  eventId: z.string(),
  eventName: z.string(),
  startsAt: isoTimestamp,
  amountCents: z.number(),
  seats: z.array(z.string()),
  createdAt: isoTimestamp,
});

export async function listBookings(db: CommonQueryMethods, customerId: string) {
  return [
    ...(await db.any(sql.type(bookingView)`
      SELECT b.id, b.reference, b.reservation_id AS "reservationId", r.status, b.event_id AS "eventId", e.name AS "eventName",
             e.starts_at AS "startsAt", b.amount_cents AS "amountCents",
             -- the seats the booking was made for: reservation_seats keeps them after a refund frees them
             (SELECT json_agg(s.label ORDER BY s.label) FROM reservation_seats rs JOIN seats s ON s.id = rs.seat_id WHERE rs.reservation_id = b.reservation_id) AS seats,
             b.created_at AS "createdAt"
      FROM bookings b JOIN events e ON e.id = b.event_id JOIN reservations r ON r.id = b.reservation_id
      WHERE b.customer_id = ${customerId}
      ORDER BY b.created_at DESC
    `)),
  ];
}

