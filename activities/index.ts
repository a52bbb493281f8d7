import { ApplicationFailure } from '@temporalio/activity';
import type { DatabasePool } from 'slonik';
import { confirmReservation, extendHold, HoldNotExtendableError, markPaying, markPaymentAbandoned, releaseReservation, type ReleaseOutcome, SeatsLostError } from '../src/db/reservations.ts';
import { type ChargeRequest, PaymentDeclinedError, type PaymentProvider } from '../src/payments/provider.ts';
import { FailureTypes } from '../workflows/messages.ts';

export interface ActivityDeps {
  pool: DatabasePool;
  payments: PaymentProvider;
}

/**
 * The reservation workflow's side effects. Built from their dependencies so the worker and
 * the tests wire them the same way. Each is idempotent: Temporal may run one more than once.
 */
export function createActivities({ pool, payments }: ActivityDeps) {
  return {
    async chargePayment(request: ChargeRequest): Promise<{ chargeId: string }> {
      try {
        return await payments.charge(request);
      } catch (error) {
        if (error instanceof PaymentDeclinedError) {
          throw ApplicationFailure.create({
            type: FailureTypes.PaymentDeclined,
            message: error.message,
            nonRetryable: true,
            details: [{ declineCode: error.declineCode }],
          });
        }
        throw error;
      }
    },

    async refundPayment(request: { idempotencyKey: string; reason: string }): Promise<{ refunded: boolean }> {
      return payments.refund(request);
    },

    async confirmReservation({ reservationId }: { reservationId: string }) {
      try {
        return await confirmReservation(pool, reservationId);
      } catch (error) {
        if (error instanceof SeatsLostError) {
          throw ApplicationFailure.create({ type: FailureTypes.SeatsLost, message: error.message, nonRetryable: true });
        }
        throw error;
      }
    },

    /** PAYING, if the hold still owns all its seats; a SeatsLost failure otherwise (charge nothing). */
    async markPaying({ reservationId }: { reservationId: string }): Promise<void> {
      if (!(await markPaying(pool, reservationId))) {
        throw ApplicationFailure.create({ type: FailureTypes.SeatsLost, message: `reservation ${reservationId} no longer holds all of its seats`, nonRetryable: true });
      }
    },

    async markPaymentAbandoned({ reservationId }: { reservationId: string }): Promise<void> {
      await markPaymentAbandoned(pool, reservationId);
    },

    async extendHold(input: { reservationId: string; holdExpiresAt: string; passiveGraceSeconds: number }): Promise<void> {
      try {
        await extendHold(pool, input);
      } catch (error) {
        if (error instanceof HoldNotExtendableError) {
          throw ApplicationFailure.create({ type: FailureTypes.ExtensionRefused, message: error.message, nonRetryable: true });
        }
        throw error;
      }
    },

    async releaseReservation(input: { reservationId: string; outcome: ReleaseOutcome; actor?: string; reason?: string }) {
      return releaseReservation(pool, input);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
