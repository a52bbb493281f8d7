import { randomUUID } from 'node:crypto';
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import type { DatabasePool } from 'slonik';
import type { Principal } from '../auth/tokens.ts';
import { isStaff } from '../contract/accounts.ts';
import type { Config } from '../config.ts';
import { type AppliedDiscount, DISCOUNT_REFUSAL_TEXT } from '../contract/discounts.ts';
import { applyDiscountCode } from '../db/discounts.ts';
import { acknowledgeSettledAttempts, readSettlement } from '../db/payments.ts';
import { getReservation, listBookings, countReservations, listReservations, type ReservationRead, type ReservationView } from '../db/reservation-reads.ts';
import type { SupportReservationsQuery } from '../contract/reservations.ts';
import { createClaimBatcher } from '../db/reservations.ts';
import { AppError, notFound, SeatTakenError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { checkoutsTotal, holdsTotal } from '../metrics.ts';
import { type CardDetails, declineMessage, PaymentDeclinedError, type PaymentProvider, TransientPaymentError, CardNumbersRefusedError } from '../payments/provider.ts';
import type { reservationWorkflow } from '../../workflows/reservation.ts';
import { type BookingSummary, type CancelRequest, cancelSignal, checkoutUpdate, extendUpdate, FailureTypes, reservationWorkflowId, type Settlement } from '../../workflows/messages.ts';
import { reservationStart } from './workflow-start.ts';

/**
 * The one module that turns requests into reservation operations. A hold is decided by
 * PostgreSQL in one statement and answered at once; its workflow is started after the answer
 * (src/reservations/starter.ts). Checkout, extend and cancel go to the reservation's workflow
 * as Update-with-Start and Signal-with-Start, so they never depend on the starter having run.
 * Whatever the workflow answers, a failed checkout is reported from PostgreSQL's truth.
 */
export type HoldInput = { eventId: string; holdSeconds?: number } & ({ seatIds: string[] } | { sectionId: string; quantity: number });

export interface ReservationServiceDeps {
  pool: DatabasePool;
  temporal: Client;
  /** Only to swap card details for a token before checkout; charging is the workflow's job. */
  payments: Pick<PaymentProvider, 'tokenize'>;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'HOLD_DEFAULT_SECONDS' | 'PASSIVE_EXPIRY_GRACE_SECONDS' | 'HOLD_EXTENSIONS' | 'HOLD_EXTENSION_MAX_SECONDS' | 'HOLD_CLAIM_BATCH' | 'HOLD_CLAIMS_IN_FLIGHT'>;
  log: Logger;
  /** Told of every hold claimed or refused (the sale signal, src/reservations/sale-signal.ts). */
  sale?: { noteHold(): void };
}

export type ReservationService = ReturnType<typeof createReservationService>;

export function createReservationService({ pool, temporal, payments, config, log, sale }: ReservationServiceDeps) {
  const claimHold = createClaimBatcher(pool, { maxBatch: config.HOLD_CLAIM_BATCH, inFlight: config.HOLD_CLAIMS_IN_FLIGHT });
  const view = <R extends ReservationView>(r: R): R => ({
    ...r,
    workflowId: reservationStart({ ...r, seatCount: r.seats.length }, config).workflowId,
    extensions: {
      remaining: r.status === 'HELD' ? Math.max(0, config.HOLD_EXTENSIONS - r.extensionCount) : 0,
      maxSeconds: config.HOLD_EXTENSION_MAX_SECONDS,
    },
  });

  /** A reservation the principal may see: their own, or any for staff (support, admin; unless `ownerOnly`). */
  async function reservationOf(principal: Principal, reservationId: string, ownerOnly = false): Promise<ReservationRead> {
    const reservation = await getReservation(pool, reservationId);
    const mayRead = reservation && (reservation.customerId === principal.customerId || (isStaff(principal.role) && !ownerOnly));
    // another customer's reservation is reported as not found: its existence is not theirs to know
    if (!mayRead) throw notFound('Reservation', reservationId);
    return view(reservation);
  }

  /** Why a reservation that is over (or being paid) cannot be paid, extended or cancelled, from PostgreSQL. */
  async function refusal(reservation: ReservationView): Promise<AppError> {
    // the view's status counts passive expiry (a HELD row whose seats' deadline passed reads EXPIRED)
    return truthError({ ...(await readSettlement(pool, reservation.id)), status: reservation.status }, reservation.id);
  }

  /**
   * Sends an Update to the reservation's workflow; when no workflow runs yet (the starters have
   * not reached it), Update-with-Start starts it with the Update, so a checkout or an extension
   * never waits for the starters. The plain Update first: it costs the server less
   * (measured in bench/flash.ts), and nearly every workflow is running by the time its customer pays.
   */
  async function updateOrStart<Ret, Args extends [unknown, ...unknown[]]>(reservation: ReservationView, update: UpdateDefinition<Ret, Args>, options: { args: Args; updateId?: string }): Promise<Ret> {
    try {
      return await temporal.workflow.getHandle(reservationWorkflowId(reservation.id)).executeUpdate(update, options);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof reservationWorkflow>('reservationWorkflow', reservationStart({ ...reservation, seatCount: reservation.seats.length }, config));
      return temporal.workflow.executeUpdateWithStart(update, { ...options, startWorkflowOperation });
    }
  }

  /** Records a discount code on a live hold (src/db/discounts.ts), or the refusal as the API's error. */
  async function applyDiscount(principal: Principal, reservation: ReservationView, code: string): Promise<AppliedDiscount> {
    const applied = await applyDiscountCode(pool, { reservationId: reservation.id, code });
    switch (applied.outcome) {
      case 'APPLIED':
        return applied.discount;
      case 'UNKNOWN_CODE':
        throw new AppError(422, 'DISCOUNT_CODE_UNKNOWN', `event ${reservation.eventId} has no discount code ${code}`, { code });
      case 'REFUSED':
        throw new AppError(409, 'DISCOUNT_CODE_REFUSED', DISCOUNT_REFUSAL_TEXT[applied.refusal], { code, refusal: applied.refusal, reservationId: reservation.id });
      case 'NOT_HELD':
        throw await refusal(await reservationOf(principal, reservation.id, true));
    }
  }

  return {
    /** Claims the seats in PostgreSQL, in one statement (shared with the holds that arrive meanwhile); the loser is answered from it. */
    async hold(principal: Principal, input: HoldInput, idempotencyKey: string = randomUUID()) {
      const result = await claimHold({
        ...input,
        customerId: principal.customerId,
        idempotencyKey,
        holdSeconds: input.holdSeconds ?? config.HOLD_DEFAULT_SECONDS,
        passiveGraceSeconds: config.PASSIVE_EXPIRY_GRACE_SECONDS,
      });
      sale?.noteHold();
      switch (result.outcome) {
        case 'CREATED':
        case 'REPLAYED':
          holdsTotal.inc({ outcome: result.outcome === 'CREATED' ? 'created' : 'replayed' });
          return { reservation: view(result.reservation), created: result.outcome === 'CREATED' };
        case 'SEAT_TAKEN':
          holdsTotal.inc({ outcome: 'seat_taken' });
          if ('sectionId' in input) {
            throw new AppError(409, 'SEAT_TAKEN', `only ${result.available ?? 0} places are left in this section`, {
              sectionId: input.sectionId, requested: result.requested, available: result.available, seatIds: [],
            });
          }
          throw new SeatTakenError(result.seatIds ?? []);
        case 'KEY_REUSED':
          throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different hold request; use a new key', {
            header: 'Idempotency-Key', reservationId: result.reservationId,
          });
        case 'UNKNOWN_SEATS':
          throw new AppError(422, 'UNKNOWN_SEATS', `${result.seatIds.length} seat(s) do not exist in this event`, { seatIds: result.seatIds });
        case 'SECTION_INVALID':
          throw new AppError(422, 'VALIDATION_FAILED', result.reason === 'RESERVED'
            ? 'this section has reserved seats: choose them by seatIds'
            : `section ${'sectionId' in input ? input.sectionId : ''} does not exist in this event`, { field: 'sectionId' });
        case 'EVENT_NOT_FOUND':
          throw notFound('Event', input.eventId);
        case 'NOT_ON_SALE':
          throw new AppError(409, 'EVENT_NOT_ON_SALE', `event ${input.eventId} is ${result.status}`, { status: result.status });
        case 'CUSTOMER_UNKNOWN':
          throw new AppError(401, 'UNAUTHENTICATED', 'the account of this access token no longer exists');
        case 'TICKET_LIMIT_REACHED': {
          holdsTotal.inc({ outcome: 'ticket_limit' });
          const { limit, held, booked, requested } = result;
          const remaining = Math.max(0, limit - held - booked);
          const tickets = (n: number) => `${n} ticket${n === 1 ? '' : 's'}`;
          throw new AppError(409, 'TICKET_LIMIT_REACHED',
            `this event allows ${tickets(limit)} per customer: you already have ${held + booked} (${held} held, ${booked} booked), `
              + `so ${remaining === 0 ? 'no more' : `at most ${remaining} more`} can be held, not ${requested}`,
            { limit, held, booked, requested, remaining });
        }
      }
    },

    /** Pays for a hold; a discount code (of the hold's event) is applied to the reservation first, then charged net. */
    async checkout(principal: Principal, reservationId: string, payment: ({ card: CardDetails } | { paymentMethodId: string }) & { discountCode?: string }, idempotencyKey: string = randomUUID()) {
      const before = await reservationOf(principal, reservationId, true);
      if (before.status === 'CONFIRMED' && before.booking) {
        return { reservation: before, booking: { ...before.booking, amountCents: before.amountCents }, discount: null };
      }
      if (before.status !== 'HELD' && before.status !== 'PAYING') throw await refusal(before);
      const discount = payment.discountCode && before.status === 'HELD' ? await applyDiscount(principal, before, payment.discountCode) : undefined;
      // the card goes to the provider here and only its token goes on: workflow histories
      // are readable by every operator, card numbers must not be in them
      let paymentToken: string;
      try {
        // a payment method made in the browser needs no token; a card is swapped for one here
        ({ paymentToken } = 'paymentMethodId' in payment ? { paymentToken: payment.paymentMethodId } : await payments.tokenize(payment.card));
      } catch (error) {
        // a real provider checks the card when it makes the token: nothing was charged
        const refused = cardRefused(error, before);
        if (refused) checkoutsTotal.inc({ outcome: refused.code.toLowerCase() });
        throw refused ?? error;
      }
      let booking: BookingSummary;
      try {
        booking = await updateOrStart(before, checkoutUpdate, { args: [{ paymentToken, ...(discount ? { discount } : {}) }], updateId: `checkout:${idempotencyKey}` });
      } catch (error) {
        const truth = await readSettlement(pool, reservationId);
        if (truth.status === 'CONFIRMED' && truth.booking) {
          booking = truth.booking; // an earlier checkout (perhaps cut off by a crash) already paid
        } else {
          const refused = updateError(error, truth, reservationId);
          checkoutsTotal.inc({ outcome: refused.code.toLowerCase() });
          if (refused.status >= 500) log.warn({ err: error, reservationId }, 'checkout did not complete');
          throw refused;
        }
      }
      checkoutsTotal.inc({ outcome: 'confirmed' });
      // the caller has the workflow's answer, so its history holds the outcome: no nudge needed
      // (best effort, not waited for: without it the reconciler nudges the workflow once, harmlessly)
      acknowledgeSettledAttempts(pool, reservationId).catch((error: unknown) => log.warn({ err: error, reservationId }, 'could not acknowledge a settled payment'));
      // the workflow answered with the booking: the reservation is CONFIRMED (no second read)
      return { reservation: view({ ...before, status: 'CONFIRMED', booking: { id: booking.id, reference: booking.reference } }), booking, discount: discount ?? null };
    },

    /** More time on a live hold, for its customer or support (an Update: the caller learns the new deadline or why not). */
    async extend(principal: Principal, reservationId: string, seconds: number = config.HOLD_EXTENSION_MAX_SECONDS) {
      const before = await reservationOf(principal, reservationId);
      if (before.status !== 'HELD') throw await refusal(before);
      try {
        await updateOrStart(before, extendUpdate, { args: [{ seconds, actor: actorOf(principal) }] });
      } catch (error) {
        throw updateError(error, await readSettlement(pool, reservationId), reservationId);
      }
      return reservationOf(principal, reservationId);
    },

    /** Signals cancel (starting the workflow if need be); it releases the seats once any payment in flight settles. */
    async cancel(principal: Principal, reservationId: string, reason: string) {
      const reservation = await reservationOf(principal, reservationId);
      if (reservation.status !== 'HELD' && reservation.status !== 'PAYING') throw await refusal(reservation);
      try {
        await temporal.workflow.signalWithStart<typeof reservationWorkflow, [Partial<CancelRequest>]>('reservationWorkflow', {
          ...reservationStart({ ...reservation, seatCount: reservation.seats.length }, config),
          signal: cancelSignal,
          signalArgs: [{ actor: actorOf(principal), reason }],
        });
      } catch (error) {
        // the workflow already ended (a run that ended normally is not started again)
        throw updateError(error, await readSettlement(pool, reservationId), reservationId);
      }
      return reservation;
    },

    get: (principal: Principal, reservationId: string) => reservationOf(principal, reservationId),
    list: (principal: Principal) => listReservations(pool, { customerId: principal.customerId, limit: 100 }).then((rs) => rs.map(view)),
    bookings: (principal: Principal) => listBookings(pool, principal.customerId),
    /** Support's paged list (src/contract/reservations.ts SupportReservationsQuery): one page and the filter's total. */
    supportList: async ({ page, pageSize, ...filter }: SupportReservationsQuery) => {
      const [items, total] = await Promise.all([
        listReservations(pool, { ...filter, limit: pageSize, offset: (page - 1) * pageSize }),
        countReservations(pool, filter),
      ]);
      return { items: items.map(view), page, pageSize, total };
    },
  };
}

