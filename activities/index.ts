import type { DatabasePool } from 'slonik';
import { beginPayment, finishRefund, openAttempt, type PaymentTimings, type ProviderOutcome, readSettlement, recordProviderOutcome } from '../src/db/payments.ts';
import { completeBookingRefund, refundRecord } from '../src/db/refunds.ts';
import { syncEventStatus } from '../src/db/lifecycle.ts';
import type { EventSync, EventSyncRequest } from '../workflows/event-lifecycle-messages.ts';
import { extendHold, releaseReservation } from '../src/db/reservations.ts';
import { advanceWaitlist } from '../src/db/waitlist.ts';
import type { WaitlistInput, WaitlistRound } from '../src/contract/waitlist.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChargeRequest, PaymentDeclinedError, type PaymentProvider, TransientPaymentError } from '../src/payments/provider.ts';
import type { HoldEnd, Settlement } from '../workflows/messages.ts';
import { classifyErrors } from './errors.ts';
import { createLegacyActivities } from './legacy.ts';
import { createWebhookActivities, type WebhookSettings } from './webhooks.ts';

export interface ActivityDeps {
  pool: DatabasePool;
  payments: PaymentProvider;
  timings: PaymentTimings;
  /** Webhook deliveries (config.webhooks); without it, a delivery's attempts fail until it is given. */
  webhooks?: WebhookSettings;
}

/** What the checkout saw of its own charge: the provider's answer, when it gave a final one. */
export type ObservedCharge = { idempotencyKey: string } & ({ outcome: 'CHARGED' } | { outcome: 'DECLINED'; declineCode: string });

/**
 * The reservation workflow's side effects. Built from their dependencies so the worker and
 * the tests wire them the same way. Each is idempotent (Temporal may run one more than once)
 * and answers with PostgreSQL's state, which the workflow adopts.
 */
export function createActivities({ pool, payments, timings, webhooks }: ActivityDeps) {
  /**
   * Brings the reservation to what its records say: an open payment attempt is settled from
   * the provider's record (`observed` spares the question when the checkout just heard the
   * answer), a refund due is made, and then, if the hold is still live, it ends as asked.
   */
  async function settle(reservationId: string, observed?: ObservedCharge, end?: HoldEnd): Promise<Settlement> {
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
  }

  /** Charges under the attempt's key: the provider's final answer, or nothing when it gave none (it failed, or the attempt was closed). */
  async function charge(request: ChargeRequest): Promise<ObservedCharge | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await payments.charge(request);
        return { idempotencyKey: request.idempotencyKey, outcome: 'CHARGED' };
      } catch (error) {
        if (error instanceof PaymentDeclinedError) return { idempotencyKey: request.idempotencyKey, outcome: 'DECLINED', declineCode: error.declineCode };
        if (!(error instanceof TransientPaymentError) || attempt >= CHARGE_ATTEMPTS) return undefined; // the settlement asks the provider
        await sleep(Math.min(200 * 2 ** (attempt - 1), 2000));
      }
    }
  }

  return classifyErrors({
    /**
     * A checkout, in three durable steps: open a payment attempt (the reservation becomes
     * PAYING, the key is recorded), charge under its key, settle it from the provider's answer
     * (the booking, a refund, or back to HELD). A crash between any two leaves the attempt in
     * PostgreSQL, where `settleReservation` finishes it. Answers with PostgreSQL's state.
     */
    async payReservation({ reservationId, paymentToken }: { reservationId: string; paymentToken: string }): Promise<Settlement> {
      const attempt = await beginPayment(pool, reservationId, timings);
      if (attempt.kind === 'SETTLED') return attempt.settlement;
      const observed = attempt.amountCents > 0
        ? await charge({ reservationId, amountCents: attempt.amountCents, paymentToken, idempotencyKey: attempt.idempotencyKey })
        : undefined;
      return settle(reservationId, observed);
    },

    /** Settles the reservation from its records, then ends it as asked if it is still a live hold. */
    async settleReservation({ reservationId, observed, end }: { reservationId: string; observed?: ObservedCharge; end?: HoldEnd }): Promise<Settlement> {
      return settle(reservationId, observed, end);
    },

    /** Moves a live hold's deadline; `extended: false` when it is no longer a live hold of all its seats. */
    async extendHoldDeadline(input: { reservationId: string; holdExpiresAt: string; passiveGraceSeconds: number; actor?: string }): Promise<{ extended: boolean }> {
      return { extended: await extendHold(pool, input) };
    },

    /**
     * The booking-refund workflow's provider step: refunds the booking's charge under its key, as
     * its refund record (written before the workflow started) names it. Idempotent at the provider.
     * `refunded: false` only when money was taken and the provider has no charge to refund.
     */
    async refundBookingPayment({ bookingId }: { bookingId: string }): Promise<{ refunded: boolean; refundedCents: number }> {
      const record = await refundRecord(pool, bookingId);
      if (record.status === 'REFUNDED' || record.amountCents === 0 || record.chargeKey === null) return { refunded: true, refundedCents: record.amountCents };
      const { refunded } = await payments.refund({ idempotencyKey: record.chargeKey, reason: `booking cancelled by ${record.requestedBy}: ${record.reason}`.slice(0, 500) });
      return { refunded, refundedCents: refunded ? record.amountCents : 0 };
    },

    /** The booking-refund workflow's last step: seats freed (live), tickets cancelled, reservation and record REFUNDED. */
    async completeBookingRefund({ bookingId }: { bookingId: string }) {
      return completeBookingRefund(pool, bookingId);
    },

    /** The event workflow's step: the status column brought to the timers' phase (SOLD_OUT by the inventory); answers the row. */
    async syncEventStatus(request: EventSyncRequest): Promise<EventSync> {
      return syncEventStatus(pool, request);
    },

    /**
     * The waitlist workflow's round: closes offers whose hold ended, ends an offer past its
     * deadline, and offers free seats of the section to the line in join order (src/db/waitlist.ts).
     */
    async advanceWaitlist(input: WaitlistInput): Promise<WaitlistRound> {
      return advanceWaitlist(pool, input);
    },

    ...createLegacyActivities({ pool, payments }),
    ...createWebhookActivities({ pool, settings: webhooks }),
  });
}

/** Charges tried on a transient provider failure before the settlement asks the provider what happened. */
const CHARGE_ATTEMPTS = 4;

export type Activities = ReturnType<typeof createActivities>;
