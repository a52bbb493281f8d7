import { isStaff } from '../contract/accounts.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { Principal } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { BookingCancellationAnswer } from '../contract/bookings.ts';
import { bookingCancellation, leaseUnfinishedRefunds, openBookingRefund, refundStartFacts } from '../db/refunds.ts';
import { type Actor, accountActor } from '../db/audit.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { bookingRefundWorkflow } from '../../workflows/booking-refund.ts';
import { bookingRefundWorkflowId } from '../../workflows/booking-refund-messages.ts';
import { AmountCentsKey, CustomerIdKey, EventIdKey } from '../../workflows/search-attributes.ts';

export interface BookingServiceDeps {
  pool: DatabasePool;
  temporal: Client;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PAYMENT_FOLLOW_UP_SECONDS'>;
  log: Logger;
  /** How long a cancel request waits for its refund before answering 202 (REQUESTED). */
  waitMs?: number;
}

export type BookingService = ReturnType<typeof createBookingService>;

/**
 * Cancellation and refund of confirmed bookings. The request is decided by PostgreSQL in one
 * transaction (the policy, and the durable refund record: src/db/refunds.ts); a refusal starts no
 * workflow. Then the booking's refund workflow is started (or joined: its id is the booking's),
 * and the answer waits a little for it: 200 with the refund done, or 202 while it is under way.
 */
export function createBookingService({ pool, temporal, config, log, waitMs = 15_000 }: BookingServiceDeps) {
  /** Starts the booking's refund workflow, or finds the one already running (or finished) under its id. */
  async function startRefund(bookingId: string) {
    const workflowId = bookingRefundWorkflowId(bookingId);
    const facts = await refundStartFacts(pool, bookingId);
    try {
      return await temporal.workflow.start<typeof bookingRefundWorkflow>('bookingRefundWorkflow', {
        workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [{ bookingId }],
        workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        // the Temporal UI finds it with the reservations: BookingCustomerId="<id>", BookingEventId="<id>"
        typedSearchAttributes: [
          { key: EventIdKey, value: facts.eventId },
          { key: CustomerIdKey, value: facts.customerId },
          { key: AmountCentsKey, value: facts.amountCents },
        ],
      });
    } catch (error) {
      // a run under this id completed already: the record says the rest
      if (error instanceof WorkflowExecutionAlreadyStartedError) return temporal.workflow.getHandle(workflowId);
      throw error;
    }
  }

  /** Who cancels, as the refund record names them. */
  const actorOf = (principal: Principal) => (isStaff(principal.role) ? `${principal.role}:${principal.email}` : `customer:${principal.customerId}`);

  async function cancel(reference: string, reason: string, by: { actor: string; owner?: string; audit?: Actor }): Promise<{ status: 200 | 202; body: BookingCancellationAnswer }> {
    const opened = await openBookingRefund(pool, {
      reference,
      customerId: by.owner,
      actor: by.actor,
      reason,
      enforcePolicy: by.owner !== undefined,
      followUpSeconds: config.PAYMENT_FOLLOW_UP_SECONDS,
      audit: by.audit,
    });
    switch (opened.outcome) {
      case 'NOT_FOUND':
        // another customer's booking reads as not found: references are not confirmed to strangers
        throw new AppError(404, 'NOT_FOUND', `booking ${reference} was not found`, { reference });
      case 'NOT_REFUNDABLE':
        throw new AppError(409, 'INVALID_STATE', `booking ${reference} cannot be cancelled: its reservation is ${opened.status}`, { reference, status: opened.status });
      case 'POLICY':
        throw new AppError(409, 'CANCELLATION_NOT_ALLOWED', opened.cutoffHours === null
          ? 'this event\'s bookings cannot be cancelled by customers; contact support'
          : `this event's bookings can be cancelled until ${opened.cutoffHours} hours before it starts (${opened.deadline}); contact support`,
        { reference, cutoffHours: opened.cutoffHours, deadline: opened.deadline, startsAt: opened.startsAt });
      case 'TRANSFERRED_AWAY':
        throw new AppError(409, 'CANCELLATION_NOT_ALLOWED', `${opened.tickets} ticket(s) of this booking were transferred to someone else; contact support`, { reference, transferredTickets: opened.tickets });
    }
    const { cancellation } = opened;
    const workflowId = bookingRefundWorkflowId(cancellation.bookingId);
    if (cancellation.status === 'REFUNDED') return { status: 200, body: { cancellation, workflowId } };
    const waited = new AbortController();
    try {
      const handle = await startRefund(cancellation.bookingId);
      await Promise.race([handle.result(), delay(waitMs, undefined, { signal: waited.signal })]);
    } catch (error) {
      // Temporal could not be reached, or the workflow failed (see its history): the record is
      // written, so the refund is accepted (202) and the reconciler starts it (again) later
      log.warn({ err: error, reference, workflowId }, 'the refund workflow of a booking did not complete; the reconciler will start it again');
    } finally {
      waited.abort();
    }
    const now = (await bookingCancellation(pool, cancellation.bookingId))!;
    return { status: now.status === 'REFUNDED' ? 200 : 202, body: { cancellation: now, workflowId } };
  }

  return {
    /** The customer cancels their own booking, within the event's policy. */
    cancelOwn: (principal: Principal, reference: string, reason: string | undefined) =>
      cancel(reference, reason || 'cancelled by the customer', { owner: principal.customerId, actor: actorOf(principal), audit: accountActor(principal) }),
    /** Support cancels any booking, at any time, saying why. */
    cancelAny: (principal: Principal, reference: string, reason: string) => cancel(reference, reason, { actor: actorOf(principal), audit: accountActor(principal) }),
    /** A cancelled event's booking (src/events/lifecycle.ts): refunded whatever the policy, recorded as `actor` (`organizer:<email>`). */
    cancelForEvent: (actor: string, reference: string, reason: string) => cancel(reference, reason, { actor }),
    /** The reconciler's part: REQUESTED refunds past their follow-up time get their workflow (again). */
    resumeUnfinished,
  };

  async function resumeUnfinished(leaseSeconds: number): Promise<number> {
    const due = await leaseUnfinishedRefunds(pool, 100, leaseSeconds);
    for (const bookingId of due) {
      try {
        await startRefund(bookingId);
        log.info({ bookingId }, 'made sure the refund workflow of a cancelled booking runs');
      } catch (error) {
        log.warn({ err: error, bookingId }, 'could not start the refund workflow of a cancelled booking; will try again');
      }
    }
    return due.length;
  }
}
