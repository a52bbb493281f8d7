/**
 * The life of one reservation (a hold on seats), from the moment its seats were claimed in
 * PostgreSQL to a terminal state:
 *
 *   HELD ──checkout──► PAYING ──charged + booked──► CONFIRMED
 *     ▲ ╰─extend: a later deadline (limited)
 *     │                  │ declined, or not charged: back to HELD
 *     ├── timer fires ──────────────────────► EXPIRED   (release)
 *     ├── cancel signal, or Temporal cancel ─► CANCELLED (release)
 *     └── charged, but the seats were lost ──► FAILED    (refund, release)
 *
 * PostgreSQL is the record and this workflow its driver: every step is an activity that
 * answers with PostgreSQL's state, and the workflow adopts that answer (`adopt`), so the two
 * never disagree. Money moves only under a payment attempt written to PostgreSQL first
 * (`payReservation` opens it, charges under its key, settles it); whatever crashes in
 * between, `settleReservation` finishes the attempt from the provider's own record: a booking,
 * or a refund. A checkout lost in a crash is finished that way when the reconciler sends
 * `sync`, or when the timer or a cancel wakes us.
 * A payment in flight is never cut short: the timer and a cancel wait for it to settle.
 * Nothing sent to it can wedge it: signal and Update inputs are checked, an input it cannot use
 * fails it at once, and a release that cannot complete (an activity's data error, or transient
 * errors past their cap) fails it visibly as `ReleaseFailed`; the sweep then ends the row.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  type LocalActivityOptions,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  type BookingSummary, type CancelRequest, type CheckoutRequest, type ExtendRequest, type HoldEnd, type ReservationInput,
  type ReservationSnapshot, type ReservationState, type Settlement,
  cancelSignal, checkoutUpdate, extendUpdate, FailureTypes, isTerminal, Patches, statusQuery, syncSignal,
} from './messages.ts';
import { checkoutFailure, cleanText } from './failures.ts';
import { reservationWorkflowV1 } from './reservation-v1.ts';
import { HoldDeadlineKey, ReservationStateKey } from './search-attributes.ts';

// Local activities run in the worker that runs this workflow, inside its workflow task: a
// checkout is one workflow task and one local activity (measured in bench/flash.ts). Their
// results are recorded when the task completes; a crash before that is covered by the payment
// attempt already in PostgreSQL. Every step is idempotent: retried until it succeeds.
const paymentOptions: LocalActivityOptions = { startToCloseTimeout: '60s', retry: { initialInterval: '200ms', maximumInterval: '10s' } };
// A payment is retried until it settles (money moved must be recorded); the other steps give up
// after about 15 minutes (100 attempts), and a data error is not retried (activities/errors.ts).
const databaseOptions: LocalActivityOptions = { startToCloseTimeout: '15s', retry: { initialInterval: '100ms', maximumInterval: '10s', maximumAttempts: 100 } };
const payments = proxyLocalActivities<Activities>(paymentOptions);
const database = proxyLocalActivities<Activities>(databaseOptions);

/** The shape of CheckoutRequest.discount (sent by hand from the CLI or UI, it may be anything). */
function isAppliedDiscount(value: unknown): boolean {
  const d = value as { code?: unknown; discountCents?: unknown; amountDueCents?: unknown } | null;
  const cents = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  return typeof d === 'object' && d !== null && typeof d.code === 'string' && /^[A-Z0-9][A-Z0-9_-]{2,39}$/.test(d.code) && cents(d.discountCents) && cents(d.amountDueCents);
}

