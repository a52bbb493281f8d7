import { z } from 'zod';
import { ReservationStatus } from './reservations.ts';

/**
 * Waitlists of sold-out sections, as they cross a boundary: PostgreSQL rows (src/db/waitlist.ts),
 * the waitlist workflow and its activity (workflows/waitlist.ts, types only), the API
 * (src/api/routes/waitlist.ts) and the web client (types only). Defined once here.
 *
 * A customer joins the line of one section of an event (reserved seating or general admission)
 * for a number of seats, once at a time. The line is served in join order: when enough seats of
 * the section are free, the first customer waiting is offered them as an ordinary hold (a
 * reservation with its own workflow and deadline) and checks it out like any hold.
 */

/**
 * WAITING in line; OFFERED a hold (the offer); BOOKED when the offer was paid; LAPSED when the
 * offer's hold ended unpaid (expired, cancelled) or could not be made for this customer (the
 * event's ticket limit); LEFT when the customer left the line (declining an offer too).
 */
export const WAITLIST_STATUSES = ['WAITING', 'OFFERED', 'BOOKED', 'LAPSED', 'LEFT'] as const;
export const WaitlistStatus = z.enum(WAITLIST_STATUSES);
export type WaitlistStatus = z.infer<typeof WaitlistStatus>;

/** Path of the customer's join and leave: one section of one event. */
export const WaitlistParams = z.object({ eventId: z.string().uuid(), sectionId: z.string().uuid() });

/** `POST /api/events/:eventId/sections/:sectionId/waitlist`: how many seats (1 by default; at most HOLD_MAX_SEATS). */
export const JoinWaitlistBody = z.object({
  quantity: z.number().int().min(1).max(100).default(1).meta({ description: 'How many seats to be offered together (at most the largest hold)' }),
}).strict().default({ quantity: 1 });
export type JoinWaitlistBody = z.infer<typeof JoinWaitlistBody>;

/** The offer: the hold made for the customer, checked out like any other (`POST /api/reservations/:id/checkout`). */
export const WaitlistOffer = z.object({
  reservationId: z.string(),
  status: ReservationStatus,
  holdExpiresAt: z.string().meta({ description: "The offer's deadline: the hold's (ISO 8601, UTC)", format: 'date-time' }),
  amountCents: z.number().int(),
  seatLabels: z.array(z.string()),
});
export type WaitlistOffer = z.infer<typeof WaitlistOffer>;

/** One entry of a line, as its customer sees it. */
export const WaitlistEntry = z.object({
  id: z.string(),
  eventId: z.string(),
  eventName: z.string(),
  sectionId: z.string(),
  sectionName: z.string(),
  quantity: z.number().int(),
  status: WaitlistStatus,
  position: z.number().int().nullable().meta({ description: 'Place in line among those still waiting (1: next to be offered); null unless WAITING' }),
  joinedAt: z.string().meta({ format: 'date-time' }),
  closedAt: z.string().nullable().meta({ format: 'date-time' }),
  closeReason: z.string().nullable(),
  offer: WaitlistOffer.nullable(),
});
export type WaitlistEntry = z.infer<typeof WaitlistEntry>;

/** An entry as staff (support, admin, the event's organizer) see it: with its customer. */
export const StaffWaitlistEntry = WaitlistEntry.extend({ customerId: z.string(), customerEmail: z.string() });
export type StaffWaitlistEntry = z.infer<typeof StaffWaitlistEntry>;

/** The answer of join and leave. */
export const WaitlistEntryAnswer = z.object({ entry: WaitlistEntry });
export const MyWaitlist = z.object({ items: z.array(WaitlistEntry) });
export const EventWaitlist = z.object({ eventId: z.string(), items: z.array(StaffWaitlistEntry) });
export type EventWaitlist = z.infer<typeof EventWaitlist>;

/** The waitlist workflow's input: one section's line (and the length of the holds it offers). */
export interface WaitlistInput {
  eventId: string;
  sectionId: string;
  /** How long an offer's hold lasts, in seconds. */
  offerSeconds: number;
  /** Extra life of the offered seats' rows past the hold's deadline (passive expiry). */
  passiveGraceSeconds: number;
}

/** What one round of the waitlist activity did, and when the workflow must look again. */
export const WaitlistRound = z.object({
  /** Reservations made as offers this round. */
  offered: z.array(z.string()),
  /** Entries whose offer ended this round: unpaid (LAPSED) or paid (BOOKED). */
  lapsed: z.number().int(),
  booked: z.number().int(),
  /** Offers still open. */
  openOffers: z.number().int(),
  waiting: z.number().int(),
  /** The earliest deadline of an open offer (or a recheck of one being paid); null: nothing to wait for. */
  nextCheckAt: z.string().nullable(),
});
export type WaitlistRound = z.infer<typeof WaitlistRound>;
