import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EventStatus } from '../src/contract/catalog.ts';

/**
 * The event workflow's messages and id, shared by the workflow (event-lifecycle.ts), its activity
 * (src/db/lifecycle.ts) and the API (src/events/lifecycle.ts). One workflow per event, ever:
 *   temporal workflow describe --workflow-id event-lifecycle-<event id>
 *   temporal workflow update execute --workflow-id event-lifecycle-<id> --name reschedule \
 *     --input '{"startsAt":"2027-05-01T19:00:00Z","salesStartAt":null,"salesEndAt":null}'
 *   temporal workflow signal --workflow-id event-lifecycle-<id> --name refresh
 */
export const eventLifecycleWorkflowId = (eventId: string) => `event-lifecycle-${eventId}`;

/** When sales open (null: when published), close (null: when the event starts), and when the event starts; ISO instants. */
export interface EventSchedule {
  startsAt: string;
  salesStartAt: string | null;
  salesEndAt: string | null;
}

export interface EventLifecycleInput {
  eventId: string;
  /** How often the inventory is checked during the sale (SOLD_OUT ⇄ ON_SALE), in seconds; 30 when absent. */
  inventoryCheckSeconds?: number;
}

/** What the timers say the event should be; ON_SALE becomes SOLD_OUT in the activity when every seat is sold. */
export type EventPhase = 'UPCOMING' | 'ON_SALE' | 'CLOSED' | 'COMPLETED';

/** The activity's input: the phase to apply (null: only read the row), computed from `schedule`, which must still be the row's. */
export interface EventSyncRequest {
  eventId: string;
  phase: EventPhase | null;
  schedule: EventSchedule | null;
}

/** The row after a sync: its status (DELETED when the event is gone) and schedule. */
export interface EventSync {
  status: EventStatus | 'DELETED';
  schedule: EventSchedule | null;
}

export interface EventLifecycleView extends EventSync {
  /** The phase the timers gave at the last sync. */
  phase: EventPhase | null;
  syncedAt: string | null;
}

/** A new schedule (the API sends it after committing an edit); refused by the validator when malformed or out of order. */
export const rescheduleUpdate = defineUpdate<EventLifecycleView, [EventSchedule]>('reschedule');
/** "The event's row changed (cancelled, refunded seats, ...): read it again." Carries nothing, so nothing in it can be wrong. */
export const refreshSignal = defineSignal('refresh');
export const lifecycleQuery = defineQuery<EventLifecycleView>('lifecycle');

export const EventLifecycleFailures = {
  /** The input is not an event (e.g. started by hand from the CLI). */
  InvalidRequest: 'InvalidRequest',
} as const;
