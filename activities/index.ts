import { ApplicationFailure } from '@temporalio/activity';
import type { DatabasePool } from 'slonik';
import { beginPayment, finishRefund, openAttempt, type PaymentTimings, type ProviderOutcome, readSettlement, recordProviderOutcome } from '../src/db/payments.ts';
import { extendHold, releaseReservation } from '../src/db/reservations.ts';
import { type ChargeRequest, PaymentAttemptClosedError, PaymentDeclinedError, type PaymentProvider } from '../src/payments/provider.ts';
import { FailureTypes, type HoldEnd, type PaymentStart, type Settlement } from '../workflows/messages.ts';
import { createLegacyActivities } from './legacy.ts';

export interface ActivityDeps {
  pool: DatabasePool;
  payments: PaymentProvider;
  timings: PaymentTimings;
}

/** What the checkout saw of its own charge: the provider's answer, when it gave a final one. */
export type ObservedCharge = { idempotencyKey: string } & ({ outcome: 'CHARGED' } | { outcome: 'DECLINED'; declineCode: string });

/**
 * The reservation workflow's side effects. Built from their dependencies so the worker and
 * the tests wire them the same way. Each is idempotent (Temporal may run one more than once)
 * and answers with PostgreSQL's state, which the workflow adopts.
 */
export function createActivities({ pool, payments, timings }: ActivityDeps) {
  return {
    /** Opens a durable payment attempt (the reservation becomes PAYING), or says why it cannot be paid. */
    async beginPayment({ reservationId }: { reservationId: string }): Promise<PaymentStart> {
      return beginPayment(pool, reservationId, timings);
    },

    /** Charges under the attempt's key; a decline and a closed attempt are final, other failures are retried. */
    async chargePayment(request: ChargeRequest): Promise<{ chargeId: string }> {
      try {
        return await payments.charge(request);
      } catch (error) {
        if (error instanceof PaymentDeclinedError) {
          throw ApplicationFailure.create({ type: FailureTypes.PaymentDeclined, message: error.message, nonRetryable: true, details: [{ declineCode: error.declineCode }] });
        }
        if (error instanceof PaymentAttemptClosedError) {
          throw ApplicationFailure.create({ type: FailureTypes.PaymentAttemptClosed, message: error.message, nonRetryable: true });
        }
        throw error;
      }
    },

    /**
     * Brings the reservation to what its records say: an open payment attempt is settled from
     * the provider's record (`observed` spares the question when the checkout just heard the
     * answer), a refund due is made, and then, if the hold is still live, it ends as asked.
     */
    async settleReservation({ reservationId, observed, end }: { reservationId: string; observed?: ObservedCharge; end?: HoldEnd }): Promise<Settlement> {
      let open = await openAttempt(pool, reservationId);
      if (open?.status === 'PENDING') {
        const key = open.idempotencyKey;
        const provider: ProviderOutcome = open.amountCents === 0
          ? { outcome: 'CHARGED' }
          : observed?.idempotencyKey === key ? observed : await payments.closeAttempt({ idempotencyKey: key, reservationId, amountCents: open.amountCents });
        open = await recordProviderOutcome(pool, key, provider, timings);
      }
      if (open?.status === 'REFUNDING') {
        await payments.refund({ idempotencyKey: open.idempotencyKey, reason: 'the booking could not be confirmed' });
        await finishRefund(pool, open.idempotencyKey, 'the hold lost its seats before the booking was confirmed; the charge was refunded', timings);
      }
      if (end) await releaseReservation(pool, { reservationId, ...end, onlyIfDue: true });
      return readSettlement(pool, reservationId);
    },

    /** Moves a live hold's deadline; `extended: false` when it is no longer a live hold of all its seats. */
    async extendHoldDeadline(input: { reservationId: string; holdExpiresAt: string; passiveGraceSeconds: number }): Promise<{ extended: boolean }> {
      return { extended: await extendHold(pool, input) };
    },

    ...createLegacyActivities({ pool, payments }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
