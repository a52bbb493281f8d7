import { randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DatabasePool } from 'slonik';
import type { Principal } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { createHold, releaseReservation } from '../db/reservations.ts';
import { eventStatus, getReservation, knownSeatIds, listBookings, listReservations, type ReservationView, sectionOfEvent } from '../db/reservation-reads.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { checkoutsTotal, holdsTotal } from '../metrics.ts';
import type { CardDetails, PaymentProvider } from '../payments/provider.ts';
import type { reservationWorkflow } from '../../workflows/reservation.ts';
import { type BookingSummary, cancelSignal, checkoutUpdate, extendUpdate, FailureTypes, reservationWorkflowId } from '../../workflows/messages.ts';
import { AmountCentsKey, CustomerIdKey, EventIdKey, HoldDeadlineKey, ReservationStateKey, SeatCountKey } from '../../workflows/search-attributes.ts';

/**
 * The one module that turns requests into reservation operations: PostgreSQL decides who
 * wins the seats, and only winners start a workflow; checkout, cancel and status go to the
 * reservation's workflow as Update, Signal and Query.
 */
export type HoldInput = { eventId: string; holdSeconds?: number } & ({ seatIds: string[] } | { sectionId: string; quantity: number });

export interface ReservationServiceDeps {
  pool: DatabasePool;
  temporal: Client;
  /** Only to swap card details for a token before checkout; charging is the workflow's job. */
  payments: Pick<PaymentProvider, 'tokenize'>;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'HOLD_DEFAULT_SECONDS' | 'PASSIVE_EXPIRY_GRACE_SECONDS' | 'HOLD_EXTENSIONS' | 'HOLD_EXTENSION_MAX_SECONDS'>;
  log: Logger;
}

export type ReservationService = ReturnType<typeof createReservationService>;

