import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
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

/** Who holds a ticket: the customer it was transferred to, else its booking's customer. */
const holder = sql.fragment`COALESCE(t.holder_id, b.customer_id)`;

/**
 * A booking with the tickets this customer holds of it (bought, or transferred to them; those they
 * transferred away show as TRANSFERRED), in seat order; null when they hold none of it.
 */
export async function bookingTickets(db: CommonQueryMethods, customerId: string, reference: string): Promise<BookingTicketsRow | null> {
  const row = await db.maybeOne(sql.type(bookingTicketsRow)`
    SELECT b.reference, b.event_id AS "eventId", e.name AS "eventName", iso_utc(e.starts_at) AS "startsAt", v.name AS "venueName",
           COALESCE((
             SELECT json_agg(json_build_object(
                      'id', t.id, 'state', t.state, 'checkedInAt', iso_utc(t.checked_in_at), 'seat', ${seatJson})
                    ORDER BY sec.sort_order, s.row_label NULLS LAST, s.seat_number, s.label, t.created_at)
             FROM tickets t JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
             WHERE t.booking_id = b.id AND ${holder} = ${customerId}
           ), '[]'::json) AS tickets
    FROM bookings b JOIN events e ON e.id = b.event_id JOIN venues v ON v.id = e.venue_id
    WHERE b.reference = ${reference}
      AND (b.customer_id = ${customerId} OR EXISTS (SELECT 1 FROM tickets t WHERE t.booking_id = b.id AND t.holder_id = ${customerId}))
  `);
  return row;
}

const heldTicketRow = z.object({ booking: bookingTicketsRow.omit({ tickets: true }), ticket: Ticket.omit({ code: true }) });

/** Every ticket this customer holds or held (bought, or transferred to them), by event start and seat. */
export async function heldTickets(db: CommonQueryMethods, customerId: string) {
  return db.any(sql.type(heldTicketRow)`
    SELECT json_build_object('reference', b.reference, 'eventId', b.event_id, 'eventName', e.name,
                             'startsAt', iso_utc(e.starts_at), 'venueName', v.name) AS booking,
           json_build_object('id', t.id, 'state', t.state, 'checkedInAt', iso_utc(t.checked_in_at), 'seat', ${seatJson}) AS ticket
    FROM tickets t JOIN bookings b ON b.id = t.booking_id JOIN events e ON e.id = t.event_id JOIN venues v ON v.id = e.venue_id
      JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
    WHERE (t.holder_id = ${customerId} OR (t.holder_id IS NULL AND b.customer_id = ${customerId}))
    ORDER BY e.starts_at, b.reference, sec.sort_order, s.row_label NULLS LAST, s.seat_number, s.label, t.created_at
    LIMIT 500
  `);
}

export type TransferOutcome =
  | { outcome: 'TRANSFERRED'; ticketId: string; newTicketId: string; transferredAt: string; recipientEmail: string }
  /** No such ticket, or not one this customer holds. */
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'RECIPIENT_UNKNOWN' }
  | { outcome: 'TO_SELF' }
  /** The ticket is no longer VALID (checked in, cancelled, transferred already): `ticket` says how. */
  | { outcome: 'NOT_VALID'; ticket: CheckinTicket };

/**
 * Hands a VALID ticket to another customer, in one transaction: one conditional UPDATE retires it
 * (TRANSFERRED, so its code stops admitting) and a new ticket with a new id (a new signed code) is
 * issued for the same seat to the recipient. Against a concurrent check-in of the same ticket the
 * row lock decides: exactly one of the two finds it VALID.
 */
