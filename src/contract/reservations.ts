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