/** What the customer was charged, from PostgreSQL: the truth every refusal of a checkout carries. */
function paymentFacts(truth: Settlement) {
  const status = truth.payment?.status;
  // an attempt still being settled may or may not have taken money: say so, claim nothing
  if (status === 'PENDING') return { paymentPending: true };
  return {
    charged: status === 'SUCCEEDED' || status === 'REFUNDING' || status === 'REFUNDED',
    refunded: status === 'REFUNDED',
    ...(status === 'REFUNDED' ? { refundedCents: truth.payment!.amountCents } : {}),
  };
}

/** The answer for a card the provider refused to make a token of (declined, or the provider unreachable). */
function cardRefused(error: unknown, reservation: { id: string; status: string }): AppError | undefined {
  const details = { reservationId: reservation.id, status: reservation.status, retryable: true };
  if (error instanceof PaymentDeclinedError) {
    return new AppError(402, 'PAYMENT_DECLINED', declineMessage(error.declineCode), { ...details, declineCode: error.declineCode });
  }
  if (error instanceof TransientPaymentError) {
    return new AppError(503, 'PAYMENT_UNAVAILABLE', 'the payment provider could not be reached; nothing was charged: try again', details);
  }
  if (error instanceof CardNumbersRefusedError) {
    return new AppError(422, 'VALIDATION_FAILED', error.message, { ...details, field: 'card', retryable: false });
  }
  return undefined;
}

