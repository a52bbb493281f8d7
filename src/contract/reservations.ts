import { z } from 'zod';
import { RESERVATION_STATES } from '../../workflows/messages.ts';
import { queryInt } from '../api/schemas.ts';

/**
 * Reservation statuses as they cross a boundary: PostgreSQL rows (src/db), the API's queries and
 * answers, the reconciler and starters, and the web client (types only). The list itself is
 * `RESERVATION_STATES` in workflows/messages.ts, because workflow code may import only its
 * siblings; nothing else spells the statuses out.
 */
export { RESERVATION_STATES };
export const ReservationStatus = z.enum(RESERVATION_STATES);
export type ReservationStatus = z.infer<typeof ReservationStatus>;

/** The most reservations one page of GET /api/support/reservations holds (and, as before paging, the default). */
export const SUPPORT_PAGE_SIZE_MAX = 200;

/**
 * GET /api/support/reservations: any customer's reservations, newest first (created_at, then id),
 * filtered by event, state and the customer's email (exact, case-insensitive: an email either is
 * a customer's or not, and a prefix search would list customers' addresses to anyone who types "a").
 * Paged by number: `page` from 1, `pageSize` up to 200 (200 when absent, the cap the list had
 * before it was paged), with the `total` of the filter in the answer.
 */
export const SupportReservationsQuery = z.object({
  eventId: z.string().uuid().optional(),
  status: ReservationStatus.optional(),
  customerEmail: z.string().trim().email().max(254).optional()
    .meta({ description: "The customer's email, exact and case-insensitive" }),
  page: queryInt({ min: 1, max: 1_000_000 }).default(1).meta({ description: 'The page, from 1' }),
  pageSize: queryInt({ min: 1, max: SUPPORT_PAGE_SIZE_MAX }).default(SUPPORT_PAGE_SIZE_MAX)
    .meta({ description: `Reservations per page, 1 to ${SUPPORT_PAGE_SIZE_MAX} (${SUPPORT_PAGE_SIZE_MAX} when absent)` }),
});
export type SupportReservationsQuery = z.infer<typeof SupportReservationsQuery>;
export type SupportReservationsFilter = Pick<SupportReservationsQuery, 'eventId' | 'status' | 'customerEmail'>;

/** The most reservations one page of GET /api/organizer/events/:eventId/reservations holds. */
export const ORGANIZER_RESERVATIONS_PAGE_SIZE_MAX = 100;

/**
 * GET /api/organizer/events/:eventId/reservations: one of the tenant's events' reservations, newest
 * first (created_at, then id), optionally of one state, a page at a time (`page` from 1, `pageSize`
 * up to 100, 20 when absent), with the `total` in the answer.
 */
export const OrganizerReservationsQuery = z.object({
  status: ReservationStatus.optional(),
  page: queryInt({ min: 1, max: 1_000_000 }).default(1).meta({ description: 'The page, from 1' }),
  pageSize: queryInt({ min: 1, max: ORGANIZER_RESERVATIONS_PAGE_SIZE_MAX }).default(20)
    .meta({ description: `Reservations per page, 1 to ${ORGANIZER_RESERVATIONS_PAGE_SIZE_MAX} (20 when absent)` }),
});
export type OrganizerReservationsQuery = z.infer<typeof OrganizerReservationsQuery>;

/** One reservation of an event as its organizer sees it, with its workflow in the Temporal Web UI. */
export const OrganizerReservation = z.object({
  id: z.string(),
  status: ReservationStatus,
  customerEmail: z.string(),
  seats: z.array(z.object({ label: z.string(), sectionId: z.string(), sectionName: z.string() }))
    .meta({ description: 'The seats (reserved seating) or places (general admission) of the reservation' }),
  quantity: z.number().int().meta({ description: 'How many seats or places' }),
  amountCents: z.number().int(),
  createdAt: z.string(),
  holdExpiresAt: z.string().meta({ description: 'When the hold ends (or ended) unless paid' }),
  bookingReference: z.string().nullable(),
  workflowId: z.string().meta({ description: 'The Temporal workflow id (reservation-<id>)' }),
  temporalUiUrl: z.string().nullable().meta({ description: 'The workflow in the Temporal Web UI, when it is configured' }),
});
export type OrganizerReservation = z.infer<typeof OrganizerReservation>;

export const OrganizerReservationPage = z.object({
  items: z.array(OrganizerReservation),
  page: z.number().int().meta({ description: 'The page, from 1' }),
  pageSize: z.number().int(),
  total: z.number().int().meta({ description: "The event's reservations matching the filter, on every page" }),
});
export type OrganizerReservationPage = z.infer<typeof OrganizerReservationPage>;
