import type { DatabasePool } from 'slonik';
import type { Principal } from '../auth/tokens.ts';
import type { BookingTickets, CheckinAdmitted, CheckinRequest, CheckinTicket, HeldTicket, TicketTransferred, TransferRequest } from '../contract/tickets.ts';
import { accountActor, recordCheckin } from '../db/audit.ts';
import { admitTicket, bookingForCalendar, bookingTickets, checkinTicket, eventAttendees, heldTickets, transferTicket } from '../db/tickets.ts';
import { bookingCalendar, csvDocument } from './exports.ts';
import { AppError, notFound } from '../errors.ts';
import { ticketsPdf } from './pdf.ts';
import { ticketCodes } from './codes.ts';

export type TicketService = ReturnType<typeof createTicketService>;

/** The columns of the attendees CSV, in order. */
export const ATTENDEE_COLUMNS = [
  'booking_reference', 'booking_status', 'booked_at', 'amount_cents', 'buyer_name', 'buyer_email', 'ticket_id', 'ticket_state',
  'section', 'row', 'seat', 'place', 'attendee_name', 'attendee_email', 'checked_in_at', 'checked_in_by',
] as const;

/** Tickets for their owners (JSON, PDF) and check-in at the door (staff). */
export function createTicketService(deps: { pool: DatabasePool; signingSecret: string }) {
  const { pool } = deps;
  const codes = ticketCodes(deps.signingSecret);

  /** The customer's own booking with its tickets; another's is a 404, so references are not confirmed to strangers. */
  async function forBooking(principal: Principal, reference: string): Promise<BookingTickets> {
    const row = await bookingTickets(pool, principal.customerId, reference);
    if (!row) throw new AppError(404, 'NOT_FOUND', `booking ${reference} was not found`, { reference });
    const { tickets, ...booking } = row;
    return { booking, tickets: tickets.map((t) => ({ ...t, code: codes.sign({ ticketId: t.id, eventId: booking.eventId }) })) };
  }

  return {
    forBooking,

    /** Support: the event's bookings and attendees, one CSV row per ticket (every state, so refunds and transfers show). */
    async attendeesCsv(eventId: string): Promise<string> {
      const rows = await eventAttendees(pool, eventId);
      if (!rows) throw notFound('Event', eventId);
      return csvDocument(ATTENDEE_COLUMNS, rows.map((r) => [
        r.reference, r.bookingStatus, r.bookedAt, r.amountCents, r.buyerName, r.buyerEmail, r.ticketId, r.ticketState,
        r.sectionName, r.row, r.number, r.label, r.attendeeName, r.attendeeEmail, r.checkedInAt, r.checkedInBy,
      ]));
    },

    /** The booking as an iCalendar entry, for its customer or a holder of its tickets; another's is a 404. */
    async calendar(principal: Principal, reference: string): Promise<string> {
      const booking = await bookingForCalendar(pool, principal.customerId, reference);
      if (!booking) throw new AppError(404, 'NOT_FOUND', `booking ${reference} was not found`, { reference });
      return bookingCalendar(booking);
    },

    /** Every ticket the customer holds or held: bought, or transferred to them. */
    async held(principal: Principal): Promise<HeldTicket[]> {
      const rows = await heldTickets(pool, principal.customerId);
      return rows.map(({ booking, ticket }) => ({ booking, ticket: { ...ticket, code: codes.sign({ ticketId: ticket.id, eventId: booking.eventId }) } }));
    },

    /**
     * Hands one of the caller's VALID tickets to another customer (by email): the old code stops
     * admitting (the door answers TICKET_TRANSFERRED), the recipient gets a new ticket and code.
     */
    async transfer(principal: Principal, ticketId: string, request: TransferRequest): Promise<TicketTransferred> {
      const result = await transferTicket(pool, { ticketId, senderId: principal.customerId, recipientEmail: request.email });
      switch (result.outcome) {
        case 'TRANSFERRED':
          return { ticketId: result.ticketId, state: 'TRANSFERRED', transferredAt: result.transferredAt, recipientEmail: result.recipientEmail };
        case 'NOT_FOUND':
          // another's ticket reads as not found: ticket ids are not confirmed to strangers
          throw new AppError(404, 'NOT_FOUND', `ticket ${ticketId} was not found`, { ticketId });
        case 'RECIPIENT_UNKNOWN':
          throw new AppError(422, 'RECIPIENT_NOT_FOUND', 'no customer has an account with this email; they must register before a ticket can be transferred to them', { field: 'email' });
        case 'TO_SELF':
          throw new AppError(422, 'VALIDATION_FAILED', 'this ticket is already yours', { field: 'email' });
        case 'NOT_VALID': {
          const refused = refusal(result.ticket, result.ticket.eventId);
          throw new AppError(refused.status, refused.code, `this ticket cannot be transferred: ${refused.message}`, refused.details);
        }
      }
    },

    async pdf(principal: Principal, reference: string): Promise<Buffer> {
      const { booking, tickets } = await forBooking(principal, reference);
      // only tickets that can still be used: a cancelled or transferred one would only mislead
      const live = tickets.filter((t) => t.state === 'VALID' || t.state === 'CHECKED_IN');
      if (live.length === 0) throw notFound('Tickets of booking', reference);
      return ticketsPdf({ ...booking, tickets: live });
    },

    /**
     * Admits the ticket a scanned code names, once. The code is checked first (a forged or altered
     * one never reaches PostgreSQL); then one conditional UPDATE admits it or changes nothing; only
     * after a refusal is the ticket read, to say why.
     */
    async checkIn(principal: Principal, request: CheckinRequest): Promise<CheckinAdmitted> {
      const named = codes.verify(request.code);
      if (!named) throw new AppError(400, 'INVALID_CODE', 'this is not a valid ticket code: it was not issued by us or has been altered');
      const actor = `${principal.role}:${principal.email}`;
      if (named.eventId === request.eventId) {
        // the admission and its audit entry commit together
        const admitted = await pool.transaction(async (tx) => {
          const ticket = await admitTicket(tx, named.ticketId, request.eventId, actor);
          if (ticket) await recordCheckin(tx, accountActor(principal), ticket.id);
          return ticket;
        });
        if (admitted) return { result: 'ADMITTED', ticket: admitted };
      }
      const ticket = await checkinTicket(pool, named.ticketId);
      if (!ticket) throw new AppError(400, 'INVALID_CODE', 'this code names no ticket of ours', {});
      throw refusal(ticket, request.eventId);
    },
  };
}

function refusal(ticket: CheckinTicket, eventId: string): AppError {
  const details = { ticket };
  if (ticket.eventId !== eventId) {
    return new AppError(409, 'WRONG_EVENT', `this ticket is for another event: ${ticket.eventName}`, details);
  }
  switch (ticket.state) {
    case 'CHECKED_IN':
      return new AppError(409, 'ALREADY_CHECKED_IN', `this ticket was already checked in at ${ticket.checkedInAt}`, details);
    case 'CANCELLED':
      return new AppError(409, 'TICKET_CANCELLED', 'this ticket was cancelled', details);
    case 'TRANSFERRED':
      return new AppError(409, 'TICKET_TRANSFERRED', 'this ticket was transferred to someone else: their new ticket is the valid one', details);
    case 'VALID':
      // a VALID ticket of this event that the UPDATE did not admit cannot be: the UPDATE saw the
      // same row. Say so rather than admit on a read.
      return new AppError(409, 'INVALID_STATE', 'the ticket changed while it was scanned; scan it again', details);
  }
}