/** The answer for a reservation that is over, or being paid, told from PostgreSQL's state. */
function truthError(truth: Settlement, reservationId: string): AppError {
  const facts = paymentFacts(truth);
  const money = 'paymentPending' in facts ? 'a payment is being settled'
    : facts.refunded ? 'the charge was refunded' : facts.charged ? 'the charge is being refunded' : 'nothing was charged';
  const details = { reservationId, status: truth.status, ...facts };
  switch (truth.status) {
    case 'EXPIRED':
      return new AppError(409, 'HOLD_EXPIRED', `the hold has expired; ${money}`, details);
    case 'FAILED':
      return new AppError(409, 'HOLD_EXPIRED', `the hold lost its seats before the booking was confirmed; ${money}`, details);
    case 'PAYING':
      return new AppError(409, 'INVALID_STATE', 'a payment for this reservation is being settled; try again in a few seconds', { ...details, retryable: true });
    default:
      return new AppError(409, 'INVALID_STATE', `the reservation is ${truth.status}${truth.status === 'CANCELLED' ? `; ${money}` : ''}`, details);
  }
}

/** Maps a refused Update (or Signal-with-Start) to the answer, checked against PostgreSQL's state. */
function updateError(error: unknown, truth: Settlement, reservationId: string): AppError {
  if (truth.status !== 'HELD' && truth.status !== 'PAYING') return truthError(truth, reservationId);
  const failure = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  const details = { reservationId, status: truth.status, ...paymentFacts(truth) };
  if (failure instanceof ApplicationFailure) {
    switch (failure.type) {
      case FailureTypes.PaymentDeclined: {
        const declineCode = truth.payment?.declineCode ?? 'card_declined';
        return new AppError(402, 'PAYMENT_DECLINED', declineMessage(declineCode), { ...details, declineCode, retryable: true });
      }
      case FailureTypes.PaymentUnavailable:
        return new AppError(503, 'PAYMENT_UNAVAILABLE', failure.message, { ...details, retryable: true });
      case FailureTypes.HoldExpired:
      case FailureTypes.SeatsLost:
        return new AppError(409, 'HOLD_EXPIRED', 'the hold has expired; nothing was charged', details);
      case FailureTypes.InvalidState:
        return new AppError(409, 'INVALID_STATE', failure.message, details);
      case FailureTypes.ExtensionRefused:
        return new AppError(409, 'HOLD_EXTENSION_REFUSED', failure.message, details);
      case FailureTypes.InvalidRequest:
        return new AppError(400, 'VALIDATION_FAILED', failure.message, details);
    }
  }
  if (truth.status === 'PAYING') return truthError(truth, reservationId);
  return new AppError(503, 'SERVICE_UNAVAILABLE', 'the reservation could not be reached; nothing was charged: try again', { ...details, retryable: true });
}

/** Who acts on a reservation, as the workflow and the customer's live updates record it. */
function actorOf(principal: Principal): string {
  return isStaff(principal.role) ? `${principal.role}:${principal.email}` : `customer:${principal.customerId}`;
}
