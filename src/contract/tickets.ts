import { z } from 'zod';
import { text } from '../api/schemas.ts';

/**
 * The shapes of tickets and check-in as they cross a boundary: PostgreSQL rows (src/db/tickets.ts),
 * the API (src/api/routes/tickets.ts) and the web client (web/src, which imports the types only).
 * Defined once here; nothing else spells these states or codes out.
 */

/**
 * A ticket's life: issued VALID with its booking; CHECKED_IN once at the door; CANCELLED when the
 * booking is cancelled later; TRANSFERRED when it was handed to someone else (a new ticket replaces
 * it). Only VALID admits.
 */
export const TICKET_STATES = ['VALID', 'CHECKED_IN', 'CANCELLED', 'TRANSFERRED'] as const;
export const TicketState = z.enum(TICKET_STATES);
export type TicketState = z.infer<typeof TicketState>;

/** Where the ticket lets its holder in: a reserved seat (row and number) or a general-admission place. */
export const TicketSeat = z.object({
  sectionName: z.string(),
  kind: z.enum(['RESERVED', 'GA']),
  row: z.string().nullable(),
  number: z.number().nullable(),
  label: z.string(),
});
export type TicketSeat = z.infer<typeof TicketSeat>;

/** One ticket as its owner sees it; `code` is the signed QR payload (no personal data in it). */
export const Ticket = z.object({
  id: z.string(),
  state: TicketState,
  seat: TicketSeat,
  checkedInAt: z.string().nullable(),
  code: z.string(),
});
export type Ticket = z.infer<typeof Ticket>;

/** `GET /api/bookings/:reference/tickets` */
export const BookingTickets = z.object({
  booking: z.object({
    reference: z.string(),
    eventId: z.string(),
    eventName: z.string(),
    startsAt: z.string(),
    venueName: z.string(),
  }),
  tickets: z.array(Ticket),
});
export type BookingTickets = z.infer<typeof BookingTickets>;

/** A booking reference as customers read it (`AB12-CD34`); lower case is accepted. */
export const BookingReference = z.string().trim().toUpperCase().regex(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/, 'must be a booking reference like AB12-CD34');

/** `POST /api/checkin`: the event at whose door staff scan, and the scanned text. */
export const CheckinRequest = z.object({
  eventId: z.string().uuid(),
  code: text({ min: 1, minMessage: 'scan or type the ticket code', max: 200 }),
}).strict();
export type CheckinRequest = z.infer<typeof CheckinRequest>;

/** The ticket as the door sees it, admitted or refused. */
export const CheckinTicket = z.object({
  id: z.string(),
  eventId: z.string(),
  eventName: z.string(),
  bookingReference: z.string(),
  state: TicketState,
  seat: TicketSeat,
  checkedInAt: z.string().nullable(),
  /** Who admitted it: `support:<email>`. */
  checkedInBy: z.string().nullable(),
});
export type CheckinTicket = z.infer<typeof CheckinTicket>;

/** `200` from `POST /api/checkin`: let them in. */
export const CheckinAdmitted = z.object({ result: z.literal('ADMITTED'), ticket: CheckinTicket });
export type CheckinAdmitted = z.infer<typeof CheckinAdmitted>;

/**
 * Why a scan does not admit, as the `code` of the API's error shape (with `details.ticket` when
 * the code named a real ticket): a code that is not ours or was altered (400), a ticket of another
 * event (409), one already admitted (409, `details.ticket.checkedInAt`), cancelled (409) or
 * transferred to someone else (409).
 */
export const CHECKIN_REFUSALS = ['INVALID_CODE', 'WRONG_EVENT', 'ALREADY_CHECKED_IN', 'TICKET_CANCELLED', 'TICKET_TRANSFERRED'] as const;
export type CheckinRefusal = (typeof CHECKIN_REFUSALS)[number];

/** `POST /api/tickets/:ticketId/transfer`: the recipient, a customer with an account, by email. */
export const TransferRequest = z.object({ email: z.string().trim().email().max(254) }).strict();
export type TransferRequest = z.infer<typeof TransferRequest>;

/**
 * `200` from a transfer: the sender's ticket is now TRANSFERRED (its code admits no one) and the
 * recipient holds a new ticket for the same seat, with a new code only they can read.
 */
export const TicketTransferred = z.object({
  ticketId: z.string(),
  state: z.literal('TRANSFERRED'),
  transferredAt: z.string(),
  recipientEmail: z.string(),
});
export type TicketTransferred = z.infer<typeof TicketTransferred>;

/** `GET /api/tickets`: every ticket the caller holds (bought, or transferred to them), with its booking and event. */
export const HeldTicket = z.object({
  booking: BookingTickets.shape.booking,
  ticket: Ticket,
});
export type HeldTicket = z.infer<typeof HeldTicket>;
