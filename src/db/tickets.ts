import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { CheckinTicket, Ticket } from '../contract/tickets.ts';
import { sql } from './sql.ts';

/**
 * Tickets are issued by PostgreSQL with their booking (the trigger of migration
 * 1733610000000_tickets.sql); this module reads them and admits them at the door.
 */

const bookingTicketsRow = z.object({
  reference: z.string(),
  eventId: z.string(),
  eventName: z.string(),
  startsAt: z.string(),
  venueName: z.string(),
  tickets: z.array(Ticket.omit({ code: true })),
});
export type BookingTicketsRow = z.infer<typeof bookingTicketsRow>;

const seatJson = sql.fragment`json_build_object('sectionName', sec.name, 'kind', sec.kind, 'row', s.row_label, 'number', s.seat_number, 'label', s.label)`;

/** A booking of this customer with its tickets in seat order; null when there is no such booking of theirs. */
export async function bookingTickets(db: CommonQueryMethods, customerId: string, reference: string): Promise<BookingTicketsRow | null> {
  return db.maybeOne(sql.type(bookingTicketsRow)`
    SELECT b.reference, b.event_id AS "eventId", e.name AS "eventName", iso_utc(e.starts_at) AS "startsAt", v.name AS "venueName",
           COALESCE((
             SELECT json_agg(json_build_object(
                      'id', t.id, 'state', t.state, 'checkedInAt', iso_utc(t.checked_in_at), 'seat', ${seatJson})
                    ORDER BY sec.sort_order, s.row_label NULLS LAST, s.seat_number, s.label)
             FROM tickets t JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
             WHERE t.booking_id = b.id
           ), '[]'::json) AS tickets
    FROM bookings b JOIN events e ON e.id = b.event_id JOIN venues v ON v.id = e.venue_id
    WHERE b.reference = ${reference} AND b.customer_id = ${customerId}
  `);
}

const checkinColumns = sql.fragment`
  t.id, t.event_id AS "eventId", e.name AS "eventName", b.reference AS "bookingReference", t.state,
  ${seatJson} AS seat, iso_utc(t.checked_in_at) AS "checkedInAt", t.checked_in_by AS "checkedInBy"
`;

/**
 * Admits a VALID ticket of this event, once: one conditional UPDATE, so of any number of
 * concurrent scans exactly one finds the row VALID (the others wait for its row lock, then see
 * CHECKED_IN and change nothing). Returns the admitted ticket, or null when nothing was admitted.
 */
export async function admitTicket(db: CommonQueryMethods, ticketId: string, eventId: string, actor: string) {
  return db.maybeOne(sql.type(CheckinTicket)`
    UPDATE tickets t SET state = 'CHECKED_IN', checked_in_at = now(), checked_in_by = ${actor}
    FROM bookings b, events e, seats s, sections sec
    WHERE t.id = ${ticketId} AND t.event_id = ${eventId} AND t.state = 'VALID'
      AND b.id = t.booking_id AND e.id = t.event_id AND s.id = t.seat_id AND sec.id = s.section_id
    RETURNING ${checkinColumns}
  `);
}

/** A ticket as it is now (a statement of its own, after a refused admission: why it was refused). */
export async function checkinTicket(db: CommonQueryMethods, ticketId: string) {
  return db.maybeOne(sql.type(CheckinTicket)`
    SELECT ${checkinColumns}
    FROM tickets t JOIN bookings b ON b.id = t.booking_id JOIN events e ON e.id = t.event_id
      JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
    WHERE t.id = ${ticketId}
  `);
}