export function createReservationService({ pool, temporal, payments, config, log }: ReservationServiceDeps) {
  const view = (r: ReservationView): ReservationView => ({
    ...r,
    workflowId: reservationWorkflowId(r.id),
    extensions: {
      remaining: r.status === 'HELD' ? Math.max(0, config.HOLD_EXTENSIONS - r.extensionCount) : 0,
      maxSeconds: config.HOLD_EXTENSION_MAX_SECONDS,
    },
  });

  async function ownReservation(principal: Principal, reservationId: string): Promise<ReservationView> {
    const reservation = await getReservation(pool, reservationId);
    // another customer's reservation is reported as not found: its existence is not theirs to know
    if (!reservation || (reservation.customerId !== principal.customerId && principal.role !== 'support')) {
      throw notFound('Reservation', reservationId);
    }
    return view(reservation);
  }

  async function checkHoldable(input: HoldInput): Promise<void> {
    const status = await eventStatus(pool, input.eventId);
    if (status === null) throw notFound('Event', input.eventId);
    if (status !== 'ON_SALE') throw new AppError(409, 'EVENT_NOT_ON_SALE', `event ${input.eventId} is ${status}`, { status });
    if ('seatIds' in input) {
      const known = await knownSeatIds(pool, input.eventId, input.seatIds);
      const unknown = input.seatIds.filter((id) => !known.has(id));
      if (unknown.length) throw new AppError(422, 'UNKNOWN_SEATS', `${unknown.length} seat(s) do not exist in this event`, { seatIds: unknown });
    } else {
      const section = await sectionOfEvent(pool, input.eventId, input.sectionId);
      if (!section) throw new AppError(422, 'VALIDATION_FAILED', `section ${input.sectionId} does not exist in this event`, { field: 'sectionId' });
      if (section.kind !== 'GA') throw new AppError(422, 'VALIDATION_FAILED', 'this section has reserved seats: choose them by seatIds', { field: 'sectionId' });
    }
  }

  async function startWorkflow(reservation: ReservationView): Promise<void> {
    const holdExpiresAt = reservation.holdExpiresAt;
    await temporal.workflow.start<typeof reservationWorkflow>('reservationWorkflow', {
      workflowId: reservationWorkflowId(reservation.id),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{
        reservationId: reservation.id,
        eventId: reservation.eventId,
        customerId: reservation.customerId,
        seatCount: reservation.seats.length,
        amountCents: reservation.amountCents,
        holdExpiresAt,
        extensions: { maxCount: config.HOLD_EXTENSIONS, maxSeconds: config.HOLD_EXTENSION_MAX_SECONDS },
        passiveGraceSeconds: config.PASSIVE_EXPIRY_GRACE_SECONDS,
      }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      requestEagerStart: true,
      typedSearchAttributes: [
        { key: EventIdKey, value: reservation.eventId },
        { key: CustomerIdKey, value: reservation.customerId },
        { key: ReservationStateKey, value: 'HELD' },
        { key: SeatCountKey, value: reservation.seats.length },
        { key: AmountCentsKey, value: reservation.amountCents },
        { key: HoldDeadlineKey, value: new Date(holdExpiresAt) },
      ],
    });
  }

  return {
    /** Claims the seats in PostgreSQL; only a winner starts its workflow. */
    async hold(principal: Principal, input: HoldInput, idempotencyKey: string = randomUUID()) {
      await checkHoldable(input);
      const { reservationId, created } = await createHold(pool, {
        ...input,
        customerId: principal.customerId,
        idempotencyKey,
        holdSeconds: input.holdSeconds ?? config.HOLD_DEFAULT_SECONDS,
        passiveGraceSeconds: config.PASSIVE_EXPIRY_GRACE_SECONDS,
      }).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'SEAT_TAKEN') holdsTotal.inc({ outcome: 'seat_taken' });
        throw error;
      });
      holdsTotal.inc({ outcome: created ? 'created' : 'replayed' });
      const reservation = await ownReservation(principal, reservationId);
      if (created || reservation.status === 'HELD') {
        try {
          await startWorkflow(reservation);
        } catch (error) {
          log.error({ err: error, reservationId }, 'could not start the reservation workflow; releasing the hold');
          await releaseReservation(pool, { reservationId, outcome: 'FAILED', actor: 'system', reason: 'the workflow could not be started' });
          throw new AppError(503, 'SERVICE_UNAVAILABLE', 'reservations are temporarily unavailable; nothing was held', {});
        }
      }
      return { reservation, created };
    },

    async checkout(principal: Principal, reservationId: string, card: CardDetails, idempotencyKey: string = randomUUID()) {
      const before = await ownReservation(principal, reservationId);
      if (before.status === 'CONFIRMED' && before.booking) {
        return { reservation: before, booking: { ...before.booking, amountCents: before.amountCents } };
      }
      assertOpen(before);
      // the card goes to the provider here and only its token goes on: workflow histories
      // are readable by every operator, card numbers must not be in them
      const { paymentToken } = await payments.tokenize(card);
      let booking: BookingSummary;
      try {
        booking = await temporal.workflow
          .getHandle(reservationWorkflowId(reservationId))
          .executeUpdate(checkoutUpdate, { args: [{ paymentToken }], updateId: `checkout:${idempotencyKey}` });
      } catch (error) {
        const refused = await updateError(error, reservationId);
        checkoutsTotal.inc({ outcome: refused instanceof AppError ? refused.code.toLowerCase() : 'error' });
        throw refused;
      }
      checkoutsTotal.inc({ outcome: 'confirmed' });
      return { reservation: await ownReservation(principal, reservationId), booking };
    },

    /** More time on a live hold (an Update: the caller learns the new deadline or why not). */
    async extend(principal: Principal, reservationId: string, seconds: number = config.HOLD_EXTENSION_MAX_SECONDS) {
      assertOpen(await ownReservation(principal, reservationId));
      try {
        await temporal.workflow.getHandle(reservationWorkflowId(reservationId)).executeUpdate(extendUpdate, { args: [{ seconds }] });
      } catch (error) {
        throw await updateError(error, reservationId);
      }
      return ownReservation(principal, reservationId);
    },

    /** Signals cancel; the workflow releases the seats (after any charge in flight settles). */
    async cancel(principal: Principal, reservationId: string, reason: string) {
      const reservation = await ownReservation(principal, reservationId);
      assertOpen(reservation);
      const actor = principal.role === 'support' ? `support:${principal.email}` : `customer:${principal.customerId}`;
      try {
        await temporal.workflow.getHandle(reservationWorkflowId(reservationId)).signal(cancelSignal, { actor, reason });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        assertOpen(await ownReservation(principal, reservationId));
        throw new AppError(409, 'HOLD_EXPIRED', 'the hold has already ended', { reservationId });
      }
      return reservation;
    },

    get: ownReservation,
    list: (principal: Principal) => listReservations(pool, { customerId: principal.customerId, limit: 100 }).then((rs) => rs.map(view)),
    bookings: (principal: Principal) => listBookings(pool, principal.customerId),
    supportList: (filter: { eventId?: string; status?: string }) => listReservations(pool, { ...filter, limit: 200 }).then((rs) => rs.map(view)),
  };

  async function updateError(error: unknown, reservationId: string): Promise<AppError> {
    const failure = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (failure instanceof ApplicationFailure) {
      switch (failure.type) {
        case FailureTypes.PaymentDeclined:
          return new AppError(402, 'PAYMENT_DECLINED', failure.message, { ...(failure.details?.[0] as object), retryable: true });
        case FailureTypes.PaymentUnavailable:
          return new AppError(503, 'PAYMENT_UNAVAILABLE', failure.message, { retryable: true });
        case FailureTypes.HoldExpired:
        case FailureTypes.SeatsLost:
          return new AppError(409, 'HOLD_EXPIRED', failure.message, { reservationId });
        case FailureTypes.InvalidState:
          return new AppError(409, 'INVALID_STATE', failure.message, { reservationId });
        case FailureTypes.ExtensionRefused:
          return new AppError(409, 'HOLD_EXTENSION_REFUSED', failure.message, { reservationId });
      }
    }
    if (error instanceof WorkflowNotFoundError || /already completed/i.test(String((error as Error)?.message))) {
      const now = await getReservation(pool, reservationId);
      return now?.status === 'EXPIRED'
        ? new AppError(409, 'HOLD_EXPIRED', 'the hold has expired', { reservationId })
        : new AppError(409, 'INVALID_STATE', `the reservation is ${now?.status ?? 'gone'}`, { reservationId, status: now?.status });
    }
    return error as AppError;
  }
}

function assertOpen(reservation: ReservationView): void {
  if (reservation.status === 'EXPIRED') throw new AppError(409, 'HOLD_EXPIRED', 'the hold has expired', { reservationId: reservation.id });
  if (reservation.status !== 'HELD' && reservation.status !== 'PAYING') {
    throw new AppError(409, 'INVALID_STATE', `the reservation is ${reservation.status}`, { reservationId: reservation.id, status: reservation.status });
  }
}
