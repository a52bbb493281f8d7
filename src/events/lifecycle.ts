import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { BookingService } from '../bookings/service.ts';
import type { Config } from '../config.ts';
import type { EventCancellation } from '../contract/catalog.ts';
import type { Actor } from '../db/audit.ts';
import type { TenantScope } from '../db/events.ts';
import { cancelEvent, leftToUndo, type LiveHold, unfinishedCancellations } from '../db/catalog.ts';
import { markLifecycleStarted, unstartedEvents } from '../db/lifecycle.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { reservationStart, type StartConfig } from '../reservations/workflow-start.ts';
import type { eventLifecycleWorkflow } from '../../workflows/event-lifecycle.ts';
import { type EventSchedule, eventLifecycleWorkflowId, refreshSignal, rescheduleUpdate } from '../../workflows/event-lifecycle-messages.ts';
import { cancelSignal, type CancelRequest } from '../../workflows/messages.ts';
import type { reservationWorkflow } from '../../workflows/reservation.ts';
import { EventIdKey, EventLifecycleKey } from '../../workflows/search-attributes.ts';

export interface EventLifecycleDeps {
  pool: DatabasePool;
  temporal: Client;
  config: StartConfig & Pick<Config, 'EVENT_INVENTORY_CHECK_SECONDS'>;
  log: Logger;
  /** Refunds of the bookings of a cancelled event; without it a cancel with bookings answers 503. */
  bookings?: BookingService;
}

export type EventLifecycleService = ReturnType<typeof createEventLifecycleService>;

/**
 * The API's and the worker's side of the event workflows (workflows/event-lifecycle.ts): publishing
 * starts an event's workflow, an edit of its start or sale window reaches it as the `reschedule`
 * Update, and cancelling the event undoes what it sold: every confirmed booking is refunded through
 * its refund workflow (src/bookings/service.ts), every live hold cancelled by signalling its
 * reservation workflow, and the event's workflow told to read its row (CANCELLED) and end.
 * PostgreSQL decides first every time; a Temporal call that fails loses nothing (the workflow reads
 * the row when it wakes, the worker starts workflows that never were, a repeated cancel finishes).
 */
