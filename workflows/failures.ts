import { ApplicationFailure } from '@temporalio/workflow';
import { FailureTypes, type Settlement } from './messages.ts';

/** Pure helpers of the reservation workflow (reservation.ts): how its outcomes become failures, and what it accepts as text. */

/** Why a checkout did not end in a booking, as the failure its caller (the API) maps to an answer. */
export function checkoutFailure(truth: Settlement): ApplicationFailure {
  const fail = (type: string, message: string, details: unknown[] = []) => ApplicationFailure.create({ type, message, nonRetryable: true, details });
  if (truth.status === 'HELD' && truth.payment?.status === 'DECLINED') {
    return fail(FailureTypes.PaymentDeclined, 'the card was declined', [{ declineCode: truth.payment.declineCode }]);
  }
  if (truth.status === 'HELD') return fail(FailureTypes.PaymentUnavailable, 'the payment did not go through; nothing was charged');
  if (truth.status === 'FAILED') return fail(FailureTypes.SeatsLost, 'the hold lost its seats before the booking was confirmed; the charge was refunded');
  if (truth.status === 'EXPIRED') return fail(FailureTypes.HoldExpired, 'the hold has expired; nothing was charged');
  return fail(FailureTypes.InvalidState, `the reservation is ${truth.status}`);
}

/** Text from a signal anyone can send (CLI, UI): no control characters (NUL breaks PostgreSQL), bounded. */
export function cleanText(value: unknown, max: number): string {
  // eslint-disable-next-line no-control-regex
  return String(value ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max);
}
