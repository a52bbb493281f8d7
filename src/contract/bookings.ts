import { z } from 'zod';
import { text } from '../api/schemas.ts';

/**
 * The shapes of a booking's cancellation as they cross a boundary: PostgreSQL rows
 * (src/db/refunds.ts), the refund workflow's answer, the API (src/api/routes/bookings.ts) and the
 * web client (types only). Defined once here.
 */

/** Where a cancellation stands: REQUESTED (recorded, being refunded), REFUNDED (money back, seats free, tickets cancelled). */
export const REFUND_STATUSES = ['REQUESTED', 'REFUNDED'] as const;
export const RefundStatus = z.enum(REFUND_STATUSES);
export type RefundStatus = z.infer<typeof RefundStatus>;

/** `POST /api/bookings/:reference/cancel` (the customer's own booking): why, optionally. */
export const CancelBookingBody = z.object({ reason: text({ max: 500 }).optional() }).strict().default({});
/** `POST /api/support/bookings/:reference/cancel`: support always says why. */
export const SupportCancelBookingBody = z.object({ reason: text({ min: 1, minMessage: 'say why the booking is cancelled', max: 500 }) }).strict();

/** A booking's cancellation, as recorded before anything was refunded, and how far it got. */
export const BookingCancellation = z.object({
  reference: z.string(),
  bookingId: z.string(),
  reservationId: z.string(),
  status: RefundStatus,
  /** What is refunded: the whole amount of the booking, in cents. */
  amountCents: z.number().int(),
  /** `customer:<id>` or `support:<email>`: who cancelled (the first request; a repeat changes nothing). */
  requestedBy: z.string(),
  reason: z.string(),
  requestedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type BookingCancellation = z.infer<typeof BookingCancellation>;

/** The answer of both cancel routes: 200 when REFUNDED, 202 while REQUESTED; `workflowId` is the refund's workflow. */
export const BookingCancellationAnswer = z.object({ cancellation: BookingCancellation, workflowId: z.string() });
export type BookingCancellationAnswer = z.infer<typeof BookingCancellationAnswer>;
