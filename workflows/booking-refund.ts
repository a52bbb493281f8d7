/**
 * The refund of one CONFIRMED booking, cancelled by its customer (within the event's policy) or
 * by support (any time):
 *
 *   REQUESTED ──refund at the provider──► REFUNDING ──► RELEASING ──seats, tickets, status──► REFUNDED
 *
 * The API writes the durable record first (booking_refunds: who, why, the charge's key; see
 * src/db/refunds.ts) and only then starts this workflow, whose id is built from the booking
 * (`booking-refund-<id>`), so concurrent requests share one run. Each step is an activity that
 * is idempotent and reads its facts from that record, never from this workflow's memory:
 *   1. refundBookingPayment: the provider refunds the booking's charge under the charge's key
 *      (its refund key is derived from it), retried until it answers;
 *   2. completeBookingRefund: one transaction frees the seats still the booking's (versions
 *      bumped, outbox rows for the live seat maps), cancels its tickets, and marks the
 *      reservation and the record REFUNDED.
 * A crash anywhere leaves a REQUESTED record: Temporal retries the step, and if this workflow is
 * lost, the reconciler starts it again; the provider's key makes a repeated refund a no-op.
 */
import { ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { type BookingRefundInput, type BookingRefundResult, type BookingRefundState, BookingRefundFailures, refundStateQuery } from './booking-refund-messages.ts';

// Money moved must be recorded: the provider step is retried until it succeeds. The database step
// gives up after about 15 minutes (a data error is not retried: activities/errors.ts); the record
// stays REQUESTED and the reconciler starts the workflow again later.
const providerOptions = { startToCloseTimeout: '60s', retry: { initialInterval: '1s', maximumInterval: '30s' } } as const;
const databaseOptions = { startToCloseTimeout: '15s', retry: { initialInterval: '200ms', maximumInterval: '10s', maximumAttempts: 100 } } as const;
const provider = proxyActivities<Activities>(providerOptions);
const database = proxyActivities<Activities>(databaseOptions);

export async function bookingRefundWorkflow(input: BookingRefundInput): Promise<BookingRefundResult> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(input?.bookingId))) {
    throw ApplicationFailure.create({ type: BookingRefundFailures.InvalidRequest, nonRetryable: true, message: 'the input is not a booking refund: it needs a bookingId (uuid)' });
  }
  const { bookingId } = input;
  let state: BookingRefundState = 'REQUESTED';
  setHandler(refundStateQuery, () => state);

  state = 'REFUNDING';
  const { refunded, refundedCents } = await provider.refundBookingPayment({ bookingId });
  if (!refunded) {
    throw ApplicationFailure.create({
      type: BookingRefundFailures.RefundRefused, nonRetryable: true,
      message: 'the payment provider has no charge of this booking to refund; the booking is left as it is for an operator',
    });
  }

  state = 'RELEASING';
  await database.completeBookingRefund({ bookingId });
  state = 'REFUNDED';
  return { bookingId, state, refundedCents };
}