export async function transferTicket(pool: DatabasePool, input: { ticketId: string; senderId: string; recipientEmail: string }): Promise<TransferOutcome> {
  return pool.transaction(async (tx): Promise<TransferOutcome> => {
    const held = async () => {
      const ticket = await tx.maybeOne(sql.type(CheckinTicket.extend({ holderId: z.string() }))`
        SELECT ${checkinColumns}, ${holder} AS "holderId"
        FROM tickets t JOIN bookings b ON b.id = t.booking_id JOIN events e ON e.id = t.event_id
          JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
        WHERE t.id = ${input.ticketId}
      `);
      if (!ticket || ticket.holderId !== input.senderId) return null;
      const { holderId: _, ...shown } = ticket;
      return shown;
    };
    // another's ticket reads as not found, whatever else is wrong with the request
    if (!(await held())) return { outcome: 'NOT_FOUND' };
    const recipient = await tx.maybeOne(sql.type(z.object({ id: z.string(), email: z.string() }))`
      SELECT id, email FROM customers WHERE lower(email) = lower(${input.recipientEmail})
    `);
    if (!recipient) return { outcome: 'RECIPIENT_UNKNOWN' };
    if (recipient.id === input.senderId) return { outcome: 'TO_SELF' };
    const newTicketId = randomUUID();
    const retired = await tx.maybeOne(sql.type(z.object({ bookingId: z.string(), eventId: z.string(), seatId: z.string(), transferredAt: z.string() }))`
      UPDATE tickets t SET state = 'TRANSFERRED', transferred_at = now(), replaced_by = ${newTicketId}
      FROM bookings b
      WHERE t.id = ${input.ticketId} AND b.id = t.booking_id AND ${holder} = ${input.senderId} AND t.state = 'VALID'
      RETURNING t.booking_id AS "bookingId", t.event_id AS "eventId", t.seat_id AS "seatId", iso_utc(t.transferred_at) AS "transferredAt"
    `);
    if (!retired) {
      // read after the UPDATE (which waited for any concurrent scan or transfer): why not
      const ticket = await held();
      return ticket ? { outcome: 'NOT_VALID', ticket } : { outcome: 'NOT_FOUND' };
    }
    await tx.query(sql.typeAlias('void')`
      INSERT INTO tickets (id, booking_id, event_id, seat_id, holder_id)
      VALUES (${newTicketId}, ${retired.bookingId}, ${retired.eventId}, ${retired.seatId}, ${recipient.id})
    `);
    return { outcome: 'TRANSFERRED', ticketId: input.ticketId, newTicketId, transferredAt: retired.transferredAt, recipientEmail: recipient.email };
  });
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

const attendeeRow = z.object({
  reference: z.string(), bookingStatus: z.string(), bookedAt: z.string(), amountCents: z.number(), buyerName: z.string(), buyerEmail: z.string(),
  ticketId: z.string(), ticketState: z.string(), sectionName: z.string(), row: z.string().nullable(), number: z.number().nullable(), label: z.string(),
  attendeeName: z.string(), attendeeEmail: z.string(), checkedInAt: z.string().nullable(), checkedInBy: z.string().nullable(),
});
export type AttendeeRow = z.infer<typeof attendeeRow>;

/**
 * Every ticket of an event's bookings with its booking, buyer and attendee (the holder: the buyer,
 * or whoever it was transferred to), in seat order; null when there is no such event.
 */
export async function eventAttendees(db: CommonQueryMethods, eventId: string): Promise<readonly AttendeeRow[] | null> {
  const exists = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM events WHERE id = ${eventId}`);
  if (!exists) return null;
  return db.any(sql.type(attendeeRow)`
    SELECT b.reference, r.status AS "bookingStatus", iso_utc(b.created_at) AS "bookedAt", b.amount_cents AS "amountCents",
           buyer.name AS "buyerName", buyer.email AS "buyerEmail",
           t.id AS "ticketId", t.state AS "ticketState", sec.name AS "sectionName", s.row_label AS row, s.seat_number AS number, s.label,
           attendee.name AS "attendeeName", attendee.email AS "attendeeEmail",
           iso_utc(t.checked_in_at) AS "checkedInAt", t.checked_in_by AS "checkedInBy"
    FROM tickets t JOIN bookings b ON b.id = t.booking_id JOIN reservations r ON r.id = b.reservation_id
      JOIN customers buyer ON buyer.id = b.customer_id JOIN customers attendee ON attendee.id = ${holder}
      JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
    WHERE t.event_id = ${eventId}
    ORDER BY sec.sort_order, s.row_label NULLS LAST, s.seat_number, s.label, t.created_at
  `);
}

const calendarRow = z.object({
  bookingId: z.string(), reference: z.string(), status: z.string(), eventName: z.string(), startsAt: z.string(), venueName: z.string(), seats: z.array(z.string()),
});

/** A booking as its calendar entry shows it, for its customer or a holder of its tickets (the same rule as bookingTickets). */
export async function bookingForCalendar(db: CommonQueryMethods, customerId: string, reference: string) {
  return db.maybeOne(sql.type(calendarRow)`
    SELECT b.id AS "bookingId", b.reference, r.status, e.name AS "eventName", iso_utc(e.starts_at) AS "startsAt", v.name AS "venueName",
           COALESCE((
             SELECT json_agg(s.label ORDER BY sec.sort_order, s.row_label NULLS LAST, s.seat_number, s.label)
             FROM tickets t JOIN seats s ON s.id = t.seat_id JOIN sections sec ON sec.id = s.section_id
             WHERE t.booking_id = b.id AND ${holder} = ${customerId} AND t.state <> 'TRANSFERRED'
           ), '[]'::json) AS seats
    FROM bookings b JOIN reservations r ON r.id = b.reservation_id JOIN events e ON e.id = b.event_id JOIN venues v ON v.id = e.venue_id
    WHERE b.reference = ${reference}
      AND (b.customer_id = ${customerId} OR EXISTS (SELECT 1 FROM tickets t WHERE t.booking_id = b.id AND t.holder_id = ${customerId}))
  `);
}