export async function reservationWorkflow(input: ReservationInput): Promise<ReservationSnapshot> {
  if (!patched(Patches.durablePayments)) return reservationWorkflowV1(input);
  // started by hand (CLI, UI) with an input that is not a reservation: fail at once, visibly
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(input?.reservationId)) || Number.isNaN(Date.parse(input?.holdExpiresAt))) {
    throw ApplicationFailure.create({ type: FailureTypes.InvalidRequest, nonRetryable: true, message: 'the input is not a reservation: it needs a reservationId (uuid) and a holdExpiresAt' });
  }
  const { reservationId } = input;
  let state: ReservationState = input.status && isTerminal(input.status) ? input.status : 'HELD';
  let deadline = Date.parse(input.holdExpiresAt);
  let booking: BookingSummary | null = null;
  let cancel = null as CancelRequest | null;
  // started late for a reservation that was already paying (its earlier run was lost): settle first
  let syncRequested = input.status === 'PAYING';
  let extending = false;
  let settling = false;
  let extensionsUsed = 0;
  let declinedAttempts = 0;

  const isOver = () => isTerminal(state);
  let shown: ReservationState = input.status ?? 'HELD'; // the ReservationState search attribute, as started
  const moveTo = (next: ReservationState) => {
    state = next;
    if (next !== shown) upsertSearchAttributes([{ key: ReservationStateKey, value: (shown = next) }]);
  };
  /** Takes PostgreSQL's word for the reservation's state, deadline and booking; returns the state. */
  const adopt = (truth: Settlement): ReservationState => {
    booking = truth.booking;
    if (Date.parse(truth.holdExpiresAt) !== deadline) {
      deadline = Date.parse(truth.holdExpiresAt);
      upsertSearchAttributes([{ key: HoldDeadlineKey, value: new Date(deadline) }]);
    }
    moveTo(truth.status);
    return state;
  };
  /** Settles any payment attempt from the provider's record, then ends the hold if asked and still live. */
  const settle = async (end?: HoldEnd) => {
    settling = true;
    try {
      adopt(await CancellationScope.nonCancellable(() => database.settleReservation({ reservationId, end })));
    } catch (error) {
      // the activity failed for good (a data error, or retries past their cap)
      if (isCancellation(error) || !(error instanceof TemporalFailure)) throw error;
      const why = error instanceof ActivityFailure && error.cause ? error.cause.message : error.message;
      log.error('the reservation could not be settled; failing the workflow (the sweep ends its row)', { reservationId, error: why });
      throw ApplicationFailure.create({ type: FailureTypes.ReleaseFailed, nonRetryable: true, message: `the reservation could not be settled: ${why}`, cause: error });
    } finally {
      settling = false;
    }
  };
  const snapshot = (): ReservationSnapshot => ({
    reservationId, state, holdExpiresAt: new Date(deadline).toISOString(), chargeInFlight: state === 'PAYING', booking, cancel, declinedAttempts, extensionsUsed,
  });

  async function checkout({ paymentToken }: CheckoutRequest): Promise<BookingSummary> {
    // PAYING for the validators at once; the search attribute shows where the payment ends (it
    // settles within this workflow task), which spares the server a visibility write per checkout
    state = 'PAYING';
    let truth: Settlement;
    try {
      truth = await CancellationScope.nonCancellable(() => payments.payReservation({ reservationId, paymentToken }));
    } catch (error) {
      // only a data error ends a payment activity: settle from PostgreSQL before anything else
      state = 'HELD';
      syncRequested = true;
      throw error;
    }
    if (adopt(truth) === 'CONFIRMED' && booking) return booking;
    if (truth.payment?.status === 'DECLINED') declinedAttempts++;
    throw checkoutFailure(truth);
  }

  async function extend(request: ExtendRequest): Promise<{ holdExpiresAt: string }> {
    extending = true;
    try {
      const holdExpiresAt = new Date(deadline + request.seconds * 1000).toISOString();
      // the actor only adds to the activity's input (no new command), so recorded histories replay unchanged
      const actor = cleanText(request.actor, 200) || undefined;
      const { extended } = await database.extendHoldDeadline({ reservationId, holdExpiresAt, passiveGraceSeconds: input.passiveGraceSeconds ?? 0, actor });
      if (!extended) throw ApplicationFailure.create({ type: FailureTypes.ExtensionRefused, nonRetryable: true, message: 'the hold can no longer be extended' });
      extensionsUsed++;
      adopt({ status: state, holdExpiresAt, booking, payment: null });
      return { holdExpiresAt };
    } finally {
      extending = false;
    }
  }

  /** Update validators: refuses (with `type`) unless the hold is HELD, not being cancelled nor busy, and before its deadline. */
  function requireLiveHold(type: string, busy = false) {
    if (state !== 'HELD' || cancel || busy) {
      throw ApplicationFailure.create({ type, message: `the reservation is ${cancel ? 'being cancelled' : busy ? 'busy; try again' : state}` });
    }
    if (Date.now() >= deadline) throw ApplicationFailure.create({ type: FailureTypes.HoldExpired, message: 'the hold has expired' });
  }
  setHandler(statusQuery, snapshot);
  setHandler(cancelSignal, (request) => {
    if (!isOver() && !cancel) cancel = { actor: cleanText(request?.actor, 200) || 'unknown', reason: cleanText(request?.reason, 500) };
  });
  setHandler(syncSignal, () => {
    syncRequested = true;
  });
  setHandler(checkoutUpdate, checkout, {
    validator: (request: CheckoutRequest) => {
      if (typeof request?.paymentToken !== 'string' || !/^[\w-]{1,200}$/.test(request.paymentToken)) {
        throw ApplicationFailure.create({ type: FailureTypes.InvalidRequest, message: 'a checkout needs a paymentToken' });
      }
      if (request.discount !== undefined && !isAppliedDiscount(request.discount)) {
        throw ApplicationFailure.create({ type: FailureTypes.InvalidRequest, message: 'a checkout discount is { code, discountCents, amountDueCents }' });
      }
      requireLiveHold(FailureTypes.InvalidState, settling);
    },
  });
  setHandler(extendUpdate, extend, {
    validator: (request: ExtendRequest) => {
      const limits = input.extensions ?? { maxCount: 0, maxSeconds: 0 };
      const refuse = (message: string) => ApplicationFailure.create({ type: FailureTypes.ExtensionRefused, message });
      requireLiveHold(FailureTypes.ExtensionRefused, extending || settling);
      if (limits.maxCount === 0) throw refuse('holds cannot be extended');
      if (extensionsUsed >= limits.maxCount) throw refuse(`this hold has already been extended the most times allowed (${limits.maxCount})`);
      if (!Number.isInteger(request?.seconds) || request.seconds < 1 || request.seconds > limits.maxSeconds) {
        throw refuse(`an extension is 1 to ${limits.maxSeconds} seconds`);
      }
    },
  });

  // The main path: wait for the deadline, a cancel or a sync, and let PostgreSQL's answer end it.
  try {
    while (!isOver()) {
      const waitingFor = deadline;
      const remaining = deadline - Date.now();
      const woke = remaining > 0 && (await condition(() => isOver() || cancel !== null || syncRequested || deadline !== waitingFor, remaining));
      if (isOver() || deadline !== waitingFor) continue;
      if (state === 'PAYING' || extending) {
        await condition(() => state !== 'PAYING' && !extending); // the payment (or extension) settles first, then we decide
      } else if (cancel) {
        await settle({ outcome: 'CANCELLED', ...cancel });
      } else if (syncRequested) {
        syncRequested = false;
        await settle();
      } else if (!woke) {
        await settle({ outcome: 'EXPIRED', actor: 'timer', reason: 'the hold expired' });
      }
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // "Request Cancellation" from the Temporal UI or CLI cancels the hold like the cancel signal
    await CancellationScope.nonCancellable(async () => {
      await condition(() => state !== 'PAYING' && !extending);
      if (!isOver()) await settle({ outcome: 'CANCELLED', actor: 'temporal', reason: 'the workflow was cancelled in Temporal' });
    });
    if (state === 'CANCELLED') throw error;
  }
  await condition(allHandlersFinished);
  return snapshot();
}
