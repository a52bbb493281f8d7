/**
 * FROZEN: the first version of the reservation workflow, kept so that the workflows it started
 * before `Patches.durablePayments` was deployed still replay and finish (reservation.ts calls it
 * for them). Do not change it; delete it once no such workflow is running (and with it
 * activities/legacy.ts and src/db/legacy-payments.ts).
 *
 * The life of one reservation (a hold on seats), from the moment its seats were claimed in
 * PostgreSQL to a terminal state:
 *
 *   HELD ──checkout──► PAYING ──charged + confirmed──► CONFIRMED
 *     ▲ ╰─extend: a later deadline (limited)
 *     │                  │ declined (time left): back to HELD
 *     ├── timer fires ──────────────► EXPIRED   (release)
 *     ├── cancel signal ────────────► CANCELLED (release)
 *     └── charged, confirm fails ───► FAILED    (refund, release)
 *
 * A charge in flight is never cut short: when the timer fires or a cancel arrives during a
 * charge, the workflow waits for the charge to settle and then decides.
 */
import {
  type LocalActivityOptions,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  type BookingSummary,
  type CancelRequest,
  type CheckoutRequest,
  type ExtendRequest,
  type ReservationInput,
  type ReservationSnapshot,
  type ReservationState,
  cancelSignal,
  checkoutUpdate,
  extendUpdate,
  FailureTypes,
  statusQuery,
  TERMINAL_STATES,
} from './messages.ts';
import { HoldDeadlineKey, ReservationStateKey } from './search-attributes.ts';

// Local activities: charge, confirm, refund and release run in the worker that runs the
// workflow, inside the workflow task, instead of a round trip through an activity task queue
// each. A checkout then costs one workflow task instead of three (measured in bench/).
const paymentOptions: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '5s', maximumAttempts: 6, nonRetryableErrorTypes: [FailureTypes.PaymentDeclined] },
};
const databaseOptions: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '100ms', maximumInterval: '10s', nonRetryableErrorTypes: [FailureTypes.SeatsLost] },
};

const payments = proxyLocalActivities<Activities>(paymentOptions);
const database = proxyLocalActivities<Activities>(databaseOptions);

