import type { WorkflowStartOptions } from '@temporalio/client';
import type { Config } from '../config.ts';
import type { reservationWorkflow } from '../../workflows/reservation.ts';
import { type ReservationState, reservationWorkflowId } from '../../workflows/messages.ts';
import { AmountCentsKey, CustomerIdKey, EventIdKey, HoldDeadlineKey, ReservationStateKey, SeatCountKey } from '../../workflows/search-attributes.ts';

/** What a reservation's workflow is started from: its row in PostgreSQL. */
export interface ReservationRecord {
  id: string;
  eventId: string;
  customerId: string;
  seatCount: number;
  amountCents: number;
  holdExpiresAt: string;
  status: ReservationState;
}

export type StartConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PASSIVE_EXPIRY_GRACE_SECONDS' | 'HOLD_EXTENSIONS' | 'HOLD_EXTENSION_MAX_SECONDS'>;

/**
 * How every path starts a reservation's workflow: the starters (after the hold's commit) and
 * Update-with-Start / Signal-with-Start (a checkout, extension or cancel that arrives first).
 * Whoever comes first starts it; the others find it running (USE_EXISTING). A run that ended
 * normally is never started again; one that was terminated or failed may be, and the new run
 * takes PostgreSQL's state from its input.
 */
export function reservationStart(reservation: ReservationRecord, config: StartConfig): WorkflowStartOptions<typeof reservationWorkflow> & { workflowIdConflictPolicy: 'USE_EXISTING' } {
  return {
    workflowId: reservationWorkflowId(reservation.id),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [{
      reservationId: reservation.id,
      eventId: reservation.eventId,
      customerId: reservation.customerId,
      seatCount: reservation.seatCount,
      amountCents: reservation.amountCents,
      holdExpiresAt: reservation.holdExpiresAt,
      extensions: { maxCount: config.HOLD_EXTENSIONS, maxSeconds: config.HOLD_EXTENSION_MAX_SECONDS },
      passiveGraceSeconds: config.PASSIVE_EXPIRY_GRACE_SECONDS,
      status: reservation.status,
    }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    typedSearchAttributes: [
      { key: EventIdKey, value: reservation.eventId },
      { key: CustomerIdKey, value: reservation.customerId },
      { key: ReservationStateKey, value: reservation.status },
      { key: SeatCountKey, value: reservation.seatCount },
      { key: AmountCentsKey, value: reservation.amountCents },
      { key: HoldDeadlineKey, value: new Date(reservation.holdExpiresAt) },
    ],
  };
}