export function createEventLifecycleService({ pool, temporal, config, log, bookings }: EventLifecycleDeps) {
  /**
   * Starts the event's workflow, or wakes the one running (a republished closed event must be read
   * again): Signal-with-Start of `refresh`. Remembers that it was started.
   */
  async function start(eventId: string): Promise<string> {
    const workflowId = eventLifecycleWorkflowId(eventId);
    await temporal.workflow.signalWithStart<typeof eventLifecycleWorkflow, []>('eventLifecycleWorkflow', {
      signal: refreshSignal, signalArgs: [],
      workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{ eventId, inventoryCheckSeconds: config.EVENT_INVENTORY_CHECK_SECONDS }],
      // a run that ended (COMPLETED, CANCELLED) may be started again: it reads the row and ends at once
      workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: EventIdKey, value: eventId }, { key: EventLifecycleKey, value: 'UPCOMING' }],
    });
    await markLifecycleStarted(pool, eventId);
    return workflowId;
  }

  /** Starts the workflow after publishing; a failure is logged and left to the worker's sweep (`ensureStarted`). */
  async function started(eventId: string): Promise<void> {
    try {
      await start(eventId);
    } catch (error) {
      log.warn({ err: error, eventId }, 'could not start the event workflow; the worker starts it later');
    }
  }

  /** Tells the event's workflow its new schedule (it answers after moving the status); starts it when it is not running. */
  async function rescheduled(eventId: string, schedule: EventSchedule): Promise<void> {
    const handle = temporal.workflow.getHandle(eventLifecycleWorkflowId(eventId));
    try {
      await handle.executeUpdate(rescheduleUpdate, { args: [schedule] });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || (error as Error)?.name === 'WorkflowNotFoundError') return started(eventId);
      // ended, or Temporal away: the row holds the schedule, which the workflow reads when it wakes
      log.warn({ err: error, eventId }, 'could not reschedule the event workflow; it reads the schedule from the event when it wakes');
    }
  }

  /** Wakes the event's workflow to read its row (a cancellation); nothing to wake is fine. */
  async function refresh(eventId: string): Promise<void> {
    try {
      await temporal.workflow.getHandle(eventLifecycleWorkflowId(eventId)).signal(refreshSignal);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) log.warn({ err: error, eventId }, 'could not signal the event workflow');
    }
  }

  /** Signals cancel to a live hold's workflow (Signal-with-Start: a hold whose workflow is not running yet gets it). */
  async function cancelHold(hold: LiveHold, actor: string, reason: string) {
    const options = reservationStart({ ...hold }, config);
    try {
      await temporal.workflow.signalWithStart<typeof reservationWorkflow, [Partial<CancelRequest>]>('reservationWorkflow', {
        ...options, signal: cancelSignal, signalArgs: [{ actor, reason }],
      });
    } catch (error) {
      // the workflow ended meanwhile (it expired or was paid: a booking is refunded below)
      log.info({ err: error, reservationId: hold.id }, 'the hold of a cancelled event ended before its cancel signal');
    }
    return { reservationId: hold.id, workflowId: options.workflowId };
  }

  /**
   * Cancels the live holds and refunds the confirmed bookings of a cancelled event, twice over: a
   * claim that read ON_SALE just before the cancellation committed can land right after it.
   */
  async function undoSales(eventId: string, first: { holds: LiveHold[]; bookings: string[] }, actor: string, reason: string) {
    const why = `event cancelled: ${reason}`.slice(0, 500);
    const signalled = new Map<string, { reservationId: string; workflowId: string }>();
    const refundsOf = new Map<string, EventCancellation['refunds'][number]>();
    let { holds, bookings: references } = first;
    for (let pass = 0; pass < 2; pass++) {
      for (const hold of holds.filter((h) => !signalled.has(h.id))) signalled.set(hold.id, await cancelHold(hold, actor, why));
      const due = references.filter((r) => !refundsOf.has(r));
      if (due.length > 0 && !bookings) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'refunds are not available in this process', {});
      for (let i = 0; i < due.length; i += 10) {
        const answers = await Promise.all(due.slice(i, i + 10).map(async (reference) => {
          const answer = await bookings!.cancelForEvent(actor, reference, why);
          return { reference, status: answer.body.cancellation.status, workflowId: answer.body.workflowId };
        }));
        for (const answer of answers) refundsOf.set(answer.reference, answer);
      }
      ({ holds, bookings: references } = await leftToUndo(pool, eventId));
    }
    return { refunds: [...refundsOf.values()], holdsCancelled: [...signalled.values()] };
  }

  /** Cancels an event with whatever it sold: see the module's comment. Idempotent: asking again finishes what is left. */
  async function cancel(scope: TenantScope, actor: Actor, eventId: string, reason: string | undefined): Promise<{ status: 200 | 202; cancellation: EventCancellation }> {
    const result = await cancelEvent(pool, scope, eventId, { actor, reason: reason ?? 'the event was cancelled by its organizer' });
    if (result.outcome === 'NOT_FOUND') throw notFound('Event', eventId);
    if (result.outcome === 'COMPLETED') throw new AppError(409, 'INVALID_STATE', 'the event is over: it cannot be cancelled', { status: 'COMPLETED' });
    // the first cancellation's actor is the one its holds and refunds name, whoever asks again
    const { refunds, holdsCancelled } = await undoSales(eventId, result, result.cancellation.cancelledBy, result.cancellation.reason);
    await refresh(eventId);
    return {
      status: refunds.every((r) => r.status === 'REFUNDED') ? 200 : 202,
      cancellation: { status: 'CANCELLED', ...result.cancellation, refunds, holdsCancelled, workflowId: eventLifecycleWorkflowId(eventId) },
    };
  }

  /**
   * The worker's part of a cancellation: cancelled events that still have live holds or confirmed
   * bookings (the API died half-way, or a hold being paid became a booking after the cancel) have
   * them cancelled and refunded, as the cancellation's actor.
   */
  async function finishCancellations(): Promise<number> {
    const unfinished = await unfinishedCancellations(pool, 20);
    for (const event of unfinished) {
      try {
        await undoSales(event.eventId, await leftToUndo(pool, event.eventId), event.cancelledBy, event.reason);
      } catch (error) {
        log.warn({ err: error, eventId: event.eventId }, 'could not finish the cancellation of an event; will try again');
      }
    }
    return unfinished.length;
  }

  /** The worker's part: published events whose workflow was never started get it (seeded events, a crash after publishing). */
  async function ensureStarted(): Promise<number> {
    let count = 0;
    for (;;) {
      const due = await unstartedEvents(pool, 100);
      for (const eventId of due) {
        try {
          await start(eventId);
          count += 1;
        } catch (error) {
          log.warn({ err: error, eventId }, 'could not start the workflow of an event; will try again');
          return count;
        }
      }
      if (due.length < 100) return count;
    }
  }

  return { start: started, rescheduled, refresh, cancel, ensureStarted, finishCancellations };
}

/** Runs `ensureStarted` and `finishCancellations` at start-up and then every `intervalMs` (worker role). */
export function startEventWorkflowSweep(lifecycle: EventLifecycleService, log: Logger, intervalMs: number) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = lifecycle.ensureStarted()
      .then((count) => { if (count > 0) log.info({ count }, 'started the workflows of published events'); })
      .then(() => lifecycle.finishCancellations())
      .then((count) => { if (count > 0) log.info({ count }, 'finished the cancellation of events with holds or bookings left'); })
      .catch((error: unknown) => log.warn({ err: error }, 'event workflow sweep failed; retrying'))
      .finally(() => { if (!stopped) timer = setTimeout(run, intervalMs); });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