export async function reservationWorkflowV1(input: ReservationInput): Promise<ReservationSnapshot> {
  const { reservationId } = input;
  let deadline = Date.parse(input.holdExpiresAt);
  let extensionsUsed = 0;
  let extending = false;
  let state: ReservationState = 'HELD';
  let chargeInFlight = false;
  let cancel = null as CancelRequest | null;
  let booking: BookingSummary | null = null;
  let declinedAttempts = 0;
  /** Undo steps for what succeeded (refunds), run last-in-first-out when the hold ends badly. */
  const compensations: Array<() => Promise<unknown>> = [];

  const isOver = () => TERMINAL_STATES.includes(state);
  const moveTo = (next: ReservationState) => {
    state = next;
    upsertSearchAttributes([{ key: ReservationStateKey, value: next }]);
  };
  const snapshot = (): ReservationSnapshot => ({
    reservationId, state, holdExpiresAt: new Date(deadline).toISOString(), chargeInFlight, booking, cancel, declinedAttempts, extensionsUsed,
  });

  /** Runs the recorded compensations (LIFO), then releases the seats; cannot be cancelled. */
  async function end(outcome: 'EXPIRED' | 'CANCELLED' | 'FAILED', actor?: string, reason?: string) {
    await CancellationScope.nonCancellable(async () => {
      for (const undo of compensations.reverse()) await undo();
      await database.releaseReservation({ reservationId, outcome, actor, reason });
    });
    moveTo(outcome);
  }

  async function checkout(request: CheckoutRequest): Promise<BookingSummary> {
    moveTo('PAYING');
    chargeInFlight = true;
    try {
      try {
        await database.markPaying({ reservationId });
      } catch {
        // passive expiry gave a seat away before the customer paid: nothing is charged
        await end('EXPIRED', 'system', 'the hold lost its seats before payment');
        throw ApplicationFailure.create({ type: FailureTypes.HoldExpired, nonRetryable: true, message: 'the hold has expired; nothing was charged' });
      }
      if (input.amountCents > 0) {
        const idempotencyKey = `${reservationId}:charge:${declinedAttempts}`;
        try {
          await payments.chargePayment({ reservationId, amountCents: input.amountCents, paymentToken: request.paymentToken, idempotencyKey });
        } catch (error) {
          // declined, or the provider kept failing: nothing is kept (a charge that went through
          // unseen is refunded), and the customer may try again while time remains
          declinedAttempts++;
          const failure = paymentFailure(error);
          if (failure.type !== FailureTypes.PaymentDeclined) {
            await payments.refundPayment({ idempotencyKey, reason: 'charge did not complete' });
          }
          await database.markPaymentAbandoned({ reservationId });
          moveTo('HELD');
          throw failure;
        }
        compensations.push(() => payments.refundPayment({ idempotencyKey, reason: 'booking could not be confirmed' }));
      }
      try {
        booking = await database.confirmReservation({ reservationId });
      } catch {
        await end('FAILED', 'system', 'the hold lost its seats before the booking was confirmed');
        throw ApplicationFailure.create({ type: FailureTypes.SeatsLost, nonRetryable: true, message: 'the hold expired before the booking was confirmed; any charge was refunded' });
      }
      moveTo('CONFIRMED');
      return booking;
    } finally {
      chargeInFlight = false;
    }
  }

  async function extend(request: ExtendRequest): Promise<{ holdExpiresAt: string }> {
    extending = true;
    try {
      const holdExpiresAt = new Date(deadline + request.seconds * 1000).toISOString();
      await database.extendHold({ reservationId, holdExpiresAt, passiveGraceSeconds: input.passiveGraceSeconds ?? 0 });
      deadline = Date.parse(holdExpiresAt);
      extensionsUsed++;
      upsertSearchAttributes([{ key: HoldDeadlineKey, value: new Date(deadline) }]);
      return { holdExpiresAt };
    } catch (error) {
      throw ApplicationFailure.create({ type: FailureTypes.ExtensionRefused, nonRetryable: true, message: 'the hold can no longer be extended', cause: error as Error });
    } finally {
      extending = false;
    }
  }

  setHandler(statusQuery, snapshot);
  setHandler(cancelSignal, (request) => {
    if (isOver() || cancel) return;
    cancel = { actor: String(request?.actor ?? 'unknown'), reason: String(request?.reason ?? '') };
  });
  /** Update validators: refuses (with `type`) unless the hold is HELD, not being cancelled nor busy, and before its deadline. */
  function requireLiveHold(type: string, busy = false) {
    if (state !== 'HELD' || cancel || busy) throw ApplicationFailure.create({ type, message: `the reservation is ${cancel ? 'being cancelled' : state}` });
    if (Date.now() >= deadline) throw ApplicationFailure.create({ type: FailureTypes.HoldExpired, message: 'the hold has expired' });
  }
  setHandler(checkoutUpdate, checkout, {
    validator: (_request: CheckoutRequest) => requireLiveHold(FailureTypes.InvalidState),
  });

  setHandler(extendUpdate, extend, {
    validator: (request: ExtendRequest) => {
      const limits = input.extensions ?? { maxCount: 0, maxSeconds: 0 };
      const refuse = (message: string) => ApplicationFailure.create({ type: FailureTypes.ExtensionRefused, message });
      requireLiveHold(FailureTypes.ExtensionRefused, chargeInFlight || extending);
      if (limits.maxCount === 0) throw refuse('holds cannot be extended');
      if (extensionsUsed >= limits.maxCount) throw refuse(`this hold has already been extended the most times allowed (${limits.maxCount})`);
      if (!Number.isInteger(request?.seconds) || request.seconds < 1 || request.seconds > limits.maxSeconds) {
        throw refuse(`an extension is 1 to ${limits.maxSeconds} seconds`);
      }
    },
  });

  // The main path: wait for the deadline, a cancel, or a checkout that ends the reservation.
  while (!isOver()) {
    const waitingFor = deadline;
    const remaining = deadline - Date.now();
    const woke = remaining > 0 && (await condition(() => isOver() || (cancel !== null && !chargeInFlight) || deadline !== waitingFor, remaining));
    if (isOver() || deadline !== waitingFor) continue;
    if (chargeInFlight || extending) {
      await condition(() => !chargeInFlight && !extending); // the payment (or extension) settles first, then we decide
    } else if (cancel) {
      await end('CANCELLED', cancel.actor, cancel.reason);
    } else if (!woke) {
      await end('EXPIRED', 'timer', 'the hold expired');
    }
  }
  await condition(allHandlersFinished);
  return snapshot();
}

function paymentFailure(error: unknown): ApplicationFailure {
  // the decline is the ApplicationFailure somewhere in the activity failure's cause chain
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if (cause instanceof ApplicationFailure && cause.type === FailureTypes.PaymentDeclined) {
      return ApplicationFailure.create({ type: FailureTypes.PaymentDeclined, nonRetryable: true, message: cause.message, details: cause.details as unknown[] });
    }
  }
  return ApplicationFailure.create({ type: FailureTypes.PaymentUnavailable, nonRetryable: true, message: 'the payment provider did not answer; nothing was charged' });
}
