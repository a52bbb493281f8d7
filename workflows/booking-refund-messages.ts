import { defineQuery } from '@temporalio/workflow';

/**
 * The booking-refund workflow's messages and id, shared by the workflow (booking-refund.ts), the
 * API (src/bookings/service.ts) and the reconciler. One workflow per booking, ever: its id is
 * built from the booking id, so a double request (customer and support at once, a double click)
 * starts one refund, and operators find it from the booking:
 *   temporal workflow describe --workflow-id booking-refund-<booking id>
 */
export const bookingRefundWorkflowId = (bookingId: string) => `booking-refund-${bookingId}`;

export interface BookingRefundInput {
  bookingId: string;
}

/** REQUESTED → REFUNDING (the provider is being asked) → RELEASING (seats, tickets, status) → REFUNDED. */
export type BookingRefundState = 'REQUESTED' | 'REFUNDING' | 'RELEASING' | 'REFUNDED';

export interface BookingRefundResult {
  bookingId: string;
  state: 'REFUNDED';
  /** What the provider gave back, in cents (0 for a booking that cost nothing). */
  refundedCents: number;
}

export const BookingRefundFailures = {
  /** The input is not a booking refund (e.g. started by hand from the CLI). */
  InvalidRequest: 'InvalidRequest',
  /** The provider holds no charge it could refund under the booking's key: an operator must look. */
  RefundRefused: 'RefundRefused',
} as const;

export const refundStateQuery = defineQuery<BookingRefundState>('refundState');
