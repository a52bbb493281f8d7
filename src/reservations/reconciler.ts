import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { acknowledgeAttempt, leaseFollowUps } from '../db/payments.ts';
import { sql } from '../db/sql.ts';
import type { Logger } from '../logger.ts';
import { reconcilerNudgesTotal } from '../metrics.ts';
import { type CancelRequest, cancelSignal, syncSignal, reservationWorkflowId } from '../../workflows/messages.ts';
import type { reservationWorkflow } from '../../workflows/reservation.ts';
import { createBookingService } from '../bookings/service.ts';
import { type ReservationRecord, reservationStart, type StartConfig } from './workflow-start.ts';
import { ReservationStatus } from '../contract/reservations.ts';

/**
 * The reconciler: it finds payment attempts that a crash may have cut off, and has their
 * reservation's workflow settle them. It never settles anything itself: the workflow does,
 * from the provider's record (activities `settleReservation`), and adopts the outcome.
 *   - An attempt still open past its follow-up time (PAYMENT_FOLLOW_UP_SECONDS): its checkout
 *     may be gone with the process that ran it. Signal-with-Start `sync`: a workflow that is
 *     still paying ignores it and settles by itself; one that lost the checkout settles now;
 *     one that was terminated is started again and settles.
 *   - An attempt settled without the workflow's acknowledgement (no caller saw the answer): the
 *     workflow may not have recorded it. Signal `sync`; once the workflow has ended, the
 *     attempt is acknowledged.
 * It also releases the holds of terminated workflows (see `releaseTerminated`).
 * Every worker process runs one; they share the payment work by leasing rows.
 */

const recordRow = z.object({
  id: z.string(), eventId: z.string(), customerId: z.string(), seatCount: z.number(), amountCents: z.number(),
  holdExpiresAt: z.string(), status: ReservationStatus,
});

const reservationRecord = (pool: DatabasePool, reservationId: string): Promise<ReservationRecord> => pool.one(sql.type(recordRow)`
  SELECT id, event_id AS "eventId", customer_id AS "customerId", seat_count AS "seatCount", amount_cents AS "amountCents",
         iso_utc(hold_expires_at) AS "holdExpiresAt", status
  FROM reservations WHERE id = ${reservationId}
`);

export async function reconcileOnce(options: { pool: DatabasePool; temporal: Client; config: StartConfig & { PAYMENT_FOLLOW_UP_SECONDS: number }; log: Logger }): Promise<number> {
  const { pool, temporal, config, log } = options;
  const due = await leaseFollowUps(pool, 100, config.PAYMENT_FOLLOW_UP_SECONDS);
  await Promise.all(due.map(async (attempt) => {
    try {
      if (attempt.status === 'PENDING' || attempt.status === 'REFUNDING') {
        await temporal.workflow.signalWithStart<typeof reservationWorkflow, []>('reservationWorkflow', {
          ...reservationStart(await reservationRecord(pool, attempt.reservationId), config),
          signal: syncSignal,
          signalArgs: [],
        });
      } else {
        await temporal.workflow.getHandle(reservationWorkflowId(attempt.reservationId)).signal(syncSignal);
      }
      reconcilerNudgesTotal.inc({ outcome: 'nudged' });
      log.info({ reservationId: attempt.reservationId, attempt: attempt.idempotencyKey, status: attempt.status }, 'asked the workflow to settle a payment attempt');
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        await acknowledgeAttempt(pool, attempt.idempotencyKey);
        reconcilerNudgesTotal.inc({ outcome: 'acknowledged' });
        return;
      }
      reconcilerNudgesTotal.inc({ outcome: 'failed' });
      log.warn({ err: error, reservationId: attempt.reservationId }, 'could not nudge a reservation workflow; will try again');
    }
  }));
  return due.length;
}

/** How far back a round looks for terminated runs; an older one's hold is left to passive expiry and the sweep. */
const TERMINATED_LOOKBACK_MS = 60 * 60 * 1000;

/**
 * A terminated workflow (Terminate in the Temporal UI, `temporal workflow terminate`) cannot
 * release its hold. For each reservation whose latest run was terminated in the last hour and
 * that PostgreSQL still holds live (PAYING, or HELD with seats before their deadline), this
 * sends Signal-with-Start `cancel` with the terminating identity and reason: a new run settles
 * any payment in flight, releases the seats (pushed live) and ends CANCELLED.
 */
export async function releaseTerminated(options: { pool: DatabasePool; temporal: Client; config: StartConfig; log: Logger }): Promise<number> {
  const { pool, temporal, config, log } = options;
  const since = new Date(Date.now() - TERMINATED_LOOKBACK_MS).toISOString();
  const ids = new Set<string>();
  for await (const run of temporal.workflow.list({ query: `WorkflowType="reservationWorkflow" AND ExecutionStatus="Terminated" AND CloseTime > "${since}"` })) {
    const id = run.workflowId.slice(reservationWorkflowId('').length);
    if (z.uuid().safeParse(id).success) ids.add(id);
  }
  if (ids.size === 0) return 0;
  const live = await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT r.id FROM reservations r
    WHERE r.id = ANY(${sql.array([...ids], 'uuid')})
      AND (r.status = 'PAYING' OR (r.status = 'HELD' AND EXISTS (
        SELECT 1 FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD' AND s.hold_expires_at > now())))
  `);
  let released = 0;
  for (const reservationId of live) {
    try {
      const handle = temporal.workflow.getHandle(reservationWorkflowId(reservationId));
      if ((await handle.describe()).status.name !== 'TERMINATED') continue; // a newer run has it
      const history = await handle.fetchHistory();
      const terminated = history.events?.at(-1)?.workflowExecutionTerminatedEventAttributes;
      const request: CancelRequest = {
        actor: `temporal:${terminated?.identity || 'terminate'}`,
        reason: `workflow terminated${terminated?.reason ? `: ${terminated.reason}` : ''}`,
      };
      await temporal.workflow.signalWithStart<typeof reservationWorkflow, [Partial<CancelRequest>]>('reservationWorkflow', {
        ...reservationStart(await reservationRecord(pool, reservationId), config),
        signal: cancelSignal,
        signalArgs: [request],
      });
      released++;
      reconcilerNudgesTotal.inc({ outcome: 'terminated_released' });
      log.warn({ reservationId, ...request }, 'the workflow of a live hold was terminated; a new run cancels the hold');
    } catch (error) {
      log.warn({ err: error, reservationId }, 'could not release the hold of a terminated workflow; will try again');
    }
  }
  return released;
}

export function startReconciler(options: Parameters<typeof reconcileOnce>[0] & { intervalMs: number }) {
  const log = options.log.child({ component: 'payment-reconciler' });
  // cancelled bookings whose refund workflow a crash may have kept from starting (src/db/refunds.ts)
  const bookings = createBookingService({ pool: options.pool, temporal: options.temporal, config: options.config, log });
  const stopping = new AbortController();
  const running = (async () => {
    for (let round = 0; !stopping.signal.aborted; round++) {
      try {
        await reconcileOnce({ ...options, log });
        await bookings.resumeUnfinished(options.config.PAYMENT_FOLLOW_UP_SECONDS);
        // terminated runs are looked for every fifth round (a visibility query)
        if (round % 5 === 0) await releaseTerminated({ ...options, log });
      } catch (error) {
        log.error({ err: error }, 'reconciler round failed; retrying');
      }
      await delay(options.intervalMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
