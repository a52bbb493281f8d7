import { ApplicationFailure } from '@temporalio/activity';
import type { DatabasePool } from 'slonik';
import { confirmReservation, markPaying, markPaymentAbandoned, SeatsLostError } from '../src/db/legacy-payments.ts';
import { extendHold, releaseReservation, type ReleaseOutcome } from '../src/db/reservations.ts';
import { type ChargeRequest, PaymentDeclinedError, type PaymentProvider } from '../src/payments/provider.ts';
import { FailureTypes } from '../workflows/messages.ts';

/**
 * The activities of the first version of the reservation workflow (workflows/reservation-v1.ts),
 * registered for its workflows that were running when the durable payments were deployed.
 * Delete this file with that workflow.
 */
export function createLegacyActivities({ pool, payments }: { pool: DatabasePool; payments: PaymentProvider }) {
  return {
    async chargePayment(request: ChargeRequest): Promise<{ chargeId: string }> {
      try {
        return await payments.charge(request);
      } catch (error) {
        if (error instanceof PaymentDeclinedError) {
          throw ApplicationFailure.create({ type: FailureTypes.PaymentDeclined, message: error.message, nonRetryable: true, details: [{ declineCode: error.declineCode }] });
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

    async markPaying({ reservationId }: { reservationId: string }): Promise<void> {
      if (!(await markPaying(pool, reservationId))) {
        throw ApplicationFailure.create({ type: FailureTypes.SeatsLost, message: `reservation ${reservationId} no longer holds all of its seats`, nonRetryable: true });
      }
    },

    async markPaymentAbandoned({ reservationId }: { reservationId: string }): Promise<void> {
      await markPaymentAbandoned(pool, reservationId);
    },

    async extendHold(input: { reservationId: string; holdExpiresAt: string; passiveGraceSeconds: number }): Promise<void> {
      if (!(await extendHold(pool, input))) {
        throw ApplicationFailure.create({ type: FailureTypes.ExtensionRefused, message: `reservation ${input.reservationId} is no longer a live hold of all its seats`, nonRetryable: true });
      }
    },

    async releaseReservation(input: { reservationId: string; outcome: ReleaseOutcome; actor?: string; reason?: string }) {
      return releaseReservation(pool, input);
    },
  };
}
