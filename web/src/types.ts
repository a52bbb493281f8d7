/** Shapes of the booking API and the realtime gateway, as the web client uses them. */

// Tickets and check-in: the engine's contract module, types only (nothing of zod reaches the bundle)
export type {
  BookingTickets,
  CheckinAdmitted,
  CheckinRefusal,
  CheckinTicket,
  HeldTicket,
  Ticket,
  TicketTransferred,
  TicketSeat,
  TicketState,
} from '../../src/contract/tickets';

// Waitlists of sold-out sections: the engine's contract module, types only
export type { WaitlistEntry, WaitlistStatus, WaitlistOffer } from '../../src/contract/waitlist';

// Accounts and roles: the engine's contract module, types only
export type { Role, Account as Customer } from '../../src/contract/accounts';
import type { Role } from '../../src/contract/accounts';

/** The roles that do support's work (STAFF_ROLES in src/contract/accounts.ts; a value, so restated here and checked by type). */
export const STAFF_ROLES = ['support', 'admin'] as const satisfies readonly Role[];
export const isStaff = (role: Role | undefined) => role !== undefined && (STAFF_ROLES as readonly Role[]).includes(role);

/** What login, registration and a refresh answer (the contract's Session). */
export type { Session as AuthResponse } from '../../src/contract/accounts';

// The event catalog: the engine's contract module, types only (DRAFT is seen by the event's organizer only)
export type { EventStatus, EventCancellation, SectionSpec, SeatNumbering, EventDraft, EventEdit } from '../../src/contract/catalog';
import type { EventStatus } from '../../src/contract/catalog';

export interface Venue {
  id: string;
  name: string;
}

export interface EventSummary {
  id: string;
  name: string;
  description: string;
  venue: Venue;
  startsAt: string;
  status: EventStatus;
  /** The sale window: null start = opened on publishing, null end = until the event starts. */
  salesStartAt: string | null;
  salesEndAt: string | null;
  /** Set once cancelled: when, by whom and why. */
  cancelledAt: string | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  /** Tickets one customer may hold and book for this event together; null: no limit. */
  maxTicketsPerCustomer: number | null;
  /** Customers may cancel (refunded in full) until this many hours before the start; null: only support can. */
  refundCutoffHours: number | null;
  /** The event's image (an https:// URL); null: none. */
  imageUrl: string | null;
  /** Its place in the featured strip (lower first); null: not featured. */
  featuredPosition: number | null;
  minPriceCents: number | null;
  maxPriceCents: number | null;
  availableCount: number;
  totalCount: number;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export type SectionKind = 'RESERVED' | 'GA';

export interface Section {
  id: string;
  name: string;
  kind: SectionKind;
  priceCents: number;
  capacity: number;
  availableCount: number;
}

export type SeatState = 'AVAILABLE' | 'HELD' | 'SOLD';

export interface Seat {
  id: string;
  sectionId: string;
  row: string | null;
  number: number | null;
  label: string;
  state: SeatState;
  version: number;
}

export interface EventDetail {
  id: string;
  name: string;
  description: string;
  venue: Venue;
  startsAt: string;
  status: EventStatus;
  maxTicketsPerCustomer: number | null;
  refundCutoffHours: number | null;
  imageUrl: string | null;
  sections: Section[];
  seats: Seat[];
}

// Cancellations of bookings: the engine's contract module, types only
export type { BookingCancellation, BookingCancellationAnswer } from '../../src/contract/bookings';

// Reservation statuses: the engine's contract module, types only
export type { ReservationStatus, OrganizerReservation, OrganizerReservationPage } from '../../src/contract/reservations';
import type { ReservationStatus } from '../../src/contract/reservations';

/**
 * Every reservation status, for filters (RESERVATION_STATES in workflows/messages.ts; a value, so
 * restated here, and checked by type both ways: a status added there fails the web's type check).
 */
export const RESERVATION_STATUSES = ['HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'] as const satisfies readonly ReservationStatus[];
type UnlistedStatus = Exclude<ReservationStatus, (typeof RESERVATION_STATUSES)[number]>;
const everyStatusListed: [UnlistedStatus] extends [never] ? true : UnlistedStatus = true;
void everyStatusListed;

export interface ReservationSeat {
  id: string;
  label: string;
  sectionId: string;
  sectionName: string;
  priceCents: number;
}

export interface Reservation {
  id: string;
  eventId: string;
  eventName: string;
  /** When the event starts (ISO 8601). */
  eventStartsAt: string;
  venueName: string;
  status: ReservationStatus;
  seats: ReservationSeat[];
  amountCents: number;
  holdExpiresAt: string;
  /** How often the hold was extended, and how many more extensions (of up to maxSeconds) it may get. */
  extensionCount?: number;
  extensions?: { remaining: number; maxSeconds: number };
  createdAt: string;
  booking: { id: string; reference: string } | null;
  cancelReason: string | null;
  /** e.g. "support:ana@example.com", "customer:<id>", "system". */
  cancelledBy: string | null;
  failureReason?: string | null;
  workflowId?: string;
}

/** The hold's own answer (POST /api/reservations): a reservation without the event's date and venue. */
export type HeldReservation = Omit<Reservation, 'eventStartsAt' | 'venueName'>;

export interface SupportReservation extends Reservation {
  customerEmail: string;
  /** This reservation's workflow in the Temporal Web UI, when the engine knows the UI's address. */
  workflowUrl: string | null;
}

export interface Booking {
  id: string;
  reference: string;
  reservationId: string;
  /** CONFIRMED, or REFUNDED once cancelled. */
  status: ReservationStatus;
  eventId: string;
  eventName: string;
  startsAt: string;
  amountCents: number;
  seats: string[];
  createdAt: string;
}

export interface Card {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface CheckoutResult {
  reservation: Reservation;
  booking: { id: string; reference: string; amountCents: number };
}

export type ReservationRequest =
  | { eventId: string; seatIds: string[] }
  | { eventId: string; sectionId: string; quantity: number };

/** One seat's new state inside a `seats:changed` push. */
export interface SeatChange {
  id: string;
  sectionId: string;
  state: SeatState;
  version: number;
}

export interface SeatsChangedMessage {
  eventId: string;
  changeId: number | string;
  committedAt: number | string;
  seats: SeatChange[];
}

export type JoinAck = { ok: true; eventId: string; seats: Seat[] } | { ok: false; error: unknown };

export interface ReservationUpdate {
  reservationId: string;
  status: ReservationStatus;
  reason?: string | null;
  /** e.g. "support:ana@example.com" when support cancelled. */
  actor?: string | null;
  bookingReference?: string | null;
  /** The hold's new deadline when it was extended (perhaps from another tab). */
  holdExpiresAt?: string | null;
}

/** Reservations that still hold seats. */
export const ACTIVE_STATUSES: readonly ReservationStatus[] = ['HELD', 'PAYING'];

// Tenants' client apps and the audit trail: the engine's contract modules, types only
export type { CreatedApp, TenantApp } from '../../src/contract/apps';
export type { AuditEntry, AuditPage } from '../../src/contract/audit';
export type { Tenant } from '../../src/contract/catalog';
